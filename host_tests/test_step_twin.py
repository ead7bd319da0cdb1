"""The scan step under MicroPython is native (app._step); CPython runs the closure
Controller._scanner() makes. Both play the same random performances in the simulator --
pads, chords, buttons with bounce, knobs, the stick, encoders, a key matrix, MIDI IN on
both ports, the USB host leaving and coming back -- and must agree on every byte of the
trace at the same simulated time, and on the scan count."""
import os
import random

import rel_perform
import rel_sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# thru both ways, knob positions reported at boot, a soft takeover knob, pads whose notes
# outlast their strike (the gate's deadline ends them on a scan of its own), and the MIDI
# clock at a tempo whose period is no whole number of microseconds (MIDI IN's clock bytes
# are then not passed on), with a note repeat (button2, held) rolling pads on its grid,
# swung (its pair's second steps between the ticks); on the matrix board, with no clock of
# its own: the repeat follows MIDI IN's clock bytes while they come, else its own silent clock,
# and DIN OUT sends Active Sensing whenever its wire has been idle 250 ms
CONFIG = {"thru": {"din_to_usb": True, "usb_to_din": True, "din_to_din": True}, "report_pots_at_boot": True,
          "clock_bpm": 133,
          "controls": dict({"knob2": {"type": "cc", "cc": 11, "takeover": True},
                            "button2": {"type": "note_repeat", "rate": "1/16", "swing": 62}},
                           **{"pad%d" % i: {"gate_ms": 700} for i in range(1, 9)})}


def _midi_in(events, seed, gap):
    """MIDI IN on both ports between the performance's events: notes, CCs (the soft
    takeover knob's among them), clock bytes and a SysEx."""
    rng = random.Random(seed)
    end = max(e["t"] for e in events)
    gaps = []  # while the USB host is away, nothing comes from it
    for e in events:
        if e.get("usb") == "disconnected":
            gaps.append([e["t"], end])
        elif e.get("usb") == "connected":
            gaps[-1][1] = e["t"]
    t = 0.0
    while t < end:
        t += rng.expovariate(1 / gap)
        r = rng.random()
        if r < 0.3:
            data = "%02X %02X %02X" % (0x90 | rng.randrange(2), rng.randrange(128), rng.randrange(128))
        elif r < 0.6:
            data = "B0 %02X %02X" % (rng.choice((11, 70, 71, 1)), rng.randrange(128))
        elif r < 0.8:
            data = "F8"
        else:
            data = "F0 7D 01 02 03 F7"
        away = any(a - 1 <= t <= b + 1 for a, b in gaps)
        if rng.random() < 0.5 or away:
            events.append({"t": round(t, 3), "din_in": data})
        else:
            n = len(data.split())
            if data.startswith("F0"):
                continue  # (a SysEx over USB takes several packets: DIN only here)
            cin = {"9": 9, "B": 11, "F": 15}[data[0]]
            events.append({"t": round(t, 3), "usb_in": "%02X %s%s" % (cin, data, " 00" * (3 - n))})
    events.sort(key=lambda e: e["t"])


def _board(path):
    import json

    with open(path) as f:
        return json.load(f)


def test_the_native_step_plays_as_the_interpreted_one(tmp_path):
    jobs = []
    # dense playing on the reference board; sparse on the matrix board, where most scans
    # find nothing in progress and only the gate's deadline ends a pad's note
    for k, (board, gap, n) in enumerate((("boards/pico.json", 2.5, 6000),
                                         ("host_tests/boards/pico_matrix.json", 25.0, 2000))):
        path = os.path.join(ROOT, board)
        b = _board(path)
        p = rel_perform.Performer(b, 40 + k, mean_gap_ms=gap)
        p.switches += [n for n in sorted(b["controls"]) if b["controls"][n]["kind"] == "key"]  # the matrix
        p.play(n)
        s = {"seed": 40 + k, "tail_ms": 800, "adc_noise_lsb": 4, "events": p.events, "board": path}
        _midi_in(s["events"], 50 + k, gap * 8)
        cfg = CONFIG if k == 0 else dict({n: v for n, v in CONFIG.items() if n != "clock_bpm"},
                                         din={"active_sensing": True})
        # and the USB host stops reading twice (the step takes it to have stopped: the port
        # locked, then its catch-up once it reads again)
        unread = [[3000000, 3400000], [8000000, 8030000]]
        for interpreted in (False, True):
            jobs.append((s, cfg, {"interpreted_step": True, "usb_unread": unread} if interpreted
                         else {"usb_unread": unread}))
    runs = rel_sim.run_many(tmp_path, jobs)
    for k in range(0, len(runs), 2):
        native, interpreted = runs[k], runs[k + 1]
        assert native.stats["scans"] == interpreted.stats["scans"] > 15000
        assert native.stats["errors"] == interpreted.stats["errors"] == 0
        assert len(native.trace) == len(interpreted.trace)
        for i, (a, b) in enumerate(zip(native.trace, interpreted.trace)):
            assert a == b, (jobs[k][0]["board"], i, a, b)
        ports = {ln.split()[1] for ln in native.trace}
        assert {"DIN", "USB"} <= ports, ports
        assert len(native.port("DIN")) > 3000 and len(native.port("USB")) > 3000
        if k == 2:  # the matrix board's run: Active Sensing
            _sensing(native.port("DIN"))
        else:
            assert not [ln for ln in native.port("DIN") if ln.endswith(" DIN FE")]


def _sensing(din):
    # an FE where the wire has been idle 250 ms (in the scan that sees it: within 1 ms more),
    # and so no gap longer than that anywhere on DIN OUT, from power-on to the end
    fe = 0
    for a, b in zip(din, din[1:]):
        ta, tb = float(a.split()[0]), float(b.split()[0])
        gap = tb - (ta + 0.32 * (len(a.split()) - 2))
        assert gap < 251.0, (a, b)
        if b.endswith(" DIN FE"):
            assert gap >= 250.0, (a, b)
            fe += 1
    assert fe >= 1 and float(din[-1].split()[0]) - float(din[-2].split()[0]) >= 250


# The simulator's ADC path leaves the pads' peak unknown (read_phase returns -1), so every
# scan there scans the pads. On the chip's register path the step skips them unless the
# peak, a pad in progress or a gate's deadline says otherwise: played here, the register
# read replaced by one that stores scripted levels and returns their peak, as it would.
REGS = r'''
import json
import random
import world
from simctl import controller, play_levels
random.seed(21)
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
from midictl import app, config
assert app._NATIVE
# each pad its own gate, so the deadlines fall on scans of their own
cfg = config.validate({"controls": {"pad%d" % i: {"gate_ms": 9 * i} for i in range(1, 17)}}, b)


levels = [0] * 64
npads = [0]


def build(native):
    ctl, itf = controller(b, cfg, native)
    npads[0] = ctl.pads_count
    play_levels(ctl, levels)
    return ctl, itf


(ca, ia), (cb, ib) = build(True), build(False)
assert ca.step != cb.step
ring = [0] * 16  # each pad's strike: its level, falling by half a scan at a time
us = 0
skipped = 0
for step in range(8000):
    us += random.choice((1000, 1000, 1000, 1003, 997, 5000))
    ms = us // 1000
    if random.random() < 0.03:
        i = random.randrange(16)
        ring[i] = random.randint(300, 4095)
    for i in range(16):
        levels[i] = ring[i]
        ring[i] = ring[i] * 6 // 10
    if random.random() < 0.05:  # a level at the lowest threshold, or just either side
        levels[random.randrange(16)] = ca.pads._thr_min + random.randint(-1, 2)
    if random.random() < 0.2:  # a knob or the stick moves
        levels[random.randrange(16, len(levels))] = random.randint(0, 4095)
    for c in (ca, cb):
        c.step(us, ms)
    assert ca.din.uart.got == cb.din.uart.got, step
    ua = bytes(ia._tx._b[:ia._tx._n])
    assert ua == bytes(ib._tx._b[:ib._tx._n]), step
    ia._tx._n = ib._tx._n = 0
    pa, pb = ca.pads, cb.pads
    assert (bytes(pa._pb), pa._active, pa._gating, pa._gate_next, ca.scans, ca.engine.events) == \
        (bytes(pb._pb), pb._active, pb._gating, pb._gate_next, cb.scans, cb.engine.events), step
    skipped += not pa._active and not any(levels[:npads[0]])
assert ca.engine.nsounding == 0 or ca.pads._gating  # (every strike's note ended by its gate)
assert ca.engine.events > 400 and skipped > 3000, (ca.engine.events, skipped)
print("ok")
'''


def test_the_native_step_plays_as_the_interpreted_one_on_the_register_path():
    from mpy import TWINS_ON, run

    r = run(["-c", TWINS_ON + REGS], extra_path=("tools/simboard",), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "ok"


# A strike's Note On goes to the UART right after the pads' scan, before the knobs' filters
# run, while no knob message waits; with one waiting, after them (the pump at the end).
EARLY = r'''
import json
import sys
import world
from simctl import controller, play_levels
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
from midictl import config
ctl, itf = controller(b, config.validate({}, b), sys.argv[-1] == "native")
uart = ctl.din.uart
levels = [0] * len(ctl.hw.samples)
play_levels(ctl, levels)
run = ctl.filters.run
seen = []


def filters_run(p, s):  # what the UART had been handed when the knobs' filters ran
    seen.append(b"".join(uart.got))
    return run(p, s)


ctl.filters.run = filters_run
us = 0
for k in range(300):  # boot: the filters prime, the All Notes Off goes out
    us += 1000
    ctl.step(us, us // 1000)
    itf._sim_frame()
for waiting in (False, True):
    uart.got.clear()
    on = ctl.pads.on
    pad = 4 if waiting else 3  # pad 4, then pad 5, struck
    for k in range(20):
        levels[pad] = 3000 if k < 2 else 0
        if waiting:  # a knob message waits as each scan starts (the wire is free)
            ctl.engine.cc(0, 70, k)
            assert ctl.din._ring_count == 1
        seen.clear()
        us += 1000
        ctl.step(us, us // 1000)
        itf._sim_frame()
        if ctl.pads.on != on:
            break
    note = bytes((0x99, 36 + pad))
    at_filters = seen[-1]
    print(waiting, note in at_filters, any(g[:2] == note for g in uart.got))
    if waiting:
        i = [g[:2] for g in uart.got].index(note)
        assert uart.got[i + 1][0] in (0xB0, 70), uart.got  # the knob's message right after
'''


def test_a_strike_reaches_the_uart_before_the_knobs_run_while_none_waits():
    from mpy import TWINS_ON, run

    for kind in ("native", "interpreted"):
        r = run(["-c", TWINS_ON + EARLY, kind], extra_path=("tools/simboard",), timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        # no knob waiting: the Note On was written before the filters ran; one waiting: after
        # them, by the pump at the scan's end (first, in front of the knob's message)
        assert r.stdout.split("\n")[:2] == ["False True True", "True False True"], (kind, r.stdout)
