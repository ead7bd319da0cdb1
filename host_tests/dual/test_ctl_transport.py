from dualtest import hexs, no_alloc, raises

from midictl.controls.transport import Clock, TapButton, Transport, TransportButton


class Wire:
    """A sink's raw(): keeps each message's bytes in a preallocated buffer (no allocation
    while a press runs), read back as text afterwards."""

    def __init__(self):
        self.buf = bytearray(64)
        self.lens = bytearray(16)
        self.count = 0
        self.used = 0

    def raw(self, msg, n, key=0):
        for i in range(n):
            self.buf[self.used + i] = msg[i]
        self.used += n
        self.lens[self.count] = n
        self.count += 1

    def sent(self):
        out = []
        at = 0
        for i in range(self.count):
            out.append(hexs(self.buf[at:at + self.lens[i]]))
            at += self.lens[i]
        self.count = self.used = 0
        return out


def press(b):
    b.press(0)
    b.release(0)


def test_real_time_start_stop_continue():
    w = Wire()
    t = Transport(w)
    start, stop, cont = (TransportButton(t, a) for a in ("start", "stop", "continue"))
    assert t.playing is False
    press(start)
    assert t.playing is True
    press(stop)
    assert t.playing is False
    press(cont)
    assert t.playing is True
    assert w.sent() == ["FA", "FC", "FB"]


def test_start_stop_follows_its_own_presses_and_the_other_buttons():
    w = Wire()
    t = Transport(w)
    toggle = TransportButton(t, "start_stop")
    stop = TransportButton(t, "stop")
    for b in (toggle, toggle, toggle, stop, toggle):
        press(b)
    assert w.sent() == ["FA", "FC", "FA", "FC", "FA"]


def test_mmc_play_stop_record_to_a_device():
    w = Wire()
    t = Transport(w)
    buttons = [TransportButton(t, a, mmc=True) for a in ("start", "stop", "continue", "start_stop", "record")]
    for b in buttons:
        press(b)
    # start and continue: Play (MMC has no "from the top"); start_stop after continue: Stop;
    # Record Strobe leaves the transport as it was (a punch in plays on)
    assert w.sent() == ["F0 7F 7F 06 02 F7", "F0 7F 7F 06 01 F7", "F0 7F 7F 06 02 F7", "F0 7F 7F 06 01 F7",
                        "F0 7F 7F 06 06 F7"]
    assert t.playing is False
    press(TransportButton(t, "start_stop", mmc=True, device=0x10))
    assert w.sent() == ["F0 7F 10 06 02 F7"]
    assert t.playing is True
    press(buttons[4])
    assert t.playing is True


def test_midi_in_sets_where_start_stop_goes_on_from():
    w = Wire()
    t = Transport(w)
    toggle = TransportButton(t, "start_stop")
    # (each press toggles too: Start from MIDI IN, then the press stops, and so on; a clock
    # byte, F8, changes nothing)
    for statuses, then in (((0xFA,), "FC"), ((0xFB,), "FC"), ((0xFA, 0xFC), "FA"), ((0xF8,), "FC"),
                           ((0xF8,), "FA")):
        for s in statuses:
            t.realtime(s, 0)
        press(toggle)
        assert w.sent() == [then], statuses
    # MMC from MIDI IN: Play and Deferred Play play, Stop and Pause stop, the rest nothing
    for command, playing in ((2, True), (1, False), (3, True), (9, False), (4, False), (6, False)):
        t.mmc(command)
        assert t.playing is playing, command


def test_a_press_and_midi_in_allocate_nothing():
    w = Wire()
    t = Transport(w)
    rt = TransportButton(t, "start_stop")
    mmc = TransportButton(t, "start_stop", mmc=True, device=3)
    assert no_alloc(lambda: rt.press(5)) is None
    assert no_alloc(lambda: mmc.press(6)) is None
    assert no_alloc(lambda: t.realtime(0xFA, 0)) is None
    assert no_alloc(lambda: t.mmc(1)) is None
    assert w.sent() == ["FA", "F0 7F 03 06 01 F7"]


def test_bad_arguments_are_refused_by_name():
    t = Transport(Wire())
    assert str(raises(ValueError, TransportButton, t, "play")) == (
        "action 'play' is not one of start, stop, continue, start_stop, record")
    assert str(raises(ValueError, TransportButton, t, "record")) == (
        "action 'record' needs mmc (MIDI's real-time messages have no record)")
    for d in (-1, 128):
        assert str(raises(ValueError, TransportButton, t, "stop", True, d)) == "device %d out of range 0..127" % d


class Ticks:
    """A sink's raw() that notes when each clock tick was sent (the time set before a pump)."""

    def __init__(self):
        self.now = 0
        self.at = []
        self.msgs = []

    def raw(self, msg, n, key=0):
        self.at.append(self.now)
        self.msgs.append(hexs(msg, n))


def run_clock(c, sink, until_us, scan_us=1000, start=0):
    # the scan loop's part: pump while no grid runs or a tick is due, one call a scan
    t = start
    while t <= until_us:
        sink.now = t
        if not c._gating or t - c._gate >= 0:
            c.pump(t)
        t += scan_us


def test_the_clock_ticks_24_a_beat_on_a_grid_without_drift():
    s = Ticks()
    c = Clock(s, 120)  # 20833.33 us a tick: the grid at 20833, 41666, 62500, ...
    run_clock(c, s, 1000000, scan_us=1)  # (a scan every us: the grid itself)
    assert s.msgs == ["F8"] * 48  # two beats a second at 120 bpm
    assert s.at[:4] == [20833, 41666, 62500, 83333]
    assert s.at[-1] == 1000000  # the 48th tick, on time after a second: no drift
    s2 = Ticks()
    c2 = Clock(s2, 133)  # 18796.99 us
    run_clock(c2, s2, 60000000, scan_us=1000)
    assert len(s2.at) == 133 * 24  # a minute: 133 beats of 24 ticks
    # on a 1 ms scan each tick leaves at the first scan at or after its time
    assert s2.at[:3] == [19000, 38000, 57000] and s2.at[-1] == 60000000


def test_a_start_restarts_the_grid_a_period_after_it():
    s = Ticks()
    c = Clock(s, 120)
    t = Transport(s, c)
    start = TransportButton(t, "start")
    stop = TransportButton(t, "stop")
    run_clock(c, s, 50000)
    s.now = 50000
    start.press(50)  # between the ticks at 42 and 63 ms
    run_clock(c, s, 120000, start=50000)  # (the same scan: the grid restarts from 50 ms)
    assert list(zip(s.at, s.msgs)) == [(21000, "F8"), (42000, "F8"), (50000, "FA"), (71000, "F8"), (92000, "F8"),
                                       (113000, "F8")]
    s.now = 120000
    stop.press(120)  # a stop leaves the grid alone: a master's clock runs on, stopped or not
    run_clock(c, s, 160000, start=120000)
    assert list(zip(s.at, s.msgs))[6:] == [(120000, "FC"), (134000, "F8"), (155000, "F8")]
    s.now = 160000
    TransportButton(t, "start", mmc=True).press(160)  # MMC Play: for a DAW; the grid goes on
    run_clock(c, s, 200000, start=160000)
    assert list(zip(s.at, s.msgs))[9:] == [(160000, "F0 7F 7F 06 02 F7"), (175000, "F8"), (196000, "F8")]


def test_ticks_missed_go_one_a_scan_unless_far_behind():
    s = Ticks()
    c = Clock(s, 300)  # 8333.33 us
    run_clock(c, s, 9000)
    assert s.at == [9000]
    run_clock(c, s, 40000, start=35000)  # held up from 9 to 35 ms: 3 ticks due (16.7, 25, 33.3)
    assert s.at[:4] == [9000, 35000, 36000, 37000]  # caught up, one a scan, then on the grid
    assert s.at[4:] == []  # (the next, 41.7 ms, after the run)
    s3 = Ticks()
    c3 = Clock(s3, 300)
    run_clock(c3, s3, 9000)
    run_clock(c3, s3, 70000, start=60000)  # held up for 51 ms: more than 4 ticks behind
    assert s3.at == [9000, 60000, 69000]  # one tick, then a grid from then (60 + 8.3)


def test_the_tempo_changes_from_the_next_tick_and_is_refused_out_of_range():
    s = Ticks()
    c = Clock(s, 120)
    run_clock(c, s, 21000)
    c.tempo(60)
    run_clock(c, s, 150000, start=22000)
    assert s.at == [21000, 42000, 84000, 125000]  # the tick due at 41.7 ms, then every 41.7 ms
    for bpm in (19, 301):
        assert str(raises(ValueError, c.tempo, bpm)) == "bpm %d out of range 20..300" % bpm
        assert str(raises(ValueError, Clock, s, bpm)) == "bpm %d out of range 20..300" % bpm
    assert c.bpm == 60


def test_tap_tempo_from_the_last_three_intervals():
    c = Clock(Ticks(), 120)
    tap = TapButton(c)
    seen = []
    for t in (1000, 1500, 2000, 2600, 3100, 3500, 3900, 4300):
        tap.press(t)
        tap.release(t)
        seen.append(c.bpm)
    # the first tap alone sets nothing; 500 ms = 120; then the mean of up to three
    # intervals: (500 + 500 + 600) / 3 = 533.3 ms = 112.5 -> 113 (rounded); 500, 600 and
    # 500 -> 113 again; 600, 500, 400 -> 120; 500, 400, 400 -> 138; 400 x 3 -> 150
    assert seen == [120, 120, 120, 113, 113, 120, 138, 150]
    tap.press(8000)  # more than 3 s after the last: counting starts again
    assert c.bpm == 150
    tap.press(8200)  # 200 ms: 300 bpm
    assert c.bpm == 300
    tap.press(8300)  # 150 ms between the last two, 100 now: 600 bpm and more, held at 300
    assert c.bpm == 300
    tap.press(11300)
    tap.press(14300)  # 3 s twice: the mean of 100, 3000 and 3000 ms, 29.5 bpm -> 30
    assert c.bpm == 30
    tap.press(20000)  # (starts again)
    tap.press(23000)  # 3 s alone: 20 bpm
    assert c.bpm == 20
    assert str(raises(ValueError, TapButton, None)) == "tap tempo needs a clock (clock_bpm)"


def test_the_clock_and_a_tap_allocate_nothing():
    s = Wire()
    c = Clock(s, 97)
    tap = TapButton(c)
    assert no_alloc(lambda: c.pump(0)) is None  # the grid starts
    assert no_alloc(lambda: c.pump(30000)) is None  # a tick
    assert no_alloc(lambda: c.pump(31000)) is None
    assert no_alloc(lambda: tap.press(100)) is None
    assert no_alloc(lambda: tap.press(600)) is None
    assert c.bpm == 120
    assert s.sent() == ["F8", "F8"]


class Lamp:
    """A beat light: a Pin's value() (pixel=False) or a NeoPixel's item 0 and write(), each
    change noted with the time the sink last had (Ticks.now)."""

    def __init__(self, clock_sink, pixel):
        self.sink = clock_sink
        self.seen = []
        self.px = (0, 0, 0)
        if pixel:
            self.write = self._write

    def value(self, v):
        self.seen.append((self.sink.now, v))

    def __setitem__(self, i, v):
        self.px = v

    def _write(self):
        self.seen.append((self.sink.now, self.px))


def test_the_beat_light_is_lit_for_the_first_4_ticks_of_each_beat_from_the_grids_start():
    for pixel, lit, dark in ((False, 1, 0), (True, (0, 40, 0), (0, 0, 0))):
        s = Ticks()
        lamp = Lamp(s, pixel)
        c = Clock(s, 120, lamp)
        t = Transport(s, c)
        run_clock(c, s, 1100000)
        # ticks at 20.8 ms + k * 20.8: lit at the first of each 24 (a beat, 500 ms), dark at
        # the fifth (83.3 ms later)
        assert lamp.seen == [(21000, lit), (105000, dark), (521000, lit), (605000, dark), (1021000, lit)], pixel
        s.now = 1050000
        TransportButton(t, "start").press(1050)  # a Start: the next beat starts a period on
        run_clock(c, s, 1200000, start=1050000)
        assert lamp.seen[5:] == [(1071000, lit), (1155000, dark)], pixel


def _beat_light_without_allocating(pixel):
    led = Silent(pixel)
    c = Clock(Wire(), 120, led)
    c.pump(0)
    assert no_alloc(lambda: c.pump(21000)) is None  # lit
    for k in range(2, 5):
        c.pump(k * 21000)
    assert no_alloc(lambda: c.pump(105000)) is None  # dark
    return led.changes


def test_the_beat_light_allocates_nothing():
    assert [_beat_light_without_allocating(pixel) for pixel in (False, True)] == [2, 2]


class Silent:
    """A beat light that counts its changes without allocating."""

    def __init__(self, pixel):
        self.changes = 0
        if pixel:
            self.write = self._write

    def value(self, v):
        self.changes += 1

    def __setitem__(self, i, v):
        pass

    def _write(self):
        self.changes += 1
