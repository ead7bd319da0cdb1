import random

from dualtest import no_alloc, raises
from test_ctl_signals import Rec

from midictl.controls.encoder import DEFAULT_ACCEL, EncoderCC, Quadrature
from midictl.controls.modes import Modes

CW = ((1, 0), (1, 1), (0, 1), (0, 0))  # (A, B) after each step, from 00: A leads B


def _turn(detents, bounce=False, seed=0):
    """Pin levels for `detents` clockwise (+) or counter-clockwise (-) detents from 00;
    with bounce, each step's changing pin chatters 1-3 times first."""
    random.seed(seed)
    seq = CW if detents > 0 else tuple(reversed(CW[:3])) + ((0, 0),)
    out = []
    prev = (0, 0)
    for _ in range(abs(detents)):
        for ab in seq:
            if bounce:
                for _ in range(random.randint(1, 3)):
                    out.append(ab)
                    out.append(prev)
            out.append(ab)
            prev = ab
    return out


def _play(q, levels):
    for a, b in levels:
        q.poll(a, b)


def test_clean_turns_both_ways():
    q = Quadrature()
    _play(q, _turn(5))
    assert q.take() == 5 and q.take() == 0
    _play(q, _turn(-3))
    assert q.take() == -3


def test_bounce_never_adds_or_flips():
    for seed in range(30):
        q = Quadrature()
        _play(q, _turn(4, True, seed))
        assert q.take() == 4, seed
        _play(q, _turn(-6, True, seed + 100))
        assert q.take() == -6, seed


def test_bounce_at_rest_and_invalid_jumps():
    q = Quadrature()
    _play(q, [(1, 0), (0, 0), (1, 0), (0, 0), (0, 1), (0, 0)])  # chatter around the detent
    assert q.take() == 0
    _play(q, [(1, 1), (0, 0)])  # both pins at once, twice: direction unknown
    assert q.take() == 0
    # a step missed mid-detent (10 -> 01 jump) still lands one detent clockwise
    _play(q, [(1, 0), (0, 1), (0, 0)])
    assert q.take() == 1
    _play(q, [(0, 1), (1, 0), (0, 0)])
    assert q.take() == -1


def test_steps_per_detent_2_and_1():
    q = Quadrature(2)
    _play(q, _turn(3))
    assert q.take() == 6
    q = Quadrature(1)
    _play(q, _turn(-2))
    assert q.take() == -8


def test_edge_from_irq_and_take_interleaved_no_alloc():
    q = Quadrature()
    seq = _turn(50)

    def run():
        got = 0
        for i in range(len(seq)):
            a, b = seq[i]
            q.edge(a, b)
            if i % 7 == 0:
                got += q.take()
        return got + q.take()

    assert no_alloc(run) == 50


def test_take_survives_counter_wrap():
    q = Quadrature()
    q._count = q._taken = 0xFFFE
    _play(q, _turn(5))
    assert q.take() == 5 and q._count == 3


def _enc(rec, **kw):
    q = Quadrature()
    return q, EncoderCC(rec, q, 0, 78, **kw)


def test_relative_encodings():
    for enc, up, down in (("twos_complement", 0x01, 0x7F), ("offset", 65, 63), ("sign_magnitude", 0x01, 0x41)):
        rec = Rec()
        q, e = _enc(rec, encoding=enc)
        _play(q, _turn(1))
        e.update(0)
        _play(q, _turn(-1))
        e.update(10)
        _play(q, _turn(-3))
        e.update(20)
        e.update(30)  # nothing turned: nothing sent
        big = {"twos_complement": 0x7D, "offset": 61, "sign_magnitude": 0x43}[enc]
        assert rec.values() == [up, down, big], enc


def test_absolute_clamps_and_sends_changes_only():
    rec = Rec()
    q, e = _enc(rec, relative=False, min=10, max=13, value=11)
    for d, t in ((1, 0), (5, 100), (1, 200), (-2, 300), (-9, 400)):
        _play(q, _turn(d))
        e.update(t)
    assert rec.values() == [12, 13, 11, 10]


def test_absolute_feedback_is_where_the_next_detent_counts_from_unless_it_is_an_echo():
    from midictl.compat import ticks_add, ticks_ms

    rec = Rec()
    q, e = _enc(rec, relative=False, min=10, max=100, value=11)
    assert no_alloc(lambda: e.feedback(20, 60, None)) is False  # no detent yet: the receiver's value
    _play(q, _turn(1))
    e.update(ticks_ms())
    assert rec.values() == [61]
    # a detent just now: what comes back is the receiver echoing it, and changes nothing
    assert no_alloc(lambda: e.feedback(20, 40, None)) is True and e.value == 61
    # 300 ms after the last detent it counts again (the detent's time moved back, not waited for)
    e._last = ticks_add(ticks_ms(), -301)
    assert e.feedback(20, 5, None) is False and e.value == 10  # below min: from min
    _play(q, _turn(1))
    e.update(ticks_ms())
    e._last = ticks_add(ticks_ms(), -301)
    assert e.feedback(20, 127, None) is False and e.value == 100  # above max: from max
    _play(q, _turn(-1))
    e.update(ticks_ms())
    assert rec.values() == [61, 11, 99]


def test_acceleration_from_detent_rate():
    rec = Rec()
    q, e = _enc(rec, relative=False, max=127, value=0, accel=DEFAULT_ACCEL)
    # one detent per update: 100 ms apart (x1), then 30 ms (x2), then 10 ms (x4)
    t = 0
    for dt in (100, 100, 30, 30, 10, 10, 200):
        t += dt
        _play(q, _turn(1))
        e.update(t)
    assert rec.values() == [1, 2, 4, 6, 10, 14, 15]
    rec2 = Rec()
    q2, e2 = _enc(rec2, relative=False)  # off by default
    for t in range(0, 50, 5):
        _play(q2, _turn(1))
        e2.update(t)
    assert rec2.values() == list(range(1, 11))


def test_shift_layer_mapping():
    modes = Modes()
    rec = Rec()
    q, e = _enc(rec, modes=modes, shift=(2, 90))
    _play(q, _turn(1))
    e.update(0)
    modes.shift = True
    _play(q, _turn(1))
    e.update(1)
    assert rec.ev == [(0, "cc", 0, 78, 1), (0, "cc", 2, 90, 1)]


def test_absolute_shift_layer_counts_its_own_value_and_takes_its_own_feedback():
    from midictl.controls.encoder import ShiftFeedback

    modes = Modes()
    rec = Rec()
    q, e = _enc(rec, relative=False, value=10, modes=modes, shift=(2, 90))
    via = ShiftFeedback(e)
    assert no_alloc(lambda: via.feedback(90, 50, None)) is False  # the shift layer's parameter is at 50
    for shifted, d in ((False, 2), (True, 1), (False, -1), (True, -3)):
        modes.shift = shifted
        _play(q, _turn(d))
        e.update(0)
    assert rec.ev == [(0, "cc", 0, 78, 12), (0, "cc", 2, 90, 51), (0, "cc", 0, 78, 11), (0, "cc", 2, 90, 48)]
    assert (e.value, e.shift_value) == (11, 48)
    # a shift mapping on the encoder's own channel and controller: one parameter, one value
    rec = Rec()
    q, e = _enc(rec, relative=False, value=10, modes=modes, shift=(0, 78))
    for shifted in (False, True):
        modes.shift = shifted
        _play(q, _turn(1))
        e.update(0)
    assert rec.values() == [11, 12]


def test_bad_parameters():
    assert "steps_per_detent 3 out of range 1, 2, 4" in str(raises(ValueError, Quadrature, 3))
    q = Quadrature()
    r = Rec()
    assert "encoding 'gray'" in str(raises(ValueError, EncoderCC, r, q, 0, 1, True, "gray"))
    assert "number 128 out of range 0..127" in str(raises(ValueError, EncoderCC, r, q, 0, 128))
    assert "accel" in str(raises(ValueError, EncoderCC, r, q, 0, 1, True, "offset", 0, 127, 0,
                                 ((40, 2), (15, 4))))
