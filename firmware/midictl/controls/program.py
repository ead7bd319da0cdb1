# Program buttons (see buttons.py for what every button has): a fixed program, or program
# up/down, on the current program of a channel that its buttons share.
#
# Loaded by build.py only for a config with a program button.


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
