#!/usr/bin/env python3
"""Build the board's file tree (`stage`) and put it on a board with mpremote (`deploy`).

    deploy.py stage  --board pico --out DIR [--config my.json]     (make stage)
    deploy.py deploy --board pico [--port /dev/ttyACM0] [--config my.json] [--romfs]
                                                                   (make deploy [ROMFS=1])
    deploy.py romfs  --board pico --out midictl.romfs               (make romfs)

The staged tree is exactly what lands on the board's filesystem (ARCHITECTURE.md,
"Files on the board"):

    main.py, boot.py      copied as source (MicroPython only runs these two as .py)
    midictl/**.mpy        every other firmware/midictl/**/*.py, compiled by mpy-cross
    board.json            boards/<board>.json, byte for byte
    config.json           --config validated by the firmware's own validator and
                          written in its smallest equivalent form (only what differs
                          from the default layout: less for the board to check at
                          boot), or the board's default config (also validated, in full)
    REQUIRES.txt          micropython-lib packages deploy installs with `mpremote mip`

Nothing else: no ARCHITECTURE.md, no marker files. OUT is replaced as a whole: the new
tree is built in a fresh sibling directory and renamed into place, so a failed stage
leaves the previous one intact. Because no marker file may sit in the tree, an existing
non-empty OUT is only replaced when everything in it has the shape of a staged tree
(the names above, only .mpy under midictl/); anything else there is refused, so a typo
in OUT cannot delete a user's files.

With --romfs (for a MicroPython build that has a ROMFS partition, MICROPY_VFS_ROM), the
compiled midictl/ package goes into the ROMFS partition instead of the filesystem, as one
image (`romfs` writes the same image to a file): the board mounts it at /rom and runs its
bytecode in place from flash, so the code does not take heap (make bench: "Memory"). Only
main.py, boot.py, board.json and config.json go on the filesystem, and a /midictl there
is removed (it would shadow /rom). Stock rp2 builds have no ROMFS partition; deploy says so
and changes nothing on the board.

A board whose MicroPython has midictl frozen in (make firmware) runs that copy: deploy
finds it (and its VERSION) and copies only main.py, boot.py, board.json and config.json,
removing a /midictl there (it would shadow the frozen one); a frozen copy of another
release than firmware/'s is refused, as boot.py and main.py go with their own package.

Exit status: 0 done; 1 a failure (bad config, compile error, incompatible board firmware,
mpremote error); 2 no board attached / cannot connect, or a bad --board (unknown, or a
definition hardware/boarddef.py refuses: its first problem, after the board's file).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import config_check
from config_check import BOARDS, FIRMWARE, CheckError

# mpy-cross -march per chip. Bytecode .mpy files do not depend on it; it matters only
# for @micropython.native/viper code. RP2350's Cortex-M33 has a single-precision FPU,
# which MicroPython's rp2 port reports as armv7emsp (py/persistentcode.h); its Hazard3
# RISC-V cores take rv32imc.
ARCH = {"rp2040": "armv6m", "rp2350": "armv7emsp", "rp2350-riscv": "rv32imc"}

ROOT_FILES = ("main.py", "boot.py")
REQUIRES = ("usb-device-midi",)
# What proves a requirement is already on the board (its import name).
REQUIRE_MODULES = {"usb-device-midi": "usb.device.midi"}
STAGED_ROOT = ("main.py", "boot.py", "board.json", "config.json", "REQUIRES.txt")

NO_BOARD = ("no MicroPython board found: connect the board with a USB data cable (not charge-only), "
            "without holding BOOTSEL, with MicroPython flashed (https://micropython.org/download/); "
            "or give PORT=")


def _which(prog, venv_first):
    venv = os.path.join(os.path.dirname(sys.executable), prog)
    found = shutil.which(prog)
    order = [venv, found] if venv_first else [found, venv]
    for p in order:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    raise CheckError("%s not found: pip install %s (make setup puts it in .venv)" % (prog, prog))


# ---- stage ---------------------------------------------------------------------------


def firmware_files(firmware_dir=FIRMWARE):
    """(source path, path in the staged tree) for every file the board gets from firmware/."""
    pairs = []
    for name in ROOT_FILES:
        src = os.path.join(firmware_dir, name)
        if os.path.isfile(src):
            pairs.append((src, name))
    pkg = os.path.join(firmware_dir, "midictl")
    for here, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for f in sorted(files):
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(here, f), firmware_dir).replace(os.sep, "/")
                pairs.append((os.path.join(here, f), rel[:-3] + ".mpy"))
    return pairs


def looks_staged(out):
    """True when every file under `out` has the shape of a staged tree."""
    for here, _dirs, files in os.walk(out):
        rel_dir = os.path.relpath(here, out).replace(os.sep, "/")
        for f in files:
            if rel_dir == ".":
                if f not in STAGED_ROOT:
                    return False
            elif not (rel_dir.split("/")[0] == "midictl" and f.endswith(".mpy")):
                return False
        if rel_dir != "." and rel_dir.split("/")[0] != "midictl":
            return False
    return True


def _prepare_out(out):
    if os.path.lexists(out) and not os.path.isdir(out):
        raise CheckError("%s exists and is not a directory; refusing to replace it" % out)
    if os.path.isdir(out) and os.listdir(out) and not looks_staged(out):
        raise CheckError("%s is not empty and is not a staged tree; refusing to delete what is in it "
                         "(choose a new or empty directory)" % out)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix=".stage-", dir=parent)


def source_name(rel):
    """The name a compiled module's tracebacks give for its file (mpy-cross -s): its module
    name, midictl.controls.knob for midictl/controls/knob.py. The board interns that name
    anyway when it imports the module, where a file name would be one more string held in
    RAM for good, per module (about 1 KB for the firmware on the 64-bit Unix port)."""
    parts = rel.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _compile(mpy_cross, arch, src, rel_mpy, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    # -s: the name tracebacks on the board show (not a host path; see source_name)
    cmd = [mpy_cross, "-march=" + arch, "-s", source_name(rel_mpy), "-o", dest, src]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines() or ["exit status %d" % r.returncode]
        raise CheckError("mpy-cross failed on %s: %s" % (src, lines[-1]))


def stage(board_name, out, config=None, firmware_dir=FIRMWARE, boards_dir=BOARDS, log=None):
    """Write the board's file tree into `out`; returns its sorted relative paths."""
    import json

    board = config_check.load_board(board_name, boards_dir)  # checked: nothing broken goes on the board
    bpath = config_check.board_path(board_name, boards_dir)
    chip = board.get("chip")
    if chip not in ARCH:
        raise CheckError("%s: chip %r has no mpy-cross arch; known chips: %s"
                         % (bpath, chip, ", ".join(sorted(ARCH))))
    api = config_check.config_api(firmware_dir)
    if config:
        cfg = config_check.compact(config_check.check(config, board, api), board, api)
    else:
        cfg = config_check.default(board, api)
    mpy_cross = _which("mpy-cross", venv_first=True)  # the pinned one: .mpy version must match
    tmp = _prepare_out(out)
    try:
        for src, rel in firmware_files(firmware_dir):
            dest = os.path.join(tmp, *rel.split("/"))
            if rel.endswith(".mpy"):
                _compile(mpy_cross, ARCH[chip], src, rel, dest)
            else:
                shutil.copyfile(src, dest)
        shutil.copyfile(bpath, os.path.join(tmp, "board.json"))
        with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=1, sort_keys=True)
            f.write("\n")
        with open(os.path.join(tmp, "REQUIRES.txt"), "w", encoding="utf-8") as f:
            f.write("".join(r + "\n" for r in REQUIRES))
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tree = tree_of(out)
    if log:
        log("staged %d files for %s (%s, %s) in %s" % (len(tree), board_name, chip, ARCH[chip], out))
    return tree


def romfs_image(tree, top="midictl"):
    """The ROMFS image (bytes) of tree/top and everything under it, in sorted order, built
    with mpremote's own writer: the format `mpremote romfs deploy` writes and the board's
    VfsRom mounts."""
    from mpremote.romfs import VfsRomWriter

    w = VfsRomWriter()

    def add(path, name):
        if os.path.isdir(path):
            w.opendir(name)
            for entry in sorted(os.listdir(path)):
                add(os.path.join(path, entry), entry)
            w.closedir()
        else:
            with open(path, "rb") as f:
                w.mkfile(name, f.read())

    src = os.path.join(tree, top)
    if not os.path.isdir(src):
        raise CheckError("%s: no %s/ to put in a ROMFS image" % (tree, top))
    add(src, top)
    return w.finalise()


def write_romfs(board_name, out, firmware_dir=FIRMWARE, boards_dir=BOARDS, log=None):
    """Stage (default config) into a temporary directory and write its midictl/ as a ROMFS
    image to the file `out`; returns the image size."""
    work = tempfile.mkdtemp(prefix="midictl-romfs-")
    try:
        tree = os.path.join(work, "tree")
        stage(board_name, tree, None, firmware_dir, boards_dir)
        image = romfs_image(tree)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(out, "wb") as f:
        f.write(image)
    if log:
        log("wrote %s: a ROMFS image of midictl/ for %s, %d bytes" % (out, board_name, len(image)))
    return len(image)


def tree_of(out):
    paths = []
    for here, _dirs, files in os.walk(out):
        for f in files:
            paths.append(os.path.relpath(os.path.join(here, f), out).replace(os.sep, "/"))
    return sorted(paths)


# ---- deploy ----------------------------------------------------------------------------

# Runs on the board through `mpremote exec`; one line back, parsed by _probe(). Written
# for MicroPython and CircuitPython alike (no f-strings, no `machine` assumed).
PROBE = """import sys, os
try:
    import machine
    u = int(hasattr(machine, 'USBDevice'))
except ImportError:
    u = 0
def have(m):
    try:
        __import__(m)
        return 1
    except ImportError:
        return 0
try:
    os.stat('/midictl')
    d = 1
except OSError:
    d = 0
r = 0
try:
    import vfs
    if vfs.rom_ioctl(1) > 0:
        try:
            r = len(vfs.rom_ioctl(2, 0))
        except TypeError:
            r = -1
except Exception:
    pass
f = '-'
p = sys.path[:]
m = sys.modules.pop('midictl', None)
sys.path[:] = ['.frozen']
try:
    import midictl
    f = str(midictl.VERSION)
except Exception:
    pass
sys.path[:] = p
sys.modules.pop('midictl', None)
if m is not None:
    sys.modules['midictl'] = m
print('MIDICTL-PROBE', sys.implementation.name,
      '.'.join([str(x) for x in sys.implementation.version[:3]]), u, d,
      ','.join([str(have(m)) for m in %r]), r, f)
"""


class Mpremote:
    """Runs mpremote (found on PATH first, so a test can put a fake there)."""

    def __init__(self, log):
        self.exe = _which("mpremote", venv_first=False)
        self.log = log

    def run(self, args, cwd=None):
        r = subprocess.run([self.exe] + list(args), capture_output=True, text=True, cwd=cwd)
        return r.returncode, (r.stdout or "") + (r.stderr or "")

    def must(self, args, what, cwd=None):
        code, text = self.run(args, cwd)
        if code != 0:
            raise CheckError("%s failed: %s" % (what, _last_line(text, code)))
        return text


def _last_line(text, code):
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "mpremote exit status %d" % code


def _version(text):
    parts = []
    for p in text.split(".")[:3]:
        digits = "".join(c for c in p if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts + [0] * (3 - len(parts)))


def find_port(mp):
    """The serial device of the board from `mpremote devs`: a MicroPython one if any,
    else the first USB serial device (vid:pid not 0000:0000, as `connect auto` does)."""
    code, text = mp.run(["devs"])
    if code != 0:
        raise CheckError("mpremote devs failed: %s" % _last_line(text, code))
    usb, upy = [], []
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 3 and ":" in f[2] and f[2] != "0000:0000":
            usb.append(f[0])
            if "micropython" in line.lower():
                upy.append(f[0])
    found = upy or usb
    if not found:
        raise CheckError(NO_BOARD, 2)
    if len(found) > 1:
        mp.log("%d boards found (%s); using %s (choose with PORT=)"
               % (len(found), ", ".join(found), found[0]))
    return found[0]


def probe(mp, port, requires):
    modules = [REQUIRE_MODULES.get(r, r.replace("-", ".")) for r in requires]
    code, text = mp.run(["connect", port, "exec", PROBE % (modules,)])
    if code != 0:
        raise CheckError("cannot talk to a board on %s: %s (check the port: `mpremote devs` lists them)"
                         % (port, _last_line(text, code)), 2)
    for line in text.splitlines():
        f = line.split()
        if len(f) == 8 and f[0] == "MIDICTL-PROBE":
            have = [c == "1" for c in f[5].split(",")]
            return {"impl": f[1], "version": f[2], "usbdevice": f[3] == "1",
                    "has_midictl": f[4] == "1", "missing": [r for r, ok in zip(requires, have) if not ok],
                    "romfs": int(f[6]), "frozen": None if f[7] == "-" else f[7]}
    raise CheckError("the board on %s did not answer like MicroPython: %s" % (port, _last_line(text, code)))


def check_firmware(info, board, port):
    need = board.get("micropython", "1.23.0")
    fix = ("flash MicroPython >= %s from https://micropython.org/download/ "
           "(hold BOOTSEL, plug in, copy the .uf2)" % need)
    if info["impl"] != "micropython":
        raise CheckError("the board on %s runs %s %s; this firmware needs MicroPython >= %s: %s"
                         % (port, _impl_name(info["impl"]), info["version"], need, fix))
    if _version(info["version"]) < _version(need):
        raise CheckError("the board on %s runs MicroPython %s; this firmware needs MicroPython >= %s "
                         "(machine.USBDevice): %s" % (port, info["version"], need, fix))
    if not info["usbdevice"]:
        raise CheckError("MicroPython %s on %s is built without machine.USBDevice (runtime USB), which "
                         "USB-MIDI needs: %s" % (info["version"], port, fix))


def _impl_name(impl):
    return {"circuitpython": "CircuitPython"}.get(impl, impl)


def local_version(firmware_dir):
    """midictl.VERSION of the firmware folder deploy stages."""
    with open(os.path.join(firmware_dir, "midictl", "__init__.py")) as f:
        for line in f:
            if line.startswith("VERSION = "):
                return line.split("=", 1)[1].split("#")[0].strip().strip("\"'")
    raise CheckError("%s: no VERSION line" % os.path.join(firmware_dir, "midictl", "__init__.py"))


NO_ROMFS = ("MicroPython %s on %s has no ROMFS partition (a build with MICROPY_VFS_ROM and a ROMFS "
            "partition is needed; stock rp2 builds have none): deploy without ROMFS=1")


def deploy(board_name, port, config, firmware_dir, boards_dir, log, romfs=False):
    """Stage into a temporary directory, then put that tree on the board and reset it
    (romfs: midictl/ into the ROMFS partition as one image, the rest on the filesystem)."""
    board = config_check.load_board(board_name, boards_dir)
    if config:  # a config typo is reported before any board is needed
        config_check.check(config, board, config_check.config_api(firmware_dir))
    mp = Mpremote(log)
    if not port:
        port = find_port(mp)
    info = probe(mp, port, list(REQUIRES))
    check_firmware(info, board, port)
    if romfs and info["romfs"] == 0:
        raise CheckError(NO_ROMFS % (info["version"], port))
    # A MicroPython built with midictl frozen in (make firmware) runs its own copy: only
    # boot.py, main.py and the board's files go on the filesystem, and they must be of
    # the same release as that copy (an image in ROMFS takes the place of both)
    frozen = info["frozen"] is not None and not romfs
    if frozen and info["frozen"] != local_version(firmware_dir):
        raise CheckError("MicroPython %s on %s has midictl %s frozen in, and this firmware/ is %s: flash a "
                         "firmware built from this checkout (make firmware), or deploy with ROMFS=1"
                         % (info["version"], port, info["frozen"], local_version(firmware_dir)))
    log("board on %s: MicroPython %s%s" % (port, info["version"],
                                           ", midictl %s frozen in" % info["frozen"] if frozen else ""))
    work = tempfile.mkdtemp(prefix="midictl-deploy-")
    try:
        out = os.path.join(work, "tree")
        tree = stage(board_name, out, config, firmware_dir, boards_dir)
        if romfs:
            image = romfs_image(out)
            if info["romfs"] > 0 and len(image) > info["romfs"]:
                raise CheckError("the ROMFS image (%d bytes) does not fit the board's ROMFS partition "
                                 "(%d bytes)" % (len(image), info["romfs"]))
            img = os.path.join(work, "midictl.romfs")
            with open(img, "wb") as f:
                f.write(image)
            shutil.rmtree(os.path.join(out, "midictl"))
            tree = tree_of(out)
        elif frozen:
            shutil.rmtree(os.path.join(out, "midictl"))
            tree = tree_of(out)
        for req in info["missing"]:
            log("installing %s (mpremote mip)" % req)
            mp.must(["connect", port, "mip", "install", req], "mpremote mip install " + req)
        if info["has_midictl"]:
            # a stale midictl/x.py from an earlier (source) copy would shadow the new x.mpy,
            # and any /midictl would shadow the one in /rom or the frozen one
            mp.must(["connect", port, "rm", "-r", ":midictl"], "removing the old /midictl")
        if romfs:
            log("writing midictl/ to the ROMFS partition (%d bytes)" % len(image))
            mp.must(["connect", port, "romfs", "deploy", img], "mpremote romfs deploy")
        skip = {"REQUIRES.txt"}
        if not config:
            # The config on the board is the player's: only CONFIG= replaces it. A board
            # without one plays the board's default layout, which is what stage wrote.
            skip.add("config.json")
            log("keeping the board's config.json (give CONFIG= to replace it)")
        top = sorted({p.split("/")[0] for p in tree if p not in skip})
        files = [p for p in tree if p not in skip]
        log("copying %d files" % len(files))
        mp.must(["connect", port, "cp", "-r"] + top + [":"], "copying the firmware", cwd=out)
        mp.must(["connect", port, "reset"], "resetting the board")
        log("deployed %s to %s; the board is restarting" % (board_name, port))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog="deploy.py", description="stage or deploy the firmware")
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("stage", "deploy", "romfs"):
        s = sub.add_parser(name)
        s.add_argument("--board", required=True, help="a board in boards/ (e.g. pico)")
        if name != "romfs":
            s.add_argument("--config", help="controller config (JSON); default: the board's default layout")
        # for tests and forks: another firmware tree / board folder
        s.add_argument("--firmware", default=FIRMWARE, help=argparse.SUPPRESS)
        s.add_argument("--boards", default=BOARDS, help=argparse.SUPPRESS)
        if name == "stage":
            s.add_argument("--out", required=True, help="directory to write the tree into")
        elif name == "romfs":
            s.add_argument("--out", required=True, help="the image file to write")
        else:
            s.add_argument("--port", help="serial port of the board (default: the one found)")
            s.add_argument("--romfs", action="store_true",
                           help="midictl/ into the board's ROMFS partition (needs a build that has one)")
    args = p.parse_args(argv)
    say = print
    try:
        if args.command == "stage":
            stage(args.board, args.out, args.config, args.firmware, args.boards, log=say)
            return 0
        if args.command == "romfs":
            write_romfs(args.board, args.out, args.firmware, args.boards, log=say)
            return 0
        return deploy(args.board, args.port, args.config, args.firmware, args.boards, say, args.romfs)
    except CheckError as e:
        sys.stderr.write("%s: %s\n" % (args.command, e))
        return e.code


if __name__ == "__main__":
    sys.exit(main())
