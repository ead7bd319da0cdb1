# Program buttons (see buttons.py for what every button has): a fixed program, or program
# up/down, on the current program of a channel that its buttons share (build.py makes one
# Programs per channel): up after a fixed program's button goes on from that program, in
# its bank. A Program Change on the channel from MIDI IN (the synth's own preset changed
# on its panel, or the host's) is the channel's current program too (program_change()), and
# with it the bank MIDI IN selected before it (feedback(): Bank Select, CC 0 and 32).
#
# Loaded by build.py only for a config with a program button.


class Programs:
    """The current program of one channel, shared by its program buttons, and its bank:
    None, a plain Program Change; else Bank Select (CC0/CC32) before each Program Change.
    select() with a bank makes it the channel's current one."""

    _kind = 0  # among UsbOut.knobs (build._usb_knobs): its Program Change, as a knob's CC

    def __init__(self, sink, channel, program=0, bank=None, wrap=False):
        from midictl.controls import checks

        checks.programs(channel, program, bank)
        self._sink = sink
        self.channel = channel
        self.program = program
        self.bank = bank
        self.wrap = wrap
        self._next = -1  # the bank MIDI IN selected for its next Program Change (-1: none)

    def select(self, program, bank=-1):
        """bank: -1, the channel's current one; None, none; else 0..16383."""
        if program < 0 or program > 127:
            raise ValueError("program %r out of range 0..127" % (program,))
        if bank != -1:
            if bank is not None and (bank < 0 or bank > 16383):
                raise ValueError("bank %r out of range 0..16383" % (bank,))
            self.bank = bank
        self.program = program
        self._next = -1  # what the receiver held for its next Program Change is spent now
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

    def feedback(self, number, value, state):
        """Bank Select from MIDI IN on this channel (number 0: its MSB, 32: its LSB, value),
        which a receiver keeps for the next Program Change (MIDI 1.0): program_change() makes
        it the channel's bank, so up and down go on in the bank the receiver is in. (A
        channel whose buttons send no Bank Select, bank None, leaves the receiver's bank
        alone: nothing to follow.) Nothing is sent; allocates nothing."""
        if (number != 0 and number != 32) or value < 0 or value > 127:
            raise ValueError("Bank Select %r = %r: controller 0 or 32, value 0..127" % (number, value))
        if self.bank is not None:
            b = self._next if self._next >= 0 else self.bank
            self._next = (value << 7) | (b & 127) if number == 0 else (b & 0x3F80) | value
        return False

    def program_change(self, program):
        """A Program Change from MIDI IN on this channel: the current program from now on, for
        up and down (nothing is sent), in the bank MIDI IN selected before it, if it did. A
        receiver echoing the channel's own Program Change sets the program it already has.
        Allocates nothing."""
        if program < 0 or program > 127:
            raise ValueError("program %r out of range 0..127" % (program,))
        self.program = program
        if self._next >= 0:
            self.bank = self._next
            self._next = -1


class ProgramButton:
    """Fixed program (program=, in its bank: None, none; -1, the channel's current) or
    program up/down (step=+1/-1) on press."""

    def __init__(self, programs, program=None, step=0, bank=-1):
        from midictl.controls import checks

        checks.program_button(program, step)
        if bank != -1:
            checks.programs(programs.channel, 0, bank)
        self._programs = programs
        self._program = program
        self._step = step
        self._bank = bank

    def press(self, now=0):
        if self._program is not None:
            self._programs.select(self._program, self._bank)
        else:
            self._programs.step(self._step)

    def release(self, now=0):
        pass
