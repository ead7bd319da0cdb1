"""MIDI IN feedback for soft takeover, end to end through the simulator: the receiver's value
arrives as a Control Change on a knob's controller (DIN or USB IN) and the knob waits for
it, unless the knob is being turned. Regressions of the cases fuzzing found (cc14_takeover,
takeover_echo)."""
import json

from mpy import ROOT, run
from test_sim import BOOT, port, sim


DROP = {"thru": {"drop_echoes": True}}


def _run(tmp_path, controls, events, initial=None, top=None):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(dict(top or {}, controls=controls)))
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
    # then every reading of the turn (one each 5 ms) up to the top, the last few steps of
    # its settling (the knob still from 1000) further apart, and down to exactly 0, 35 ms
    # after the knob got there (1800)
    assert vals[0] == (620.0, 8225) and vals[-1] == (1835.0, 0)
    top = max(range(len(vals)), key=lambda i: vals[i][1])
    up, down = vals[:top + 1], vals[top:]
    assert all(b[0] - a[0] == 5 for a, b in zip(up, up[1:]) if b[0] <= 1145) and all(b[1] > a[1] for a, b in zip(up, up[1:]))
    assert [v for v in up if v[0] >= 1145] == [(1145.0, 14770), (1155.0, 14771), (1165.0, 14772), (1180.0, 14773),
                                               (1200.0, 14774)]
    assert down[1] == (1215.0, 14743)  # (the turn: 15 ms still)
    assert all(b[0] - a[0] == 5 and b[1] < a[1] for a, b in zip(down[1:], down[2:]))
    assert len(vals) == 235 and lines[-2:] == ["1835.000 DIN 01 00", "1835.640 DIN 21 00"]


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
    assert lines[:9] == BOOT + [
        "120.000 USB 0B B0 46 01",
        "120.000 DIN B0 46 01",
        "125.000 USB 0B B0 46 02",
        "125.000 DIN 46 02",
        "127.000 DIN 46 01",  # the echo, passed through to DIN (as MIDI IN is, by default)
        "130.000 USB 0B B0 46 03",
        "130.000 DIN 46 03",
    ]
    assert lines[-4:] == ["615.000 USB 0B B0 46 7E", "615.000 DIN 46 7E",
                          "630.000 USB 0B B0 46 7F", "630.000 DIN 46 7F"]
    # exactly what the knob plays with no echo at all: 100 values up to 127
    assert lines[:6] + lines[7:] == alone
    vals = [v for _t, v in _cc_values(lines)]
    assert len(vals) == 100 and vals == sorted(set(vals)) and vals[-1] == 127


def test_a_takeover_knob_picks_up_its_own_layers_last_value_after_the_other_layer_turned_it(tmp_path):
    # knob1 (takeover; its shift layer CC 102, the reference layout's) rests at 0.5 (63 on
    # both layers, taken as their receivers' at power-on). Shift held, it is turned down to
    # 0.3: CC 102 follows to 38. Shift let go, it is turned up to 0.7: CC 70 waits for its
    # receiver's 63 and follows from there (before: it jumped from 63 to 38 at the first
    # reading). Shift held again, it is turned down to 0.2: CC 102 waits for the 38 it sent
    # last (before: it jumped to 89 as shift went down, the filter still settling).
    lines = _run(tmp_path, CC, [
        {"t": 100, "control": "button3", "press": 1.0}, {"t": 150, "control": "knob1", "position": 0.3, "ramp_ms": 50},
        {"t": 300, "control": "button3", "release": True},
        {"t": 350, "control": "knob1", "position": 0.7, "ramp_ms": 100},
        {"t": 600, "control": "button3", "press": 1.0},
        {"t": 650, "control": "knob1", "position": 0.2, "ramp_ms": 150}], {"knob1": 0.5})
    usb = [(ln.split()[0], ln.split()[4], int(ln.split()[5], 16)) for ln in port(lines, "USB")[1:]]
    assert usb == [("%d.000" % t, "66", v) for t, v in (
        (160, 62), (165, 61), (170, 59), (175, 57), (180, 53), (185, 51), (190, 49), (195, 45), (200, 43),
        (205, 42), (210, 41), (215, 40), (230, 39), (285, 38))] + [("%d.000" % t, "46", v) for t, v in (
        (415, 66), (420, 68), (425, 72), (430, 74), (435, 75), (440, 80), (445, 81), (450, 83), (455, 85),
        (460, 86), (470, 87), (485, 88), (535, 89))] + [("%d.000" % t, "66", v) for t, v in (
        (785, 37), (790, 35), (795, 33), (800, 31), (805, 30), (810, 29), (815, 28), (820, 27), (840, 26),
        (910, 25))]


def test_drop_echoes_passes_a_knobs_echo_on_to_neither_port(tmp_path):
    # The same echo with thru "drop_echoes": DIN gets no stale value mid-sweep; nor does the
    # USB host get one echoed by a synth on DIN IN. Both runs are the knob's sweep alone.
    sweep = [{"t": 100, "control": "knob1", "position": 1.0, "ramp_ms": 500}]
    alone = _run(tmp_path, CC, sweep, top=DROP)
    assert _run(tmp_path, CC, sweep + [{"t": 127, "usb_in": "0B B0 46 01"}], top=DROP) == alone
    assert _run(tmp_path, CC, sweep + [{"t": 127, "din_in": "B0 46 01"}], top=DROP) == alone
    # a message on the knob's controller while it rests is the receiver's value: passed on
    lines = _run(tmp_path, CC, sweep + [{"t": 1200, "usb_in": "0B B0 46 50"}], top=DROP)
    assert lines == alone + ["1200.000 DIN 46 50"]


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
    assert len(lines) == 303 and lines[-2:] == ["1825.000 USB 0B B0 46 00", "1825.000 DIN 46 00"]


def test_feedback_counts_once_the_knob_has_rested_32_readings(tmp_path):
    # knob1 is turned 0.3 -> 0.35 by 150 ms; its anchor settles (the average's tail) until
    # 355 ms and rests from its 32nd reading without a move, at 515 ms (a reading each 5 ms)
    turn = [{"t": 100, "control": "knob1", "position": 0.35, "ramp_ms": 50},
            {"t": 900, "control": "knob1", "position": 0.9, "ramp_ms": 600}]
    played = ["125.000 USB 0B B0 46 27", "125.000 DIN B0 46 27", "135.000 USB 0B B0 46 28",
              "135.000 DIN 46 28", "140.000 USB 0B B0 46 29", "140.000 DIN 46 29",
              "150.000 USB 0B B0 46 2A", "150.000 DIN 46 2A", "165.000 USB 0B B0 46 2B",
              "165.000 DIN 46 2B", "220.000 USB 0B B0 46 2C", "220.000 DIN 46 2C"]
    # at 800 ms it rests: the receiver's 80 is waited for, as before
    lines = _run(tmp_path, CC, turn + [{"t": 800, "usb_in": "0B B0 46 50"}], {"knob1": 0.3})
    assert lines[:17] == BOOT + played + ["800.000 DIN 46 50", "1230.000 USB 0B B0 46 51", "1230.000 DIN 46 51"]
    # at 500 ms its anchor moved 29 readings before: taken as an echo, the knob plays on
    lines = _run(tmp_path, CC, turn + [{"t": 500, "usb_in": "0B B0 46 50"}], {"knob1": 0.3})
    assert lines[:17] == BOOT + played + ["500.000 DIN 46 50", "920.000 USB 0B B0 46 2D", "920.000 DIN 46 2D"]
    # and at 515, its 32nd reading without a move, it rests: the 80 is waited for
    lines = _run(tmp_path, CC, turn + [{"t": 515, "usb_in": "0B B0 46 50"}], {"knob1": 0.3})
    assert lines[:17] == BOOT + played + ["515.000 DIN 46 50", "1230.000 USB 0B B0 46 51", "1230.000 DIN 46 51"]
    # (and with drop_echoes DIN does not get it)
    lines = _run(tmp_path, CC, turn + [{"t": 500, "usb_in": "0B B0 46 50"}], {"knob1": 0.3}, DROP)
    assert lines[:16] == BOOT + played + ["920.000 USB 0B B0 46 2D", "920.000 DIN 46 2D"]


def test_the_knob_reads_the_quiet_count_where_the_filter_bank_keeps_it():
    # knob.py copies adcfilter.py's constants (a const() of another module is not importable
    # under MicroPython): where a filter's quiet count is in FilterBank.state, and the count
    # from which it rests
    from midictl import build
    from midictl.controls import adcfilter, knob, stick

    assert (knob._STRIDE, knob._QUIET) == (adcfilter._STRIDE, adcfilter._QUIET)
    assert (build._STRIDE, build._FSTRIDE, build._TOP) == (adcfilter._STRIDE, adcfilter._FSTRIDE, adcfilter._TOP)
    assert stick._FINE == adcfilter._FINE == 0x10000  # (build.py writes it as that literal too)
    rows = []
    for quiet in (7, 32):
        f = adcfilter.AdcFilter()
        f._quiet = quiet
        rows.append((None, f, 0, None))
    bank = build.filter_bank([rows])
    assert [bank.state[e * knob._STRIDE + knob._AT_QUIET] for e in (0, 1)] == [7, 32]


# An nrpn knob: parameter 1234 (MSB 09, LSB 52 on CC 99 and 98), its value on CC 6 and 38
NRPN = {"knob1": {"type": "nrpn", "param": 1234, "takeover": True}}


def _nrpn_values(lines, port_name="USB", param=(0x09, 0x52)):
    # (time, 14-bit value) of each whole NRPN knob1 sent to USB: CC 99, 98, 6, 38 at one time
    usb = [ln.split() for ln in port(lines, port_name)]
    sel = ["B0", "63", "%02X" % param[0]], ["B0", "62", "%02X" % param[1]]
    return [(float(a[0]), int(c[5], 16) << 7 | int(d[5], 16)) for a, b, c, d in zip(usb, usb[1:], usb[2:], usb[3:])
            if (a[3:], b[3:]) == sel and c[3:5] == ["B0", "06"] and d[3:5] == ["B0", "26"]
            and a[0] == b[0] == c[0] == d[0]]


def test_nrpn_alone_sends_as_it_turns(tmp_path):
    # no feedback: the knob at 0.3 (about 4900) sends from its first move, as it always has
    lines = _run(tmp_path, NRPN, SWEEP, {"knob1": 0.3})
    assert lines[:10] == BOOT + [
        "420.000 USB 0B B0 63 09",
        "420.000 USB 0B B0 62 52",
        "420.000 USB 0B B0 06 26",
        "420.000 USB 0B B0 26 45",
        "420.000 DIN B0 63 09",
        "420.960 DIN 62 52",
        "421.600 DIN 06 26",
        "422.240 DIN 26 45",
    ]
    assert _nrpn_values(lines)[0] == (420.0, 4933)


def test_nrpn_takeover_picks_up_at_the_value_midi_in_sent(tmp_path):
    # DIN IN, running status: parameter 1234 is at 8192 (Data Entry MSB 64, LSB 0). The knob
    # sends nothing until it reaches it: 8225 is the first value at or past it, as a cc14
    # knob's (test_cc14_takeover_picks_up_at_the_half_way_crossing)
    lines = _run(tmp_path, NRPN, [{"t": 300, "din_in": "B0 63 09 62 52 06 40 26 00"}] + SWEEP, {"knob1": 0.3})
    assert lines[:18] == BOOT + [
        "301.000 USB 0B B0 63 09",  # passed through to USB
        "302.000 USB 0B B0 62 52",
        "303.000 USB 0B B0 06 40",
        "303.000 USB 0B B0 26 00",
        "620.000 USB 0B B0 63 09",
        "620.000 USB 0B B0 62 52",
        "620.000 USB 0B B0 06 40",
        "620.000 USB 0B B0 26 21",
        "620.000 DIN B0 63 09",
        "620.960 DIN 62 52",
        "621.600 DIN 06 40",
        "622.240 DIN 26 21",
        "625.000 USB 0B B0 63 09",
        "625.000 USB 0B B0 62 52",
        "625.000 USB 0B B0 06 40",
        "625.000 USB 0B B0 26 74",
    ]
    vals = _nrpn_values(lines)
    # then every reading of the turn up to the top, and down to exactly 0: the cc14 knob's sweep
    assert vals[0] == (620.0, 8225) and vals[-1] == (1835.0, 0) and len(vals) == 235
    assert lines[-4:] == ["1835.000 DIN 63 09", "1835.640 DIN 62 52", "1836.280 DIN 06 00", "1836.920 DIN 26 00"]
    # the same NRPN with full status bytes, or from the USB host, is the same value
    full = _run(tmp_path, NRPN, [{"t": 300, "din_in": "B0 63 09 B0 62 52 B0 06 40 B0 26 00"}] + SWEEP, {"knob1": 0.3})
    assert full[2:6] == ["301.000 USB 0B B0 63 09", "302.000 USB 0B B0 62 52", "303.000 USB 0B B0 06 40",
                         "304.000 USB 0B B0 26 00"]  # (three bytes each on the wire)
    assert full[6:] == lines[6:]
    usb = _run(tmp_path, NRPN, [{"t": 300, "usb_in": "0B B0 63 09 0B B0 62 52 0B B0 06 40 0B B0 26 00"}] + SWEEP,
               {"knob1": 0.3})
    assert usb[2:6] == ["300.000 DIN B0 63 09", "300.960 DIN 62 52", "301.600 DIN 06 40", "302.240 DIN 26 00"]
    assert usb[6] == "620.000 USB 0B B0 63 09" and port(usb[6:], "USB") == port(lines[6:], "USB")
    assert usb[10] == "620.000 DIN 63 09"  # (running status on from the pass-through's)


def test_nrpn_feedback_lsb_completes_the_msb_and_rpn_null_ends_it(tmp_path):
    # from the USB host: Data Entry MSB 64 then LSB 127, then the RPN null (101, 100 = 127)
    # that deselects the parameter: the receiver is at 8319, so the knob passes 8225 and
    # 8308 silently and picks up at 8391, as the cc14 knob does
    ev = [{"t": 300, "usb_in": "0B B0 63 09 0B B0 62 52 0B B0 06 40 0B B0 26 7F 0B B0 65 7F 0B B0 64 7F"}]
    lines = _run(tmp_path, NRPN, ev + SWEEP, {"knob1": 0.3})
    assert lines[:18] == BOOT + [
        "300.000 DIN B0 63 09",  # passed through to DIN
        "300.960 DIN 62 52",
        "301.600 DIN 06 40",
        "302.240 DIN 26 7F",
        "302.880 DIN 65 7F",
        "303.520 DIN 64 7F",
        "630.000 USB 0B B0 63 09",
        "630.000 USB 0B B0 62 52",
        "630.000 USB 0B B0 06 41",
        "630.000 USB 0B B0 26 47",
        "630.000 DIN 63 09",
        "630.640 DIN 62 52",
        "631.280 DIN 06 41",
        "631.920 DIN 26 47",
        "635.000 USB 0B B0 63 09",
        "635.000 USB 0B B0 62 52",
    ]
    # after the RPN null a Data Entry is not the NRPN's: 8319 still stands
    again = _run(tmp_path, NRPN, ev + [{"t": 350, "usb_in": "0B B0 06 10"}] + SWEEP, {"knob1": 0.3})
    assert again[:8] + again[9:] == lines and again[8] == "350.000 DIN 06 10"


def _picks_up(tmp_path, events):
    return _nrpn_values(_run(tmp_path, NRPN, events + SWEEP, {"knob1": 0.3}))[0]


def test_nrpn_feedback_without_the_parameter_number_again(tmp_path):
    # a host sends the parameter number only when it changes: a second value is Data Entry
    # alone (8319 here, after 2048), or its LSB alone (a fine adjustment of the MSB before)
    first = {"t": 300, "din_in": "B0 63 09 62 52 06 10 26 00"}
    # 2048 alone: below the knob, which is turned up first: crossed on the way down
    assert _picks_up(tmp_path, [first]) == (1735.0, 1940)
    assert _picks_up(tmp_path, [first, {"t": 350, "din_in": "B0 06 40 26 7F"}]) == (630.0, 8391)
    assert _picks_up(tmp_path, [first, {"t": 350, "usb_in": "0B B0 06 40 0B B0 26 7F"}]) == (630.0, 8391)
    assert _picks_up(tmp_path, [{"t": 300, "din_in": "B0 63 09 62 52 06 40 26 00"},
                                {"t": 350, "din_in": "B0 26 7F"}]) == (630.0, 8391)
    # the parameter selected again: an LSB alone has no MSB to complete (8192 stands, not 8319)
    assert _picks_up(tmp_path, [{"t": 300, "din_in": "B0 63 09 62 52 06 40 63 09 62 52 26 7F"}]) == (620.0, 8225)
    # a new Data Entry MSB resets the LSB (MIDI 1.0): 8192 again
    assert _picks_up(tmp_path, [{"t": 300, "din_in": "B0 63 09 62 52 06 40 26 7F 06 40"}]) == (620.0, 8225)
    # CC 98 alone selects with the last CC 99's MSB (parameter 1234 after 1168 = 09 10)
    assert _picks_up(tmp_path, [{"t": 300, "din_in": "B0 63 09 62 10 06 7F 62 52 06 40"}]) == (620.0, 8225)


def test_nrpn_feedback_for_anything_else_changes_nothing(tmp_path):
    alone = _run(tmp_path, NRPN, SWEEP, {"knob1": 0.3})
    for din_in in (
            "B0 63 09 62 53 06 40 26 00",  # another parameter (1235)
            "B1 63 09 62 52 06 40 26 00",  # parameter 1234 on channel 2
            "B0 06 40 26 00",  # Data Entry with no parameter selected
            "B0 62 52 06 40",  # CC 98 with no CC 99 before it
            "B0 63 09 62 52 65 00 64 00 06 40",  # an RPN selected after the NRPN (pitch bend range)
            "B0 63 09 62 52 65 7F 64 7F 06 40",  # the RPN null: nothing selected
            "B0 63 09 62 52 79 00 06 40",  # Reset All Controllers: nothing selected (RP-015)
            "B0 63 09 62 52 63 0A 06 40",  # a new CC 99 without its CC 98: no parameter yet
            "B0 63 09 62 52 26 10"):  # a Data Entry LSB with no MSB to complete
        lines = _run(tmp_path, NRPN, [{"t": 300, "din_in": din_in}] + SWEEP, {"knob1": 0.3})
        b = din_in.split()
        thru = lines[2:2 + (len(b) - b.count("B0") - b.count("B1")) // 2]  # each CC passed through to USB
        assert [ln.split()[1] for ln in thru] == ["USB"] * len(thru) and float(thru[-1].split()[0]) < 310, din_in
        assert lines[:2] + lines[2 + len(thru):] == alone, din_in


def test_nrpn_echoed_while_the_knob_turns_changes_nothing(tmp_path):
    # knob1 sweeps 0 -> 1 over 500 ms; the host echoes its first NRPN (164: 01 24) back 7 ms
    # late: the knob's own message, not a value to wait for
    sweep = [{"t": 100, "control": "knob1", "position": 1.0, "ramp_ms": 500}]
    alone = _run(tmp_path, NRPN, sweep)
    echo = [{"t": 127, "usb_in": "0B B0 63 09 0B B0 62 52 0B B0 06 01 0B B0 26 24"}]
    lines = _run(tmp_path, NRPN, sweep + echo)
    assert lines[10:28] == [
        "125.000 USB 0B B0 63 09",
        "125.000 USB 0B B0 62 52",
        "125.000 USB 0B B0 06 02",
        "125.000 USB 0B B0 26 25",
        "125.000 DIN 63 09",
        "125.640 DIN 62 52",
        "126.280 DIN 06 02",
        "126.920 DIN 26 25",
        "127.560 DIN 63 09",  # the echo, passed through to DIN (as MIDI IN is, by default)
        "128.200 DIN 62 52",
        "128.840 DIN 06 01",
        "129.480 DIN 26 24",
        "130.000 USB 0B B0 63 09",  # and the knob plays on
        "130.000 USB 0B B0 62 52",
        "130.000 USB 0B B0 06 03",
        "130.000 USB 0B B0 26 31",
        "131.000 DIN 63 09",  # (once the echo has left the wire)
        "131.640 DIN 62 52",
    ]
    assert port(lines, "USB") == port(alone, "USB")
    # with drop_echoes the echo's parameter select is passed on, which sets no value, and its
    # Data Entry is not, where it would take the receiver back to 164 mid-sweep
    alone = _run(tmp_path, NRPN, sweep, top=DROP)
    lines = _run(tmp_path, NRPN, sweep + echo, top=DROP)
    assert lines[17:23] == ["126.920 DIN 26 25", "127.560 DIN 63 09", "128.200 DIN 62 52",
                            "130.000 USB 0B B0 63 09", "130.000 USB 0B B0 62 52", "130.000 USB 0B B0 06 03"]
    assert [ln for ln in lines if ln[:7] not in ("127.560", "128.200")] == alone
    vals = [v for _t, v in _nrpn_values(lines)]
    assert vals == sorted(set(vals)) and vals[0] == 164 and vals[-1] == 16383


def test_cc_knob_on_data_entry_beside_an_nrpn_knob_still_takes_its_cc(tmp_path):
    # knob2 sends CC 6 on the channel of knob1's NRPN: its feedback entry is the channel's
    # NRPN tracker's now, which passes the Control Change on to it: it waits for 80 and
    # plays exactly as without the nrpn knob beside it
    knob2 = {"knob2": {"type": "cc", "cc": 6, "takeover": True}}
    ev = [{"t": 300, "usb_in": "0B B0 06 50"}, {"t": 400, "control": "knob2", "position": 0.9, "ramp_ms": 600}]
    lines = _run(tmp_path, dict(NRPN, **knob2), ev, {"knob2": 0.3})
    assert lines[2:5] == ["300.000 DIN B0 06 50", "751.000 USB 0B B0 06 51", "751.000 DIN 06 51"]
    assert lines == _run(tmp_path, knob2, ev, {"knob2": 0.3})


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
# the knob's attribute table: a banked CC knob has 7 names, in 8 slots; a 14-bit one with
# takeover 10 (its kind, max and takeover its own), which would fill its 10, so build.py gave
# it 12; a CC one with takeover 8, which would fill its 8: 10
plain = [k for k in ctl.knobs if not k.takeover][0]
assert len(k1.__dict__) == 10 and len(k2.__dict__) == 8 and len(plain.__dict__) == 7, (k1.__dict__, plain.__dict__)
assert max(len(k.__dict__) for k in ctl.knobs) == 10
levels[K1] = 1200
levels[K2] = 1000


def _remote(k):
    # the receiver's value as the knob knows it (-1: none): Knob._remote without its
    # waiting bit (knob.py's _WAITING), which _waiting() reads
    return k._remote & 0xFFFF if k._remote >= 0 else -1


def _waiting(k):
    return k._remote >= 0x10000


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
        out.append((_remote(k1), k1.value, _waiting(k1)))
    elif 500 <= t < 900:
        levels[K2] = 1000 + (t - 500) * 5  # knob2 turned up
        if t == 700:
            out.append((k2.value, _waiting(k2)))
            host_out(itf, bytes((0x0B, 0xB0, 11, k2.value - 2)))  # the host echoes it, late
        elif t == 701:
            rx.add(bytes((0xB0, 11, k2.value - 1)))  # and DIN too
        elif t == 702:
            out.append((_remote(k2), _waiting(k2)))
    elif t == 1900:
        out.append((k2.value, k2._local, _waiting(k2)))
        rx.add(b"\xb0\x0b\x05")  # knob2 at rest: the receiver's 5
    step(t)
out.append((_remote(k2), k2.value, _waiting(k2)))
print(out)
''' % ROOT


def test_midi_in_feedback_allocates_nothing_in_the_scan():
    r = run(["-c", LOCKED], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "[(8319, 8319, True), (59, False), (-1, False), (93, 93, False), (5, 5, True)]"


# The same for nrpn knobs: their channel's NrpnIn follows the parameter selected and its Data
# Entry, from DIN IN (running status) and from the USB host (a packet a scan), with the heap
# locked; knob2, a cc knob on CC 6 of the same channel, still gets its Control Change.
LOCKED_NRPN = r'''
import sys
sys.argv.append(%r)
import micropython
import bench_fwchild as B
from simctl import RxUart, host_out, play_levels


cfg = {"controls": {"knob1": {"type": "nrpn", "param": 1234, "takeover": True},
                    "knob2": {"type": "cc", "cc": 6, "takeover": True}}}
ctl, itf = B.build(B.board(), 0, False, cfg)
for ep in (0x01, 0x02, 0x81, 0x82):
    itf._xfers.setdefault(ep, [None, None])
itf._rx_xfer()
rx = RxUart()
ctl.hw.uart = rx
levels = [0] * len(ctl.hw.samples)
play_levels(ctl, levels)
K1 = ctl.hw.plan.index["knob1"]
n = ctl.feedback[6]
k1, k2 = n.knobs[1234], n.taken[6]
assert type(n).__name__ == "NrpnIn" and k1._kind == 2 and k2._kind == 0 and k1._e >= 0
assert [ctl.feedback[c] is n for c in (6, 38, 98, 99, 100, 101, 121)] == [True] * 7
assert list(n.taken) == [6] and len(n.__dict__) == 5
assert max(len(k.__dict__) for k in ctl.knobs) == 10  # (the nrpn knob with takeover, as the cc14 one above)
levels[K1] = 1200


def _remote(k):
    # the receiver's value as the knob knows it (-1: none): Knob._remote without its
    # waiting bit (knob.py's _WAITING), which _waiting() reads
    return k._remote & 0xFFFF if k._remote >= 0 else -1


def _waiting(k):
    return k._remote >= 0x10000


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
out = [(k1.value, k1._local)]
usb = (b"\x0b\xb0\x63\x09", b"\x0b\xb0\x62\x52", b"\x0b\xb0\x06\x26", b"\x0b\xb0\x26\x00")
for t in range(300, 2000):
    if t == 400:
        rx.add(b"\xb0\x63\x09\x62\x52\x06\x40\x26\x7f")  # 1234 at 8319, running status
    elif 460 <= t < 464:
        host_out(itf, usb[t - 460])  # then at 4864 (just above the knob), a packet a scan
    elif t == 480:
        rx.add(b"\xb0\x65\x7f\x64\x7f\x06\x20")  # the RPN null, then a Data Entry: knob2's CC 6
    elif 500 <= t < 900:
        levels[K1] = 1200 + (t - 500) * 5  # knob1 turned up
        if t == 700:
            out.append((k1.value, _waiting(k1)))
            e = k1.value - 2
            rx.add(bytes((0xB0, 99, 9, 98, 0x52, 6, e >> 7, 38, e & 127)))  # the receiver echoes it, late
        elif t == 710:
            out.append((_remote(k1), _waiting(k1)))
    elif t == 1900:
        out.append((k1.value, k1._local, _waiting(k1)))
        rx.add(b"\xb0\x63\x09\x62\x52\x06\x05")  # knob1 at rest: the receiver's 640
    if t in (450, 470, 490):
        out.append((_remote(k1), k1.value, _waiting(k1), _remote(k2)))
    step(t)
out.append((_remote(k1), k1.value, _waiting(k1)))
print(out, ctl.errors)
''' % ROOT


def test_midi_in_nrpn_feedback_allocates_nothing_in_the_scan():
    r = run(["-c", LOCKED_NRPN], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == str([
        (4761, 4761),  # knob1 at rest
        (8319, 8319, True, 64),  # 1234 at 8319 from DIN IN; knob2 got the CC 6 as its own
        (4864, 4864, True, 38),  # then 4864 from the host
        (4864, 4864, True, 32),  # the RPN null: the CC 6 after it is knob2's alone
        (8355, False),  # turned up past 4864: sending
        (4864, False),  # the echo of 8353 while it turns changes nothing
        (12786, 12786, False),  # at rest at the top
        (640, 640, True),  # where the receiver's 640 counts
    ]) + " 0"


ABS = {"enc1": {"type": "cc_absolute", "cc": 20}}


def test_an_absolute_encoder_counts_on_from_the_receivers_value(tmp_path):
    # The host moved the parameter to 100 (automation, its mouse): the encoder's next detent
    # sends 101, not 1 from where it last was. A value above max counts on from max.
    ev = [{"t": 50, "usb_in": "0B B0 14 64"}, {"t": 100, "control": "enc1", "turn": 1},
          {"t": 600, "usb_in": "0B B0 14 7F"}, {"t": 700, "control": "enc1", "turn": -2, "over_ms": 20}]
    lines = _run(tmp_path, ABS, ev)
    assert lines[len(BOOT):] == [
        "50.000 DIN B0 14 64",  # the host's value, passed through
        "101.000 USB 0B B0 14 65",  # the detent (its quadrature's last edge at 101 ms)
        "101.000 DIN 14 65",
        "600.000 DIN 14 7F",
        "708.000 USB 0B B0 14 7E",
        "708.000 DIN 14 7E",
        "718.000 USB 0B B0 14 7D",
        "718.000 DIN 14 7D",
    ]


def test_an_absolute_encoders_echo_changes_nothing(tmp_path):
    # Detents at 105, 112 and 119 ms; the host echoes the first (01) 1 ms late: the encoder
    # goes on from its own value (the echo itself is passed on to DIN, as MIDI IN is by
    # default; with drop_echoes it is not). From 300 ms after the last detent the host's
    # value counts again (at 425 ms; at 415 it is still taken as an echo).
    turn = [{"t": 100, "control": "enc1", "turn": 3, "over_ms": 20}]
    alone = _run(tmp_path, ABS, turn)
    lines = _run(tmp_path, ABS, turn + [{"t": 106, "usb_in": "0B B0 14 01"}])
    assert lines == alone[:4] + ["106.000 DIN 14 01"] + alone[4:]
    assert _run(tmp_path, ABS, turn + [{"t": 106, "usb_in": "0B B0 14 01"}], top=DROP) == \
        _run(tmp_path, ABS, turn, top=DROP)
    lines = _run(tmp_path, ABS, turn + [{"t": 425, "usb_in": "0B B0 14 28"}, {"t": 500, "control": "enc1", "turn": 1}])
    assert lines[len(alone):] == ["425.000 DIN 14 28", "501.000 USB 0B B0 14 29", "501.000 DIN 14 29"]
    lines = _run(tmp_path, ABS, turn + [{"t": 415, "usb_in": "0B B0 14 28"}, {"t": 500, "control": "enc1", "turn": 1}])
    assert lines[len(alone):] == ["415.000 DIN 14 28", "501.000 USB 0B B0 14 04", "501.000 DIN 14 04"]


ABS_SHIFT = {"enc1": {"type": "cc_absolute", "cc": 20, "shift": {"cc": 21}}}


def test_an_absolute_encoders_shift_layer_counts_its_own_value(tmp_path):
    # Three detents up on CC 20, then with shift (button3) held two on CC 21: they count from
    # CC 21's own value (0 at first), not on from CC 20's 3; released, CC 20 goes on from 3.
    # The host's value of CC 21 (40) is where the shift layer counts on from, and CC 20's
    # stays its own.
    ev = [{"t": 100, "control": "enc1", "turn": 3, "over_ms": 20},
          {"t": 500, "control": "button3", "press": 1.0},
          {"t": 600, "control": "enc1", "turn": 2, "over_ms": 10},
          {"t": 700, "control": "button3", "release": True},
          {"t": 800, "control": "enc1", "turn": 1},
          {"t": 1200, "usb_in": "0B B0 15 28"},
          {"t": 1300, "control": "button3", "press": 1.0},
          {"t": 1400, "control": "enc1", "turn": 1},
          {"t": 1500, "control": "button3", "release": True},
          {"t": 1600, "control": "enc1", "turn": -1}]
    usb = [ln.split(maxsplit=1)[1] for ln in port(_run(tmp_path, ABS_SHIFT, ev), "USB")]
    assert usb == [
        "USB 0B B9 7B 00",
        "USB 0B B0 14 01", "USB 0B B0 14 02", "USB 0B B0 14 03",
        "USB 0B B0 15 01", "USB 0B B0 15 02",
        "USB 0B B0 14 04",
        "USB 0B B0 15 29",
        "USB 0B B0 14 03",
    ]
    # a shift layer on the encoder's own controller is the same parameter: one value
    same = {"enc1": {"type": "cc_absolute", "cc": 20, "shift": {"cc": 20}}}
    usb = [ln.split(maxsplit=1)[1] for ln in port(_run(tmp_path, same, ev[:5]), "USB")]
    assert usb == ["USB 0B B9 7B 00"] + ["USB 0B B0 14 %02X" % v for v in range(1, 7)]
