"""Counters that run for as long as the controller does (scans, events, coalesced and
dropped messages, write errors, the running-status count) wrap below 2**30: on the rp2 port
a larger int is a heap object, and one more every scan would mean an allocation every
scan from about day 12 of uptime (a scan a millisecond), and the collector's pauses with
it. Played under the Unix port, where ints that size are still small (so nothing here
could allocate): what is checked is that each counter crosses 2**30 - 1 and wraps to 0,
through the native scan step and through the interpreted one."""
from mpy import TWINS_ON, run

WRAP = r'''
import json
import random
import sys
import world
from simctl import controller, play_levels
random.seed(5)
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
from midictl import app, config
native = sys.argv[-1] == "native"
assert app._NATIVE
cfg = config.validate({}, b)
TOP = (1 << 30) - 1


ctl, itf = controller(b, cfg, native)
uart = ctl.din.uart
levels = [0] * len(ctl.hw.samples)
play_levels(ctl, levels)
counters = [(ctl, "scans"), (ctl.engine, "events"), (ctl.din, "coalesced"), (ctl.din, "write_errors"),
            (ctl.din.running, "_sent"), (ctl.usb, "dropped"), (ctl.usb, "reconnects")]
us = 0
for step in range(300):  # boot: the filters prime, the All Notes Off goes out
    us += 1000
    ctl.step(us, us // 1000)
    itf._tx._n = 0
for o, name in counters:
    setattr(o, name, TOP - 1)
seen = {}
knobs = [ctl.hw.plan.index[n] for n in ("knob1", "knob2", "knob3", "knob4", "knob5", "knob6", "knob7", "knob8",
                                          "bend")]
for step in range(6000):
    us += 1000
    for k in knobs:  # all eight and the stick sweep: more than the DIN wire carries
        levels[k] = (step * 60 + k * 500) % 4096
    if step % 50 == 0:
        levels[step // 50 % 16] = 3000  # a strike
    elif step % 50 == 2:
        for i in range(16):
            levels[i] = 0
    uart.fail = step % 700 == 5  # a write that raises now and then
    if step % 1000 == 500:
        itf._sim_reset()  # the host goes away (messages for USB are dropped) ...
    elif step % 1000 == 700:
        itf._sim_open()  # ... and comes back
    ctl.step(us, us // 1000)
    itf._sim_frame()  # the host reads what was sent
    for o, name in counters:
        v = getattr(o, name)
        assert 0 <= v <= TOP, (name, v)
        if v < 1000:
            seen[name] = True
assert sorted(seen) == sorted(name for _o, name in counters), seen
print("ok")
'''


def _run(kind):
    r = run(["-c", TWINS_ON + WRAP, kind], extra_path=("tools/simboard",), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


def test_counters_wrap_below_2_30_through_the_native_step():
    _run("native")


def test_counters_wrap_below_2_30_through_the_interpreted_step():
    _run("interpreted")
