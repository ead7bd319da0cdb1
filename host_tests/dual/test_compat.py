from midictl.compat import ticks_add, ticks_diff


def test_ticks_diff_wraps():
    # The period differs by port (2**30 on rp2, wider on 64-bit Unix): derive it.
    top = ticks_add(0, -1)
    assert ticks_add(top, 1) == 0
    assert ticks_diff(ticks_add(top, 5), top) == 5
    assert ticks_diff(3, top) == 4
    assert ticks_diff(top, 3) == -4
