# Switch debouncing, eager: the first edge is reported at once (no added latency on a
# note), then the contact is ignored for a lockout, then its level is re-checked.
#
# Why 6 ms by default: contacts of tact switches and pad switches bounce for up to
# ~5 ms (the simulator models up to 5 ms of 0.05..1 ms toggles). Timestamps are whole
# milliseconds from ticks_ms(), so an edge at 10.9 ms is stamped 10: one more ms of
# lockout covers that truncation. A release that happens inside the lockout is not
# lost: it is seen at the re-check when the lockout ends.
#
# A lockout is held as a flag plus a start time (not only a time) so that a switch left
# alone for longer than half the ticks period cannot look "still locked" after a wrap.

from midictl.compat import ticks_diff

PRESS = const(1)
RELEASE = const(-1)
_MAX_BITS = const(30)  # bitmaps stay small ints on the rp2 port (31-bit signed)


class Debouncer:
    """One switch. update(level, now_ms) -> PRESS, RELEASE or 0; `pressed` is the state.
    level is the raw pin level (truthy = high); active_low: pressed when the pin is low
    (the default wiring: switch to ground, internal pull-up)."""

    def __init__(self, lockout_ms=6, active_low=True):
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        checks.lockout(lockout_ms)
        self.lockout_ms = lockout_ms
        self._invert = 1 if active_low else 0
        self.pressed = False
        self._locked = False
        self._t = 0

    def update(self, level, now_ms):
        if self._locked:
            if ticks_diff(now_ms, self._t) < self.lockout_ms:
                return 0
            self._locked = False
        down = (1 if level else 0) ^ self._invert
        if down == self.pressed:
            return 0
        self.pressed = not self.pressed
        self._locked = True
        self._t = now_ms
        return PRESS if down else RELEASE


class BitDebouncer:
    """Up to 30 switches as one bitmap (bit i = switch i).

    update(bits, now_ms) -> mask of switches whose debounced state changed this call;
    `state` is the debounced bitmap (1 = pressed). active_low applies to every bit; pass
    low_mask instead to say which bits are active-low (the others are active-high)."""

    def __init__(self, count, lockout_ms=6, active_low=True, low_mask=None):
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        checks.bit_debouncer(count, _MAX_BITS, lockout_ms)
        self.count = count
        self.lockout_ms = lockout_ms
        self.all = (1 << count) - 1
        if low_mask is None:
            low_mask = self.all if active_low else 0
        checks.low_mask(low_mask, self.all)
        self._invert = low_mask
        self.state = 0
        self._locked = 0
        from array import array  # (here: no name in the module's table)

        self._t = array("i", bytes(4 * count))  # (ms ticks, below 2**30)

    def update(self, bits, now_ms):
        # (The scan loop calls this on every level change: its frame, and its helpers', stay
        # within the 11 slots MicroPython keeps on the C stack, see Engine._out.)
        locked = self._locked
        if locked:
            # Re-check only the switches whose lockout is running: a short loop, and
            # only for the few ms after an edge.
            locked = self._unlock(locked, now_ms)
        edges = (((bits ^ self._invert) & self.all) ^ self.state) & ~locked
        if edges:
            self.state ^= edges
            locked |= edges
            self._stamp(edges, now_ms)
        self._locked = locked
        return edges

    def _unlock(self, locked, now_ms):
        i = 0
        while i < self.count:
            if locked >> i & 1 and ticks_diff(now_ms, self._t[i]) >= self.lockout_ms:
                locked ^= 1 << i
            i += 1
        return locked

    def _stamp(self, edges, now_ms):
        i = 0
        while i < self.count:
            if edges >> i & 1:
                self._t[i] = now_ms
            i += 1

    def is_pressed(self, i):
        return (self.state >> i) & 1 == 1
