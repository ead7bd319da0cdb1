# DIN MIDI OUT: a send queue in front of the UART that never blocks the scan loop.
#
# 31250 baud, 8N1 is 10 bits a byte: 320 us a byte, about 1000 three-byte messages a
# second. The rp2 port's UART.write copies into a software ring (txbuf, 256 bytes by
# default) and *waits* when it is full, so we never let it fill: we know exactly when each
# byte we wrote leaves (the baud clock is exact: 125 MHz / (16 * 31250) = 250), and we only
# hand the UART a few bytes ahead of the wire. Everything else waits here, where it can
# still be reordered:
#
#   1. the urgent FIFO: notes, program changes, system and SysEx messages, and everything
#      passed through from MIDI IN. Never dropped, always first, in order.
#   2. coalescing slots: one per continuous controller (knob CC, 14-bit CC, NRPN, bend,
#      pressure). A new value replaces a waiting one (latest wins); the final value of a
#      sweep always goes out because a slot is only cleared once it is written.
#
# Running status (midi/running.py) is applied as bytes go to the UART, so messages from
# every source merge on the wire at message boundaries and neither stream is corrupted.
#
# A SysEx passed through in parts (longer than MIDI IN's buffer: a patch dump from the USB
# host) cannot wait whole in the FIFO, and nothing may go on the wire between its F0 and
# its F7 but real-time bytes. Its parts go to a ring of their own (sx_put); its place in
# the FIFO is a marker, an entry of length 0, put there with its first part. When the
# marker reaches the FIFO's head the parts go out as they come, and everything queued
# after the marker, and the slots, wait until its F7 is on the wire. A SysEx whose parts
# stop coming (the UART has had all there was and _SX_STALL_MS have passed with no more),
# or whose source goes away, or panic (sx_cut) is closed with an F7, so the controller's
# own notes are never held up for long; and so is one whose marker is at the FIFO's head
# when the FIFO is full (a message did not fit: the player's notes come before a dump).
# Stalled means no more of its bytes: real-time bytes put inside it do not count. One
# passes at a time: another source's that starts meanwhile is dropped (counted in
# `dropped`); the USB host's is not read while DIN IN's is open (Controller._midi_in), so
# only DIN IN's echo meets that.
#
# Hot path (send, pump): no allocation.

import sys

from midictl.compat import TWINS, ticks_add, ticks_diff

_US_PER_BYTE = const(320)  # 10 bits at 31250 baud
_MAX_MSG = const(16)  # longest coalesced group: NRPN is 12 bytes
# The FIFO's last room is kept for what ends a sound (a Note Off, or a Note On of velocity
# 0, for a note sounding there: `sounding`; sustain, sostenuto, soft pedal, legato and hold 2
# (CC 64..69); the channel mode messages, CC 120..127): anything else is dropped while less
# would be left, so that a queue filled behind a stalled SysEx or a UART that fails keeps
# room for the Note Off of every note it sent or holds, and nothing is left sounding. That
# room is 4 bytes a note sounding there (their count: bytes 256..257 of `sounding`) and 36
# more (the pedals, and the Note On being let in), at least the FIFO's eighth (128 bytes of
# 1 KB: 23 notes or fewer), at most three quarters of it (183 notes; more, from sources
# that send only Note Ons, would leave too little for playing: a quarter is kept for what
# starts a sound). (room(1): what is free beyond it.)
_CHUNK = const(32)  # longest single UART write; SysEx goes out in chunks
# Where in _out a message that wraps round the FIFO's end is put in one piece (_peek_fifo),
# to be encoded from there to _out's start: the encoder only drops bytes, so each byte it
# writes lands at or before the one it reads next (a forward copy), and 8 + 255 fit in _out.
_AT = const(8)
_SX_STALL_MS = const(500)  # a SysEx in parts the wire waits for this long is closed
# The ticks' period - 1, as this port has it: 2**30 - 1 on the chip, more on a 64-bit host
_TICKS_MAX = ticks_add(0, -1)
# DinOut._gate when nothing is known to be waiting for the wire: more than any time ahead
_OPEN = _TICKS_MAX
# The length of a channel message by its status's high nibble - 8 (MIDI 1.0 Table I)
_CH_LEN = b"\x03\x03\x03\x03\x02\x02\x03"
# The length of a system common message by its status - F0 (0: F0, which runs to its F7,
# the undefined F4 and F5, and F7)
_SC_LEN = b"\x00\x02\x03\x02\x00\x00\x01\x00"


# The interpreted twin (ARCHITECTURE.md): only where CPython runs or a test asks (compat.TWINS).
if TWINS:
    def _slot_of(keys, key):
        # the slot whose coalescing key this is, or -1 (keys: DinOut._slot_key)
        for s in range(len(keys)):
            if keys[s] == key:
                return s
        return -1

    def send_twin(self, msg, n, key):
        """DinOut.send in plain Python (what CPython runs, and what the host tests compare the
        native one against)."""
        if key:
            s = _slot_of(self._slot_key, key)
            if s >= 0:
                base = s * _MAX_MSG
                d = self._slot_data
                if self._slot_len[s] != n or not self._ring_count:
                    self._gate = _OPEN  # the message at the ring's head may be another, or shorter
                if n == 3:  # a CC, bend or poly pressure: nearly every call
                    d[base] = msg[0]
                    d[base + 1] = msg[1]
                    d[base + 2] = msg[2]
                else:
                    for i in range(n):
                        d[base + i] = msg[i]
                self._slot_len[s] = n
                if self._slot_pending[s]:
                    self.coalesced = (self.coalesced + 1) & 0x3FFFFFFF
                else:
                    self._slot_pending[s] = 1
                    r = self._ring
                    r[(self._ring_head + self._ring_count) % len(r)] = s
                    self._ring_count += 1
                return
        f = self._fifo
        size = len(f)
        c = self._count + n + 1  # (what the FIFO will hold)
        b = 0  # a Note On's or Off's bit in `sounding`, at byte k
        t = self.sounding
        r = size - self._count - self.room(1)  # the room kept for what ends a sound
        if n == 3 and msg[0] < 0xA0:
            k = ((msg[0] & 15) << 7) | msg[1]
            b = 1 << (k & 7)
            k >>= 3
            if (msg[0] >= 0x90 and msg[2]) or not t[k] & b:
                c += r  # (a Note On, or a Note Off that ends nothing here)
        elif not (n == 3 and 0xB0 <= msg[0] < 0xC0 and (64 <= msg[1] <= 69 or msg[1] >= 120)):
            c += r  # (not an end: the module's comment)
        if n > 255 or c > size:
            self.dropped = (self.dropped + 1) & 0x3FFFFFFF
            if self.sx_open and not f[self._head]:  # full behind a SysEx passing in parts:
                self.sx_cut()  # it is closed, so that the queue moves again (din.py's comment)
            return
        if b:
            r = (t[256] << 8) | t[257]  # (now the count of notes sounding)
            if msg[0] >= 0x90 and msg[2]:
                if not t[k] & b:
                    r += 1
                t[k] |= b
            elif t[k] & b:
                r -= 1
                t[k] &= b ^ 0xFF
            t[256] = r >> 8
            t[257] = r & 0xFF
        if n == 1 and (msg[0] == 0xF8 or msg[0] == 0xFE) and self._count:
            # A clock's tick (or Active Sensing) goes ahead of what waits, after the ticks
            # already ahead (their order kept): MIDI 1.0 lets a real-time byte in anywhere, a
            # SysEx on the wire too; unless a system message waits (a Start, a Song Position
            # Pointer, a SysEx not begun): not past those
            h = self._head
            i = 0
            while i < self._count:
                k = f[(h + i) % size]
                b = f[(h + i + 1) % size]  # (its first byte)
                if (k == 0 and i) or (k and b >= 0xF0 and b != 0xF8 and b != 0xFE):
                    break
                i += k + 1
            if i >= self._count:
                h = (h + size - 2) % size
                i = 0
                while i < self._count and f[(h + i + 2) % size] == 1 and f[(h + i + 3) % size] in (0xF8, 0xFE):
                    f[(h + i) % size] = 1  # (moved back by one entry)
                    f[(h + i + 1) % size] = f[(h + i + 3) % size]
                    i += 2
                f[(h + i) % size] = 1
                f[(h + i + 1) % size] = msg[0]
                self._head = h
                self._count += 2
                self._gate = _OPEN  # a new message at the FIFO's head
                return
        if not self._count:
            self._gate = _OPEN  # a new message at the FIFO's head
        w = (self._head + self._count) % size
        f[w] = n
        for i in range(n):
            w += 1
            if w == size:
                w = 0
            f[w] = msg[i]
        self._count += n + 1

    send_native = send_twin

    def sx_out_twin(d, now_us, now_ms):
        """The FIFO's head is a SysEx's marker (pump_twin; the native pump does the same
        inline): what of it is in the ring goes to the UART, as far as the bytes ahead of
        the wire allow (urgent_bytes), up to its F7; True once that has gone. Closed with an
        F7 once the UART has had all of it and waited _SX_STALL_MS for more."""
        d._gate = _OPEN  # come back every pump: the next part, or the stall
        if not d._sx_count:
            if not d.sx_open:
                return True  # (never so: its F7 is queued when it closes)
            if d._sx_ms < 0:
                d._sx_ms = now_ms  # all of it handed over: the wait for more starts
                return False
            if ticks_diff(now_ms, d._sx_ms) < _SX_STALL_MS:
                return False
            d.sx_cut()
        k = d.urgent_bytes - d.outstanding(now_us)
        if k > d._sx_count:
            k = d._sx_count
        r = d._sx
        h = d._sx_head
        i = 0
        c = 0
        while i < k and c != 0xF7:
            c = r[h]
            d._out[i] = c
            h = h + 1 if h + 1 < len(r) else 0
            i += 1
        if not i:
            return False
        try:
            d.uart.write(d._out, i)
        except Exception:
            d.write_errors = (d.write_errors + 1) & 0x3FFFFFFF
            d.running.reset()
            return False  # still in the ring: written again on the next pump
        rs = d.running  # a SysEx clears running status
        rs.status = 0
        rs._sent = 1
        rs._last_ms = now_ms
        d._sx_head = h
        d._sx_count -= i
        d._wire(i, now_us)
        return c == 0xF7

if sys.implementation.name == "micropython":
    import micropython

    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _send(d, msg, n: int, key: int):
        """send_twin in native code, step for step."""
        m = ptr8(msg)
        if key != 0:
            s = -1  # the slot whose coalescing key this is (_slot_of)
            ks = ptr32(d._slot_key)
            i = int(len(d._slot_key))
            while i > 0:
                i -= 1
                if ks[i] == key:
                    s = i
                    break
            if s >= 0:
                sd = ptr8(d._slot_data)
                base = s * _MAX_MSG
                if int(ptr8(d._slot_len)[s]) != n or int(d._ring_count) == 0:
                    d._gate = _OPEN
                i = 0
                while i < n:
                    sd[base + i] = m[i]
                    i += 1
                ptr8(d._slot_len)[s] = n
                pend = ptr8(d._slot_pending)
                if pend[s]:
                    d.coalesced = (int(d.coalesced) + 1) & 0x3FFFFFFF
                else:
                    pend[s] = 1
                    ring = d._ring
                    rc = int(d._ring_count)
                    i = int(d._ring_head) + rc
                    if i >= int(len(ring)):
                        i -= int(len(ring))
                    ptr8(ring)[i] = s
                    d._ring_count = rc + 1
                return
        f = d._fifo
        size = int(len(f))
        c = int(d._count)
        e = c + n + 1
        b = 0
        k = 0
        t = ptr8(d.sounding)
        r = ((t[256] << 10) | (t[257] << 2)) + 36
        if r < (size >> 3):
            r = size >> 3
        elif r > size - (size >> 2):
            r = size - (size >> 2)
        if n != 3:
            e += r
        else:
            s = m[0]
            if s < 0xA0:
                k = ((s & 15) << 7) | int(m[1])
                b = 1 << (k & 7)
                k = k >> 3
                if (s >= 0x90 and m[2] != 0) or (t[k] & b) == 0:
                    e += r
            elif not (s >= 0xB0 and s < 0xC0 and ((m[1] >= 64 and m[1] <= 69) or m[1] >= 120)):
                e += r
        if n > 255 or e > size:
            d.dropped = (int(d.dropped) + 1) & 0x3FFFFFFF
            if d.sx_open and int(ptr8(f)[int(d._head)]) == 0:
                d.sx_cut()
            return
        if b != 0:
            r = (t[256] << 8) | t[257]
            if m[0] >= 0x90 and m[2] != 0:
                if (t[k] & b) == 0:
                    r += 1
                t[k] = t[k] | b
            elif (t[k] & b) != 0:
                r -= 1
                t[k] = t[k] & (b ^ 0xFF)
            t[256] = r >> 8
            t[257] = r & 0xFF
        fp = ptr8(f)
        if n == 1 and (m[0] == 0xF8 or m[0] == 0xFE) and c != 0:  # (send_twin's comment)
            h = int(d._head)
            i = 0
            while i < c:
                j = h + i
                if j >= size:
                    j -= size
                k = int(fp[j])
                j += 1
                if j >= size:
                    j -= size
                if (k == 0 and i != 0) or (k != 0 and fp[j] >= 0xF0 and fp[j] != 0xF8 and fp[j] != 0xFE):
                    break
                i += k + 1
            if i >= c:
                h -= 2
                if h < 0:
                    h += size
                i = 0
                w = h
                while i < c:
                    j = w + 2
                    if j >= size:
                        j -= size
                    k = j + 1
                    if k >= size:
                        k -= size
                    if fp[j] != 1 or (fp[k] != 0xF8 and fp[k] != 0xFE):
                        break
                    fp[w] = 1
                    e = w + 1
                    if e >= size:
                        e -= size
                    fp[e] = fp[k]
                    w = j
                    i += 2
                fp[w] = 1
                j = w + 1
                if j >= size:
                    j -= size
                fp[j] = m[0]
                d._head = h
                d._count = c + 2
                d._gate = _OPEN
                return
        if c == 0:
            d._gate = _OPEN
        w = int(d._head) + c
        if w >= size:
            w -= size
        fp[w] = n
        i = 0
        while i < n:
            w += 1
            if w == size:
                w = 0
            fp[w] = m[i]
            i += 1
        d._count = c + n + 1

    send_native = _send


# The interpreted twin (ARCHITECTURE.md): only where CPython runs or a test asks (compat.TWINS).
if TWINS:
    def pump_twin(d, now_us, now_ms):
        """DinOut.pump in plain Python (what CPython runs, and what the host tests compare the
        native one against). What may go out: a message fits when the bytes still ahead of
        the wire plus its own stay within the limit (urgent_bytes for the FIFO, lead_bytes for
        the slots), or the wire is idle (outstanding(), inline). A message that does not fit
        leaves in _gate how far ahead of the wire the bytes may still be when it does: until
        then, a pump returns at once (send() opens the gate when the message waiting first
        may have changed)."""
        if ticks_diff(d._busy_until, now_us) > d._gate:
            return
        while d._count:
            f = d._fifo
            h = d._head
            n = f[h]
            if not n:  # a SysEx in parts: it goes on, or everything waits
                if not sx_out_twin(d, now_us, now_ms):
                    return
                d._head = h + 1 if h + 1 < len(f) else 0
                d._count -= 1
                continue
            left = ticks_diff(d._busy_until, now_us)
            if left > 0 and (left + _US_PER_BYTE - 1) // _US_PER_BYTE + n > d.urgent_bytes:
                d._gate = max(0, (d.urgent_bytes - n) * _US_PER_BYTE)
                return
            size = len(f)
            if h + n < size:  # not wrapped: encode it where it lies
                ok = d._write(f, h + 1, n, now_us, now_ms)
                nxt = h + n + 1
                if nxt == size:
                    nxt = 0
            else:
                nxt = d._peek_fifo(n)
                ok = d._write(d._out, _AT, n, now_us, now_ms)
            if not ok:
                d._gate = _OPEN  # still queued: retried on the next pump, never lost
                return
            d._head = nxt
            d._count -= n + 1
        while d._ring_count:
            r = d._ring
            h = d._ring_head
            s = r[h]
            n = d._slot_len[s]
            left = ticks_diff(d._busy_until, now_us)
            limit = d.lead_bytes
            a = left  # (the wire's time ahead, for the test)
            if limit < 0:  # -1 - (k | L << 8): the wire idle within k bytes' time (a clock's
                # tick then), and on a busy wire no more than the usual lead L ahead (0: none)
                limit = -1 - limit
                if a > 0 and 0 < limit >> 8 < (limit & 255):
                    limit >>= 8
                else:
                    limit &= 255
                if a < 0:
                    a = 0  # (an idle wire too: only what ends by then)
            elif a == 0:
                a = -1  # (an idle wire takes any message)
            if a >= 0 and (a + _US_PER_BYTE - 1) // _US_PER_BYTE + n > limit:
                d._gate = max(0, (limit - n) * _US_PER_BYTE)
                return
            # _write(), written out for this one case (at most _MAX_MSG bytes: one UART
            # write, never chunked): every knob message comes this way
            k = d.running.encode(d._slot_data, n, d._out, 0, now_ms, s * _MAX_MSG)
            try:
                if k:
                    d.uart.write(d._out, k)
            except Exception:
                d.write_errors = (d.write_errors + 1) & 0x3FFFFFFF
                d.running.reset()
                d._gate = _OPEN
                return  # still pending: retried on the next pump
            d._busy_until = ticks_add(now_us if left < 0 else d._busy_until, k * _US_PER_BYTE)
            d.bytes_sent = (d.bytes_sent + k) & 0x3FFFFFFF
            d._slot_pending[s] = 0
            h += 1
            d._ring_head = 0 if h == len(r) else h
            d._ring_count -= 1

    pump_native = pump_twin

if sys.implementation.name == "micropython":
    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _pump(d, now_us: int, now_ms: int):
        """pump_twin in native code. A message that is one channel message (nearly every
        note and knob message) goes from the FIFO or its slot to the UART with no
        interpreted frame, running status applied here as RunningStatus.encode applies it;
        a FIFO message that wraps round the FIFO's end or is more than one message (a
        SysEx, an NRPN) goes the interpreted way (_write), a slot's group of messages
        through RunningStatus.encode. Ticks are small ints: native ints here."""
        tmax = int(_TICKS_MAX)
        half = (tmax >> 1) + 1
        busy = int(d._busy_until)
        if ((busy - now_us + half) & tmax) - half > int(d._gate):
            return  # the message waiting first does not fit yet: nothing else may pass it
        fifo = d._fifo
        fp = ptr8(fifo)
        size = int(len(fifo))
        fc = int(d._count)
        fh = int(d._head)
        ring = d._ring
        rl = int(len(ring))
        r = ptr8(ring)
        rc = int(d._ring_count)
        rh = int(d._ring_head)
        lens = ptr8(d._slot_len)
        data = ptr8(d._slot_data)
        pend = ptr8(d._slot_pending)
        out = ptr8(d._out)
        chl = ptr8(_CH_LEN)
        scl = ptr8(_SC_LEN)
        rs = d.running
        uart = d.uart
        ob = d._out  # (the buffer `out` points into, for the UART's writes)
        failed = 0
        while fc > 0 or rc > 0:
            if fc > 0:  # the FIFO first
                n = int(fp[fh])
                if n == 0:
                    # a SysEx in parts (sx_out_twin's steps): what of it the ring holds, up to
                    # its F7, as far as urgent_bytes allow; until its F7 has gone, nothing else
                    d._gate = _OPEN
                    sxc = int(d._sx_count)
                    if sxc == 0 and d.sx_open:
                        ms = int(d._sx_ms)
                        if ms < 0:
                            d._sx_ms = now_ms
                            break
                        if ((now_ms - ms + half) & tmax) - half < _SX_STALL_MS:
                            break
                        d.sx_cut()
                        sxc = int(d._sx_count)
                    if sxc > 0:
                        left = ((busy - now_us + half) & tmax) - half
                        k = int(d.urgent_bytes)
                        if left > 0:
                            k -= (left + _US_PER_BYTE - 1) // _US_PER_BYTE
                        if k > sxc:
                            k = sxc
                        sx = d._sx
                        sp = ptr8(sx)
                        sl = int(len(sx))
                        h = int(d._sx_head)
                        i = 0
                        c = 0
                        while i < k and c != 0xF7:
                            c = int(sp[h])
                            out[i] = c
                            h += 1
                            if h == sl:
                                h = 0
                            i += 1
                        if i == 0:
                            break
                        try:
                            uart.write(ob, i)
                        except Exception:
                            failed = 1
                            break
                        rs.status = 0
                        rs._sent = 1
                        rs._last_ms = now_ms
                        d._sx_head = h
                        d._sx_count = sxc - i
                        if left < 0:
                            busy = now_us
                        busy = (busy + i * _US_PER_BYTE) & tmax
                        d.bytes_sent = (int(d.bytes_sent) + i) & 0x3FFFFFFF
                        if c != 0xF7:
                            break
                    fh += 1
                    if fh >= size:
                        fh -= size
                    fc -= 1
                    continue
                limit = int(d.urgent_bytes)
                src = fp
                b = fh + 1
                s = 0
            else:
                s = int(r[rh])
                n = int(lens[s])
                limit = int(d.lead_bytes)
                src = data
                b = s * _MAX_MSG
            left = ((busy - now_us + half) & tmax) - half
            a = left
            if limit < 0:  # (pump_twin's comment)
                limit = -1 - limit
                if a > 0 and 0 < (limit >> 8) and (limit >> 8) < (limit & 255):
                    limit = limit >> 8
                else:
                    limit = limit & 255
                if a < 0:
                    a = 0
            elif a == 0:
                a = -1
            if a >= 0 and (a + _US_PER_BYTE - 1) // _US_PER_BYTE + n > limit:
                g = (limit - n) * _US_PER_BYTE
                if g < 0:
                    g = 0
                d._gate = g
                break
            # a run of whole channel messages and real-time bytes (nearly everything: a note,
            # a CC, a 14-bit CC's or an NRPN's group, a thru message with its parameter
            # selection, a clock byte), or a system common message or a SysEx that fits one
            # write (MIDI IN's passed on: MTC, song position), not wrapped round the FIFO's
            # end: written here, with RunningStatus.encode's steps for each message; anything
            # else the interpreted way
            st = 0
            if fc > 0 and fh + n >= size and n <= _CHUNK:
                # wrapped round the FIFO's end: in one piece into _out at _AT first (_peek_fifo's
                # steps), encoded from there
                j = fh + 1
                i = 0
                while i < n:
                    if j == size:
                        j = 0
                    out[_AT + i] = fp[j]
                    j += 1
                    i += 1
                src = out
                b = _AT
            if n <= _CHUNK:
                i = 0
                while i < n:
                    c = int(src[b + i])
                    if c >= 0xF8:
                        i += 1
                    elif c >= 0x80 and c < 0xF0:
                        i += int(chl[(c >> 4) - 8])
                    elif c > 0xF0 and c < 0xF7 and int(scl[c - 0xF0]) != 0:
                        i += int(scl[c - 0xF0])
                    elif c == 0xF0 and i == 0 and n >= 2 and int(src[b + n - 1]) == 0xF7:
                        i = n  # a SysEx, alone
                    else:
                        break
                if i == n:
                    st = 1
            if st:
                k = 0
                i = 0
                while i < n:
                    c = int(src[b + i])
                    if c >= 0xF8:  # real-time: as it is, and running status left alone
                        out[k] = c
                        k += 1
                        i += 1
                        continue
                    if c >= 0xF0:  # system common or SysEx: as it is, and running status cleared
                        ln = n - i if c == 0xF0 else int(scl[c - 0xF0])
                        j = 0
                        while j < ln:
                            out[k] = src[b + i + j]
                            k += 1
                            j += 1
                        i += ln
                        rs.status = 0
                        rs._sent = 1
                        rs._last_ms = now_ms
                        continue
                    start = 0
                    due = 1
                    if c == int(rs.status):
                        if rs.enabled:
                            due = 0
                            every = int(rs.refresh_every)
                            idle = int(rs.refresh_idle_ms)
                            sc = int(rs._sent)
                            if every != 0 and sc >= every:
                                due = 1
                            elif idle != 0:
                                dt = ((now_ms - int(rs._last_ms) + half) & tmax) - half
                                if dt < 0 or dt >= idle:
                                    due = 1
                            if not due:
                                rs._sent = (sc + 1) & 0x3FFFFFFF
                                rs.dropped = (int(rs.dropped) + 1) & 0x3FFFFFFF
                                start = 1
                        if due:
                            rs._sent = 1
                    else:
                        rs.status = c
                        rs._sent = 1
                    rs._last_ms = now_ms
                    ln = int(chl[(c >> 4) - 8])
                    j = start
                    while j < ln:
                        out[k] = src[b + i + j]
                        k += 1
                        j += 1
                    i += ln
            elif fc > 0:
                # the interpreted way, which writes, counts and keeps the wire's time itself
                d._busy_until = busy
                if fh + n < size:
                    ok = d._write(fifo, b, n, now_us, now_ms)
                else:
                    d._head = fh
                    d._peek_fifo(n)  # the message, in one piece, into _out at _AT
                    ok = d._write(d._out, _AT, n, now_us, now_ms)
                busy = int(d._busy_until)
                if not ok:
                    d._gate = _OPEN
                    break  # still queued: retried on the next pump, never lost
                k = -1  # written
            else:
                k = int(rs.encode(d._slot_data, n, d._out, 0, now_ms, b))
            if k >= 0:
                try:
                    if k:
                        uart.write(ob, k)
                except Exception:
                    failed = 1
                    break
                if left < 0:
                    busy = now_us
                busy = (busy + k * _US_PER_BYTE) & tmax
                d.bytes_sent = (int(d.bytes_sent) + k) & 0x3FFFFFFF
            if fc > 0:
                fh += n + 1
                if fh >= size:
                    fh -= size
                fc -= n + 1
            else:
                pend[s] = 0
                rh += 1
                if rh == rl:
                    rh = 0
                rc -= 1
        d._head = fh
        d._count = fc
        d._ring_head = rh
        d._ring_count = rc
        d._busy_until = busy
        if failed:
            d._gate = _OPEN  # the message waiting first is another than at the gate
            d.write_errors = (int(d.write_errors) + 1) & 0x3FFFFFFF
            rs.reset()  # still queued or pending: retried on the next pump

    pump_native = _pump

class DinOut:
    def __init__(self, uart, running, fifo_size=1024, lead_bytes=6, urgent_bytes=24, max_slots=64):
        for name, v, lo, hi in (("fifo_size", fifo_size, 4, 65536), ("lead_bytes", lead_bytes, 1, _CHUNK),
                                ("urgent_bytes", urgent_bytes, lead_bytes, _CHUNK),
                                ("max_slots", max_slots, 1, 256)):  # slot numbers live in a bytearray
            if v < lo or v > hi:
                raise ValueError("%s %r out of range %d..%d" % (name, v, lo, hi))
        self.uart = uart
        self.running = running  # midi.running.RunningStatus
        # lead_bytes: how far ahead of the wire coalescable traffic may be queued in the UART.
        # 6 bytes (1.9 ms) keeps the wire busy between 1 ms scans, and bounds how long a
        # Note On waits behind knob traffic already handed over. (With a MIDI clock, for the
        # scan before its tick, app.py sets it to -1 - (k | L << 8): the wire must be idle
        # within k bytes' time, even one idle now, so that the tick starts on its time, and
        # a busy one has no more than L, the usual lead, ahead; L 0: no such limit.)
        self.lead_bytes = lead_bytes
        # urgent traffic may go further ahead (a chord of 8 notes at once), still well inside
        # the RP2040's 32-byte hardware FIFO so UART.write never waits.
        self.urgent_bytes = urgent_bytes
        self._fifo = bytearray(fifo_size)
        self._head = 0  # next byte to read
        self._count = 0  # bytes stored
        # each slot's coalescing key (slot): an array of them, searched, where a dict took
        # three times the room (16 continuous controllers: 128 bytes here, not 416)
        from array import array

        self._slot_key = array("I")
        self._slot_len = bytearray(max_slots)
        self._slot_data = bytearray(max_slots * _MAX_MSG)
        self._slot_pending = bytearray(max_slots)
        self._ring = bytearray(max_slots)  # order in which slots became pending
        self._ring_head = 0
        self._ring_count = 0
        # What goes to the UART, written from here as uart.write(buf, n) or (buf, offset, n):
        # MicroPython's stream write (py/stream.c) takes a length and an offset, so no view
        # of each length is kept (33 memoryviews and their list, 1.3 KB on the host's port).
        # From _AT it also holds a message wrapped round the FIFO's end (no buffer of its own).
        self._out = bytearray(_AT + 256)
        self._busy_until = 0
        self._gate = _OPEN  # see pump_twin
        self.dropped = 0  # urgent messages that did not fit the FIFO (sized so this stays 0)
        self.coalesced = 0  # continuous values replaced before they were sent
        self.write_errors = 0
        self.bytes_sent = 0
        # a SysEx passed through in parts (see the module comment): its ring, where its next
        # byte is and how many wait, whether more of it is to come, since when the wire has
        # waited for more (-1: it has not)
        self._sx = bytearray(256)
        # the notes sounding on the wire as far as the FIFO has taken their Note Ons and Offs,
        # a bit each (channel * 128 + note): a Note Off ends a sound only for these (send)
        self.sounding = bytearray(258)
        self._sx_head = 0
        self._sx_count = 0
        self.sx_open = False
        self.sx_src = 0  # the source of the last one opened
        self._sx_ms = -1
        self.sx_cuts = 0  # SysEx in parts closed early (stalled, cut, no room): wraps

    # -- set-up ----------------------------------------------------------------------------------
    def slot(self, key):
        """Register a continuous controller's coalescing key (at build time)."""
        keys = self._slot_key
        for s in range(len(keys)):
            if keys[s] == key:
                return s
        s = len(keys)  # (the slots registered so far)
        if s >= len(self._slot_len):
            raise ValueError("too many continuous controllers for the DIN queue (max %d)" % len(self._slot_len))
        keys.append(key)
        return s

    def trim(self):
        """Registration is over (the controls are built, nothing sent yet): the slot tables
        shrink to the slots registered, as if max_slots had been that number. The ring is
        indexed modulo its length and holds each slot at most once, so that length is enough."""
        from array import array

        self._slot_key = array("I", list(self._slot_key))  # (no room kept for more)
        n = len(self._slot_key) or 1
        if n < len(self._slot_len) and not self._ring_count:
            self._slot_len = bytearray(n)
            self._slot_data = bytearray(n * _MAX_MSG)
            self._slot_pending = bytearray(n)
            self._ring = bytearray(n)

    # -- producer --------------------------------------------------------------------------------
    # send(msg, n, key): queue one complete message, or a group of them (NRPN, 14-bit CC,
    # bank select); key: a continuous controller's coalescing key (its slot), 0 for the
    # FIFO (send_twin; the native one under MicroPython)
    send = send_native

    def pending(self):
        return self._count + self._ring_count

    def room(self, n=0):
        """Bytes free in the urgent FIFO (a message takes its length + 1); n true: those a
        message that ends no sound may take (the room kept for the Note Offs left out)."""
        s = len(self._fifo) - self._count
        if not n:
            return s
        t = self.sounding
        n = (t[256] << 10 | t[257] << 2) + 36  # (the module's comment: 4 bytes a note and 36)
        t = len(self._fifo)
        return s - (t >> 3 if n < t >> 3 else t - (t >> 2) if n > t - (t >> 2) else n)

    # -- consumer: called every scan -------------------------------------------------------------
    def outstanding(self, now_us):
        """Bytes handed to the UART that have not left the wire yet."""
        left = ticks_diff(self._busy_until, now_us)
        if left <= 0:
            return 0
        return (left + _US_PER_BYTE - 1) // _US_PER_BYTE

    # pump(now_us, now_ms), every scan while something waits: the urgent FIFO first, in
    # order, then the coalescing slots in the order they became pending, each message
    # while the bytes ahead of the wire allow (pump_twin; the native one under MicroPython)
    pump = pump_native

    # -- a SysEx passed through in parts ----------------------------------------------------
    # (In steps of few locals: a frame of more than 11 slots comes from the heap on every
    # call, see Engine._out. Its bytes go out in the pump, natively.)
    def sx_put(self, buf, n, src):
        """buf[0:n]: a part of a SysEx passed through in parts (the first starts with F0, the
        last ends with F7; midi/parser.py's SYSEX_PART), or a real-time byte that came inside
        it; src: its source (0 DIN IN, 1 the USB host). A first part closes one of the same
        source still open (the source cut it short) and opens the SysEx in the FIFO, unless
        another source's is open: then it and the rest of it are dropped, as is the rest of
        one closed early."""
        if buf[0] == 0xF0:
            if self.sx_open and self.sx_src != src:
                self.dropped = (self.dropped + 1) & 0x3FFFFFFF
                return
            if not self._sx_open(n):
                return
            self.sx_src = src
        elif not self.sx_open or self.sx_src != src:
            return  # the rest of a SysEx closed early, or dropped
        elif self._sx_count + n >= len(self._sx):  # (one byte is always kept for sx_cut's F7)
            self.sx_cut()
            return
        self._sx_add(buf, n)
        if buf[n - 1] == 0xF7:
            self.sx_open = False

    def _sx_open(self, n):
        # a first part of n bytes: the marker in the FIFO, if there is room for both (and
        # the room kept for what ends a sound, which a SysEx does not)
        self.sx_cut()
        if self.room(1) < 1 or self._sx_count + n >= len(self._sx):
            self.dropped = (self.dropped + 1) & 0x3FFFFFFF
            return False
        if not self._count:
            self._gate = _OPEN  # a new message at the FIFO's head
        self._fifo[(self._head + self._count) % len(self._fifo)] = 0
        self._count += 1
        self.sx_open = True
        return True

    def _sx_add(self, buf, n):
        r = self._sx
        w = (self._sx_head + self._sx_count) % len(r)
        i = 0
        while i < n:
            r[w] = buf[i]
            w += 1
            if w == len(r):
                w = 0
            i += 1
        self._sx_count += n
        if buf[0] < 0xF8:  # (a real-time byte inside it is not more of it: the stall goes on)
            self._sx_ms = -1

    def sx_room(self):
        """Bytes the SysEx ring takes before it is full."""
        return len(self._sx) - 1 - self._sx_count

    def sx_cut(self):
        """Close the SysEx in parts still open (its source went away, panic): its F7 goes
        after what of it is queued."""
        if self.sx_open:
            self.sx_open = False
            self._sx[(self._sx_head + self._sx_count) % len(self._sx)] = 0xF7
            self._sx_count += 1
            self.sx_cuts = (self.sx_cuts + 1) & 0x3FFFFFFF

    def _peek_fifo(self, n):
        # Copy the oldest message into _out at _AT; return where the FIFO head goes once it is
        # sent.
        f = self._fifo
        size = len(f)
        r = self._head + 1
        m = self._out
        for i in range(n):
            if r == size:
                r = 0
            m[_AT + i] = f[r]
            r += 1
        return r % size

    def _write(self, msg, at, n, now_us, now_ms):
        # msg[at:at + n], one complete message (or several in a row), to the UART, in writes
        # of at most _CHUNK bytes (a long SysEx)
        out = self._out
        k = self.running.encode(msg, n, out, 0, now_ms, at)
        i = 0
        try:
            while i < k:
                c = k - i
                if c > _CHUNK:
                    c = _CHUNK
                self.uart.write(out, i, c)  # nearly every message: one write
                i += c
        except Exception:
            # The receiver's idea of the running status is unknown after a failed write; the
            # message stays queued, and goes again whole. What went before still took the wire.
            self.write_errors = (self.write_errors + 1) & 0x3FFFFFFF
            self.running.reset()
            if i:
                self._wire(i, now_us)
            return False
        self._wire(k, now_us)
        return True

    def _wire(self, k, now_us):
        # k bytes went to the UART: the wire is busy for their time after what it still sends
        start = self._busy_until
        if ticks_diff(start, now_us) < 0:
            start = now_us
        self._busy_until = ticks_add(start, k * _US_PER_BYTE)
        self.bytes_sent = (self.bytes_sent + k) & 0x3FFFFFFF

