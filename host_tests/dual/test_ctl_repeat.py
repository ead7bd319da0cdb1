from array import array

from dualtest import no_alloc, raises
from test_ctl_signals import Rec, adc, fsr_level, piezo_level

from midictl.controls.modes import Modes
from midictl.controls.pads import PadGroup
from midictl.controls.repeat import RATES, TICKS, NoteRepeat, RepeatButton
from midictl.controls import transport
from midictl.controls.transport import Clock
from midictl.controls.velocity import make_curve

CURVE = make_curve()
KINDS = ("piezo", "piezo", "fsr", "switch")


class Both(Rec):
    """The pads' and the clock's sink: the clock's ticks noted as (now, "F8")."""

    def raw(self, msg, n, key=0):
        self.ev.append((self.now, "F8" if msg[0] == 0xF8 else msg[0]))


class Tally:
    """A sink that allocates nothing: what it was sent, in order, as codes in a bytearray
    (1 Note On, 2 Note Off, 3 a clock tick), and the time (Both's `now`) set before a run."""

    def __init__(self):
        self.now = 0
        self.seq = bytearray(16)
        self.n = 0
        self.ev = []

    def _add(self, code):
        self.seq[self.n] = code
        self.n += 1

    def note_on(self, ch, note, vel):
        self._add(1)

    def note_off(self, ch, note, vel):
        self._add(2)

    def raw(self, msg, n, key=0):
        self._add(3)

    def channel_pressure(self, ch, v):
        pass


class Queue:
    """DIN OUT's queue as the repeat sees it: the bytes its urgent FIFO holds."""

    def __init__(self):
        self._count = 0


def _rig(pressure="off", modes=None, bpm=125, rec=None, din=None):
    rec = Both() if rec is None else rec
    g = PadGroup(rec, len(KINDS), modes=modes, grid_cols=0)
    for i in range(len(KINDS)):
        g.set_pad(i, KINDS[i], 9, 36 + i, CURVE, pressure=pressure if KINDS[i] == "fsr" else "off")
    c = Clock(rec, bpm)
    rep = c._rep = NoteRepeat(g, c, din)  # as controls/transport.py's build() makes it
    return rec, g, c, rep


class Play:
    """The scan loop's part, a scan a ms: the clock's tick when due, then the pads (piezo
    strikes (pad, t, strength), FSR presses (pad, t, force, release), switch pads' presses
    (pad, t, release)), and the repeat buttons' presses (t, button, press or release)."""

    def __init__(self, rec, g, c):
        self.rec, self.g, self.c = rec, g, c
        self.s = array("H", [0] * g.count)
        self.t = 0

    def run(self, until, strikes=(), fsr=(), switches=(), buttons=()):
        rec, g, c, s = self.rec, self.g, self.c, self.s
        while self.t <= until:
            t = self.t
            rec.now = t
            for at, b, down in buttons:
                if at == t:
                    b.press(t) if down else b.release(t)
            if not c._gating or t * 1000 - c._gate >= 0:
                c.pump(t * 1000, t)
            if c._rep._gating and t - c._rep._gate >= 0:  # a swung step (app.py's scan)
                c._rep.pump(t * 1000, t)
            for i in range(g.count):
                lv = 0
                for pad, t0, st in strikes:
                    if pad == i:
                        lv += piezo_level(t - t0, st)
                for pad, t0, f, rel in fsr:
                    if pad == i:
                        lv += fsr_level(t - t0, f, rel - t0)
                s[i] = adc(lv)
            g.scan(s, t)
            for pad, t0, rel in switches:
                if t == t0 or t == rel:
                    g.switches(1 << pad, (t == t0) << pad, t)
            self.t += 1


def notes(rec):
    return [e for e in rec.ev if e[1] != "F8"]


def test_a_held_button_rolls_a_struck_piezo_and_repeats_a_held_switch_pad_on_the_grid():
    # 125 bpm: a tick every 20 ms from 20 ms (place 0 of the beat); 1/16: a step every 6
    # ticks (20, 140, 260, 380 ms), half a step 60 ms
    rec, g, c, rep = _rig()
    b = RepeatButton(rep, "1/16")
    p = Play(rec, g, c)
    p.run(600, strikes=[(0, 30, 0.5)], switches=[(3, 250, 400)],
          buttons=[(5, b, True), (450, b, False)])
    assert [e[0] for e in rec.ev if e[1] == "F8"] == list(range(20, 601, 20))
    assert notes(rec) == [
        (33, "on", 9, 36, 55),  # the strike, its own note
        (83, "off", 9, 36, 64),  # (its gate)
        (140, "on", 9, 36, 55),  # rolls at its velocity, a step after another
        (190, "off", 9, 36, 64),
        (250, "on", 9, 39, 100),  # the switch pad pressed: 10 ms before a step, not repeated there
        (260, "on", 9, 36, 55),
        (310, "off", 9, 36, 64),
        (380, "on", 9, 36, 55),
        (380, "off", 9, 39, 64),  # (the held pad's note again: off, then on)
        (380, "on", 9, 39, 100),
        (400, "off", 9, 39, 64),  # let go
        (430, "off", 9, 36, 64)]  # the roll's last; the button let go at 450: no step at 500
    # the repeats come after their tick in the same scan
    assert rec.ev.index((380, "F8")) < rec.ev.index((380, "on", 9, 36, 55))


def test_swing_makes_each_pairs_second_step_late_between_the_ticks():
    # 125 bpm, 1/16 (a step 120 ms) at swing 66: the second step of each pair (ticks 6 and
    # 18) 16% twice of a step late, 38 ms (38.4, whole ms): 178, 418 ms; the shorter gap
    # 82 ms, a pad that played less than 40 ms before a step not repeated there
    rec, g, c, rep = _rig()
    b = RepeatButton(rep, "1/16", latch=True, swing=66)
    p = Play(rec, g, c)
    p.run(560, strikes=[(0, 30, 0.5)], switches=[(3, 400, 520)], buttons=[(5, b, True)])
    assert notes(rec) == [
        (33, "on", 9, 36, 55), (83, "off", 9, 36, 64),
        (178, "on", 9, 36, 55), (228, "off", 9, 36, 64),  # tick 6 at 140: its step at 178
        (260, "on", 9, 36, 55), (310, "off", 9, 36, 64),  # tick 12, on time
        (400, "on", 9, 39, 100),  # the switch pad pressed: 18 ms before the step at 418
        (418, "on", 9, 36, 55), (468, "off", 9, 36, 64),
        (500, "on", 9, 36, 55), (500, "off", 9, 39, 64), (500, "on", 9, 39, 100),  # a beat's first
        (520, "off", 9, 39, 64), (550, "off", 9, 36, 64)]
    assert rep._half() == 40 and not rep._gating
    # 1/8 at swing 75: the pair's second step a 16th note late (tick 12 at 260: 380 ms); 1/32
    # at 58: 3 ticks a step, 8% twice of 60 ms: 9 ms late (tick 3 at 80: 89 ms, 9 at 200: 209)
    for rate, swing, ons in (("1/8", 75, [33, 380, 500, 860]), ("1/32", 58, [33, 89, 140, 209, 260])):
        rec, g, c, rep = _rig()
        p = Play(rec, g, c)
        b = RepeatButton(rep, rate, latch=True, swing=swing)
        p.run(ons[-1] + 1, strikes=[(0, 30, 0.5)], buttons=[(5, b, True)])
        assert [e[0] for e in notes(rec) if e[1] == "on"] == ons, rate
    # a swung step still waiting when the repeat goes off: none
    rec, g, c, rep = _rig()
    p = Play(rec, g, c)
    b = RepeatButton(rep, "1/16", swing=75)
    p.run(200, strikes=[(0, 30, 0.5)], buttons=[(5, b, True), (150, b, False)])
    assert [e[0] for e in notes(rec) if e[1] == "on"] == [33]
    assert not rep._gating  # (its time came at 200: the tick at 140, 60 ms late)


def test_a_piezo_struck_again_rolls_at_the_new_velocity_and_one_struck_just_before_a_step_waits():
    rec, g, c, rep = _rig()
    b = RepeatButton(rep, "1/8t")  # 8 ticks: steps at 20, 180, 340, 500 ms; half 80 ms
    p = Play(rec, g, c)
    p.run(560, strikes=[(1, 10, 0.9), (1, 300, 0.3)], buttons=[(0, b, True)])
    assert notes(rec) == [
        (13, "on", 9, 37, 101), (63, "off", 9, 37, 64),
        (180, "on", 9, 37, 101), (230, "off", 9, 37, 64),
        (303, "on", 9, 37, 31),  # struck again, softer: 37 ms before the step at 340, no repeat there
        (353, "off", 9, 37, 64),
        (500, "on", 9, 37, 31), (550, "off", 9, 37, 64)]


def test_an_fsr_repeats_at_the_velocity_its_pressure_plays_now():
    rec, g, c, rep = _rig(pressure="poly")
    b = RepeatButton(rep, "1/4", latch=True)  # 24 ticks: steps at 20, 500, 980 ms
    p = Play(rec, g, c)
    # pressed lightly at 100 ms, then (a second press over it from 300 ms) harder, let go at 1000
    p.run(1100, fsr=[(2, 100, 0.3, 1000), (2, 300, 0.4, 1000)], buttons=[(1, b, True)])
    ons = [e for e in rec.ev if e[1] == "on"]
    # its own note from the light press; the repeats at 500 and 980 from the harder level it
    # holds there (as the pressure it sends, 100, but without its hysteresis)
    assert ons == [(103, "on", 9, 38, 41), (500, "on", 9, 38, 101), (980, "on", 9, 38, 101)]
    assert [e[4] for e in rec.ev if e[1] == "poly"] == [43, 85, 96, 99, 100, 95, 0]
    assert [e for e in rec.ev if e[1] == "off"] == [(500, "off", 9, 38, 64), (980, "off", 9, 38, 64),
                                                    (1002, "off", 9, 38, 64)]


def test_latching_buttons_toggle_switch_rate_and_panic_lets_go():
    rec, g, c, rep = _rig()
    eighth = RepeatButton(rep, "1/8", latch=True)  # 12 ticks: 240 ms
    sixteenth = RepeatButton(rep, "1/16", latch=True)  # 6 ticks: 120 ms
    held = RepeatButton(rep, "1/32")  # 3 ticks: 60 ms
    p = Play(rec, g, c)
    p.run(100, strikes=[(0, 50, 0.5)], buttons=[(10, eighth, True), (11, eighth, False)])
    assert rep.latched and rep.rate == 12 and rep.roll == 1  # latched at 1/8: pad 1 struck rolls
    p.run(300, buttons=[(280, sixteenth, True)])  # another rate, still latched
    assert rep.latched and rep.rate == 6
    p.run(400, buttons=[(301, held, True), (345, held, False)])  # a held one wins while held
    assert rep.rate == 6 and rep.hold == 0
    rep.unlatch()  # panic (Engine.latches): off, and the roll ends
    assert (rep.latched, rep.roll) == (False, 0)
    p.run(700)
    assert [e[0] for e in notes(rec) if e[1] == "on"] == [53, 260, 320, 380]
    # 1/8: steps at ticks 0 and 12 of the beat (20, 260 ms); 1/16 from 280 (tick 18: 380);
    # the 1/32 held from 301 to 345 adds tick 15 (320), which 1/16 has not; 1/16's next,
    # tick 0 at 500, comes after the panic
    rep.toggle(6)
    rep.toggle(6)  # pressed twice: on, off
    assert (rep.latched, rep.hold) == (False, 0)


def test_octave_change_mid_roll_ends_the_note_sent_and_rolls_on_in_the_new_octave():
    m = Modes()
    rec, g, c, rep = _rig(modes=m)
    b = RepeatButton(rep, "1/16")
    p = Play(rec, g, c)
    p.run(100, strikes=[(0, 30, 0.5)], buttons=[(0, b, True)])
    p.run(150)  # the repeat at 140 sounds
    m.octave_up()
    p.run(300)
    assert notes(rec)[2:] == [(140, "on", 9, 36, 55), (190, "off", 9, 36, 64),
                              (260, "on", 9, 48, 55)]


def test_a_step_and_a_tick_allocate_nothing():
    rec, g, c, rep = _rig(rec=Tally())
    b = RepeatButton(rep, "1/32")
    p = Play(rec, g, c)
    p.run(120, strikes=[(0, 30, 0.5)], switches=[(3, 40, 5000)], buttons=[(0, b, True)])
    assert rep.roll == 1 and g.on == 9  # pad 1 rolls (its repeat at 80 sounds), pad 4 held
    rec.n = 0
    assert no_alloc(lambda: c.pump(140000, 140)) is None  # tick 6: a step
    assert no_alloc(lambda: c.pump(160000, 160)) is None  # tick 7
    assert no_alloc(lambda: b.release(170)) is None
    assert no_alloc(lambda: b.press(171)) is None
    assert no_alloc(rep.unlatch) is None
    assert list(rec.seq[:rec.n]) == [3, 2, 1, 2, 1, 3]  # tick, pad 1's Off and On, pad 4's, tick
    # and following MIDI IN's clock: its tick 0 a step (pad 1 sounding joins its roll, pad 4
    # held: the Off and On of each), a tick, its Start
    f = NoteRepeat(g, None)
    f.toggle(3)
    rec.n = 0
    assert no_alloc(lambda: f.midi_in(0xF8, 200000, 200, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xF8, 220000, 220, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xFA, 230000, 230, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xF8, 231000, 231, 1)) is None  # another port's: not taken
    assert no_alloc(lambda: f.locate(3, 232000, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xFC, 233000, 233, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xFB, 234000, 234, 0)) is None
    assert no_alloc(lambda: f.midi_in(0xF8, 500000, 500, 1)) is None  # taken: DIN's silent
    assert f._src == 1 and f._n == 1
    assert list(rec.seq[:rec.n]) == [2, 1, 2, 1] * 2  # (its tick 0 and the taken one's: steps)
    # a swung step: set at its tick, played when its time comes
    s = NoteRepeat(g, c)
    s.toggle(6 | 16 << 5)  # 1/16 at swing 66
    rec.n = 0
    assert no_alloc(lambda: s.tick(6, 600)) is None
    assert s._gating and s._gate == 638 and rec.n == 0
    assert no_alloc(lambda: s.pump(638000, 638)) is None
    assert list(rec.seq[:rec.n]) == [2, 1, 2, 1] and not s._gating


def test_rates_and_bad_arguments():
    assert RATES == ["1/4", "1/8", "1/8t", "1/16", "1/16t", "1/32", "1/32t"]
    assert TICKS == (24, 12, 8, 6, 4, 3, 2)  # 24 a quarter note
    rec, g, c, rep = _rig()
    assert str(raises(ValueError, RepeatButton, rep, "1/64")) == (
        "rate '1/64' is not one of 1/4, 1/8, 1/8t, 1/16, 1/16t, 1/32, 1/32t")
    assert str(raises(ValueError, RepeatButton, rep, "1/16", False, 76)) == "swing 76 out of range 50..75"
    assert str(raises(ValueError, RepeatButton, rep, "1/16", False, 49)) == "swing 49 out of range 50..75"
    for rate in ("1/4", "1/8t", "1/16t", "1/32t"):  # (their steps make no pairs in a beat)
        assert str(raises(ValueError, RepeatButton, rep, rate, False, 60)) == (
            "swing needs a rate of 1/8, 1/16 or 1/32, not %r" % rate)
    assert RepeatButton(rep, "1/4", False, 50)._code == 24  # (straight: any rate)
    # 1/32t (a hi-hat roll): every other tick, 40 ms at 125 bpm; pad 1 struck at 30 (its note
    # at 33) rolls from the tick at 60, 27 ms on (half a step: 20)
    p = Play(rec, g, c)
    p.run(141, strikes=[(0, 30, 0.5)], buttons=[(0, RepeatButton(rep, "1/32t", True), True)])
    assert [e[0] for e in notes(rec) if e[1] == "on"] == [33, 60, 100, 140]


def test_a_step_is_skipped_while_din_out_is_behind():
    # 1/16 at 125 bpm: half a step is 60 ms, what the wire carries in it 187.5 bytes; the
    # step's test: more than 180 queued (3 a ms, rounded down)
    q = Queue()
    rec, g, c, rep = _rig(din=q)
    b = RepeatButton(rep, "1/16")
    p = Play(rec, g, c)
    p.run(100, strikes=[(0, 30, 0.5)], buttons=[(0, b, True)])
    q._count = 181  # behind at the step at 140: skipped
    p.run(200)
    q._count = 180  # at 260: played
    p.run(300)
    assert [e[0] for e in notes(rec) if e[1] == "on"] == [33, 260]
    assert rep.skipped == 1


class _Ctl:
    """What controls/transport.py's build() takes from the controller being built."""

    def __init__(self, bpm):
        self.feedback = {}
        self.engine = Both()
        self.engine.latches = ()
        self.pads = PadGroup(self.engine, 2)
        self.din = None
        if bpm:
            self.feedback[0x1001] = Clock(self.engine, bpm)  # the clock, where build.py puts it


def test_the_buttons_share_one_repeat_that_panic_lets_go():
    for bpm in (125, 0):  # on the controller's clock; with none, following MIDI IN's
        ctl = _Ctl(bpm)
        a = transport.build(ctl, {"type": "note_repeat", "rate": "1/8", "latch": True, "swing": 50}, 0)
        b = transport.build(ctl, {"type": "note_repeat", "rate": "1/32", "latch": False, "swing": 60}, 0)
        rep = ctl.feedback[0x1001]._rep if bpm else ctl.feedback[0x1000]._follow
        assert a._rep is rep and b._rep is rep and ctl.engine.latches == (rep,)
        assert (a._ticks, a._latch, b._ticks, b._latch) == (12, True, 3, False)
        assert (a._code, b._code) == (12, 3 | 10 << 5)  # (the swing's % past 50, above the rate)
        assert ctl.feedback[0x1002] is rep  # (for the scan: its swung steps)
        assert rep._clock is (ctl.feedback[0x1001] if bpm else rep)
        assert 0x1001 not in ctl.feedback or bpm


def test_without_a_clock_of_its_own_it_follows_midi_ins_from_its_start():
    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    b = RepeatButton(rep, "1/16", latch=True)
    b.press(0)
    s = array("H", [0] * g.count)

    def scan(t):
        rec.now = t
        for i in range(g.count):
            s[i] = adc(piezo_level(t - 5, 0.5)) if i == 0 else 0
        g.scan(s, t)

    # MIDI IN: a clock at 100 bpm (a tick every 25 ms) from 10 ms, its Start at 212 ms; pad 1
    # struck at 5 ms
    ticks = [10 + 25 * k for k in range(20)]
    t = 0
    while t <= 500:
        scan(t)
        if t == 212:
            rep.midi_in(0xFA, t * 1000, t, 0)
        if t in ticks:
            rep.midi_in(0xF8, t * 1000, t, 0)
        t += 1
    # steps: ticks 0, 6, 12, ... of MIDI IN's count: 10, 160 ms; then from the Start the
    # tick at 235 is the beat's first: 235, 385 ms
    assert [e[0] for e in notes(rec) if e[1] == "on"] == [8, 160, 235, 385]
    p = 20833  # the period measured: from the guess of 120 bpm, a quarter of the way on
    for _ in range(19):  # at each of the 19 intervals (24981 us)
        p += (25000 - p) >> 2
    assert rep._period == p == 24981
    rep.midi_in(0xFE, 600000, 600, 0)  # another status: nothing
    rep.midi_in(0xF8, 900000, 900, 0)  # after a pause: no period from it
    assert rep._period == p


def _follow_run(rep, g, rec, until, midi):
    # Scans every ms to `until` with pad 1 struck at 5 ms (a piezo, its Note On at 8), and
    # at each time in midi the real-time bytes there (status, port) given to rep
    s = array("H", [0] * g.count)
    t = 0
    while t <= until:
        rec.now = t
        for i in range(g.count):
            s[i] = adc(piezo_level(t - 5, 0.5)) if i == 0 else 0
        g.scan(s, t)
        for status, port in midi.get(t, ()):
            if status == 0xF2:
                rep.locate(port[0], t * 1000, port[1])
            else:
                rep.midi_in(status, t * 1000, t, port)
        if rep._gating and t - rep._gate >= 0:  # a swung step (app.py's scan)
            rep.pump(t * 1000, t)
        t += 1
    return [e[0] for e in notes(rec) if e[1] == "on"]


def test_one_ports_clock_is_followed_until_it_has_been_silent_for_200_ms():
    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    RepeatButton(rep, "1/16", latch=True).press(0)
    midi = {}
    for k in range(11):  # the USB host's clock (port 1): a tick every 20 ms to 200 ms
        midi.setdefault(20 * k, []).append((0xF8, 1))
    for k in range(24):  # DIN IN's (port 0): every 25 ms from 10 ms to 585
        midi.setdefault(10 + 25 * k, []).append((0xF8, 0))
    midi[50] = [(0xF2, (1, 0)), (0xFA, 0)]  # DIN IN's position and Start: not its clock's
    # the host's steps: its ticks 0 (nothing rolling yet) and 6, at 120 ms; DIN IN's ticks
    # from 210 to 385 come while the host's stopped less than 200 ms ago; its tick at 410
    # is the first followed, a beat's first (a step), then every 6 (560)
    assert _follow_run(rep, g, rec, 600, midi) == [8, 120, 410, 560]
    assert rep._src == 0 and rep._n == 8  # (the ticks at 410 to 585)
    # and DIN IN's ticks were timed alone: the period from its own, 25 ms apart (from the
    # host's 20 ms, its 10 intervals, a quarter of the way each of DIN IN's 7)
    p = 20833
    for _ in range(10):
        p += (20000 - p) >> 2
    for _ in range(7):
        p += (25000 - p) >> 2
    assert rep._period == p


def test_swing_on_midi_ins_clock_times_the_late_step_from_the_period_measured():
    # a tick every 20 ms from 0; 1/16 at swing 66: a pair's second step 32% of 6 periods
    # late, each period as measured by then (from the guess of 120 bpm toward 20 ms: 20147
    # us at tick 6, 20003 at 18, 20000 at 30): 120 + 38, 360 + 38, 600 + 38
    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    RepeatButton(rep, "1/16", latch=True, swing=66).press(0)
    midi = {20 * k: [(0xF8, 0)] for k in range(33)}
    assert _follow_run(rep, g, rec, 650, midi) == [8, 158, 240, 398, 480, 638]


def test_a_continue_goes_on_from_where_the_stop_came_or_the_position_set_while_stopped():
    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    RepeatButton(rep, "1/16", latch=True).press(0)
    midi = {20 * k: [(0xF8, 0)] for k in range(20)}  # DIN IN's clock: every 20 ms from 0
    midi[50] = [(0xFC, 0)]  # Stop after its ticks 0..2: stopped at 3
    midi[130] = [(0xFB, 0)]  # Continue: from 3 (the ticks at 60..120 stepped at 6)
    midi[210] = [(0xFC, 0)]  # Stop again at 7 (ticks 140..200: 3..6, a step at 200)
    midi[215] = [(0xF2, (3, 0)), (0xFC, 0)]  # the position at 16th note 3: tick 18 (and
    midi[230] = [(0xFB, 0)]  # another Stop changes nothing); Continue from 18: 360 a step
    assert _follow_run(rep, g, rec, 380, midi) == [8, 120, 200, 360]
    rep.midi_in(0xFB, 400000, 400, 0)  # (a Continue while playing: nothing)
    assert rep._n == 2 and rep._at == -1  # (18 and 8 ticks)


def test_a_song_position_pointer_sets_where_midi_ins_next_tick_falls():
    ctl = _Ctl(0)
    transport.build(ctl, {"type": "note_repeat", "rate": "1/8", "latch": True, "swing": 50}, 0)
    t = ctl.feedback[0x1000]
    rep = t._follow
    for beats, n in ((1, 6), (5, 6), (4, 0), (16383, 18), (3, 18)):  # 16th notes, 6 ticks each
        t.position(beats, 0)
        assert rep._n == n, beats
    t.realtime(0xF8, 0)  # MIDI IN's tick (through the transport, as app.py hands it on)
    assert rep._n == 19
    t.realtime(0xFA, 0)  # a Start: the next tick is a beat's first
    assert rep._n == 0
    # with a clock of its own the controller takes none of MIDI IN's positions
    ctl = _Ctl(125)
    transport.build(ctl, {"type": "note_repeat", "rate": "1/8", "latch": True, "swing": 50}, 0)
    ctl.feedback[0x1000].position(5, 0)
    assert ctl.feedback[0x1001]._n == 0 and ctl.feedback[0x1000]._follow is None


def test_a_held_note_button_repeats_in_the_layer_it_was_pressed_in():
    from midictl.controls.layered import NoteButton

    m = Modes()
    ctl = _Ctl(125)
    rep_button = transport.build(ctl, {"type": "note_repeat", "rate": "1/16", "latch": False, "swing": 50}, 0)
    rec = ctl.engine
    key = NoteButton(rec, 0, 60, 90, m, shift=(1, 72))
    transport.keys(ctl, [None, rep_button, key])  # (what build.py hands it: every button)
    c = ctl.feedback[0x1001]
    assert c._rep._keys == (key,)
    rep_button.press(0)
    for t in range(0, 400):  # ticks every 20 ms; 1/16 steps at 20, 140, 260, 380 ms
        rec.now = t
        if t == 100:
            m.shift = True
            key.press(t)  # in the shift layer: channel 2, note 72
            m.shift = False
        elif t == 300:
            key.release(t)
        if not c._gating or t * 1000 - c._gate >= 0:
            c.pump(t * 1000, t)
    # (pressed 40 ms before the step at 140, less than half a step: its own note is that beat)
    assert notes(rec) == [(100, "on", 1, 72, 90), (260, "off", 1, 72, 64), (260, "on", 1, 72, 90),
                          (300, "off", 1, 72, 64)]
    rec.ev = []
    rec.now = 490
    key.press(490)  # 10 ms before the step at 500: not repeated there; at 620 it is
    for t in range(490, 640):
        rec.now = t
        if t * 1000 - c._gate >= 0:
            c.pump(t * 1000, t)
    assert notes(rec) == [(490, "on", 0, 60, 90), (620, "off", 0, 60, 64), (620, "on", 0, 60, 90)]


def test_the_rate_is_the_last_pressed_of_the_held_buttons_else_the_latched_ones():
    rec, g, c, rep = _rig()
    eighth, fast = RepeatButton(rep, "1/8"), RepeatButton(rep, "1/32")
    latch = RepeatButton(rep, "1/4", latch=True)
    seen = []
    for b, down in ((eighth, True), (fast, True), (fast, False), (fast, True), (eighth, False),
                    (latch, True), (fast, False), (fast, True), (fast, False), (latch, True)):
        b.press(0) if down else b.release(0)
        seen.append((rep.rate, rep.hold, rep.latched))
    assert seen == [(12, 1, False), (3, 2, False), (12, 1, False), (3, 2, False), (3, 1, False),
                    (3, 1, True), (24, 0, True), (3, 1, True), (24, 0, True), (24, 0, False)]
    assert no_alloc(lambda: fast.press(1)) is None
    assert no_alloc(lambda: eighth.press(2)) is None
    assert no_alloc(lambda: fast.release(3)) is None
    assert (rep.rate, rep.hold) == (12, 1)


def test_with_no_clock_at_all_it_keeps_a_silent_one_of_its_own_that_midi_ins_clock_overrules():
    # no MIDI IN clock to 300 ms: the repeat's own ticks, every 20833 us (120 bpm) from the
    # first scan (0), nothing sent: 1/16 steps on its ticks 0, 6, 12 (20.833, 145.831,
    # 270.829 ms: the scans at 21, 146, 271), pad 1's own note at 8 too close to the first.
    # MIDI IN's clock from 300, every 25 ms to 575 (12 ticks), overrules it: its first tick
    # a beat's first (a step, but pad 1 played 29 ms before: waits), its sixth at 450 a
    # step. 200 ms after its last tick (775.001) the own clock goes on, counting on from
    # MIDI IN's 12 ticks (a step), at MIDI IN's tempo as measured: 6 periods on, and 12
    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    RepeatButton(rep, "1/16", latch=True).press(0)
    midi = {300 + 25 * k: [(0xF8, 0)] for k in range(12)}
    ons = _follow_run(rep, g, rec, 1100, midi)
    p = 20833
    for _ in range(11):
        p += (25000 - p) >> 2
    assert rep._period == p == 24822
    assert ons == [8, 146, 271, 450, 776, 924, 1073]
    assert (775001 + 6 * p) // 1000 == 923 and (775001 + 12 * p) // 1000 == 1072  # (the scans after)
    assert rep._n == 2 and not rep._seen  # (14 own ticks from 775.001 to 1100: 12 + 14, in 24)
    # nothing waits (no step late, no MIDI IN): it looks again when its next tick is due
    assert rep._next == 775001 + 14 * p == 1122509 and rep._gating and rep._gate == 1122
    # with no repeat on, its ticks go on (the count, for when one is) and play nothing
    rep.unlatch()
    rec.ev.clear()
    s = array("H", [0] * g.count)
    t = 1101
    while t < 1300:
        rec.now = t
        g.scan(s, t)
        if t - rep._gate >= 0:
            rep.pump(t * 1000, t)
        t += 1
    assert rec.ev == [(1123, "off", 9, 36, 64)] and rep._n == 10  # (pad 1's last note's gate)
    # a Start from MIDI IN (a device with no clock): the own clock's grid restarts, its next
    # tick a beat's first one period on (as a transport button's Start does)
    rep.midi_in(0xFA, 1300000, 1300, 1)
    assert rep._n == 0 and rep._src == 1 and rep._next == 1300000 + p and rep._gate == 1300
    # and it allocates nothing: a tick at 1400 (tick 0 since the Start: a step), at 1401
    # the next (late, one a scan)
    rep.toggle(6)
    assert no_alloc(lambda: rep.pump(1400000, 1400)) is None
    assert no_alloc(lambda: rep.pump(1401000, 1401)) is None


def _no_clock():
    # _rig's pads and sink in a controller being built with no clock_bpm (transport.build's)
    rec, g, c, _ = _rig()
    ctl = _Ctl(0)
    ctl.pads = g
    ctl.engine = rec
    rec.latches = ()
    return rec, g, ctl


def test_with_no_clock_bpm_a_tap_tempo_button_sets_the_own_clocks_tempo():
    # built before the note repeat button (build() makes the repeat for whichever comes
    # first; both share it): taps 400 ms apart, 150 bpm, a tick every 16666 us; 1/16 steps on
    # the own ticks 0, 6, 12, ... (16.666 ms, then every 99.996: the scans at 17, 117, 217,
    # 317, 417), pad 1's own note at 8 too close to the first
    rec, g, ctl = _no_clock()
    tap = transport.build(ctl, {"type": "tap_tempo"}, 0)
    b = transport.build(ctl, {"type": "note_repeat", "rate": "1/16", "latch": True, "swing": 50}, 0)
    rep = ctl.feedback[0x1000]._follow
    assert tap._clock is rep and b._rep is rep and ctl.feedback[0x1002] is rep and 0x1001 not in ctl.feedback
    for t in (0, 400, 800, 1200):
        tap.press(t)
    assert rep._period == 2500000 // 150 == 16666
    b.press(0)
    rep._gate = 0  # (build() set it to the time it was built: the first scan's)
    assert _follow_run(rep, g, rec, 500, {}) == [8, 117, 217, 317, 417]
    # 300 ms more: the mean of 400, 400 and 300, 163.6 bpm -> 164
    assert no_alloc(lambda: tap.press(1500)) is None and rep._period == 2500000 // 164


def test_with_no_clock_bpm_the_beat_light_shows_the_beat_the_repeat_steps_to():
    # the own clock's beat (its ticks at 20.833 ms + k * 20.833: lit at 0 of each 24, dark
    # at 4), then MIDI IN's from its first tick at 600 (a beat's first) every 25 ms, then
    # the own clock's again, counting on, 200 ms after MIDI IN's last (at 1175)
    from test_ctl_transport import Lamp, Silent

    rec, g, c, _ = _rig()
    rep = NoteRepeat(g, None)
    rep._led = Lamp(rec, False)  # (as transport.build gives it the board's)
    midi = {600 + 25 * k: [(0xF8, 0)] for k in range(24)}
    _follow_run(rep, g, rec, 1700, midi)
    p = 20833
    for _ in range(23):
        p += (25000 - p) >> 2
    assert (1375001 + 4 * p) // 1000 + 1 == 1475
    # (MIDI IN's first tick came while the own beat at 521 was lit: lit again, to its fifth)
    assert rep._led.seen == [(21, 1), (105, 0), (521, 1), (600, 1), (700, 0), (1376, 1), (1475, 0)]
    led = rep._led = Silent(True)
    rep._n = 0
    assert no_alloc(lambda: rep.midi_in(0xF8, 2000000, 2000, 0)) is None
    assert led.changes == 1


def test_a_transport_buttons_start_restarts_the_own_clocks_grid():
    # the own clock's ticks at 20.833 ms + k * 20.833; a Start button pressed at 300 ms
    # (no clock_bpm: the Start goes out, and the repeat's grid restarts): its next tick at
    # 320.833, a beat's first (a 1/8 step, 250 ms: pad 1, struck at 5, last played at 271,
    # waits there, half a step not gone), then 12 ticks on, 570.829 (without the restart:
    # 520.8); an MMC start and a Stop before it left the grid alone. While MIDI IN's clock
    # is followed, a Start leaves the count to it.
    rec, g, ctl = _no_clock()
    b = transport.build(ctl, {"type": "note_repeat", "rate": "1/8", "latch": True, "swing": 50}, 0)
    start = transport.build(ctl, {"type": "transport", "action": "start", "mmc": False, "device": 127}, 0)
    mmc = transport.build(ctl, {"type": "transport", "action": "start", "mmc": True, "device": 127}, 0)
    stop = transport.build(ctl, {"type": "transport", "action": "stop", "mmc": False, "device": 127}, 0)
    rep = b._rep
    rep._gate = 0  # (build() set it to the time it was built: the first scan's)
    b.press(0)
    now = [0]
    transport.ticks_us = lambda: now[0] * 1000  # (the board's clock, as the scan's)
    transport.ticks_ms = lambda: now[0]
    try:
        s = array("H", [0] * g.count)
        t = 0
        while t <= 600:
            now[0] = rec.now = t
            for i in range(g.count):
                s[i] = adc(piezo_level(t - 5, 0.5)) if i == 0 else 0
            g.scan(s, t)
            if t == 250:
                mmc.press(t)
                stop.press(t)
            if t == 300:
                start.press(t)
            if rep._gating and t - rep._gate >= 0:
                rep.pump(t * 1000, t)
            t += 1
        # 8: the strike; the own ticks 0 and 12 at 20.8 (too close) and 270.8; 570.829
        assert [e[0] for e in notes(rec) if e[1] == "on"] == [8, 271, 571]
        assert [e for e in rec.ev if e[1] not in ("on", "off")] == [(250, 0xF0), (250, 0xFC), (300, 0xFA)]
        rep.midi_in(0xF8, 700000, 700, 0)  # MIDI IN's clock, followed
        rep._n = 5
        now[0] = 710
        start.press(710)
        assert rep._n == 5  # (its count is MIDI IN's)
    finally:
        from midictl import compat

        transport.ticks_us = compat.ticks_us
        transport.ticks_ms = compat.ticks_ms
