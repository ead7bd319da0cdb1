"""MIDI IN feedback for soft takeover, end to end through the simulator: the receiver's value
arrives as a Control Change on a knob's controller (DIN or USB IN) and the knob waits for
it. Regressions of the cases fuzzing found (/tmp/fuzz_midi: cc14_takeover, takeover_echo)."""
import json

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
