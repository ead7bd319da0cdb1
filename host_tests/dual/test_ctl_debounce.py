from dualtest import no_alloc, raises
from test_ctl_signals import bounce_trace

from midictl.compat import ticks_add
from midictl.controls.debounce import PRESS, RELEASE, BitDebouncer, Debouncer


def _run_single(trace, base=0):
    d = Debouncer()
    out = []
    for t, lv in trace:
        now = ticks_add(base, int(t))  # ticks_ms truncates to whole ms
        r = d.update(lv, now)
        if r:
            out.append((t, r))
    return out


def test_bounce_gives_one_press_one_release_1khz_and_10khz():
    for seed in range(40):
        for rate in (1, 10):
            for bounce in (0, 1, 3, 5):
                tr = bounce_trace(seed, bounce, rate, 3.3, 40)
                ev = _run_single(tr)
                assert [e[1] for e in ev] == [PRESS, RELEASE], (seed, rate, bounce, ev)
                # eager: each is reported on the first sample that reads the new level
                first_closed = [x[0] for x in tr if x[1] == 0][0]
                first_open = [x[0] for x in tr if x[1] == 1 and x[0] >= 43.3][0]
                assert ev[0][0] == first_closed and ev[1][0] == first_open
                if rate == 10:
                    assert ev[0][0] == 3.3 and ev[1][0] == 43.3


def test_press_reported_at_first_edge_sample():
    tr = bounce_trace(7, 5, 10, 3.3, 40)
    ev = _run_single(tr)
    assert abs(ev[0][0] - 3.3) < 1e-9 and abs(ev[1][0] - 43.3) < 1e-9


def test_short_tap_release_inside_lockout_is_seen_at_recheck():
    d = Debouncer(lockout_ms=6)
    assert d.update(0, 100) == PRESS
    assert d.update(1, 102) == 0  # released 2 ms later: inside the lockout
    assert d.update(1, 105) == 0
    assert d.update(1, 106) == RELEASE  # re-check at the end of the lockout
    assert d.update(1, 107) == 0 and not d.pressed


def test_lockout_survives_tick_wrap():
    top = ticks_add(0, -1)
    ev = _run_single(bounce_trace(5, 5, 1, 3.3, 40), base=ticks_add(top, -20))
    assert [e[1] for e in ev] == [PRESS, RELEASE]


def test_long_idle_does_not_look_locked():
    d = Debouncer()
    d.update(0, 0)
    d.update(1, 10)
    half = ticks_add(0, -1) // 2 + 5  # more than half a period later: ticks_diff is negative
    assert d.update(0, half) == PRESS


def test_active_high():
    d = Debouncer(active_low=False)
    assert d.update(0, 0) == 0
    assert d.update(1, 1) == PRESS and d.pressed


def test_bitmap_many_switches_bouncing_independently():
    traces = [bounce_trace(100 + k, 5, 10, 1.0 + 2.5 * k, 30 + k) for k in range(6)]
    n = min(len(t) for t in traces)
    b = BitDebouncer(6)
    got = [[] for _ in range(6)]
    for i in range(n):
        bits = 0
        for k in range(6):
            bits |= traces[k][i][1] << k
        t = traces[0][i][0]
        ch = b.update(bits, int(t))
        for k in range(6):
            if ch >> k & 1:
                got[k].append((t, b.state >> k & 1))
    for k in range(6):
        assert [g[1] for g in got[k]] == [1, 0], (k, got[k])
        assert abs(got[k][0][0] - (1.0 + 2.5 * k)) < 1e-9
    assert b.state == 0


def test_bitmap_mixed_polarity_and_no_alloc():
    b = BitDebouncer(4, lockout_ms=5, low_mask=0b0011)
    # bits 0,1 active low, 2,3 active high: all released = 0b0011
    assert b.update(0b0011, 0) == 0 and b.state == 0
    assert b.update(0b0111, 1) == 0b0100 and b.state == 0b0100
    assert b.update(0b0010, 2) == 0b0001  # bit 0 pressed; bit 2 bounced open (locked)
    assert b.state == 0b0101
    assert b.is_pressed(2)

    def steady():
        c = 0
        for t in range(3, 400):
            c |= b.update(0b0010 if t < 200 else 0b0011, t)
        return c

    assert no_alloc(steady) == 0b0101  # bit 2 re-checked at t=6, bit 0 released at 200
    assert b.state == 0


def test_bad_parameters():
    assert "lockout_ms 0 out of range 1..100" in str(raises(ValueError, Debouncer, 0))
    assert "count 31 out of range 1..30" in str(raises(ValueError, BitDebouncer, 31))
    assert "low_mask 16 out of range 0..15" in str(raises(ValueError, BitDebouncer, 4, 6, True, 16))
