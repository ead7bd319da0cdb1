# Note and CC buttons (see buttons.py for what every button has). Shift layer (modes.py):
# a button with a second mapping (`shift=`) uses it when shift is held at the moment of
# the press, and its release sends the Note Off / CC off of the mapping it pressed with,
# whatever the layer is by then. A toggle keeps one on/off state per layer.
#
# Loaded by build.py only for a config with a note or CC button.


# the controllers that hold notes sounding after their Note Off: sustain, sostenuto, hold 2
_PEDALS = (64, 66, 69)


class _Layered:
    # mapping 0: (channel, number); mapping 1: the shift layer's, if any
    def __init__(self, sink, channel, number, modes, shift):
        self._sink = sink
        self._modes = modes
        self._ch = bytearray(2)
        self._num = bytearray(2)
        self._ch[0] = self._ch[1] = channel
        self._num[0] = self._num[1] = number
        if shift is not None:
            self._ch[1] = shift[0]
            self._num[1] = shift[1]
        self._has_shift = shift is not None
        self._layer = 0  # the layer of the press being held

    def _pick(self):
        m = self._modes
        self._layer = 1 if self._has_shift and m is not None and m.shift else 0
        return self._layer


class CCButton(_Layered):
    """Momentary CC (value on press, off_value on release) or toggle CC (each press
    flips between value and off_value; the release sends nothing)."""

    _kind = 0  # among UsbOut.knobs (build._usb_knobs), what a knob of Control Change is

    def __init__(self, sink, channel, number, value=127, off_value=0, toggle=False, modes=None,
                 shift=None):
        from midictl.controls import checks

        checks.cc_button(channel, number, value, off_value, shift)
        _Layered.__init__(self, sink, channel, number, modes, shift)
        self.on_value = value
        self.off_value = off_value
        self.toggle = toggle
        self.on = bytearray(2)  # toggle state per layer

    def press(self, now=0):
        k = self._pick()
        if self.toggle:
            self.on[k] ^= 1
            v = self.on_value if self.on[k] else self.off_value
        else:
            v = self.on_value
        self._sink.cc(self._ch[k], self._num[k], v)

    def release(self, now=0):
        if not self.toggle:
            k = self._layer
            self._sink.cc(self._ch[k], self._num[k], self.off_value)

    def holds_pedal(self):
        """A toggle on a pedal that keeps notes sounding (sustain, sostenuto, hold 2) in
        either layer, its value down (64 or more) and its off_value up: panic lets it up
        (Engine.latches)."""
        return self.toggle and self.on_value >= 64 > self.off_value and \
            (self._num[0] in _PEDALS or self._num[1] in _PEDALS)

    def unlatch(self):
        """Panic: in each layer where this toggle holds a pedal down, it lets it up (sends
        off_value), and the next press puts it down again."""
        k = 0
        while k < 2:
            if self.on[k] and self._num[k] in _PEDALS:
                self.on[k] = 0
                self._sink.cc(self._ch[k], self._num[k], self.off_value)
            k += 1


class NoteButton(_Layered):
    """Note On (fixed velocity) on press, the same note's Note Off on release. `held` and
    `_t` (the time of its last Note On, ms) are for a note repeat (repeat.py), which plays
    it again while it is held."""

    held = False

    def __init__(self, sink, channel, note, velocity=100, modes=None, shift=None):
        from midictl.controls import checks

        checks.note_button(channel, note, velocity, shift)
        _Layered.__init__(self, sink, channel, note, modes, shift)
        self.velocity = velocity
        self.held = False
        self._t = 0

    def press(self, now=0):
        k = self._pick()
        self.held = True
        self._t = now
        self._sink.note_on(self._ch[k], self._num[k], self.velocity)

    def release(self, now=0):
        k = self._layer
        self.held = False
        self._sink.note_off(self._ch[k], self._num[k], 64)
