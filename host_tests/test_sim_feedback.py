"""MIDI IN feedback for soft takeover, end to end through the simulator: the receiver's value
arrives as a Control Change on a knob's controller (DIN or USB IN) and the knob waits for
it, unless the knob is being turned. Regressions of the cases fuzzing found (cc14_takeover,
takeover_echo)."""
import json

from mpy import ROOT, run
from test_sim import BOOT, port, sim


def _run(tmp_path, controls, events, initial=None):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"controls": controls}))
    s = {"config": str(cfg), "tail_ms": 200, "events": events}
    if initial:
        s["initial"] = initial
    return sim(tmp_path, s)


CC14 = {"knob1": {"type": "cc14", "cc14": 1, "takeover": True}}
# knob1 rests at 0.3 (about 4900 of 16383), the receiver says 8192 (MSB 64, LSB 0), then
# the knob is turned up to 0.9 and down to 0
SWEEP = [{"t": 400, "control": "knob1", "position": 0.9, "ramp_ms": 600},
         {"t": 1200, "control": "knob1", "position": 0.0, "ramp_ms": 600}]


def _cc14_values(lines):
    # (time, 14-bit value) of each MSB + LSB pair knob1 sent to USB
    usb = [ln.split() for ln in port(lines, "USB")]
    return [(float(a[0]), int(a[5], 16) << 7 | int(b[5], 16)) for a, b in zip(usb, usb[1:])
            if a[3:5] == ["B0", "01"] and b[3:5] == ["B0", "21"] and a[0] == b[0]]


def test_cc14_takeover_picks_up_at_the_half_way_crossing(tmp_path):
    lines = _run(tmp_path, CC14, [{"t": 300, "din_in": "B0 01 40 B0 21 00"}] + SWEEP, {"knob1": 0.3})
    assert lines[:12] == BOOT + [
        "301.000 USB 0B B0 01 40",  # the feedback, passed through to USB
        "302.000 USB 0B B0 21 00",
        # nothing until the knob reaches 8192: 8225 (MSB 64, LSB 33) is the first at or past it
        "620.000 USB 0B B0 01 40",
        "620.000 USB 0B B0 21 21",
        "620.000 DIN B0 01 40",
        "620.960 DIN 21 21",
        "625.000 USB 0B B0 01 40",
        "625.000 USB 0B B0 21 74",
        "625.000 DIN 01 40",
        "625.640 DIN 21 74",
    ]
    vals = _cc14_values(lines)
    # then every reading of the turn (one each 5 ms) up to the top, and down to exactly 0
    assert vals[0] == (620.0, 8225) and vals[-1] == (1925.0, 0)
    top = max(range(len(vals)), key=lambda i: vals[i][1])
    up, down = vals[:top + 1], vals[top:]
    assert all(b[0] - a[0] == 5 and b[1] > a[1] for a, b in zip(up, up[1:]))
    assert up[-1] == (1200.0, 14755) and down[1] == (1215.0, 14748)  # (the turn: 15 ms still)
    assert all(b[0] - a[0] == 5 and b[1] < a[1] for a, b in zip(down[1:], down[2:]))
    assert len(vals) == 260 and lines[-2:] == ["1925.000 DIN 01 00", "1925.640 DIN 21 00"]


def test_cc14_feedback_lsb_completes_the_msb(tmp_path):
    # MSB 64 then LSB 127 (running status): the receiver is at 8319, not 8192, so the knob
    # passes 8225 and 8308 silently and picks up at 8391
    lines = _run(tmp_path, CC14, [{"t": 300, "din_in": "B0 01 40 21 7F"}] + SWEEP, {"knob1": 0.3})
    assert lines[2:8] == [
        "301.000 USB 0B B0 01 40",
        "302.000 USB 0B B0 21 7F",
        "630.000 USB 0B B0 01 41",
        "630.000 USB 0B B0 21 47",
        "630.000 DIN B0 01 41",
        "630.960 DIN 21 47",
    ]
    # a new MSB resets the LSB: MSB 64, LSB 127, MSB 64 again is 8192, as in the test above
    lines = _run(tmp_path, CC14, [{"t": 300, "din_in": "B0 01 40 21 7F 01 40"}] + SWEEP, {"knob1": 0.3})
    assert _cc14_values(lines)[0] == (620.0, 8225)


def test_cc14_feedback_lsb_without_an_msb_changes_nothing(tmp_path):
    # no MSB received yet: the LSB alone gives no value to wait for, so the knob sends as it
    # turns, exactly as with no feedback at all
    alone = _run(tmp_path, CC14, SWEEP, {"knob1": 0.3})
    lines = _run(tmp_path, CC14, [{"t": 300, "din_in": "B0 21 10"}] + SWEEP, {"knob1": 0.3})
    assert lines[2] == "301.000 USB 0B B0 21 10"
    assert lines[:2] + lines[3:] == alone
    assert _cc14_values(alone)[0] == (420.0, 4933)


CC = {"knob1": {"type": "cc", "cc": 70, "takeover": True}}


def _cc_values(lines):
    return [(float(a[0]), int(a[5], 16)) for a in (ln.split() for ln in port(lines, "USB"))
            if a[3:5] == ["B0", "46"]]


def test_takeover_knob_echoed_by_the_host_sends_its_whole_sweep(tmp_path):
    # knob1 sweeps 0 -> 1 over 500 ms; the host echoes its first value (01) back 7 ms late,
    # when the knob has sent 02: the echo is the knob's own message, not a value to wait for
    sweep = [{"t": 100, "control": "knob1", "position": 1.0, "ramp_ms": 500}]
    alone = _run(tmp_path, CC, sweep)
    lines = _run(tmp_path, CC, sweep + [{"t": 127, "usb_in": "0B B0 46 01"}])
    assert lines[:8] == BOOT + [
        "120.000 USB 0B B0 46 01",
        "120.000 DIN B0 46 01",
        "125.000 USB 0B B0 46 02",
        "125.000 DIN 46 02",
        # the echo, at 127 ms, is not passed on to DIN either: there it would take the
        # receiver back to 01 in the middle of the sweep
        "130.000 USB 0B B0 46 03",
        "130.000 DIN 46 03",
    ]
    assert lines[-4:] == ["615.000 USB 0B B0 46 7E", "615.000 DIN 46 7E",
                          "665.000 USB 0B B0 46 7F", "665.000 DIN 46 7F"]
    # exactly what the knob plays with no echo at all: 100 values up to 127, on both ports
    assert lines == alone
    vals = [v for _t, v in _cc_values(lines)]
    assert len(vals) == 100 and vals == sorted(set(vals)) and vals[-1] == 127
    # the same echo from a synth on DIN IN is not passed on to the USB host
    assert _run(tmp_path, CC, sweep + [{"t": 127, "din_in": "B0 46 01"}]) == alone


# knob1 rests at 0.3 (38), the receiver says 80, then the knob is turned up and down
REST = [{"t": 300, "usb_in": "0B B0 46 50"},
        {"t": 400, "control": "knob1", "position": 0.9, "ramp_ms": 600},
        {"t": 1200, "control": "knob1", "position": 0.0, "ramp_ms": 600}]


def test_feedback_on_a_resting_knob_sets_up_takeover_as_before(tmp_path):
    lines = _run(tmp_path, CC, REST, {"knob1": 0.3})
    assert lines[:8] == BOOT + [
        "300.000 DIN B0 46 50",  # passed through to DIN; the knob now waits for 80
        "755.000 USB 0B B0 46 51",  # and sends from the first value past it
        "755.000 DIN 46 51",
        "760.000 USB 0B B0 46 52",
        "760.000 DIN 46 52",
        "770.000 USB 0B B0 46 53",
    ]
    vals = [v for _t, v in _cc_values(lines)]
    top = vals.index(max(vals))
    assert vals[:top + 1] == list(range(81, vals[top] + 1)) and vals[top:] == list(range(vals[top], -1, -1))
    assert len(lines) == 299 and lines[-2:] == ["1860.000 USB 0B B0 46 00", "1860.000 DIN 46 00"]


def test_feedback_counts_once_the_knob_has_rested_32_readings(tmp_path):
    # knob1 is turned 0.3 -> 0.35 by 150 ms; its anchor settles (the average's tail) until
    # 515 ms and rests from its 32nd reading without a move, at 675 ms (a reading each 5 ms)
    turn = [{"t": 100, "control": "knob1", "position": 0.35, "ramp_ms": 50},
            {"t": 900, "control": "knob1", "position": 0.9, "ramp_ms": 600}]
    played = ["125.000 USB 0B B0 46 27", "125.000 DIN B0 46 27", "135.000 USB 0B B0 46 28",
              "135.000 DIN 46 28", "140.000 USB 0B B0 46 29", "140.000 DIN 46 29",
              "150.000 USB 0B B0 46 2A", "150.000 DIN 46 2A", "180.000 USB 0B B0 46 2B",
              "180.000 DIN 46 2B", "290.000 USB 0B B0 46 2C", "290.000 DIN 46 2C"]
    # at 800 ms it rests: the receiver's 80 is waited for, as before
    lines = _run(tmp_path, CC, turn + [{"t": 800, "usb_in": "0B B0 46 50"}], {"knob1": 0.3})
    assert lines[:17] == BOOT + played + ["800.000 DIN 46 50", "1230.000 USB 0B B0 46 51", "1230.000 DIN 46 51"]
    # at 660 ms its anchor moved 29 readings before: taken as an echo, the knob plays on,
    # and DIN gets no stale value
    lines = _run(tmp_path, CC, turn + [{"t": 660, "usb_in": "0B B0 46 50"}], {"knob1": 0.3})
    assert lines[:16] == BOOT + played + ["920.000 USB 0B B0 46 2D", "920.000 DIN 46 2D"]


def test_the_knob_reads_the_quiet_count_where_the_filter_bank_keeps_it():
    # knob.py copies adcfilter.py's constants (a const() of another module is not importable
    # under MicroPython): where a filter's quiet count is in FilterBank.state, and the count
    # from which it rests
    from midictl.controls import adcfilter, knob

    assert (knob._STRIDE, knob._QUIET) == (adcfilter._STRIDE, adcfilter._QUIET)
    bank = adcfilter.FilterBank()
    for quiet in (7, 32):
        f = adcfilter.AdcFilter()
        f._quiet = quiet
        bank.add(None, f, 0)
    bank.end_phase()
    bank.finish()
    assert [bank.state[e * knob._STRIDE + knob._AT_QUIET] for e in (0, 1)] == [7, 32]


# MIDI IN feedback runs in the scan loop: the native step under the Unix port with the heap
# locked (any allocation raises MemoryError), on the benchmark's controller (allocation-free
# fake USB transfers, tools/bench_fwchild.py). The host's OUT transfers complete between the
# steps, unlocked: what the USB stack does there is not the scan's.
LOCKED = r'''
import sys
sys.argv.append(%r)
import micropython
import bench_fwchild as B
from simctl import RxUart, host_out, play_levels


cfg = {"controls": {"knob1": {"type": "cc14", "cc14": 1, "takeover": True},
                    "knob2": {"type": "cc", "cc": 11, "takeover": True}}}
ctl, itf = B.build(B.board(), 0, False, cfg)
for ep in (0x01, 0x02, 0x81, 0x82):
    itf._xfers.setdefault(ep, [None, None])
itf._rx_xfer()  # the OUT transfer, in the allocation-free table
rx = RxUart()
ctl.hw.uart = rx
levels = [0] * len(ctl.hw.samples)
play_levels(ctl, levels)
K1, K2 = ctl.hw.plan.index["knob1"], ctl.hw.plan.index["knob2"]
k1, k2 = ctl.feedback[1], ctl.feedback[11]
assert ctl.feedback[33] is k1 and k1._e >= 0 and k2._e >= 0 and k1._e != k2._e
assert ctl.filters.owners[k1._e] is k1 and ctl.filters.owners[k2._e] is k2
# the knob's attribute table: a banked takeover knob has 16 names, in its 17 slots
plain = [k for k in ctl.knobs if not k.takeover][0]
assert len(k1.__dict__) == 16 and len(plain.__dict__) == 15, (k1.__dict__, plain.__dict__)
assert max(len(k.__dict__) for k in ctl.knobs) == 16
levels[K1] = 1200
levels[K2] = 1000


def step(t):
    micropython.heap_lock()
    try:
        ctl.step(t * 1000, t)
        B.host_reads(itf)
    finally:
        micropython.heap_unlock()


for t in range(300):  # boot: the filters prime, the knobs rest
    ctl.step(t * 1000, t)
    B.host_reads(itf)
out = []
for t in range(300, 2000):
    if t == 400:
        rx.add(b"\xb0\x01\x40\x21\x7f")  # knob1's MSB, then its LSB (running status)
    elif t == 450:
        out.append((k1._remote, k1.value, k1._waiting))
    elif 500 <= t < 900:
        levels[K2] = 1000 + (t - 500) * 5  # knob2 turned up
        if t == 700:
            out.append((k2.value, k2._waiting))
            host_out(itf, bytes((0x0B, 0xB0, 11, k2.value - 2)))  # the host echoes it, late
        elif t == 701:
            rx.add(bytes((0xB0, 11, k2.value - 1)))  # and DIN too
        elif t == 702:
            out.append((k2._remote, k2._waiting))
    elif t == 1900:
        out.append((k2.value, k2._local, k2._waiting))
        rx.add(b"\xb0\x0b\x05")  # knob2 at rest: the receiver's 5
    step(t)
out.append((k2._remote, k2.value, k2._waiting))
print(out)
''' % ROOT


def test_midi_in_feedback_allocates_nothing_in_the_scan():
    r = run(["-c", LOCKED], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "[(8319, 8319, True), (59, False), (-1, False), (93, 93, False), (5, 5, True)]"
