# Pitch-bend stick (spring-return joystick axis or wheel): 12-bit reading -> 14-bit bend.
#
# Smoothing and the end dead zones as for knobs (adcfilter.py). Mapping of the anchor a:
#   inside centre +- centre_deadzone      -> exactly 8192 (a spring never centres exactly)
#   end dead zone .. centre zone, below   -> 0 .. 8192, linear
#   centre zone .. end dead zone, above   -> 8192 .. 16383, linear
# so each half is rescaled from the edge of the centre zone (no jump leaving it), the
# ends give exactly 0 and 16383, and the output is monotonic in the position. Inverting
# mirrors the position (and the centre) before mapping, so the ends stay exact.
# Only changed values are sent. A stick read every scan (1 kHz) can change at up to
# 1 kHz while moving: the DIN port's coalescing keeps only the latest bend per channel.

from midictl.controls.adcfilter import PRIMED, AdcFilter, edges

_CENTRE = 8192
_FINE = const(0x10000)  # adcfilter.py's: a 14-bit output's filter follows a bend closer


class Stick(AdcFilter):
    def __init__(self, sink, channel, centre=2048, centre_deadzone=80, deadzone=24, invert=False,
                 hysteresis=12, banked=False):
        """banked: as for Knob, a FilterBank runs the filter; the stick keeps no filter state."""
        from midictl.controls import checks  # (boot-time code: see checks.py)

        checks.stick(channel, centre_deadzone, deadzone, hysteresis, centre)
        if banked:
            self._lo, self._hi = edges(deadzone, hysteresis)
        else:
            AdcFilter.__init__(self, deadzone, hysteresis)
            self._h |= _FINE
        if invert:
            centre = 4095 - centre
        self._sink = sink
        self.channel = channel
        self._invert = invert
        self._cl = (centre - centre_deadzone) << 4  # centre zone, 1/16 steps
        self._cu = (centre + centre_deadzone) << 4
        self.value = _CENTRE

    def _position(self, a):
        if self._invert:
            a = self._lo + self._hi - a
        if a < self._cl:
            d = self._cl - self._lo
            return ((a - self._lo) * _CENTRE + (d >> 1)) // d
        if a > self._cu:
            d = self._hi - self._cu
            return _CENTRE + ((a - self._cu) * (16383 - _CENTRE) + (d >> 1)) // d
        return _CENTRE

    # update(raw): one 12-bit reading every scan (AdcFilter.update)

    def _moved(self, r, a):
        v = self._position(a)
        if r == PRIMED:
            self.value = v
        elif v != self.value:
            self.value = v
            self._sink.bend(self.channel, v)
