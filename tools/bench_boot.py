"""Boot-time benchmark: from the first import of the firmware to a Controller ready to play.

What a board does between MicroPython's own start and the first scan: import the firmware's
precompiled .mpy files (boot.py and main.py's imports), read board.json and config.json,
validate the config, build the hardware layer and the controls. Measured under the
MicroPython Unix port from .mpy files compiled by mpy-cross (x64 here, for the native
helpers), against register-cost fake hardware (tools/bench_fwmachine.py) and the
simulator's copy of micropython-lib's USB stack, whose own import is not counted; the chip
estimate multiplies by the interpreted-code factor.

    python tools/bench_boot.py      # prints one line: ms under the Unix port
    tools/bench.py calls run() -> {"ms": ..., "runs": ...}, and run(romfs=True): the same
    firmware imported from a ROMFS image, as `make deploy ROMFS=1` puts it on a board
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import deploy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)

CHILD = r'''
import sys, json
import time as wall
import bench_fwmachine
sys.modules["machine"] = bench_fwmachine  # register-cost hardware: the chip's C, not a model
import world
w = world.World({"board": json.load(open("board.json")), "end_us": 10, "events": [], "analog": {}})
world.current = w  # the fake USB stack registers its interface with the simulated host
import usb.device, usb.device.midi  # micropython-lib (its fake): not the firmware's cost
mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode.endswith(".romfs"):
    # the firmware in a ROMFS image, mounted as a board with a ROMFS partition mounts it
    # (there it is memory-mapped flash: reading the file here is not part of boot)
    import vfs
    with open(sys.argv[1], "rb") as f:
        vfs.mount(vfs.VfsRom(f.read()), "/rom")
    sys.path.insert(0, "/rom")
t0 = wall.ticks_us()
from midictl import hw, startup
st = startup.prepare(hw.switch_pressed, hw.arm_watchdog)
from midictl import app
h = hw.Hardware(st.board)
ctl = app.Controller(st.board, st.cfg, h, st.usb_itf)
startup.unload_boot_modules(h)
t1 = wall.ticks_us()
assert st.usb_itf is not None and ctl.usb is not None, st.usb_note
where = "/rom/midictl/" if mode.endswith(".romfs") else "midictl/" if mode == "frozen" else ""
assert app.__file__.startswith(where) and (mode != "" or "/fw/midictl/" in app.__file__), app.__file__
print("BOOT", wall.ticks_diff(t1, t0))
'''


def compile_tree(dst):
    src = os.path.join(ROOT, "firmware")
    for here, dirs, files in os.walk(os.path.join(src, "midictl")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(here, f), src)
                out = os.path.join(dst, rel[:-3] + ".mpy")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                # named as `make deploy` names them (-s): the name is a qstr the board keeps
                subprocess.run([os.path.join(BIN, "mpy-cross"), "-march=x64", "-s", deploy.source_name(rel), "-o", out,
                                os.path.join(here, f)], check=True, capture_output=True)


PLAYER_CONFIG = {"note_off": "note_on_zero",
                 "controls": {"pad1": {"note": 40, "curve": "soft"}, "knob3": {"cc": 21}}}


def run(runs=5, romfs=False, config=False, frozen=None):
    """Best boot time of `runs`; romfs: the firmware imported from a ROMFS image (`make
    deploy ROMFS=1`) instead of .mpy files on the filesystem; config: with a config.json
    as `make deploy CONFIG=` writes it for PLAYER_CONFIG, instead of none (the board's
    default layout, as after a plain deploy); frozen: the path of an interpreter with the
    firmware frozen in (tools/mpbuild.py unix), which imports it from itself instead."""
    with tempfile.TemporaryDirectory(prefix="midictl-boot-") as d:
        fw = os.path.join(d, "fw")
        compile_tree(fw)
        if config:
            # a player's config that changes three things, written as `make deploy CONFIG=`
            # writes it (validated, then compacted: tools/deploy.py stage)
            import config_check

            api = config_check.config_api(os.path.join(ROOT, "firmware"))
            with open(os.path.join(ROOT, "boards", "pico.json")) as f:
                board = json.load(f)
            cfg = config_check.compact(api.validate(PLAYER_CONFIG, board), board, api)
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(cfg, f, indent=1, sort_keys=True)
        args = []
        if romfs:
            import deploy

            img = os.path.join(d, "midictl.romfs")
            with open(img, "wb") as f:
                f.write(deploy.romfs_image(fw))
            shutil.rmtree(fw)  # only the image is left to import from
            args = [img]
        with open(os.path.join(ROOT, "boards", "pico.json")) as f:
            board = json.load(f)
        with open(os.path.join(d, "board.json"), "w") as f:
            json.dump(board, f)
        if frozen:
            shutil.rmtree(fw)  # nothing to import but what the interpreter holds
            fw, args, frozen = ".frozen", ["frozen"], os.path.abspath(frozen)
        env = dict(os.environ, MICROPYPATH=":".join([fw, os.path.join(ROOT, "tools", "simboard"),
                                                      os.path.join(ROOT, "tools")]))
        times = []
        for _ in range(runs):
            r = subprocess.run([frozen or os.path.join(BIN, "micropython"), "-c", CHILD] + args, cwd=d, env=env,
                               capture_output=True, text=True, timeout=120)
            line = [ln for ln in r.stdout.splitlines() if ln.startswith("BOOT ")]
            if r.returncode != 0 or not line:
                raise RuntimeError("boot bench failed:\n" + r.stdout + r.stderr)
            times.append(int(line[0].split()[1]))
    return {"ms": min(times) / 1000.0, "runs": runs}


if __name__ == "__main__":
    print("%.2f ms from first import to a ready controller (Unix port, best of %d)" % (run()["ms"], 5))
