# The heap after boot, run by tools/bench_fw.py under the MicroPython Unix port:
#
#   bench_fwmem.py [ROMFS] ROOT     prints ROW|mem|total|code: the heap in use after boot with
#                                   the reference layout, and of it the code that stays loaded;
#                                   with the path of a ROMFS image: the firmware imported from
#                                   it, its bytecode in place
#
# A script of its own, and a short one, because the names a script interns count: MicroPython
# keeps every interned name (a qstr) in pools that double in size (20, 40, ... 640, 1280
# entries), and the pool that the firmware's names open is on its bill. On the board only
# micropython-lib's usb.device and a few lines of boot.py and main.py intern names before the
# firmware; here, besides those (the simulator's fake of usb.device), only this file's and
# the stand-in `machine`'s (tools/bench_fwmachine.py). Run from tools/bench_fwchild.py,
# whose hundreds of names came first, the firmware's opened the next pool or not as that
# file changed: a line of the benchmark moved the row by 14 KB.
import gc
import sys

import bench_fwmachine as machine

sys.modules["machine"] = machine  # type: ignore[assignment]


def main(root, rom):
    import json
    from array import array

    import uctypes
    import usb.device.midi  # noqa: F401  (the library the firmware stands on: not counted)
    from usb.device.core import Buffer

    # The ADC is read as on the chip, through the register path (hwsetup.py takes it on the
    # rp2 port), here over four words made before the baseline: CS reads READY, RESULT 0.
    regs = array("I", [0, 0, 0x100, 0])
    base = uctypes.addressof(regs)
    if rom:
        # A ROMFS image of the compiled firmware (tools/bench_fw.py builds it as `make deploy
        # ROMFS=1` does), mounted where a board with a ROMFS partition mounts its own. On
        # the board the image is flash, memory-mapped; here it is a bytes object read before
        # the baseline, so it is not counted, and .mpy code in it runs in place as there.
        import vfs  # type: ignore[import-not-found]

        with open(rom, "rb") as f:
            image = f.read()
        vfs.mount(vfs.VfsRom(image), "/rom")  # type: ignore[attr-defined]
        sys.path.insert(0, "/rom")
    machine.mem32[0xD0000004] = 0xF << 6  # the four active-low buttons (GPIO 6-9) at rest
    gc.collect()
    before = gc.mem_alloc()  # type: ignore[attr-defined]
    # every module the board imports (boot.py: startup and the config validator; main.py:
    # app and what it needs, and what builds the controller)
    from midictl import app, config, hw, hwsetup, names, scanplan, startup, usbmidi, usbout  # noqa: F401
    from midictl import build  # noqa: F401
    from midictl.controls import checks  # noqa: F401  (the constructors import it while building)

    if rom and not app.__file__.startswith("/rom/"):  # type: ignore[attr-defined]
        raise RuntimeError("midictl was not imported from the ROMFS image: " + app.__file__)
    # held only by the package from here, so unload_boot_modules() can free them
    unload = startup.unload_boot_modules
    with open(root + "/boards/pico.json") as f:  # (the board reads its definition at boot too)
        b = json.load(f)
    cfg = config.validate({}, b)
    del startup, config, build, hwsetup, names, scanplan, checks
    itf = usbmidi.MidiPort()
    # the simulator's TX buffer traces every byte it receives; micropython-lib's is a plain
    # Buffer: a plain one over the same memory
    plain = Buffer(len(itf._tx._b))
    plain._b = itf._tx._b
    itf._tx = plain
    itf._sim_open()  # the host has enumerated us
    ctl = app.Controller(b, cfg, hw.Hardware(b), itf)
    del cfg, b  # (the controller keeps what it needs of them, as app.run() leaves it)
    ctl.hw.use_registers(base, base + 4, base + 8, base + 12, 0)
    for t in range(100):
        ctl.step(t * 1000, t)
    unload(ctl.hw)  # what app.run() does once the controller is built
    del unload
    left = [m for m in sys.modules if m.split(".")[-1] in (
        "config", "startup", "build", "scanplan", "names", "velocity", "mux", "checks", "hwsetup")]
    if left:
        raise RuntimeError("boot-only modules still loaded: %s" % left)
    # and what only other layouts or callers need stays out: the matrix, note/CC and
    # program buttons, nrpn knobs' MIDI IN feedback, the encoders the controller never sends itself
    left = [m for m in sys.modules if m.startswith("midictl") and m.split(".")[-1] in (
        "matrix", "layered", "program", "nrpnin", "encode_extra", "fast")]
    if left:
        raise RuntimeError("modules the reference layout does not use were loaded: %s" % left)
    del left
    for t in range(100, 200):  # and the controller plays on without them
        ctl.step(t * 1000, t)
    gc.collect()
    total = gc.mem_alloc() - before  # type: ignore[attr-defined]
    # the code that stays: what is left once the controller and the USB interface are let
    # go (the validator and start-up code are gone already; the names they interned stay,
    # as on the board); the rest of the total is the objects the controller holds
    del ctl, itf
    gc.collect()
    print("ROW|mem|%d|%d" % (total, gc.mem_alloc() - before))  # type: ignore[attr-defined]
    import micropython

    micropython.qstr_info()  # "qstr pool: n_pool=..., n_qstr=...": the names interned by now


main(sys.argv[-1], sys.argv[1] if len(sys.argv) > 2 else None)
