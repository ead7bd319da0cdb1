#!/usr/bin/env python3
"""MicroPython built from source with the firmware frozen into it.

    mpbuild.py source                 MicroPython's source tree (fetched once): prints its path
    mpbuild.py unix                   the Unix port with midictl frozen in (make frozen):
                                      prints the interpreter's path
    mpbuild.py firmware --board pico  the board's MicroPython firmware with midictl and
                                      micropython-lib's usb-device-midi frozen in (make
                                      firmware): prints the .uf2's path (MPY_SRC= needed)

A frozen module is compiled into the interpreter itself: its bytecode, constants and
names live in the program image (flash, on a board) instead of the heap, and importing it
reads nothing from a filesystem. The firmware frozen this way needs about 15 KB less heap
than from a ROMFS image and boots in about half the time (make bench: "Memory", "Boot").

Where the source comes from: MPY_SRC (a MicroPython source tree, such as a git checkout,
version 1.25 or newer) if given; otherwise Debian's `micropython` source package, fetched
with apt-get from the Debian archive this machine's apt already uses (its unstable suite:
the only one that carries MicroPython), into build/mpsrc/, with apt's lists and cache kept
there too: the machine's own apt configuration is not changed. Its git submodules are left
out (Debian's repack), so the Unix port is built without the parts that need them (btree,
ssl, ffi): none of the firmware's imports.

The frozen package is firmware/manifest.py's (the midictl package); mpy-cross compiles
its viper helpers for this machine (x64 or x86), or, for a board, for its chip.

A board's firmware is MicroPython's rp2 port, built as MicroPython builds it: it needs a
MicroPython source tree with the port's submodules (pico-sdk, TinyUSB, micropython-lib:
`make -C ports/rp2 submodules` in a git checkout), given as MPY_SRC, and the Arm toolchain
(arm-none-eabi-gcc). Debian's source package leaves the submodules out, so it cannot be
used for this. The board's `micropython_build` (boards/*.json) names the port's board
(MPY_BOARD= another); the frozen modules are that board's own (its manifest, or the
port's), micropython-lib's usb-device-midi and midictl. The .uf2 goes to
build/midictl-<board>.uf2: hold BOOTSEL, plug the board in, copy it to the drive that
appears; then `make deploy` copies only boot.py, main.py and the board's files.

Exit status: 0 done; 1 a failure (no apt, no source, a build error: the last lines of its
output are printed).
"""
import glob
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
SRC_CACHE = os.path.join(BUILD, "mpsrc")
MANIFEST = os.path.join(ROOT, "firmware", "manifest.py")
BOARDS = os.path.join(ROOT, "boards")
# Debian's archive key ring (package debian-archive-keyring): what the unstable suite is signed by
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# the interpreter `unix` builds
UNIX_PROG = os.path.join(BUILD, "frozen", "micropython")

# mpy-cross -march for the native (viper) code frozen into an interpreter for this machine
HOST_ARCH = {"x86_64": "x64", "amd64": "x64", "i686": "x86", "i386": "x86"}
# Unix port features that need a git submodule Debian's source package leaves out
UNIX_OFF = ("MICROPY_PY_BTREE=0", "MICROPY_PY_SSL=0", "MICROPY_SSL_AXTLS=0", "MICROPY_SSL_MBEDTLS=0",
            "MICROPY_PY_FFI=0")


class BuildError(Exception):
    pass


def _run(cmd, cwd=None, what=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-15:])
        raise BuildError("%s failed (exit %d):\n%s" % (what or " ".join(cmd[:3]), r.returncode, tail))
    return r.stdout


def debian_archive(sources_dirs=("/etc/apt/sources.list.d",), sources_list="/etc/apt/sources.list"):
    """The address of the Debian archive this machine's apt uses (the first one its sources
    name whose path ends in /debian), so that the source package comes from the same place
    as the machine's other packages."""
    found = []
    for d in sources_dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.sources"))):
            with open(path) as f:
                for line in f:
                    if line.strip().lower().startswith("uris:"):
                        found += line.split(":", 1)[1].split()
        for path in sorted(glob.glob(os.path.join(d, "*.list"))):
            found += _list_uris(path)
    if os.path.exists(sources_list):
        found += _list_uris(sources_list)
    for uri in found:
        if uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    raise BuildError("no Debian archive in this machine's apt sources (%s, %s): give MPY_SRC=, a "
                     "MicroPython source tree (a git checkout of v1.25 or newer)" % (sources_list, sources_dirs[0]))


def _list_uris(path):
    out = []
    with open(path) as f:
        for line in f:
            words = re.sub(r"\[[^]]*\]", " ", line.split("#")[0]).split()  # (less [options])
            if len(words) >= 2 and words[0] in ("deb", "deb-src"):
                out.append(words[1])
    return out


def private_apt(apt_dir, kinds):
    """apt-get options for a configuration of its own in apt_dir: a sources list of Debian
    unstable from this machine's archive, one line of each of `kinds` ("deb-src", "deb"),
    and the lists and downloads kept there; the machine's apt configuration is not read."""
    for d in ("lists/partial", "cache/archives/partial", "parts"):
        os.makedirs(os.path.join(apt_dir, d), exist_ok=True)
    archive = debian_archive()
    with open(os.path.join(apt_dir, "sources.list"), "w") as f:
        for kind in kinds:
            f.write("%s [signed-by=%s] %s unstable main\n" % (kind, KEYRING, archive))
    return ["-o", "Dir::Etc::SourceList=" + os.path.join(apt_dir, "sources.list"),
            "-o", "Dir::Etc::SourceParts=" + os.path.join(apt_dir, "parts"),
            "-o", "Dir::State::Lists=" + os.path.join(apt_dir, "lists"),
            "-o", "Dir::Cache=" + os.path.join(apt_dir, "cache"),
            "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=" + _user(), "-q"]


def fetch_source(cache=SRC_CACHE):
    """Debian's MicroPython source package, fetched and unpacked in `cache` (once; later
    calls find it there); returns the tree's path."""
    have = sorted(glob.glob(os.path.join(cache, "micropython-*", "py", "mpconfig.h")))
    if have:
        return os.path.dirname(os.path.dirname(have[-1]))
    if not shutil.which("apt-get"):
        raise BuildError("apt-get not found: MicroPython's source comes from Debian's package; on another "
                         "system give MPY_SRC=, a MicroPython source tree (a git checkout of v1.25 or newer)")
    if not os.path.exists(KEYRING):
        raise BuildError("%s not found (package debian-archive-keyring): apt cannot check the source "
                         "package's signature" % KEYRING)
    apt = os.path.join(cache, "apt")
    os.makedirs(os.path.join(apt, "get"), exist_ok=True)
    opts = private_apt(apt, ("deb-src",))
    _run(["apt-get"] + opts + ["update"], what="apt-get update (Debian's source index)")
    get = os.path.join(apt, "get")
    _run(["apt-get"] + opts + ["source", "--download-only", "micropython"], cwd=get,
         what="apt-get source micropython")
    origs = glob.glob(os.path.join(get, "micropython_*.orig.tar.*"))
    if len(origs) != 1:
        raise BuildError("apt-get source micropython left %s in %s, not one .orig tarball" % (os.listdir(get), get))
    with tarfile.open(origs[0]) as t:
        top = {m.name.split("/")[0] for m in t.getmembers()}
        if len(top) != 1:
            raise BuildError("%s holds %s, not one folder" % (origs[0], sorted(top)))
        # unpacked beside its place and renamed into it: an interrupted unpacking leaves no
        # half tree that a later run would take for the whole one
        tmp = os.path.join(cache, ".unpacking")
        shutil.rmtree(tmp, ignore_errors=True)
        t.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(tmp)
    name = top.pop()
    tree = os.path.join(cache, name)
    shutil.rmtree(tree, ignore_errors=True)
    os.rename(os.path.join(tmp, name), tree)
    os.rmdir(tmp)
    if not os.path.exists(os.path.join(tree, "py", "mpconfig.h")):
        raise BuildError("%s is not a MicroPython source tree (no py/mpconfig.h)" % tree)
    return tree


def _user():
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def source():
    """MPY_SRC if set (checked), else Debian's source package (fetched once)."""
    tree = os.environ.get("MPY_SRC")
    if tree:
        if not os.path.exists(os.path.join(tree, "py", "mpconfig.h")):
            raise BuildError("MPY_SRC=%s is not a MicroPython source tree (no py/mpconfig.h)" % tree)
        return os.path.abspath(tree)
    return fetch_source()


def version(tree):
    """(major, minor, micro) of the tree, from py/mpconfig.h."""
    v = {}
    with open(os.path.join(tree, "py", "mpconfig.h")) as f:
        for line in f:
            for part in ("MAJOR", "MINOR", "MICRO"):
                key = "#define MICROPY_VERSION_%s " % part
                if line.startswith(key):
                    v[part] = int(line[len(key):].split()[0])
    return v["MAJOR"], v["MINOR"], v["MICRO"]


def build_unix(out=UNIX_PROG, cmodules=None, variant="unix"):
    """The Unix port with firmware/manifest.py frozen in, as `out`; returns its path.
    cmodules: a folder of user C modules to build in too (tools/heapmap.py's diagnostic
    interpreter), in a build folder of its own (build/frozen/<variant>)."""
    tree = source()
    arch = HOST_ARCH.get(platform.machine().lower())
    if arch is None:
        raise BuildError("no mpy-cross arch for this machine (%s): the frozen interpreter is built "
                         "on x86 and x86-64 hosts" % platform.machine())
    jobs = "-j%d" % (os.cpu_count() or 1)
    _run(["make", jobs, "-C", os.path.join(tree, "mpy-cross")], what="building mpy-cross")
    work = os.path.join(BUILD, "frozen", variant)
    # The manifest needs no micropython-lib package, but the build checks that its
    # folder (a submodule left out of Debian's package) is there: an empty one is.
    lib = os.path.join(BUILD, "frozen", "no-micropython-lib")
    os.makedirs(lib, exist_ok=True)
    open(os.path.join(lib, "README.md"), "w").close()
    _run(["make", jobs, "-C", os.path.join(tree, "ports", "unix"), "BUILD=" + work, "PROG=micropython",
          "FROZEN_MANIFEST=" + MANIFEST, "MPY_CROSS_FLAGS=-march=" + arch, "MPY_LIB_DIR=" + lib] + list(UNIX_OFF)
         + (["USER_C_MODULES=" + cmodules] if cmodules else []),
         what="building the Unix port (MicroPython %d.%d.%d)" % version(tree))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy2(os.path.join(work, "micropython"), out + ".new")
    os.replace(out + ".new", out)
    return out


NEEDS_TREE = ("make firmware builds MicroPython's rp2 port from a source tree with its submodules: give "
              "MPY_SRC=, a MicroPython git checkout (v1.25 or newer) after `make -C ports/rp2 submodules` "
              "(README.md, \"On a board\")")


def firmware_manifest(tree, mpy_board, out):
    """The manifest a board's firmware is built with, written to `out`: the board's own
    frozen modules (its manifest if it has one, else the port's), micropython-lib's
    usb-device-midi (the USB stack the firmware stands on), and firmware/manifest.py."""
    own = os.path.join(tree, "ports", "rp2", "boards", mpy_board, "manifest.py")
    base = "$(BOARD_DIR)/manifest.py" if os.path.exists(own) else "$(PORT_DIR)/boards/manifest.py"
    with open(out, "w") as f:
        f.write("# written by tools/mpbuild.py for %s\n" % mpy_board)
        f.write("include(%r)\n" % base)
        f.write("require(\"usb-device-midi\")\n")
        f.write("include(%r)\n" % MANIFEST)
    return out


def build_firmware(board_name, mpy_board=None, boards_dir=BOARDS, build=BUILD):
    """The board's MicroPython firmware with midictl frozen in, as build/midictl-<board>.uf2;
    returns its path."""
    import json

    path = os.path.join(boards_dir, board_name + ".json")
    if not os.path.exists(path):
        known = sorted(f[:-5] for f in os.listdir(boards_dir) if f.endswith(".json"))
        raise BuildError("no board %r (boards/%s.json); known boards: %s" % (board_name, board_name, ", ".join(known)))
    with open(path) as f:
        board = json.load(f)
    tree = os.environ.get("MPY_SRC")
    if not tree:
        raise BuildError(NEEDS_TREE)
    tree = source()
    for sub, marker in (("lib/pico-sdk", "pico_sdk_init.cmake"), ("lib/tinyusb", "src/tusb.h"),
                        ("lib/micropython-lib", "README.md")):
        if not os.path.exists(os.path.join(tree, sub, marker)):
            raise BuildError("MPY_SRC=%s has no %s (a submodule): run `make -C %s submodules` in the "
                             "checkout" % (tree, sub, os.path.join(tree, "ports", "rp2")))
    if not shutil.which("arm-none-eabi-gcc"):
        raise BuildError("arm-none-eabi-gcc not found: the rp2 port is built with the Arm toolchain "
                         "(Debian and Ubuntu: apt install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                         "libstdc++-arm-none-eabi-newlib)")
    if mpy_board is None:
        mpy_board = board.get("micropython_build")
        if not mpy_board:
            raise BuildError("%s: no micropython_build (the MicroPython board to build): add it, or give "
                             "MPY_BOARD=" % path)
    if not os.path.isdir(os.path.join(tree, "ports", "rp2", "boards", mpy_board)):
        raise BuildError("%s is not a board of the rp2 port in MPY_SRC (%s): give MPY_BOARD= one of its "
                         "boards (RPI_PICO fits most RP2040 boards, RPI_PICO2 the RP2350's)"
                         % (mpy_board, os.path.join(tree, "ports", "rp2", "boards")))
    work = os.path.join(build, "firmware", board_name)
    os.makedirs(work, exist_ok=True)
    manifest = firmware_manifest(tree, mpy_board, os.path.join(work, "manifest.py"))
    jobs = "-j%d" % (os.cpu_count() or 1)
    # mpy-cross first, on its own: built from inside the port's make it would inherit
    # FROZEN_MANIFEST
    _run(["make", jobs, "-C", os.path.join(tree, "mpy-cross")], what="building mpy-cross")
    port_build = os.path.join(work, "build-" + mpy_board)
    make = ["make", jobs, "-C", os.path.join(tree, "ports", "rp2"), "BOARD=" + mpy_board, "BUILD=" + port_build,
            "FROZEN_MANIFEST=" + manifest]
    what = "building MicroPython %d.%d.%d for %s" % (version(tree) + (mpy_board,))
    _run(make, what=what)
    # The frozen native (viper) code must start on a word boundary: the Thumb-1 code
    # generator (py/asmthumb.c, RP2040) places its PC-relative constant loads and long
    # jumps by the code's offset from its start, but mpy-tool.py aligns frozen ARMv6-M
    # code to 2 bytes only. Half of it then lands on an odd half-word, loads the wrong
    # constants and jumps into nowhere (seen: the first scan step crashed in din.py's
    # native send). The generated C is word-aligned and the image linked again (the
    # manifest's inputs are older than it, so the build keeps it).
    if word_align_native(os.path.join(port_build, "frozen_content.c")):
        _run(make, what=what + " (its frozen native code word-aligned)")
    check_native_aligned(port_build)
    uf2 = os.path.join(port_build, "firmware.uf2")
    if not os.path.exists(uf2):
        raise BuildError("the rp2 build made no %s" % uf2)
    out = os.path.join(build, "midictl-%s.uf2" % board_name)
    shutil.copy2(uf2, out + ".new")
    os.replace(out + ".new", out)
    return out


_HALF = "__attribute__ ((aligned (2)))"
_WORD = "__attribute__ ((aligned (4)))"


def word_align_native(content):
    """Word-align the frozen native functions of a generated frozen_content.c; -> how many
    were half-word aligned (0: nothing to change, the file is left as it is)."""
    with open(content) as f:
        text = f.read()
    n = text.count(_HALF)
    if n:
        with open(content + ".new", "w") as f:
            f.write(text.replace(_HALF, _WORD))
        os.replace(content + ".new", content)
    return n


def native_symbols(content):
    """The names of the frozen native functions' code in a generated frozen_content.c."""
    out = []
    with open(content) as f:
        for line in f:
            if line.startswith("static const byte fun_data_") and "aligned (" in line:
                out.append(line.split()[3].split("[")[0])
    return out


def check_native_aligned(port_build):
    """Every frozen native function of the linked image at a word address, or BuildError."""
    names = set(native_symbols(os.path.join(port_build, "frozen_content.c")))
    if not names:
        return 0
    nm = shutil.which("arm-none-eabi-nm") or "arm-none-eabi-nm"
    out = _run([nm, os.path.join(port_build, "firmware.elf")], what="arm-none-eabi-nm firmware.elf")
    seen = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] in names:
            seen[f[2]] = int(f[0], 16)
    bad = sorted(n for n, a in seen.items() if a & 3)
    if bad or len(seen) != len(names):
        raise BuildError("%d of the %d frozen native functions are not at a word address in %s (%s): the "
                         "RP2040 would crash in them" % (len(bad) + len(names) - len(seen), len(names),
                                                        os.path.join(port_build, "firmware.elf"),
                                                        ", ".join(bad[:3] or sorted(names - set(seen))[:3])))
    return len(seen)


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("source", "unix", "firmware"))
    ap.add_argument("--board", default="pico", help="boards/<board>.json (firmware)")
    ap.add_argument("--mpy-board", help="the rp2 port's board to build, instead of the board's micropython_build")
    a = ap.parse_args(argv)
    try:
        if a.what == "firmware":
            print(build_firmware(a.board, a.mpy_board or None))
            return 0
        print(source() if a.what == "source" else build_unix())
    except BuildError as e:
        print("mpbuild: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
