# Pasted into MicroPython's REPL on the emulated RP2040 by tools/chipbench.py (make chipbench),
# with midictl frozen into the firmware. It boots the controller the way startup.start() does
# from board.json and an empty config.json (the board's default layout), then measures:
#   heap:   gc.mem_alloc() after boot less before it, both after a collection;
#   boot:   the emulated chip's µs from the first import to the controller built and the
#           start-up modules let go (startup.unload_boot_modules);
#   steps:  200 idle scans, Controller.step(ticks_us(), ticks_ms()) as Controller.loop calls it,
#           after 300 to warm up (the knobs, read two a scan, prime after 16 readings each,
#           about 80 scans, and then report; "primed" says they all had); and the same loop
#           without the step call ("empty"), whose time chipbench.py subtracts;
#   DIN:    then a SysEx of 43 bytes (two UART writes, the second from an offset in the
#           firmware's buffer) and a Control Change through the engine, each played out by
#           scans until the DIN queue is empty: tools/emu/run.js reports what left UART0's
#           TX pin, and chipbench.py checks that it is every byte the firmware counted, these
#           last (before them: the power-on All Notes Off).
# The last line printed, "CHIPBENCH {json}", is what chipbench.py reads.
# The board has no USB host here, so the firmware's USB-MIDI stays off (the controller gets None).
import gc
import json
import time

BOARD_JSON = "{}"  # tools/chipbench.py puts boards/pico.json's text here


def _steps(ctl, n):
    us, ms = time.ticks_us, time.ticks_ms
    t0 = us()
    for _ in range(n):
        ctl.step(us(), ms())
    return time.ticks_diff(us(), t0)


def _empty(n):
    us, ms = time.ticks_us, time.ticks_ms
    t0 = us()
    for _ in range(n):
        us()
        ms()
    return time.ticks_diff(us(), t0)


gc.collect()
a0 = gc.mem_alloc()
t0 = time.ticks_us()
from midictl import app, config, hw, startup  # noqa: E402  (timed: part of the boot)

board = json.loads(BOARD_JSON)
cfg = config.validate({}, board)
h = hw.Hardware(board)
ctl = app.Controller(board, cfg, h, None)
startup.unload_boot_modules(h)
t1 = time.ticks_us()
# the REPL's globals would keep these alive; the firmware's own boot drops them
del board, cfg, config, startup
gc.collect()
heap = gc.mem_alloc() - a0
_steps(ctl, 300)
primed = all(k._local >= 0 for k in ctl.knobs)
steps_us = _steps(ctl, 200)
empty_us = _empty(200)
sx = bytearray(43)
sx[0] = 0xF0
sx[1] = 0x7D  # (non-commercial)
for i in range(40):
    sx[2 + i] = i
sx[42] = 0xF7
din_before = ctl.din.bytes_sent
for send in (lambda: ctl.engine.raw(sx, len(sx)), lambda: ctl.engine.cc(0, 7, 100)):
    send()
    for _ in range(500):
        ctl.step(time.ticks_us(), time.ticks_ms())
        if not ctl.din.pending():
            break
print("CHIPBENCH", json.dumps({"heap": heap, "boot_us": time.ticks_diff(t1, t0), "steps": 200, "steps_us": steps_us,
                               "empty_us": empty_us, "scans": ctl.scans, "errors": ctl.errors, "native": app._NATIVE,
                               "din_before": din_before, "din_sent": ctl.din.bytes_sent, "primed": primed}))
