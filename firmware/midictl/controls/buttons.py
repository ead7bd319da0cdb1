# Buttons: what a debounced press and release (debounce.py) send.
#
# Each button has press(now_ms) and release(now_ms); the scan loop calls them for the
# bits a BitDebouncer reports changed. Shift layer (modes.py): a button with a second
# mapping (`shift=`) uses it when shift is held at the moment of the press, and its
# release sends the Note Off / CC off of the mapping it pressed with, whatever the
# layer is by then. A toggle keeps one on/off state per layer.
#
# The constructors' argument checks run at boot: they are in checks.py, which
# startup.unload_boot_modules() drops after boot (a constructor imports it again).


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


class NoteButton(_Layered):
    """Note On (fixed velocity) on press, the same note's Note Off on release."""

    def __init__(self, sink, channel, note, velocity=100, modes=None, shift=None):
        from midictl.controls import checks

        checks.note_button(channel, note, velocity, shift)
        _Layered.__init__(self, sink, channel, note, modes, shift)
        self.velocity = velocity

    def press(self, now=0):
        k = self._pick()
        self._sink.note_on(self._ch[k], self._num[k], self.velocity)

    def release(self, now=0):
        k = self._layer
        self._sink.note_off(self._ch[k], self._num[k], 0)


class Programs:
    """The current program of one channel, shared by its program buttons. bank None:
    plain Program Change; else Bank Select (CC0/CC32) before each Program Change."""

    def __init__(self, sink, channel, program=0, bank=None, wrap=False):
        from midictl.controls import checks

        checks.programs(channel, program, bank)
        self._sink = sink
        self.channel = channel
        self.program = program
        self.bank = bank
        self.wrap = wrap

    def select(self, program):
        if program < 0 or program > 127:
            raise ValueError("program %r out of range 0..127" % (program,))
        self.program = program
        if self.bank is None:
            self._sink.program(self.channel, program)
        else:
            self._sink.bank_program(self.channel, self.bank, program)

    def step(self, n):
        """Up (n > 0) or down; at the ends it stops (or wraps when wrap is set);
        nothing is sent when the program does not change."""
        p = self.program + n
        if p > 127:
            p = p - 128 if self.wrap else 127
        elif p < 0:
            p = p + 128 if self.wrap else 0
        if p != self.program:
            self.select(p)


class ProgramButton:
    """Fixed program (program=) or program up/down (step=+1/-1) on press."""

    def __init__(self, programs, program=None, step=0):
        from midictl.controls import checks

        checks.program_button(program, step)
        self._programs = programs
        self._program = program
        self._step = step

    def press(self, now=0):
        if self._program is not None:
            self._programs.select(self._program)
        else:
            self._programs.step(self._step)

    def release(self, now=0):
        pass


class ModeButton:
    """Octave/transpose up/down and shift act on a shared Modes; panic calls sink.panic().
    Octave and transpose change only notes started afterwards (pads keep what they sent)."""

    def __init__(self, modes, action, step=1, sink=None):
        from midictl.controls import checks

        self._modes = modes
        self._action = checks.mode_button(action, step, sink)  # index in checks.MODE_ACTIONS
        self._step = step
        self._sink = sink

    def press(self, now=0):
        a = self._action
        m = self._modes
        if a == 0:
            m.octave_up()
        elif a == 1:
            m.octave_down()
        elif a == 2:
            m.transpose_up(self._step)
        elif a == 3:
            m.transpose_down(self._step)
        elif a == 4:
            m.shift = True
        elif self._sink is not None:
            self._sink.panic()

    def release(self, now=0):
        if self._action == 4:
            self._modes.shift = False


def dispatch(buttons, changed, state, now):
    """Call press/release of buttons[i] for each bit i set in `changed` (state bit set:
    pressed). For the scan loop: allocates nothing."""
    for i in range(len(buttons)):
        m = 1 << i
        if changed & m:
            if state & m:
                buttons[i].press(now)
            else:
                buttons[i].release(now)
