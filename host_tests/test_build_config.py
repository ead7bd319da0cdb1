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
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
from midictl import config
'''


def _mpy(code, *args):
    r = run(["-c", code] + list(args), extra_path=("tools/simboard",), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


BUILD_REFUSES = HEAD + r'''
cfg = config.validate({}, b)
for field, value in (("threshold", 3400), ("threshold", 1), ("gate_ms", 0)):
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
            # the board's field: set_pad calls it hold_ms
            "controls.pad2.peak_hold_ms: hold_ms 60 out of range 2..50\n")
    assert _mpy(BUILD_REFUSES) == want
