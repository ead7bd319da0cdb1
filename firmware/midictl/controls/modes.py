# Shared performance modes: octave and transpose for the pads, and the shift layer.
#
# Pads read `offset` when a note starts (never while it sounds: the Note Off always uses
# the note that was sent). Range rule, decided here: a change that would move any pad's
# note outside 0..127 is refused as a whole (the modes stay as they were and the method
# returns False), so a pad never goes silent or folds onto another pad's note because
# of an octave button. The pads register their lowest and highest base notes with
# `cover(lo, hi)` at boot. Octaves are further limited to +-octave_range (the config's
# "octave_range", default 4).
#
# `velocity`, when not 0, is the velocity every pad plays (a fixed_velocity button turns it
# on and off, as a drum machine's "full level"); read when a note starts, as `offset`.
#
# `shift` is True while the shift button is held. Controls with a second mapping look at
# it when they start (press, first detent) and keep what they started with until they
# end, so a control held across a layer change releases what it pressed.


class Modes:
    def __init__(self, octave_range=4):
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        checks.modes(octave_range)
        self.octave_range = octave_range
        self.octave = 0
        self.transpose = 0
        self.offset = 0
        self.shift = False
        self.velocity = 0
        self._lo = 127  # nothing covered yet: any offset in -127..127 allowed
        self._hi = 0

    def cover(self, lo_note, hi_note):
        """Widen the note range that must stay inside 0..127 (pads call this)."""
        from midictl.controls import checks

        checks.notes(lo_note, hi_note)
        self._lo = min(self._lo, lo_note)
        self._hi = max(self._hi, hi_note)

    def _fits(self, offset):
        if self._lo > self._hi:
            return -127 <= offset <= 127
        return self._lo + offset >= 0 and self._hi + offset <= 127

    def _set(self, octave, transpose):
        if octave < -self.octave_range or octave > self.octave_range:
            return False
        offset = 12 * octave + transpose
        if not self._fits(offset):
            return False
        self.octave = octave
        self.transpose = transpose
        self.offset = offset
        return True

    def octave_up(self):
        return self._set(self.octave + 1, self.transpose)

    def octave_down(self):
        return self._set(self.octave - 1, self.transpose)

    def transpose_up(self, step=1):
        return self._set(self.octave, self.transpose + step)

    def transpose_down(self, step=1):
        return self._set(self.octave, self.transpose - step)

    def reset(self):
        self._set(0, 0)


class LayerSink:
    """Forwards a continuous control's messages only while its layer is active, so a knob
    with a shift mapping drives one destination at a time. (The test is written out in
    each method: a helper call per message was a measurable part of a knob's turn.)"""

    def __init__(self, sink, modes, layer):
        self._sink = sink
        self._modes = modes
        self._layer = layer

    def cc(self, ch, n, v):
        if self._modes.shift == self._layer:
            self._sink.cc(ch, n, v)

    def cc14(self, ch, n, v):
        if self._modes.shift == self._layer:
            self._sink.cc14(ch, n, v)

    def nrpn(self, ch, n, v):
        if self._modes.shift == self._layer:
            self._sink.nrpn(ch, n, v)

    def channel_pressure(self, ch, v):
        if self._modes.shift == self._layer:
            self._sink.channel_pressure(ch, v)

    def bend(self, ch, v):
        if self._modes.shift == self._layer:
            self._sink.bend(ch, v)
