# The smoothing shared by knobs and the bend stick: a 12-bit ADC reading in, a steady
# position out (an "anchor", in 1/16 ADC steps) that moves only when the control moves.
#
# Why this shape (RP2040 ADC): readings carry noise of up to +-24 steps here, and
# erratum RP2040-E11 (DNL spikes at codes 512, 1536, 2560, 3584) makes single codes
# near those points over- or under-populated, so a raw reading is never trusted alone.
# 1. Adaptive EMA in fixed point (1/16 steps): 1/16 of the difference while it is small
#    (resting, slow turning: noise averages out), 1/4 when it exceeds 64 steps and 1/2
#    beyond 256 (a fast turn is followed without lag). The E11 steps are a few codes
#    wide and are smoothed away like noise.
# 2. Follower hysteresis: the anchor stays put while the filtered value is within
#    +-hysteresis of it and is dragged along at that distance when it leaves. Turning
#    therefore moves the anchor continuously (every output step is passed), while
#    filtered noise, whose peak-to-peak stays well under 2 x hysteresis, moves nothing.
#    After 32 readings without movement the band doubles ("resting"), so slow creeping
#    of the noise extremes cannot nudge a resting knob across an output step either.
# 3. Ends: the anchor is clamped to the dead zones' edges, which are at least
#    hysteresis + 12 steps from 0 and 4095 so the anchor, trailing a resting end
#    reading by at most the hysteresis, is always at the edge: exact end values.
# The first 16 readings only prime the average (plain mean): nothing is sent at boot
# unless the owner asks for a report.

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


MOVED = const(1)
PRIMED = const(2)
_PRIME = const(16)
_QUIET = const(32)
_FAST = const(256 * 16)
_MID = const(64 * 16)


class AdcFilter:
    def __init__(self, deadzone=24, hysteresis=12):
        if deadzone < 0 or deadzone > 1000:
            raise ValueError("deadzone %r out of range 0..1000" % (deadzone,))
        if hysteresis < 1 or hysteresis > 256:
            raise ValueError("hysteresis %r out of range 1..256" % (hysteresis,))
        # the anchor trails the reading by up to `hysteresis`, and a resting reading at
        # an end sits ~6 steps inside it (noise clipped at 0 / 4095): the end zones are
        # at least hysteresis + 12 wide so that the ends are always reached
        edge = max(deadzone, hysteresis + 12)
        self._lo = edge << 4
        self._hi = (4095 - edge) << 4
        self._h = hysteresis << 4
        self._y = 0
        self.anchor = self._lo
        self._n = 0
        self._quiet = _QUIET

    def update(self, raw):
        """One 12-bit reading. Calls self._moved(PRIMED) once when priming ends (take
        the starting value, silently) and self._moved(MOVED) whenever the anchor
        moves, and returns what it called it with (0: nothing). Allocates nothing; a
        resting reading costs no further call."""
        y = self._y
        if self._n < _PRIME:
            # plain running mean of the first readings (y holds the sum meanwhile)
            self._n += 1
            y += raw << 4
            if self._n < _PRIME:
                self._y = y
                return 0
            y = self._y = y // _PRIME
            self.anchor = self._clamp(y)
            self._quiet = _QUIET
            self._moved(PRIMED)
            return PRIMED
        d = (raw << 4) - y
        if d > _FAST or d < -_FAST:
            y += d >> 1
        elif d > _MID or d < -_MID:
            y += d >> 2
        else:
            y += d >> 4
        self._y = y
        a = self.anchor
        h = self._h
        if self._quiet >= _QUIET:
            h += h
        if y > a + h:
            a = self._clamp(y - self._h)
        elif y < a - h:
            a = self._clamp(y + self._h)
        if a == self.anchor:
            if self._quiet < _QUIET:
                self._quiet += 1
            return 0
        self.anchor = a
        self._quiet = 0
        self._moved(MOVED)
        return MOVED

    def _moved(self, why):
        pass

    def _clamp(self, a):
        if a < self._lo:
            return self._lo
        if a > self._hi:
            return self._hi
        return a
