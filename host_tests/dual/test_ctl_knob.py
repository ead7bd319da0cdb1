import random

from dualtest import no_alloc, raises
from test_ctl_signals import Rec, adc

from midictl.controls.knob import Knob
from midictl.controls.nrpnin import NrpnIn
from midictl.controls.stick import Stick


def _remote(k):
    # the receiver's value as the knob knows it (-1: none): Knob._remote without its
    # waiting bit (knob.py's _WAITING), which _waiting() reads
    return k._remote & 0xFFFF if k._remote >= 0 else -1


def _waiting(k):
    return k._remote >= 0x10000


def _e11(x):
    # RP2040-E11 flavour: a wide code just below 512, 1536, 2560, 3584
    for c in (512, 1536, 2560, 3584):
        if c - 6 <= x < c + 2:
            return c + 2
    return x


def _feed(k, rec, pos, n, noise=24):
    for _ in range(n):
        k.update(_e11(adc(pos, noise)))
    return rec.ev


def _sweep(k, rec, a, b, per_read, noise=24, settle=300):
    _feed(k, rec, a, 40, noise)
    steps = abs(b - a) // per_read + 1
    for i in range(steps):
        p = a + (i * per_read if b > a else -i * per_read)
        p = min(p, b) if b > a else max(p, b)
        k.update(_e11(adc(p, noise)))
    _feed(k, rec, b, settle, noise)
    return rec.values()


def test_rest_with_noise_sends_nothing_after_settling():
    random.seed(11)
    for kind in ("cc", "cc14"):
        for pos in range(0, 4096, 37):
            rec = Rec()
            k = Knob(rec, 0, 1, kind)
            _feed(k, rec, pos, 16)
            assert rec.ev == []  # priming sends nothing
            _feed(k, rec, pos, 1500)
            assert rec.ev == [], (kind, pos, rec.ev[:3])


def test_slow_sweep_every_cc_value_exact_ends_monotonic():
    random.seed(12)
    for per_read in (1, 4, 16):
        for up in (True, False):
            rec = Rec()
            k = Knob(rec, 2, 74)
            vals = _sweep(k, rec, 0 if up else 4095, 4095 if up else 0, per_read)
            assert vals == (list(range(1, 128)) if up else list(range(126, -1, -1))), (per_read, up)
            assert rec.ev[0][1:4] == ("cc", 2, 74)


def test_a_jump_to_an_end_gets_there_in_about_ten_readings():
    # at rest (40 readings), then the reading jumps to the other end and stays: every value
    # sent, one a reading, until the end's exact value (before: 22 readings for the knob and
    # 34 for the stick, the last values crawling 1/16 of the way a reading; the stick's
    # filter, fine, follows closer than a knob's: 6 and 7 readings)
    def jump(k, rec, rest, level, n):
        _feed(k, rec, rest, 40, 0)
        del rec.ev[:]
        _feed(k, rec, level, n, 0)
        return [e[-1] for e in rec.ev]

    rec = Rec()
    k = Knob(rec, 0, 7)
    assert jump(k, rec, 0, 4095, 10) == [95, 119, 121, 123, 124, 125, 126, 127]
    assert jump(k, rec, 4095, 0, 10) == [32, 8, 6, 4, 3, 2, 1, 0]
    rec = Rec()
    s = Stick(rec, 0)
    assert jump(s, rec, 2048, 4095, 6) == [14276, 15894, 16164, 16299, 16366, 16383]
    assert jump(s, rec, 4095, 0, 7) == [4264, 1028, 489, 219, 84, 17, 0]
    assert jump(s, rec, 0, 2048, 3) == [6321, 7939, 8192]  # let go: the centre
    _feed(s, rec, 2048, 100, 0)
    assert len(rec.ev) == 3  # and nothing more once there


def test_fast_sweep_14bit_reaches_exact_ends_monotonic_no_repeats():
    random.seed(13)
    for kind in ("cc14", "nrpn"):
        for per_read in (2, 16, 64, 400):
            rec = Rec()
            k = Knob(rec, 0, 9, kind)
            vals = _sweep(k, rec, 0, 4095, per_read)
            assert vals[-1] == 16383 and all(vals[i] < vals[i + 1] for i in range(len(vals) - 1))
            vals = _sweep(k, rec, 4095, 0, per_read)
            down = vals[vals.index(16383) + 1:]
            assert down[-1] == 0 and all(down[i] > down[i + 1] for i in range(len(down) - 1))
            assert rec.ev[0][1] == kind


def test_range_and_inversion_and_channel_pressure():
    random.seed(14)
    rec = Rec()
    k = Knob(rec, 3, 0, "channel_pressure", min=20, max=40, invert=True)
    vals = _sweep(k, rec, 0, 4095, 4)
    assert vals == list(range(39, 19, -1))
    assert rec.ev[0] == (0, "chpr", 3, 39)


def test_soft_takeover_waits_for_the_crossing():
    random.seed(15)
    rec = Rec()
    k = Knob(rec, 0, 7, takeover=True)
    _feed(k, rec, 1000, 40)  # resting at ~31
    k.set_remote(90)
    _sweep(k, rec, 1000, 2600, 8)  # up to ~80: below 90, nothing
    assert rec.ev == []
    _sweep(k, rec, 2600, 3300, 8)  # crosses 90 at ADC ~2918
    vals = rec.values()
    # the first value sent is the first at or past 90, then every step
    assert vals[0] in (90, 91) and vals == list(range(vals[0], vals[-1] + 1)) and vals[-1] > 100
    # from above: the remote value below the knob
    k.set_remote(10)
    n = len(rec.ev)
    _sweep(k, rec, 3300, 400, 8)  # down to ~6, crossing 10 at ADC ~340
    assert rec.ev[n:] == []
    _sweep(k, rec, 400, 0, 8)
    vals = rec.values()[n:]
    assert vals[0] in (10, 9) and vals == list(range(vals[0], -1, -1))


def test_takeover_of_a_value_outside_the_knobs_range_picks_up_at_the_nearer_end():
    # min 20, max 100: the receiver at 10 (or 120) is a value the knob never sends; waiting
    # for it left the knob silent for good. It picks up once it reaches its end, 20 (100).
    random.seed(21)
    rec = Rec()
    k = Knob(rec, 0, 7, min=20, max=100, takeover=True)
    _feed(k, rec, 2000, 40)  # resting at ~59
    k.set_remote(10)
    _sweep(k, rec, 2000, 300, 8)  # down towards 20, not there yet (ADC 300: ~25)
    assert rec.ev == []
    _sweep(k, rec, 300, 0, 8)  # the bottom end: 20, then back up
    _sweep(k, rec, 0, 1000, 8)
    vals = rec.values()
    assert vals[0] in (20, 21) and vals == list(range(vals[0], vals[-1] + 1)) and vals[-1] > 35
    k.set_remote(120)  # above max: picked up at the top end
    n = len(rec.ev)
    _sweep(k, rec, 1000, 3800, 8)
    assert rec.ev[n:] == []
    _sweep(k, rec, 3800, 4095, 8)
    _sweep(k, rec, 4095, 3000, 8)
    vals = rec.values()[n:]
    assert vals[0] in (100, 99) and vals == list(range(vals[0], vals[-1] - 1, -1)) and vals[-1] < 85
    # an inverted knob: its ends are swapped, the rule is the same
    rec = Rec()
    k = Knob(rec, 0, 7, min=20, max=100, invert=True, takeover=True)
    _feed(k, rec, 2000, 40)
    k.set_remote(5)
    _sweep(k, rec, 2000, 3800, 8)
    assert rec.ev == []
    _sweep(k, rec, 3800, 4095, 8)
    assert rec.values()[0] in (20, 21)


def test_feedback_14bit_takes_the_msb_and_completes_it_with_the_lsb():
    random.seed(20)
    rec = Rec()
    k = Knob(rec, 0, 1, "cc14", takeover=True)
    _feed(k, rec, 1000, 40)  # resting at ~3900 of 16383
    assert k.feedback(33, 5, None) is False  # an LSB before any MSB: nothing to complete
    assert (_remote(k), _waiting(k)) == (-1, False)
    assert k.feedback(1, 64, None) is False  # the MSB alone: 64 << 7, its LSB 0 (not an echo)
    assert (_remote(k), k.value, _waiting(k)) == (8192, 8192, True)
    k.feedback(33, 127, None)
    assert (_remote(k), k.value, _waiting(k)) == (8319, 8319, True)
    k.feedback(1, 100, None)  # a new MSB resets the LSB (MIDI 1.0)
    assert _remote(k) == 12800
    k.feedback(33, 3, None)
    assert _remote(k) == 12803
    _sweep(k, rec, 1000, 3300, 4)  # up to ~13200: crosses 12803 at ADC ~3200
    vals = rec.values()
    assert 12803 <= vals[0] < 12803 + 80 and vals[-1] > 13000, vals[:3]
    # the knob has sent since: a lone LSB (the receiver's fine adjustment) completes the MSB
    # the knob sent last, not the receiver's older one
    k.feedback(33, 9, None)
    assert _remote(k) == (vals[-1] & 0x3F80) | 9 and _remote(k) >> 7 != 12803 >> 7
    # a plain CC knob takes the value as it is
    k = Knob(rec, 0, 7, takeover=True)
    _feed(k, rec, 1000, 40)
    k.feedback(7, 90, None)
    assert (_remote(k), k.value, _waiting(k)) == (90, 90, True)


def test_feedback_while_the_knob_is_turned_is_its_echo_and_changes_nothing():
    rec = Rec()
    k = Knob(rec, 0, 7, takeover=True)  # unbanked: its own quiet count (_quiet)
    _feed(k, rec, 1000, 40, noise=0)  # resting at 31
    x = 1000
    while len(rec.ev) < 4:  # turned up: 32, 33, 34, 35 sent
        x += 8
        k.update(x)
    # the receiver echoing the first, 3 ms late, or anything else: the hand wins, and the
    # caller is told it is an echo (app.py passes it on nowhere)
    assert k.feedback(7, 32, None) is True
    assert k.feedback(7, 90, None) is True
    assert (_remote(k), k.value, _waiting(k)) == (-1, 35, False)
    while len(rec.ev) < 8:  # still sending every step
        x += 8
        k.update(x)
    assert rec.values() == list(range(32, 40))
    # at rest again: through 31 readings without a move it is still being turned ...
    while k._quiet != 31:
        k.update(x)
    assert k.feedback(7, 90, None) is True
    assert (_remote(k), _waiting(k)) == (-1, False)
    k.update(x)  # ... from the 32nd the knob rests, and feedback sets up takeover as before
    assert k._quiet == 32
    assert k.feedback(7, 90, None) is False
    assert (_remote(k), k.value, _waiting(k)) == (90, 90, True)


class _Fb:
    # stands for a knob in an NrpnIn: the last value its feedback() got, and how many
    def __init__(self):
        self.got = -1
        self.n = 0

    def feedback(self, number, value, state):
        self.got = value
        self.n += 1


# (controller, value, then what the knobs of parameters 1234 (09 52) and 1235 have got)
_NRPN_STEPS = (
    (6, 64, -1, -1), (38, 0, -1, -1),  # Data Entry with no parameter selected
    (98, 0x52, -1, -1), (6, 64, -1, -1),  # CC 98 with no CC 99 before it
    (99, 9, -1, -1), (6, 64, -1, -1), (38, 1, -1, -1),  # CC 99 without its CC 98: none yet
    (98, 0x52, -1, -1),  # 1234 selected
    (38, 5, -1, -1),  # an LSB with no MSB to complete
    (6, 64, 8192, -1), (38, 127, 8319, -1),  # MSB << 7, then the LSB completes it
    (38, 3, 8195, -1),  # and again: a fine adjustment
    (6, 1, 128, -1),  # a new MSB resets the LSB
    (98, 0x53, 128, -1),  # CC 98 alone: 1235, with the last CC 99's MSB
    (38, 9, 128, -1), (6, 2, 128, 256),  # (its LSB before any MSB of its own: nothing)
    (101, 0, 128, 256), (6, 3, 128, 256), (38, 3, 128, 256),  # an RPN: Data Entry is not ours
    (98, 0x52, 128, 256), (6, 3, 128, 256),  # and the CC 99's MSB is forgotten
    (99, 9, 128, 256), (98, 0x52, 128, 256), (6, 4, 512, 256),
    (100, 127, 512, 256), (6, 5, 512, 256),  # an RPN's LSB alone too (the null's second half)
    (99, 9, 512, 256), (98, 0x52, 512, 256), (6, 6, 768, 256),
    (121, 0, 768, 256), (6, 7, 768, 256),  # Reset All Controllers: parameter numbers null
    (99, 127, 768, 256), (98, 127, 768, 256), (6, 8, 768, 256),  # 16383: no knob sends it
    (99, 9, 768, 256), (98, 0x53, 768, 256), (6, 127, 768, 16256), (38, 127, 768, 16383),
)


def test_nrpn_in_follows_the_parameter_selected_and_its_data_entry():
    a, b, cc6 = _Fb(), _Fb(), _Fb()
    n = NrpnIn({1234: a, 1235: b})
    n.taken[6] = cc6  # a cc knob on CC 6 of this channel: it gets every CC 6 as before

    def run():
        i = 0
        for c, v, want_a, want_b in _NRPN_STEPS:
            n.feedback(c, v, None)
            if a.got != want_a or b.got != want_b:
                return i  # the first step that went wrong
            i += 1
        return -1

    assert no_alloc(run) == -1
    sixes = [s for s in _NRPN_STEPS if s[0] == 6]
    assert (cc6.n, cc6.got) == (len(sixes), 127) and (a.n, b.n) == (6, 3)


def test_nrpn_knob_takes_its_value_unless_it_is_being_turned():
    rec = Rec()
    k = Knob(rec, 0, 1234, "nrpn", takeover=True)  # unbanked: its own quiet count (_quiet)
    _feed(k, rec, 1000, 40, noise=0)  # resting at 3951
    n = NrpnIn({1234: k})
    for c, v in ((99, 9), (98, 0x52), (6, 64), (38, 127)):
        assert n.feedback(c, v, None) is False  # (no echo: passed on as it came)
    assert (_remote(k), k.value, _waiting(k)) == (8319, 8319, True)
    k.set_remote(k._local)  # (the receiver where the knob is: it sends again as it turns)
    assert (_remote(k), _waiting(k)) == (3951, False)
    x = 1000
    while len(rec.ev) < 2:
        x += 8
        k.update(x)
    # the receiver's value while the knob is turned: its echo, which the caller passes on
    # nowhere (its parameter select is no value, and goes on)
    assert n.feedback(99, 9, None) is False and n.feedback(98, 0x52, None) is False
    assert n.feedback(6, 64, None) is True
    assert n.feedback(38, 0, None) is True
    assert (_remote(k), _waiting(k)) == (3951, False) and rec.ev[-1][:4] == (0, "nrpn", 0, 1234)
    while k._quiet < 32:  # at rest again: it counts
        k.update(x)
    assert n.feedback(6, 64, None) is False
    assert (_remote(k), k.value, _waiting(k)) == (8192, 8192, True)


def test_takeover_off_sends_at_once_and_report():
    random.seed(16)
    rec = Rec()
    k = Knob(rec, 0, 7)
    assert not k.report()  # not primed: nothing to report
    _feed(k, rec, 2100, 40)
    assert k.report() and rec.ev == [(0, "cc", 0, 7, 65)]
    k.set_remote(100)
    # (to 2262, 70.3 of 127: the anchor trails a turn by its hysteresis, 12 steps, so one
    # stopped at 2250, 69.9, sits on the line between 69 and 70)
    _sweep(k, rec, 2100, 2262, 4)
    # not waiting for 100: the knob's own values go out at once
    assert rec.values() == [65, 66, 67, 68, 69, 70]


def test_takeover_knob_picks_up_its_layers_last_value_when_the_layer_plays_again():
    # two layers of one pot (a shift mapping): each layer's knob sends only while its layer
    # plays; turned for the other layer, a takeover knob keeps its receiver's value (the one
    # it sent last) and picks it up when its layer plays again
    from midictl.controls.modes import LayerSink

    class Modes:
        shift = False

    rec = Rec()
    m = Modes()
    main = Knob(LayerSink(rec, m, False), 0, 70, takeover=True)
    second = Knob(LayerSink(rec, m, True), 0, 102, takeover=True)

    def turn(a, b):
        for level in range(a, b + (16 if b > a else -16), 16 if b > a else -16):
            for k in (main, second):
                k.update(level)  # (on the board one filter feeds both)
        for _ in range(60):
            for k in (main, second):
                k.update(b)

    turn(2048, 2048)  # primed at 64 on both: nothing sent
    m.shift = True
    turn(2048, 1200)  # the shift layer from 64 down
    assert rec.values() == list(range(63, 36, -1)) and {e[3] for e in rec.ev} == {102}
    del rec.ev[:]
    m.shift = False
    turn(1200, 2900)  # the main layer waits for its 64, then follows
    assert rec.values() == list(range(65, 91)) and {e[3] for e in rec.ev} == {70}
    del rec.ev[:]
    m.shift = True
    turn(2900, 2100)  # the shift layer waits for the 37 it sent last: not reached
    assert rec.ev == []
    turn(2100, 1000)  # reached on the way down: from there, every value
    assert rec.values() == list(range(36, 30, -1)) and {e[3] for e in rec.ev} == {102}


def test_stick_centre_ends_and_smooth():
    random.seed(17)
    rec = Rec()
    s = Stick(rec, 0)
    vals = _sweep(s, rec, 2048, 4095, 8)
    assert vals[-1] == 16383 and all(vals[i] < vals[i + 1] for i in range(len(vals) - 1))
    assert 8192 < vals[0] < 8300  # leaving the centre zone without a jump
    assert max(vals[i + 1] - vals[i] for i in range(len(vals) - 1)) < 400
    n = len(rec.ev)
    vals = _sweep(s, rec, 4095, 2048, 8)
    assert vals[-1] == 8192 and rec.ev[-1] == (0, "bend", 0, 8192)
    n = len(rec.ev)
    vals = _sweep(s, rec, 2048, 0, 8)[n:]
    assert vals[-1] == 0 and all(vals[i] > vals[i + 1] for i in range(len(vals) - 1))
    assert 8000 < vals[0] < 8192
    _feed(s, rec, 2048 + 60, 300)  # released, springs back a little off centre
    assert rec.ev[-1] == (0, "bend", 0, 8192)
    n = len(rec.ev)
    _feed(s, rec, 2048 + 60, 1000)
    assert len(rec.ev) == n


def test_stick_inverted_ends_exact():
    random.seed(18)
    rec = Rec()
    s = Stick(rec, 1, invert=True)
    vals = _sweep(s, rec, 2048, 4095, 16)
    assert vals[-1] == 0
    vals = _sweep(s, rec, 4095, 0, 16)
    assert vals[-1] == 16383 and 8192 in vals


def test_updates_allocate_nothing():
    random.seed(19)
    samples = [adc(p // 3, 24) for p in range(3000)]
    rec = Rec()
    knobs = [Knob(rec, 0, 1), Knob(rec, 0, 2, "cc14"), Knob(rec, 0, 3, "nrpn"), Stick(rec, 0)]
    for k in knobs:
        k.update(0)
    null = _Null()
    for k in knobs:
        k._sink = null

    def run():
        for x in samples:
            for k in knobs:
                k.update(x)

    no_alloc(run)
    assert null.n > 300


class _Null:
    def __init__(self):
        self.n = 0

    def cc(self, ch, n, v):
        self.n += 1

    def cc14(self, ch, n, v):
        self.n += 1

    def nrpn(self, ch, n, v):
        self.n += 1

    def bend(self, ch, v):
        self.n += 1


def test_bad_parameters():
    r = Rec()
    assert "number 32 out of range 0..31" in str(raises(ValueError, Knob, r, 0, 32, "cc14"))
    assert "max 200 out of range 0..127" in str(raises(ValueError, Knob, r, 0, 1, "cc", 0, 200))
    assert "min 50 out of range 0..49" in str(raises(ValueError, Knob, r, 0, 1, "cc", 50, 50))
    assert "channel 16 out of range 0..15" in str(raises(ValueError, Stick, r, 16))
    assert "centre 100 out of range 105..3990" in str(raises(ValueError, Stick, r, 0, 100))
    k = Knob(r, 0, 1)
    assert "value 128 out of range 0..127" in str(raises(ValueError, k.set_remote, 128))
