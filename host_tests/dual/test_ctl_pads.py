import math
import random
from array import array

from dualtest import no_alloc, raises
from test_ctl_signals import Rec, adc, fsr_level, piezo_level

from midictl.controls.modes import Modes
from midictl.controls.pads import PadGroup, grid_neighbours
from midictl.controls.velocity import make_curve

CURVE = make_curve()


def _group(rec, kinds=None, modes=None, pressure="off", gate_ms=50, **kw):
    if kinds is None:
        kinds = ["piezo"] * 16
    g = PadGroup(rec, len(kinds), modes=modes, **kw)
    for i in range(len(kinds)):
        g.set_pad(i, kinds[i], 9, 36 + i, CURVE, gate_ms=gate_ms,
                  pressure=pressure if kinds[i] == "fsr" else "off")
    return g


# a pad's bytes in PadGroup._pb (pads.py's _NB of them a pad): its state, kind, floor's
# halving time, retrigger mask, peak window and crosstalk limit among them
_NB, _ST, _KIND, _HALF, _WIN, _MASK, _XT = 13, 0, 1, 6, 10, 11, 12
# and its 16-bit values in PadGroup._ph (_NH a pad), its ints in PadGroup._pw (_NW a pad)
_NH, _PEAK, _FS, _NW, _T0 = 6, 2, 5, 4, 1


def _b(g, field, i):
    return g._pb[i * _NB + field]


def _col(g, field):
    return [g._pb[i * _NB + field] for i in range(g.count)]


def _peak(g, i):
    return g._ph[i * _NH + _PEAK]


def _t0(g, i):
    return g._pw[i * _NW + _T0]


def _adjacent(i, j):
    # the simulator's 4x4 grid, pads 1-4 the bottom row: orthogonal neighbours
    return abs(i // 4 - j // 4) + abs(i % 4 - j % 4) == 1


def _run(g, rec, strikes, ms, noise=0, seed=1, fsr=None, start=0):
    """strikes: (pad, t_ms, strength) piezo strikes with 0.2x crosstalk on neighbours;
    fsr: (pad, t_ms, force, release_ms) presses. Scans every 1 ms from `start`."""
    random.seed(seed)
    s = array("H", [0] * g.count)
    for t in range(start, start + ms):
        for i in range(g.count):
            lv = 0
            for pad, t0, st in strikes:
                if pad == i:
                    lv += piezo_level(t - t0, st)
                elif g.count == 16 and _adjacent(pad, i):
                    lv += round(0.2 * piezo_level(t - t0, st))
            for pad, t0, f, rel in fsr or ():
                if pad == i:
                    lv += fsr_level(t - t0, f, None if rel is None else rel - t0)
            s[i] = adc(lv, noise)
        rec.now = t
        g.scan(s, t)


def _ons(rec):
    return [(e[0], e[3], e[4]) for e in rec.ev if e[1] == "on"]


def test_piezo_velocity_at_sampling_phases():
    # strike at 10 + phase ms; the window closes 2 scans after the crossing scan.
    # The top sample lies between 0.69 A (phase 0.75) and A (phase 0.5): the spread a
    # 1 kHz scan gives a 0.5 ms rise.
    expect = {
        (0.05, 0.0): (13, 2), (0.05, 0.5): (13, 3), (0.05, 0.75): (14, 1),
        (0.3, 0.0): (13, 31), (0.3, 0.25): (13, 36), (0.3, 0.5): (13, 41), (0.3, 0.75): (13, 27),
        (1.0, 0.0): (13, 112), (1.0, 0.25): (13, 127), (1.0, 0.5): (13, 127), (1.0, 0.75): (13, 99),
    }
    for key in expect:
        st, ph = key
        rec = Rec()
        g = _group(rec)
        _run(g, rec, [(2, 10 + ph, st)], 100)
        t_on, vel = expect[key]
        assert rec.ev == [(t_on, "on", 9, 38, vel), (t_on + 50, "off", 9, 38, 64)], (key, rec.ev)


def test_piezo_velocity_rises_with_strength_at_every_phase():
    for ph in (0.0, 0.1, 0.3, 0.5, 0.6, 0.9):
        vels = []
        for k in range(1, 21):
            rec = Rec()
            g = _group(rec)
            _run(g, rec, [(0, 5 + ph, k / 20)], 30)
            ons = _ons(rec)
            assert len(ons) == 1, (ph, k, rec.ev)
            vels.append(ons[0][2])
        assert all(vels[i] < vels[i + 1] or vels[i] == 127 for i in range(19)), (ph, vels)
        assert vels[0] >= 1 and vels[-1] >= 99


def test_noise_alone_never_plays():
    rec = Rec()
    g = _group(rec, ["piezo"] * 8 + ["fsr"] * 8)
    _run(g, rec, [], 3000, noise=24, seed=9)
    assert rec.ev == []


def test_one_note_per_strike_with_noise_random_phases():
    random.seed(4)
    strikes = []
    t = 10.0
    for k in range(30):
        strikes.append((k % 16, t + random.randint(0, 99) / 100, random.randint(4, 100) / 100))
        t += 70
    rec = Rec()
    g = _group(rec)
    _run(g, rec, strikes, int(t) + 100, noise=24, seed=5)
    ons = _ons(rec)
    assert [o[1] for o in ons] == [36 + s[0] for s in strikes]
    for o, s in zip(ons, strikes):
        assert s[1] < o[0] <= s[1] + 4  # Note On 2..4 ms after the strike
    offs = [(e[0], e[3]) for e in rec.ev if e[1] == "off"]
    assert offs == [(o[0] + 50, o[1]) for o in ons]


def test_crosstalk_on_neighbours_is_suppressed():
    for ph in (0.0, 0.3, 0.5, 0.8):
        rec = Rec()
        g = _group(rec)
        # pad 6 (index 5): neighbours 2, 5, 7, 10 each see 0.2 of it
        _run(g, rec, [(5, 10 + ph, 1.0)], 40, noise=24, seed=2)
        assert [(o[1]) for o in _ons(rec)] == [41], (ph, rec.ev)


def test_flam_onto_a_neighbour_plays_it_and_no_ghosts():
    # pad 1 struck, then its neighbour pad 2 for real a few ms later (a flam): pad 2 was
    # just silenced as pad 1's crosstalk, which must not mask its own strike; pad 2's
    # crosstalk onto pads 3 and 6 stays silent
    for gap in (3, 5, 9, 14):
        for ph in (0.0, 0.4):
            rec = Rec()
            g = _group(rec)
            _run(g, rec, [(0, 10 + ph, 0.8), (1, 10 + gap + ph, 1.0)], 60, noise=24, seed=gap)
            assert [o[1] for o in _ons(rec)] == [36, 37], (gap, ph, rec.ev)


def test_crosstalk_tail_never_becomes_a_note():
    # a silenced pad's own decaying crosstalk must not open a window of its own later
    for st in (0.4, 0.7, 1.0):
        rec = Rec()
        g = _group(rec)
        _run(g, rec, [(5, 10.3, st)], 80, noise=24, seed=4)
        assert [o[1] for o in _ons(rec)] == [41], (st, rec.ev)


def test_simultaneous_soft_strike_away_from_loud_pad_still_plays():
    rec = Rec()
    g = _group(rec)
    # pad 6 hard, pad 16 (index 15, not a neighbour) very soft at the same instant
    _run(g, rec, [(5, 10.2, 1.0), (15, 10.2, 0.08)], 40, noise=24, seed=3)
    assert sorted(o[1] for o in _ons(rec)) == [41, 51]
    soft = [o for o in _ons(rec) if o[1] == 51][0]
    assert 1 <= soft[2] <= 8


def test_neighbour_rule_threshold_35_percent():
    # a real neighbour strike of 0.2 (0.4 with the crosstalk it also gets) plays; one of
    # 0.1 (0.3 with crosstalk) is indistinguishable from crosstalk and is dropped
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(5, 10.5, 1.0), (6, 10.5, 0.2)], 40)
    assert sorted(o[1] for o in _ons(rec)) == [41, 42]
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(5, 10.5, 1.0), (6, 10.5, 0.1)], 40)
    assert [o[1] for o in _ons(rec)] == [41]
    # with the rule off, the crosstalk itself plays
    rec = Rec()
    g = _group(rec, crosstalk_pct=0)
    _run(g, rec, [(5, 10.5, 1.0)], 40)
    assert sorted(o[1] for o in _ons(rec)) == [37, 40, 41, 42, 45]


def test_gate_waits_for_decay():
    rec = Rec()
    g = _group(rec, gate_ms=5)
    _run(g, rec, [(0, 10.5, 1.0)], 40)
    # A=3900 falls below half the threshold (60) 8.85 ms after the strike (t = 19.35,
    # 43 at the scan at 20), but the retrigger mask runs 10 ms from the crossing scan
    # (11): the pad re-arms at 21, and the gate (13 + 5 = 18) has already run
    assert rec.ev == [(13, "on", 9, 36, 127), (21, "off", 9, 36, 64)]


def test_fast_roll_retriggers_with_off_before_on():
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(3, 10.5, 0.6), (3, 40.5, 0.6), (3, 70.5, 0.6)], 140)
    assert rec.names() == ["on", "off", "on", "off", "on", "off"]
    assert [e[0] for e in rec.ev] == [13, 43, 43, 73, 73, 123]


def test_transpose_while_held_note_off_matches_note_on():
    modes = Modes()
    rec = Rec()
    g = _group(rec, ["fsr"] * 4, modes=modes, grid_cols=0)
    _run(g, rec, [], 20, fsr=[(1, 5, 0.5, 60)])
    assert modes.transpose_up(2)
    _run(g, rec, [], 80, fsr=[(1, 5, 0.5, 60)], start=20)
    _run(g, rec, [], 30, fsr=[(1, 105, 0.5, 120)], start=100)
    assert rec.ev == [(8, "on", 9, 37, 70), (62, "off", 9, 37, 64),
                      (108, "on", 9, 39, 70), (122, "off", 9, 39, 64)]


def test_modes_clamp_keeps_every_pad_in_range():
    modes = Modes(octave_range=8)
    rec = Rec()
    _group(rec, modes=modes)  # notes 36..51
    ups = 0
    while modes.octave_up():
        ups += 1
    assert ups == 6 and modes.offset == 72  # 51 + 84 > 127
    assert not modes.transpose_up(5)  # 51 + 77 = 128: refused as a whole
    assert modes.transpose_up(4) and modes.offset == 76
    modes.reset()
    downs = 0
    while modes.octave_down():
        downs += 1
    assert downs == 3 and modes.offset == -36


def test_fsr_pressure_rate_limited_only_on_change():
    rec = Rec()
    g = _group(rec, ["fsr"] * 2, pressure="poly", grid_cols=0)
    random.seed(6)
    s = array("H", [0, 0])
    for t in range(200):
        f = 0.4 if t < 60 else 0.4 + 0.4 * min(1, (t - 60) / 40)  # press harder 60..100
        s[0] = adc(fsr_level(t - 10, f, 150 - 10), 24)
        rec.now = t
        g.scan(s, t)
    ev = rec.ev
    assert ev[0][:4] == (13, "on", 9, 36)
    pr = [e for e in ev if e[1] == "poly"]
    rise = [e for e in pr if e[0] < 150]
    # nothing while the force is steady (60 ms); it follows the push with the 8 ms
    # smoothing and the 10 ms rate limit, then settles
    assert all(60 <= e[0] <= 130 for e in rise)
    vals = [e[4] for e in rise]
    assert len(vals) >= 4 and all(vals[i] < vals[i + 1] for i in range(len(vals) - 1))
    assert all(pr[i + 1][0] - pr[i][0] >= 10 for i in range(len(pr) - 2))  # rate limit
    assert 110 <= vals[-1] <= 118  # 0.8 of 3900, scaled 120..3400 -> 0..127, minus the lag
    assert pr[-1][4] == 0 and ev[-2] == pr[-1] and ev[-1][1] == "off"  # 0 just before the off
    assert ev[-1][0] == pr[-1][0] and 150 <= ev[-1][0] <= 153


def test_switch_pads_fixed_velocity():
    rec = Rec()
    g = PadGroup(rec, 3, grid_cols=0)
    g.set_pad(0, "switch", 1, 60, velocity=90)
    g.set_pad(1, "piezo", 1, 61, CURVE)
    g.set_pad(2, "switch", 1, 62, velocity=30)
    g.switches(0b101, 0b001)
    g.switches(0b100, 0b101)
    g.switches(0b001, 0b100)
    g.switches(0b010, 0b010)  # bit of a piezo pad: ignored
    assert rec.ev == [(0, "on", 1, 60, 90), (0, "on", 1, 62, 30), (0, "off", 1, 60, 64)]


def test_all_off_ends_sounding_notes():
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(0, 1.5, 1.0), (10, 1.5, 0.5)], 10)
    g.all_off()
    assert rec.names() == ["on", "on", "off", "off"] and g.on == 0


def test_scan_allocates_nothing_during_a_strike():
    rec = Rec()
    g = _group(rec)
    s = array("H", [0] * 16)
    levels = [piezo_level(t - 0.3, 0.8) for t in range(30)]

    def strike():
        for t in range(30):
            s[4] = levels[t]
            g.scan(s, t)

    g._sink = _Null()
    no_alloc(strike)
    assert g.on == 1 << 4


class _Null:
    def note_on(self, ch, n, v):
        pass

    def note_off(self, ch, n, v):
        pass


def test_grid_neighbours_and_bad_parameters():
    nb = grid_neighbours(16, 4)
    assert nb[0] == 0b10010 and nb[5] == (1 << 1) | (1 << 4) | (1 << 6) | (1 << 9)
    # every size and width against the definition: one row or column apart, not both
    for count in range(1, 31):
        for cols in range(1, 8):
            nb = grid_neighbours(count, cols)
            for i in range(count):
                want = 0
                for j in range(count):
                    if abs(i // cols - j // cols) + abs(i % cols - j % cols) == 1:
                        want |= 1 << j
                assert nb[i] == want, (count, cols, i)
    assert "count 31 out of range 1..30" in str(raises(ValueError, PadGroup, Rec(), 31))
    g = PadGroup(Rec(), 2)
    assert "note 128 out of range 0..127" in str(raises(ValueError, g.set_pad, 0, "piezo", 0, 128, CURVE))
    assert "channel 16 out of range 0..15" in str(raises(ValueError, g.set_pad, 0, "piezo", 16, 1, CURVE))
    assert "curve length None out of range 128..128" in str(raises(ValueError, g.set_pad, 0, "fsr", 0, 1))
    assert "kind 'drum'" in str(raises(ValueError, g.set_pad, 0, "drum", 0, 1))


def test_overlapping_gates_end_each_on_time():
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(0, 10.5, 0.9), (15, 25.5, 0.4), (10, 31.5, 0.6)], 120)
    offs = [(e[0], e[3]) for e in rec.ev if e[1] == "off"]
    ons = [(e[0], e[3]) for e in rec.ev if e[1] == "on"]
    assert ons == [(13, 36), (28, 51), (34, 46)]
    assert offs == [(63, 36), (78, 51), (84, 46)]


def test_a_pad_struck_again_within_its_mask_is_one_note_and_no_ghosts():
    # a stick bouncing, or a second hit 3..9 ms after the first: one note (the mask), and
    # the second pulse's crosstalk on the four neighbours is crosstalk, not four notes
    for gap in (3, 5, 7, 9):
        for ph in (0.0, 0.6):
            rec = Rec()
            g = _group(rec)
            _run(g, rec, [(5, 10 + ph, 1.0), (5, 10 + ph + gap, 0.9)], 80, noise=24, seed=gap)
            assert [(o[0], o[1]) for o in _ons(rec)] == [(13, 41)], (gap, ph, rec.ev)
    # and the mask runs from the bounce: a strike 11 ms after the first but 4 after the
    # bounce is still the same note; 11 ms after the bounce it is a new one
    rec = Rec()
    g = _group(rec)
    _run(g, rec, [(5, 10.3, 1.0), (5, 17.3, 0.9), (5, 21.3, 0.9), (5, 32.3, 0.9)], 90, noise=24, seed=3)
    assert [(o[0], o[1]) for o in _ons(rec)] == [(13, 41), (35, 41)], rec.ev


# -- piezo pads behind a peak hold (board: "peak_hold_ms") ----------------------------------

HOLD_MS = 5  # 470 kOhm x 10 nF, hardware/BUILD.md


def _held(strikes, i, t, tau):
    """The ideal peak hold of pad i's level at t (ms): the highest level its pulses (and
    the 0.2x crosstalk of its neighbours') reached, falling with tau since. Between pulse
    peaks the highest point is at an end, so only the peaks and t itself are candidates."""
    def bare(s):
        lv = 0
        for pad, t0, st in strikes:
            if pad == i:
                lv += piezo_level(s - t0, st)
            elif _adjacent(pad, i):
                lv += round(0.2 * piezo_level(s - t0, st))
        return lv

    h = bare(t)
    for pad, t0, _st in strikes:
        tp = t0 + 0.5
        if (pad == i or _adjacent(pad, i)) and tp <= t:
            v = bare(tp) * math.exp(-(t - tp) / tau)
            if v > h:
                h = v
    return round(h)


def _held_group(rec, **kw):
    g = PadGroup(rec, 16, **kw)
    for i in range(16):
        g.set_pad(i, "piezo", 9, 36 + i, CURVE, hold_ms=HOLD_MS)
    return g


def _run_held(g, rec, strikes, ms, noise=0, seed=1):
    random.seed(seed)
    s = array("H", [0] * 16)
    for t in range(ms):
        for i in range(16):
            s[i] = adc(_held(strikes, i, t, HOLD_MS), noise)
        rec.now = t
        g.scan(s, t)


def test_peak_hold_narrows_the_velocity_spread_of_identical_strikes():
    # the same strike (0.8) at four sampling phases: bare, the top sample is 0.66..1.0 of
    # the peak (velocities 78..116); held (tau 5 ms), 0.82..1.0 (99..116)
    bare, held = [], []
    for ph in (0.0, 0.25, 0.5, 0.75):
        rec = Rec()
        _run(_group(rec), rec, [(2, 10 + ph, 0.8)], 80)
        bare.append(_ons(rec)[0][2])
        rec = Rec()
        _run_held(_held_group(rec), rec, [(2, 10 + ph, 0.8)], 80)
        assert [e[:4] for e in rec.ev] == [(13, "on", 9, 38), (63, "off", 9, 38)], (ph, rec.ev)
        held.append(_ons(rec)[0][2])
    assert bare == [89, 101, 116, 78]
    assert held == [104, 110, 116, 99]


def test_peak_hold_no_ghosts_from_a_loud_hit_and_a_flam_still_plays():
    for ph in (0.0, 0.3, 0.5, 0.8):
        rec = Rec()
        g = _held_group(rec)
        _run_held(g, rec, [(5, 10 + ph, 1.0)], 80, noise=24, seed=2)
        assert [o[1] for o in _ons(rec)] == [41], (ph, rec.ev)
    for gap in (3, 5, 9, 14):
        rec = Rec()
        g = _held_group(rec)
        _run_held(g, rec, [(0, 10.4, 0.8), (1, 10.4 + gap, 1.0)], 80, noise=24, seed=gap)
        assert [o[1] for o in _ons(rec)] == [36, 37], (gap, rec.ev)


def test_peak_hold_pad_struck_again_while_its_level_still_falls():
    # 15 ms apart: the held level of a full strike is still ~190 (above half the threshold)
    # when the next one comes; it is a new note, ended before the new Note On, and the
    # neighbours' crosstalk stays silent. Within the 10 ms mask a strike is one note.
    rec = Rec()
    g = _held_group(rec)
    _run_held(g, rec, [(5, 10.3, 1.0), (5, 25.3, 1.0), (5, 40.3, 0.5)], 120, noise=24, seed=7)
    assert [(e[0], e[1], e[3]) for e in rec.ev] == [
        (13, "on", 41), (28, "off", 41), (28, "on", 41), (43, "off", 41), (43, "on", 41), (93, "off", 41)]
    rec = Rec()
    g = _held_group(rec)
    _run_held(g, rec, [(5, 10.3, 1.0), (5, 17.3, 1.0)], 80)
    assert [o[1] for o in _ons(rec)] == [41]


def test_peak_hold_set_up_errors():
    g = PadGroup(Rec(), 2)
    assert str(raises(ValueError, g.set_pad, 0, "fsr", 0, 36, CURVE, hold_ms=5)) == \
        "hold_ms 5: only a piezo pad has a peak hold"
    assert str(raises(ValueError, g.set_pad, 0, "piezo", 0, 36, CURVE, hold_ms=1)) == \
        "hold_ms 1 out of range 2..50"
    assert str(raises(ValueError, g.set_pad, 0, "piezo", 0, 36, CURVE, hold_ms=51)) == \
        "hold_ms 51 out of range 2..50"
    assert str(raises(ValueError, g.set_pad, 0, "piezo", 0, 36, CURVE, hold_ms=2.5)) == \
        "hold_ms 2.5 is not a whole number of ms"
    # nothing was changed by the refused calls
    assert _b(g, _KIND, 0) == 0 and _b(g, _HALF, 0) == 2
    g.set_pad(0, "piezo", 0, 36, CURVE, hold_ms=5)
    g.set_pad(1, "piezo", 0, 37, CURVE)
    assert _col(g, _HALF)[:2] == [5, 2]


def _between(g, levels, w, now=0):
    """What Controller._run does between scans: the pads of w read again at `now` (ms;
    `levels` holds what they read), their peaks raised, an idle one above its threshold
    its window opened. Returns the samples it read into."""
    s = array("H", [0] * g.count)
    for i in range(g.count):
        if w >> i & 1:
            s[i] = levels[i]
    no_alloc(lambda: g.peak(s, w, now))
    return s


def test_between_scans_the_pads_collecting_a_peak_are_read_again():
    rec = Rec()
    g = _group(rec)
    s = array("H", [0] * 16)
    assert no_alloc(lambda: g.pending(0)) == 0  # nothing in progress: nothing to read
    # pads 4 and 10 (not neighbours) cross their threshold at scan 10, pad 4 on its rise
    s[3], s[9] = 1200, 300
    rec.now = 10
    g.scan(s, 10)
    both = (1 << 3) | (1 << 9)
    assert no_alloc(lambda: g.pending(0)) == both
    # read again between scans: pad 4 nearer its top (3000), pad 10 lower than the scan
    # read it (its peak stays 300); pad 6's level is not among those read
    levels = [0] * 16
    levels[3], levels[9], levels[5] = 3000, 200, 4000
    _between(g, levels, both)
    # the scans after it read both past their top; the window closes at scan 12
    s[3], s[9] = 2000, 250
    for t in (11, 12):
        rec.now = t
        g.scan(s, t)
    # velocity from the peaks 3000 and 300: (v - 120) * 127 // (3400 - 120) -> curve
    assert (CURVE[111], CURVE[6]) == (111, 7)
    assert _ons(rec) == [(12, 36 + 3, 111), (12, 36 + 9, 7)]
    # struck: decaying, no longer collecting
    assert g.pending(0) == 0


def test_a_read_between_scans_never_lowers_a_peak_and_a_decaying_pad_is_not_read():
    rec = Rec()
    g = _group(rec)
    s = array("H", [0] * 16)
    s[0] = 2500  # pad 1 struck at scan 0, read near its top: the window runs to scan 2
    g.scan(s, 0)
    assert g.pending(0) == 1
    _between(g, [1000] * 16, 1)  # read again lower: the peak stays 2500
    s[0] = 900
    for t in (1, 2):
        rec.now = t
        g.scan(s, t)
    assert _ons(rec) == [(2, 36, CURVE[(2500 - 120) * 127 // 3280])] == [(2, 36, 92)]
    assert g.pending(0) == 0  # decaying now
    # a bounce within the mask collects its own peak (for no new note): read again too
    s[0] = 3000
    g.scan(s, 4)
    assert g.pending(0) == 1


def test_at_mid_period_the_idle_piezo_pads_are_read_and_a_strike_opens_its_window():
    # pads 1-4 piezo, 5 an FSR, 6 a switch: pending(1) adds the idle piezo pads to those
    # collecting a peak (none yet); an FSR (a press rises over 2 ms) waits for the scan
    rec = Rec()
    g = _group(rec, ["piezo"] * 4 + ["fsr", "switch"])
    assert no_alloc(lambda: g.pending(1)) == 0b1111
    assert no_alloc(lambda: g.pending(0)) == 0
    # read at mid-period (ms 10): pad 2 above its threshold on its rise, pad 3 at it (no
    # strike), pad 5's FSR level not among those read
    _between(g, [0, 900, 120, 0, 4000, 0], 0b1111, 10)
    assert (_b(g, _ST, 1), _b(g, _ST, 2), _b(g, _ST, 4)) == (1, 0, 0)  # _WINDOW, _IDLE, _IDLE
    assert (_peak(g, 1), _t0(g, 1)) == (900, 10)
    # from now on pad 2 is read every 0.125 ms as the scan's windows are, the other idle
    # piezo pads only at mid-period
    assert g.pending(0) == 0b10
    assert g.pending(1) == 0b1111
    _between(g, [0, 3100, 0, 0, 0, 0], 0b10, 10)
    s = array("H", [0, 2900, 0, 0, 0, 0])  # the scans read it past its top
    for t in (11, 12):
        rec.now = t
        g.scan(s, t)
    # the window opened at ms 10 runs to the scan of ms 12; the peak is the read between
    # scans: (3100 - 120) * 127 // 3280 = 115
    assert _ons(rec) == [(12, 37, CURVE[115])] == [(12, 37, 115)]
    # struck: decaying, no longer read every 0.125 ms; at mid-period still, for a strike
    # again above its tail's floor
    assert (g.pending(0), g.pending(1)) == (0, 0b1111)


def test_a_strike_seen_first_at_mid_period_is_one_note_with_the_scan_after_it():
    # the same strike read at mid-period and by every scan: one window, one note; a
    # neighbour's crosstalk read at mid-period is judged with it as the scan's would be
    rec = Rec()
    g = _group(rec)
    _between(g, [0] * 4 + [0, 2000] + [0] * 10, g.pending(1), 20)  # pad 6 struck
    s = array("H", [0] * 16)
    s[5], s[4] = 3000, 500  # pad 5 beside it: its crosstalk (17 %), first seen by the scan
    rec.now = 21
    g.scan(s, 21)
    assert _t0(g, 5) == 20 and _t0(g, 4) == 21
    s[5], s[4] = 2500, 400
    for t in (22, 23):
        rec.now = t
        g.scan(s, t)
    assert _ons(rec) == [(22, 41, CURVE[(3000 - 120) * 127 // 3280])]


def test_at_mid_period_a_decaying_pad_struck_again_opens_its_window_and_only_then():
    rec = Rec()
    g = _group(rec)
    s = array("H", [0] * 16)
    s[0] = 3000  # pad 1 struck at scan 0: its note at scan 2, decaying from then
    for t in (0, 1, 2):
        rec.now = t
        g.scan(s, t)
    assert (_ons(rec), _b(g, _ST, 0)) == ([(2, 36, CURVE[(3000 - 120) * 127 // 3280])], 2)  # _DECAY
    # ms 4, within the 10 ms mask: its tail's floor is 3000 >> (4 // 2) = 750, so 870 is
    # under floor + threshold and changes nothing; nor does a level under its re-arm level
    # (only a scan re-arms a pad)
    _between(g, [870] + [0] * 15, g.pending(1), 4)
    _between(g, [10] + [0] * 15, g.pending(1), 4)
    assert (_b(g, _ST, 0), _peak(g, 0), _t0(g, 0)) == (2, 3000, 0)
    # 871 is above it: the same strike bouncing, its peak collected for no new note
    _between(g, [871] + [0] * 15, g.pending(1), 4)
    assert (_b(g, _ST, 0), _peak(g, 0), _t0(g, 0), g.pending(0)) == (6, 871, 4, 1)  # _BOUNCE
    for t in (5, 6):
        rec.now = t
        g.scan(s, t)
    assert _b(g, _ST, 0) == 2 and len(_ons(rec)) == 1
    # ms 20, past the mask (t0 6: floor 3000 >> 7 = 23): a level of 0 would re-arm it at a
    # scan, not here; then struck again, a new window
    _between(g, [0] * 16, g.pending(1), 20)
    assert _b(g, _ST, 0) == 2
    _between(g, [2000] + [0] * 15, g.pending(1), 20)
    assert (_b(g, _ST, 0), _peak(g, 0), _t0(g, 0)) == (1, 2000, 20)  # _WINDOW
    s[0] = 1900
    for t in (21, 22):
        rec.now = t
        g.scan(s, t)
    assert _ons(rec)[1:] == [(22, 36, CURVE[(2000 - 120) * 127 // 3280])]


def test_at_mid_period_a_silenced_pad_struck_on_its_tail_opens_its_window():
    rec = Rec()
    g = _group(rec)
    s = array("H", [0] * 16)
    s[5], s[4] = 3000, 500  # pad 6 struck, pad 5 its crosstalk: silenced at scan 2
    for t in (0, 1, 2):
        rec.now = t
        g.scan(s, t)
    assert [o[1] for o in _ons(rec)] == [41] and _b(g, _ST, 4) == 5  # _GHOST
    # ms 3: pad 5's floor is 500 >> (1 // 2) = 500; 400 is under it, 600 a real strike
    _between(g, [0] * 4 + [400] + [0] * 11, g.pending(1), 3)
    assert _b(g, _ST, 4) == 5
    _between(g, [0] * 4 + [600] + [0] * 11, g.pending(1), 3)
    assert (_b(g, _ST, 4), _peak(g, 4), _t0(g, 4)) == (1, 600, 3)


def _own(rec, mask_ms=None, full_scale=None, window_ms=None):
    """Four piezo pads in a row (pads 1 and 3 not neighbours): pad 1 with the mask, full
    scale and peak window given (None: the group's), the others with the group's."""
    g = PadGroup(rec, 4)
    g.set_pad(0, "piezo", 9, 36, CURVE, mask_ms=mask_ms, full_scale=full_scale, window_ms=window_ms)
    for i in (1, 2, 3):
        g.set_pad(i, "piezo", 9, 36 + i, CURVE)
    return g


def test_each_pad_has_its_own_retrigger_mask():
    # pads 1 and 3 struck at scan 0 and again at 15: pad 1's mask is 20 ms (set_pad's
    # mask_ms), so its second pulse is a bounce; pad 3 keeps the group's 10 ms
    rec = Rec()
    g = _own(rec, mask_ms=20)
    assert _col(g, _MASK) == [20, 10, 10, 10]
    s = array("H", [0] * 4)
    for t in range(40):
        s[0] = s[2] = 3000 if t in (0, 15) else 0
        rec.now = t
        g.scan(s, t)
    assert [(o[0], o[1]) for o in _ons(rec)] == [(2, 36), (2, 38), (17, 38)]
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, mask_ms=1)) == "mask_ms 1 out of range 2..250"
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, mask_ms=251)) == \
        "mask_ms 251 out of range 2..250"
    assert _col(g, _MASK) == [20, 10, 10, 10]  # nothing changed by the refused calls


def test_while_the_fixed_velocity_is_on_every_pad_plays_it():
    # a soft strike (600) on pad 1 and a switch pad's own velocity (90), with the modes'
    # fixed velocity 110 on, then off; Note Offs unchanged
    rec = Rec()
    modes = Modes()
    g = PadGroup(rec, 4, modes)
    g.set_pad(0, "piezo", 9, 36, CURVE)
    g.set_pad(2, "switch", 9, 38, velocity=90)
    s = array("H", [0] * 4)
    soft = CURVE[(600 - 120) * 127 // 3280]
    t = 0
    got = []
    for fixed in (0, 110, 0):
        modes.velocity = fixed
        for v in (600, 600, 600) + (0,) * 60:
            s[0] = v
            rec.now = t
            g.scan(s, t)
            t += 1
        g.switches(0b100, 0b100, t)
        g.switches(0b100, 0, t + 1)
        got += [o[2] for o in _ons(rec)]
        rec.ev.clear()
    assert got == [soft, 90, 110, 110, soft, 90]


def test_each_pad_has_its_own_peak_window():
    # pads 1 and 3 struck at scan 0, their top (2000) read at scan 1: pad 1's window is 1 ms
    # (set_pad's window_ms), so its note goes at scan 1, 1 ms before pad 3's (the group's 2)
    rec = Rec()
    g = _own(rec, window_ms=1)
    assert _col(g, _WIN) == [1, 2, 2, 2]
    s = array("H", [0] * 4)
    for t, v in ((0, 1500), (1, 2000), (2, 1400), (3, 900)):
        s[0] = s[2] = v
        rec.now = t
        g.scan(s, t)
    vel = CURVE[(2000 - 120) * 127 // 3280]
    assert _ons(rec) == [(1, 36, vel), (2, 38, vel)]
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, window_ms=0)) == \
        "window_ms 0 out of range 1..10"
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, window_ms=11)) == \
        "window_ms 11 out of range 1..10"
    # the mask runs from the strike's start: it may not end inside the window
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, window_ms=8, mask_ms=5)) == \
        "mask_ms 5 out of range 8..250"
    assert _col(g, _WIN) == [1, 2, 2, 2] and _col(g, _MASK) == [10] * 4  # nothing changed by the refusals


def test_a_pads_crosstalk_is_judged_when_its_own_window_has_run():
    # pad 2 (window 1 ms) reads 30 % of its neighbour pad 1's strike: at scan 1 pad 1 has
    # collected 2800 (its top 3000 comes at scan 2), and 900 is under 35 % of 2800: silenced
    # (no note), pad 1 plays at scan 2 with its whole peak
    rec = Rec()
    g = PadGroup(rec, 4)
    g.set_pad(0, "piezo", 9, 36, CURVE)
    g.set_pad(1, "piezo", 9, 37, CURVE, window_ms=1)
    for i in (2, 3):
        g.set_pad(i, "piezo", 9, 36 + i, CURVE)
    s = array("H", [0] * 4)
    for t, a, b in ((0, 2500, 750), (1, 2800, 900), (2, 3000, 800)):
        s[0], s[1] = a, b
        rec.now = t
        g.scan(s, t)
        if t == 1:
            assert (_b(g, _ST, 1), _ons(rec)) == (5, [])  # _GHOST
    assert _ons(rec) == [(2, 36, CURVE[(3000 - 120) * 127 // 3280])]


def test_each_pad_has_its_own_full_scale():
    # the same peak (1950) on pad 1 (full scale 2000: a weak piezo) and pad 3 (the group's
    # 3400): (1950 - 120) * 127 // (2000 - 120) = 123 against // (3400 - 120) = 70
    rec = Rec()
    g = _own(rec, full_scale=2000)
    assert [g._ph[i * _NH + _FS] for i in range(g.count)] == [2000, 3400, 3400, 3400]
    s = array("H", [0] * 4)
    s[0] = s[2] = 1950
    for t in range(3):
        rec.now = t
        g.scan(s, t)
    assert _ons(rec) == [(2, 36, CURVE[123]), (2, 38, CURVE[70])]
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, full_scale=4096)) == \
        "full_scale 4096 out of range 3..4095"
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, threshold=2000, full_scale=2000)) == \
        "threshold 2000 out of range 2..1999"
    assert [g._ph[i * _NH + _FS] for i in range(g.count)] == [2000, 3400, 3400, 3400]  # nothing changed by the refused calls


def test_each_pad_has_its_own_crosstalk_limit():
    # pad 2 beside pad 1 reads 30 % of pad 1's strike: under the group's 35 % it is pad 1's
    # crosstalk; with its own crosstalk_pct 25 it is a strike of its own and plays
    for pct, want in ((None, [(2, 36)]), (25, [(2, 36), (2, 37)])):
        rec = Rec()
        g = PadGroup(rec, 4)
        g.set_pad(0, "piezo", 9, 36, CURVE)
        g.set_pad(1, "piezo", 9, 37, CURVE, crosstalk_pct=pct)
        for i in (2, 3):
            g.set_pad(i, "piezo", 9, 36 + i, CURVE)
        assert _col(g, _XT) == [35, 35 if pct is None else pct, 35, 35]
        s = array("H", [3000, 900, 0, 0])
        for t in range(3):
            rec.now = t
            g.scan(s, t)
        assert [(o[0], o[1]) for o in _ons(rec)] == want
    assert str(raises(ValueError, g.set_pad, 1, "piezo", 9, 37, CURVE, crosstalk_pct=101)) == \
        "crosstalk_pct 101 out of range 0..100"
    assert _col(g, _XT) == [35, 25, 35, 35]  # nothing changed by the refused call
