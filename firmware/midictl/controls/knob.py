# Pots, faders and expression inputs: one 12-bit reading per call -> CC, 14-bit CC,
# NRPN or channel pressure. Smoothing and ends: adcfilter.py.
#
# Output: the anchor's position between the two dead zones is scaled linearly onto
# min..max (inverted: max..min), so the ends give exactly min and max; a value is sent
# only when it differs from the last one sent (never the same value twice in a row).
# On a slow turn the anchor moves in steps smaller than one 7-bit step, so every CC
# value is passed; 14-bit outputs move in steps of about 4 (the ADC has 12 bits).
#
# Soft takeover (pickup), optional: after set_remote(v) (the receiver's value, e.g. from
# MIDI IN or a preset change) the knob sends nothing until its own value reaches or
# crosses v, so the parameter does not jump (a v outside the knob's min..max: once it
# reaches the nearer end). Without a remote value it sends at once. A knob with a shift
# layer takes its own last value the same way: while the other layer plays (the same pot
# turned for it), its receiver keeps what it was sent last, and the knob picks that up when
# its layer plays again, instead of jumping to where the pot now is.
# From MIDI IN, feedback(): a 14-bit knob's remote value is its MSB and LSB as MIDI 1.0
# pairs them (controller n and n + 32), not the 7-bit MSB alone; an NRPN knob's is its
# parameter's Data Entry MSB and LSB, put together by its channel's NrpnIn (nrpnin.py). And
# it counts only while the knob rests: arriving while the knob is being turned, it is the
# receiver echoing what the knob sent a few ms before and has since moved past, and waiting
# for that value would leave the knob silent for the rest of the turn. The player's hand wins;
# with the config's thru "drop_echoes" such an echo is not passed on to the other port either
# (app.py), where it is a stale value in the middle of the knob's own sweep.
#
# Reads come round-robin from the scan plan (mux.py), >= 100 per second per knob; the
# filter counts readings, not milliseconds, so the update rate sets its time constants
# (adcfilter.py: 1/16 of a small difference at rest, 1/8 for 8 readings after a move,
# 1/4 to 3/4 of a larger one).

from midictl.controls.adcfilter import PRIMED, AdcFilter, edges
from midictl.controls.modes import LayerSink

# the kinds, as numbered in checks.KNOB_KINDS ("cc", "cc14", "nrpn", "channel_pressure")
_CC = const(0)
_CC14 = const(1)
_NRPN = const(2)
_PRESSURE = const(3)
_VALUE_MAX = (127, 16383, 16383, 127)
# adcfilter.py's: a filter's ints in FilterBank.state, where among them its quiet count is
# (readings since its anchor last moved), and the count from which the knob rests
_STRIDE = const(8)
_AT_QUIET = const(3)
_QUIET = const(32)
_TOP = const(4095 << 4)  # (the top reading in 1/16 steps: edges() puts hi at _TOP - lo)
# _remote: the receiver's value (-1: not known), with this bit while the knob waits to pick
# it up (soft takeover): one attribute for the two (adcfilter.py's native run tests it too)
_WAITING = const(0x10000)
_VALUE = const(0xFFFF)


class Knob(AdcFilter):
    # The attributes most knobs share are the class's, and an instance holds one only when
    # it differs: a banked 7-bit CC knob with the default dead zone keeps 7 (its filter's
    # state is the bank's, the anchor comes with each _moved(), the span follows from _lo,
    # whether it waits to take over is a bit of _remote), in an 8-slot instance table, with
    # a slot to spare (a full table makes every lookup that misses it, such as a method's or
    # one of these, probe all its slots; build.py grows a knob's that is full). 17 slots, as
    # before, took 160 bytes more a knob on the host's port, 80 on the chip.
    takeover = False
    min = 0
    max = 127
    _invert = False
    _kind = _CC
    _lo = 24 << 4  # (edges(24, 12)[0]: the config's default dead zone)
    # Where this knob's filter is in the controller's FilterBank (build.py sets it once the
    # bank is finished: the 7th attribute of a banked knob); -1: its own filter (update()).
    _e = -1

    def __init__(self, sink, channel, number=0, kind="cc", min=0, max=None, invert=False,
                 takeover=False, deadzone=24, hysteresis=12, banked=False):
        """banked: a FilterBank runs this knob's filter (build.py gives it one of its own)
        and passes the anchor to each _moved(): the knob keeps no filter state and
        update() is not for it."""
        from midictl.controls import checks  # (boot-time code: see checks.py)

        k, max = checks.knob(kind, channel, number, min, max, _VALUE_MAX)
        if banked:
            lo = edges(deadzone, hysteresis)[0]  # (checks deadzone and hysteresis)
            if lo != Knob._lo:
                self._lo = lo
        else:
            AdcFilter.__init__(self, deadzone, hysteresis)
        self._sink = sink
        if k:
            self._kind = k
        self.channel = channel
        self.number = number
        if min:
            self.min = min
        if max != 127:
            self.max = max
        if invert:
            self._invert = True
        if takeover:
            self.takeover = True
        self.value = -1  # last value sent (or known to the receiver), -1: none
        self._local = -1  # where the knob is, in output units
        self._remote = -1  # (| _WAITING)

    # update(raw): one 12-bit reading per scan-plan visit (AdcFilter.update)

    def _moved(self, r, a):
        # The anchor a between the dead zones, scaled onto min..max: its span in 1/4 ADC steps
        # (lo to _TOP - lo) keeps value * span below 2**30. (Few locals: a frame of more than
        # 11 slots comes from the heap on every call, see Engine._out.)
        span = (_TOP - self._lo - self._lo) >> 2
        v = (((a - self._lo) >> 2) * (self.max - self.min) + (span >> 1)) // span
        v = self.max - v if self._invert else self.min + v
        prev = self._local
        self._local = v
        if r == PRIMED:
            if self._remote < 0:
                self.value = v
            return
        if self.takeover and type(self._sink) is LayerSink and self._sink._modes.shift != self._sink._layer:
            # its layer does not play (the pot turned for the other): the receiver keeps
            # the value sent last, to be picked up when the layer plays again
            if v != self.value and self.value >= 0:
                self._remote = self.value | _WAITING
            return
        if self._remote >= _WAITING and not self._picked_up(prev, v):
            return
        if v != self.value:
            if self._kind == _CC:  # _send(v), without the call for the usual kind
                self.value = v
                self._sink.cc(self.channel, self.number, v)
            else:
                self._send(v)

    def _picked_up(self, prev, v):
        # Soft takeover: the knob, moving from prev to v, reached or crossed the receiver's
        # value. One outside this knob's min..max is picked up at the nearer end, the closest
        # the knob can come (waiting for the value itself, it never would).
        t = self._remote & _VALUE
        if t < self.min:
            t = self.min
        elif t > self.max:
            t = self.max
        if not (prev <= t <= v or v <= t <= prev):
            return False
        self._remote &= _VALUE  # (no longer waiting)
        return True

    def _send(self, v):
        self.value = v
        k = self._kind
        if k == _CC:
            self._sink.cc(self.channel, self.number, v)
        elif k == _CC14:
            self._sink.cc14(self.channel, self.number, v)
        elif k == _NRPN:
            self._sink.nrpn(self.channel, self.number, v)
        else:
            self._sink.channel_pressure(self.channel, v)

    def set_remote(self, value):
        """The receiver's current value (MIDI IN feedback, preset load)."""
        if value < 0 or value > _VALUE_MAX[self._kind]:
            raise ValueError("value %r out of range 0..%d" % (value, _VALUE_MAX[self._kind]))
        self._remote = value | _WAITING if self.takeover and value != self._local else value
        self.value = value

    def feedback(self, number, value, state):
        """A Control Change from MIDI IN on this knob's controller `number` (for a 14-bit
        knob: its MSB, number + 32 its LSB) with 7-bit `value`, the receiver's (an NRPN
        knob: its parameter's 14-bit value, from its NrpnIn): passed to set_remote() in
        this knob's units, unless the knob is being turned (its anchor
        moved within its last _QUIET readings). state: the FilterBank's state array, which
        holds this knob's filter when self._e is not -1. Returns True when the value is
        taken as an echo (which the caller then passes on nowhere, with drop_echoes).
        Allocates nothing."""
        e = self._e
        if (state[e * _STRIDE + _AT_QUIET] if e >= 0 else self._quiet) < _QUIET:
            return True  # the receiver echoing this knob's own messages: the hand wins
        if self._kind == _CC14:
            if number == self.number:
                value <<= 7  # MIDI 1.0: a new MSB resets the LSB
            elif self._remote < 0:
                return False  # an LSB before any MSB: nothing to complete
            else:
                # completes the receiver's MSB: the one it sent last, or the knob's own if the
                # knob has sent since (value: the last known to the receiver)
                value |= self.value & 0x3F80
        self.set_remote(value)
        return False

    def report(self):
        """Send the current position (e.g. "report pots at boot"); ends any takeover wait."""
        if self._local < 0:
            return False  # not primed yet: no position to report
        if self._remote >= 0:
            self._remote &= _VALUE
        self._send(self._local)
        return True
