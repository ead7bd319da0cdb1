"""CPython-only property tests of the controls (hypothesis) and the bench tool."""
from hypothesis import given, settings
from hypothesis import strategies as st

from midictl.controls.encoder import Quadrature
from midictl.controls.velocity import KINDS, make_curve

CW = ((1, 0), (1, 1), (0, 1), (0, 0))


@given(st.sampled_from(KINDS), st.integers(1, 127), st.integers(1, 127), st.integers(1, 127),
       st.lists(st.integers(1, 127), min_size=2, max_size=128))
def test_curves_never_zero_and_within_range(kind, a, b, vel, table):
    lo, hi = min(a, b), max(a, b)
    c = make_curve(kind, lo, hi, vel, table)
    assert len(c) == 128 and min(c) >= 1
    if kind != "fixed":
        assert lo <= min(c) and max(c) <= hi
    if kind in ("linear", "soft", "hard"):
        assert c[0] == lo and c[127] == hi
        assert all(c[i] <= c[i + 1] for i in range(127))
    if kind == "table" and len(table) == 128:
        assert list(c) == [min(hi, max(lo, v)) for v in table]


def test_curve_shapes():
    assert make_curve("soft")[32] > 32 > make_curve("hard")[32]
    c = make_curve("table", table=[1, 127])  # 1 + 126 x / 127, rounded
    assert [c[x] for x in (0, 42, 84, 127)] == [1, 43, 84, 127]


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(-1, 1), st.integers(0, 3)), max_size=60), st.integers(1, 60))
def test_encoder_never_counts_backwards_while_turning_forwards(glitches, turns):
    # clockwise turning with random bounce (step back and forth) at random places
    q = Quadrature()
    for k in range(turns):
        for j, ab in enumerate(CW):
            for g, where in glitches[(k * 4 + j) % max(1, len(glitches)):][:1]:
                if g and where == j:
                    prev = CW[j - 1]
                    q.poll(*ab)
                    q.poll(*prev)
            q.poll(*ab)
        assert q.take() == 1


def test_bench_controls_reports_markdown():
    import bench_controls

    m = bench_controls.measure(steps=2000)
    assert set(m) == {"idle", "busy"} and 0 < m["idle"] < 100 and 0 < m["busy"] < 100
