# Running status for the DIN (serial) side, MIDI 1.0 "Running Status": a channel
# message whose status byte equals the previous one may be sent without it. This
# is a pure transformation of complete messages into wire bytes, no I/O.
#
# Rules (MIDI 1.0 Detailed Specification, Table I notes):
# - system common messages and SysEx (F0..F7) clear running status, so the next
#   channel message carries its status again;
# - system real-time bytes (F8..FF) may appear anywhere and leave it alone: here they
#   touch no state at all, not even the idle timer below, because a receiver plugged
#   in during a stream of clock bytes has still not seen a channel status;
# - a receiver connected mid-stream can only sync on a status byte, so the status
#   is re-sent at least once every `refresh_every` channel messages and after
#   `refresh_idle_ms` without a (non-real-time) message; 0 disables either rule.

from midictl.compat import ticks_diff

_REALTIME = const(0xF8)
_SYSTEM = const(0xF0)
_STATUS_BIT = const(0x80)
# Data bytes per status, MIDI 1.0 Table I: channel voice by high nibble - 8, system
# by low nibble (real-time and undefined ones: none).
_VOICE_DATA = b"\x02\x02\x02\x02\x01\x01\x02"
_SYSTEM_DATA = b"\x00\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"


class RunningStatus:
    def __init__(self, enabled=True, refresh_every=0, refresh_idle_ms=0):
        if not 0 <= refresh_every < (1 << 29):
            raise ValueError("refresh_every %r out of range 0..%d" % (refresh_every, (1 << 29) - 1))
        if not 0 <= refresh_idle_ms < (1 << 29):
            raise ValueError("refresh_idle_ms %r out of range 0..%d" % (refresh_idle_ms, (1 << 29) - 1))
        self.enabled = bool(enabled)
        self.refresh_every = refresh_every
        self.refresh_idle_ms = refresh_idle_ms
        self.status = 0  # the status the receiver holds; 0 = none
        self._sent = 0  # channel messages since the status byte was last written
        self._last_ms = 0  # when the last non-real-time message was written
        self.dropped = 0  # status bytes saved so far (wraps below 2**30)

    def reset(self):
        """Forget what the receiver holds: the next channel message carries its status
        (use after the port was reopened or a byte may have been lost)."""
        self.status = 0
        self._sent = 0

    def encode(self, msg, n, out, off, now_ms, msg_off=0):
        """Write msg[msg_off:msg_off + n] to out[off:], dropping status bytes where
        running status allows; return the bytes written. The bytes are one complete
        message (status first) or several in a row, as the NRPN, 14-bit CC and bank
        select encoders write them; a SysEx can only be the last of them."""
        s = msg[msg_off]
        if not 0x80 <= s < _SYSTEM or n < 1:
            return self._one(msg, msg_off, n, out, off, now_ms)
        if _VOICE_DATA[(s >> 4) - 8] + 1 < n:
            return self._sequence(msg, msg_off, msg_off + n, out, off, now_ms)
        # One channel message (nearly every call: a note, a CC): _one's steps written out,
        # since this runs for each message the DIN port sends.
        if s == self.status and self.enabled:
            every = self.refresh_every
            idle = self.refresh_idle_ms
            if (every and self._sent >= every) or (idle and not 0 <= ticks_diff(now_ms, self._last_ms) < idle):
                self._sent = 1  # a refresh is due (count or idle gap): the status goes again
                start = 0
            else:
                self._sent = (self._sent + 1) & 0x3FFFFFFF  # (only compared while below refresh_every)
                self.dropped = (self.dropped + 1) & 0x3FFFFFFF
                start = 1
        else:
            self.status = s
            self._sent = 1
            start = 0
        self._last_ms = now_ms
        if n == 3:
            if start:
                out[off] = msg[msg_off + 1]
                out[off + 1] = msg[msg_off + 2]
                return 2
            out[off] = s
            out[off + 1] = msg[msg_off + 1]
            out[off + 2] = msg[msg_off + 2]
            return 3
        j = off
        for i in range(msg_off + start, msg_off + n):
            out[j] = msg[i]
            j += 1
        return n - start

    def _sequence(self, msg, i, end, out, off, now_ms):
        j = off
        while i < end:
            s = msg[i]
            if s < _SYSTEM:
                size = _VOICE_DATA[(s >> 4) - 8] + 1 if s & _STATUS_BIT else 1  # 1: _one raises
            elif s == _SYSTEM:
                size = end - i  # a SysEx runs to the end
            else:
                size = _SYSTEM_DATA[s & 0x0F] + 1
            if i + size > end:
                raise ValueError("message at msg[%d] needs %d bytes, %d given" % (i, size, end - i))
            j += self._one(msg, i, size, out, j, now_ms)
            i += size
        return j - off

    def _one(self, msg, msg_off, n, out, off, now_ms):
        s = msg[msg_off]
        if s >= _REALTIME:
            out[off] = s
            return 1
        if not s & _STATUS_BIT or n < 1:
            raise ValueError("msg[%d] %r out of range 128..255" % (msg_off, s))
        start = 0
        if s >= _SYSTEM:
            self.status = 0
        elif s == self.status and self.enabled:
            every = self.refresh_every
            idle = self.refresh_idle_ms
            if every and self._sent >= every:
                pass  # forced refresh by count
            elif idle and not 0 <= ticks_diff(now_ms, self._last_ms) < idle:
                # A negative diff means the clock wrapped past half its period: so
                # long ago that a refresh is due too.
                pass
            else:
                start = 1
                self._sent = (self._sent + 1) & 0x3FFFFFFF  # (only compared while below refresh_every)
                self.dropped = (self.dropped + 1) & 0x3FFFFFFF
        else:
            self.status = s
        if start == 0:
            self._sent = 1
        self._last_ms = now_ms
        j = off
        for i in range(msg_off + start, msg_off + n):
            out[j] = msg[i]
            j += 1
        return n - start
