"""What the build makes of a config: a refusal names the field it is about, and every
channel a note control can play on gets its row of note counts and its All Notes Off.
The controller is built on the simulated board under the MicroPython Unix port (the
hardware layer is viper code, which CPython cannot run)."""
from mpy import run

HEAD = r'''
import json
import sys
import world
from simctl import controller
from streamargs import count, offset
b = json.load(open("boards/pico.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
from midictl import config
'''


def _mpy(code, *args):
    r = run(["-c", code] + list(args), extra_path=("tools/simboard",), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


BUILD_REFUSES = HEAD + r'''
cfg = config.validate({}, b)
for field, value in (("threshold", 3400), ("threshold", 1), ("gate_ms", 0), ("mask_ms", 1), ("mask_ms", 251),
                     ("window_ms", 11), ("window_ms", 0)):
    cfg["controls"]["pad1"][field] = value  # past the validator: the build's own check
    try:
        controller(b, cfg)
        print("built")
    except ValueError as e:
        print(e)
    cfg = config.validate({}, b)
b["controls"]["pad2"]["peak_hold_ms"] = 60
try:
    controller(b, cfg)
    print("built")
except ValueError as e:
    print(e)
'''


def test_a_pad_the_build_refuses_names_the_field_not_peak_hold_ms():
    want = ("controls.pad1.threshold: threshold 3400 out of range 2..3399\n"
            "controls.pad1.threshold: threshold 1 out of range 2..3399\n"
            "controls.pad1.gate_ms: gate_ms 0 out of range 1..5000\n"
            "controls.pad1.mask_ms: mask_ms 1 out of range 2..250\n"
            "controls.pad1.mask_ms: mask_ms 251 out of range 2..250\n"
            "controls.pad1.window_ms: window_ms 11 out of range 1..10\n"
            "controls.pad1.window_ms: window_ms 0 out of range 1..10\n"
            # the board's field: set_pad calls it hold_ms
            "controls.pad2.peak_hold_ms: hold_ms 60 out of range 2..50\n")
    assert _mpy(BUILD_REFUSES) == want


SHIFT_CHANNEL = HEAD + r'''
import micropython
from midictl.compat import ticks_ms, ticks_us
for g in (6, 7, 8, 9):
    w.set_level(g, 1)  # buttons 1-4, active low: released
cfg = config.validate({"usb": {"enabled": False},  # DIN alone: the simulator's USB stack allocates
                       "controls": {"button2": {"type": "note", "channel": 1, "note": 60, "shift": {"channel": 2}}}}, b)
ctl, itf = controller(b, cfg)
print("note channels %04x" % ctl.engine.note_channels)


class Wire:  # keeps what is written without allocating (the scan runs with the heap locked)
    def __init__(self):
        self.buf = bytearray(512)
        self.n = 0

    def write(self, b, x=None, y=None):  # (MicroPython's stream write: streamargs.py)
        n = self.n
        o = offset(b, x, y)
        k = count(b, x, y)
        for i in range(k):
            self.buf[n + i] = b[o + i]
        self.n = n + k
        return k

    def take(self):
        s = " ".join(["%02X" % self.buf[i] for i in range(self.n)])
        self.n = 0
        return s


uart = ctl.din.uart = Wire()
for t in range(120):
    if t == 20:
        w.set_level(8, 0)  # hold button3 (shift)
    if t == 40:
        w.set_level(7, 0)  # button2: Note On 60 on channel 2
    if t == 60:
        w.set_level(7, 1)
    if t == 80:
        w.set_level(8, 1)
    micropython.heap_lock()
    try:
        ctl.step(ticks_us(), ticks_ms())
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    if not ok:
        print("allocated at step", t)
        break
    w.now += 1000
    if uart.n:
        print(t, uart.take())
ctl.panic()  # the panic button's: All Notes Off on every channel (16 x 0.96 ms of wire)
for t in range(20):
    ctl.step(ticks_us(), ticks_ms())
    w.now += 1000
print("panic", uart.take())
'''


def test_a_note_buttons_shift_channel_has_its_row_and_its_all_notes_off():
    # The shift layer's channel was left out of note_channels: the engine added its row of
    # note counts in the scan loop (an allocation: MemoryError with the heap locked) and
    # power-on sent it no All Notes Off.
    assert _mpy(SHIFT_CHANNEL).splitlines() == [
        "note channels 0203",  # channels 1, 2 and the pads' 10
        "0 B0 7B 00 B1 7B 00 B9 7B 00",  # power-on: All Notes Off on each
        "40 91 3C 64",  # shift held: Note On 60 on channel 2 ...
        "60 81 3C 40",  # ... and its Note Off, with the heap locked throughout
        "panic " + " ".join("B%X 7B 00" % ch for ch in [0, 1, 9] + [c for c in range(16) if c not in (0, 1, 9)])]


PROGRAM_BANK = HEAD + r'''
from midictl.compat import ticks_ms, ticks_us


class Wire:  # each write to the DIN UART, as hex
    def __init__(self):
        self.out = []

    def write(self, b, x=None, y=None):
        o = offset(b, x, y)
        k = count(b, x, y)
        self.out.append(" ".join(["%02X" % b[o + i] for i in range(k)]))
        return k


for g in (6, 7, 8, 9):
    w.set_level(g, 1)  # buttons 1-4, active low: released
for bank in ("left out", None, 2):
    m = {"type": "program", "program": 5}
    if bank != "left out":
        m["bank"] = bank
    # through the JSON text, as the board reads its config.json
    cfg = config.parse(json.dumps({"usb": {"enabled": False}, "controls": {"button4": m}}), b)
    ctl, itf = controller(b, cfg)
    uart = ctl.din.uart = Wire()
    for t in range(60):
        if t == 20:
            w.set_level(9, 0)  # press button4
        if t == 40:
            w.set_level(9, 1)
        ctl.step(ticks_us(), ticks_ms())
        w.now += 1000
    print(json.dumps(bank), "|".join(uart.out))
'''


def test_a_program_button_with_bank_null_sends_no_bank_select_as_when_left_out():
    # "bank": null was refused ("null is not a whole number"), though the validated config
    # holds None for no bank and make stage wrote it so: now it builds the button without
    # Bank Select, like a bank left out; a bank of 2 sends CC 0 and CC 32 first.
    assert _mpy(PROGRAM_BANK).splitlines() == [
        '"left out" B9 7B 00|C0 05',  # power-on All Notes Off on the pads' channel, then the program
        "null B9 7B 00|C0 05",
        "2 B9 7B 00|B0 00 00 20 02 C0 05"]
