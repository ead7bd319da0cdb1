# Rotary encoders: a table-driven quadrature decoder and the CC outputs that use it.
#
# Decoder. Pin levels (A, B) form a 2-bit state; the table says, for every (old, new)
# pair, +1 (clockwise step), -1 (counter-clockwise) or 0 (no change, or both pins
# changed at once: an invalid jump whose direction is unknowable, so it is ignored).
# Clockwise is A leading B: (A,B) 00 -> 10 -> 11 -> 01 -> 00 (the simulator's order).
# Contact bounce on one pin gives +1 -1 +1 ... which cancels out. Steps are summed and a
# detent is counted only when the pins come to rest in a detent state (00 for 4 steps
# per detent; 00 and 11 for 2; every state for 1), rounding the sum to whole detents
# (at least half a detent of steps in one direction counts as one), then the sum
# restarts: missed steps never flip the direction, and bounce at rest adds nothing.
#
# poll(a, b) (scan loop) and edge(a, b) (pin-change IRQ, hard IRQs allowed) are the same
# code: it only reads and writes ints. take() is lock-free against the IRQ: edge() only
# writes the wrapping total `_count` (then sets `moved`), take() only writes `_taken`.

from midictl.compat import ticks_diff, ticks_ms

# index: old << 2 | new, state = A << 1 | B; value + 1 (0: -1, 1: none, 2: +1)
_STEP = b"\x01\x00\x02\x01\x02\x01\x01\x00\x00\x01\x01\x02\x01\x02\x00\x01"
_WRAP = const(0xFFFF)
_HALF = const(0x8000)

# relative encodings, as numbered in checks.ENCODINGS
_TWOS = const(0)
_OFFSET = const(1)
_SIGN_MAG = const(2)
# MIDI IN feedback within this many ms of a detent is the receiver echoing the encoder's own
# messages (a host's round trip is a few ms to a few tens): the hand wins, as for a knob
_ECHO_MS = const(300)


class Quadrature:
    def __init__(self, steps_per_detent=4, a=0, b=0):
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        checks.quadrature(steps_per_detent)
        self.steps_per_detent = steps_per_detent
        self._state = (2 if a else 0) | (1 if b else 0)
        self._steps = 0
        self._count = 0
        self._taken = 0
        # set to 1 whenever a detent is counted; the scan loop clears it and looks at its
        # encoders only while it is set (build.py gives every encoder the same one)
        self.moved = bytearray(1)

    def poll(self, a, b):
        new = (2 if a else 0) | (1 if b else 0)
        old = self._state
        if new == old:
            return
        self._state = new
        s = self._steps + _STEP[old << 2 | new] - 1
        per = self.steps_per_detent
        # detent (rest) states: 00 always; 11 too at 2 steps per detent; all at 1
        if per == 4 and new != 0 or per == 2 and new != 0 and new != 3:
            self._steps = s
            return
        self._steps = 0
        half = per >> 1
        if s > 0:
            d = (s + half) // per
        else:
            d = -((half - s) // per)
        if d:
            self._count = (self._count + d) & _WRAP
            self.moved[0] = 1

    edge = poll

    def take(self):
        """Detents since the last take(), signed (+ clockwise)."""
        c = self._count
        d = ((c - self._taken + _HALF) & _WRAP) - _HALF
        self._taken = c
        return d


class EncoderCC:
    """Relative or absolute CC from a Quadrature. update(now_ms) once per scan.

    relative encodings of a signed step n (|n| <= 63): twos_complement n & 0x7F (+1 = 01,
    -1 = 7F); offset 64 + n; sign_magnitude n, or 0x40 | -n when negative. absolute:
    the value moves by n, clamped to min..max, sent when it changes.
    accel: list of (ms, factor) pairs, shortest interval first: a detent arriving within
    ms of the previous one counts factor times (off when None)."""

    # What it sends, as Knob._kind says it (a CC): an absolute one's controllers, each layer's,
    # are among those whose value a USB host that missed it is sent again (UsbOut.knobs)
    _kind = 0
    # What most encoders share is the class's, and an instance holds it only when it
    # differs: every attribute more fills the instance's table further (see shift_value).
    relative = True
    min = 0
    max = 127
    _modes = None
    _shift = None
    _ms = b""  # no acceleration
    _factor = b""

    def __init__(self, sink, quadrature, channel, number, relative=True, encoding="twos_complement",
                 min=0, max=127, value=0, accel=None, modes=None, shift=None):
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        self._enc = checks.encoder_cc(channel, number, encoding, min, max, value, shift, accel)
        self._sink = sink
        self._q = quadrature
        self.channel = channel
        self.number = number
        if not relative:
            self.relative = False
        if min:
            self.min = min
        if max != 127:
            self.max = max
        self.value = value
        if modes is not None:
            self._modes = modes
        # a shift mapping on the main layer's own channel and controller is the same
        # parameter: one value, as without one
        if shift is not None and tuple(shift) != (channel, number):
            self._shift = shift
        # absolute with a shift layer: that layer's value, its own parameter's (from value, as the
        # main layer's). Only such an encoder holds it: each attribute more fills the instance's
        # table further, and a full one slows every method call (build.spare_slots).
        if self._shift is not None and not relative:
            self.shift_value = value
        if accel:
            self._ms = bytearray([p[0] for p in accel])
            self._factor = bytearray([p[1] for p in accel])
        self._last = 0
        self._idle = True  # no detent yet: the first one is not accelerated

    def update(self, now):
        q = self._q
        if q._count == q._taken:
            return  # not turned: the common case, no call
        d = q.take()
        if d:
            self._turned(d, now)

    # (update() runs every scan, _turned() and what it calls once a detent; each keeps few
    # locals: MicroPython gives a function whose frame has more than 11 slots, locals and
    # stack, that frame from the heap on every call, allocated and freed again (see
    # Engine._out); on a heap as full as the controller's that cost 0.85 us a call.)
    def _turned(self, d, now):
        if len(self._ms) and not self._idle:
            d = self._accel(d, ticks_diff(now, self._last))
        self._last = now  # (feedback() reads it too)
        self._idle = False
        sh = self._shift
        if sh is not None and self._modes is not None and self._modes.shift:
            self._send(sh[0], sh[1], d, True)
        else:
            self._send(self.channel, self.number, d, False)

    def _accel(self, d, dt):
        # dt ms since the previous detent: the first (ms, factor) step it is under
        for i in range(len(self._ms)):
            if dt < self._ms[i]:
                return d * self._factor[i]
        return d

    def _send(self, ch, num, d, layer):
        if self.relative:
            if d > 63:
                d = 63
            elif d < -63:
                d = -63
            if self._enc == _TWOS:
                d &= 0x7F
            elif self._enc == _OFFSET:
                d += 64
            elif d < 0:
                d = 0x40 | -d
            self._sink.cc(ch, num, d)
            return
        was = self.shift_value if layer else self.value  # each layer counts its own
        d += was
        if d < self.min:
            d = self.min
        elif d > self.max:
            d = self.max
        if d != was:
            if layer:
                self.shift_value = d
            else:
                self.value = d
            self._sink.cc(ch, num, d)

    def set_remote(self, value):
        """Absolute mode: the receiver's value (MIDI IN feedback)."""
        if value < self.min or value > self.max:
            raise ValueError("value %r out of range %d..%d" % (value, self.min, self.max))
        self.value = value

    def feedback(self, number, value, state, shifted=False):
        """Absolute mode: a Control Change from MIDI IN on this encoder's own controller (the
        main layer's; shifted: the shift layer's, through ShiftFeedback) with the receiver's
        `value`, from which that layer's next detent counts, so the parameter does not jump
        back to where the encoder last left it (a value outside min..max: from the nearer
        end). Within _ECHO_MS of a detent it is the receiver echoing the encoder's own
        messages and changes nothing: returns True then (the caller passes it on nowhere,
        with drop_echoes), as Knob.feedback does. Allocates nothing."""
        if not self._idle and ticks_diff(ticks_ms(), self._last) < _ECHO_MS:
            return True
        v = self.min if value < self.min else self.max if value > self.max else value
        if shifted:
            self.shift_value = v
        else:
            self.value = v
        return False


class ShiftFeedback:
    """MIDI IN feedback for an absolute encoder's shift layer, under its controller (build.py):
    the receiver's value of the shift layer's parameter."""

    def __init__(self, encoder):
        self._e = encoder

    def feedback(self, number, value, state):
        return self._e.feedback(number, value, state, True)


DEFAULT_ACCEL = ((15, 4), (40, 2))  # < 15 ms between detents x4, < 40 ms x2
