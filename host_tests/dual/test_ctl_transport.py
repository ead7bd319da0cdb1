from dualtest import hexs, no_alloc, raises

from midictl.controls.transport import Transport, TransportButton


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
            t.realtime(s)
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
    assert no_alloc(lambda: t.realtime(0xFA)) is None
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
