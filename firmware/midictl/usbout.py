# USB-MIDI OUT: one 4-byte event packet per message, written straight into the USB
# interface's transmit buffer, and one transfer started per scan.
#
# The stock usb-device-midi helpers cost about 53,000 cycles per note_on() on the chip
# (0.43 ms); this path packs into a preallocated packet and copies 4 bytes. It never
# blocks and never queues for an absent host: usb-device-midi would buffer while the host
# is away and deliver stale notes when it returns. Here a message for an absent or
# stalled host is dropped for this port only, and when the host comes back we discard
# anything stale and end every note the host may still think is sounding; a stalled host,
# once it has read what its buffer held, is sent the Note Offs and changes it missed too.
#
# `itf` is midictl.usbmidi.MidiPort on the board (or a fake in tests) with:
#   is_open(), up (what is_open() returns, as an attribute: read every scan without a
#   call), tx3(cable, msg) -> bool (msg[0:3], a channel message, as one event packet;
#   False also when the host is away),
#   tx_write(buf, n) -> bool, tx_discard(), tx_kick(), rx_take(buf, nmax) -> n, and tx_busy (a
#   transfer is in flight: its completion sends what was written meanwhile, so the scan
#   loop need not call service() for it)

import sys
from array import array

from midictl.midi import usb

try:  # names for the type checker only; MicroPython has no typing module
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

_PKT_MAX = const(4 * 86)  # a 256-byte SysEx is 86 packets
# In UsbOut.knob_keys, above each entry's key (an NRPN's is below 1 << 21, a CC's 1 << 15): its
# mark (a message of it was dropped), and the 7-bit value of the last CC of it dropped (what
# DIN OUT has of a shift layer's knob; below 1 << 29, a small int on the chip too)
_MISSED = const(1 << 21)
_VALUE = const(22)


def _all_off(snd, ch):
    # All Notes Off / All Sound Off told to the host: nothing sounds there on ch (its 128
    # bits are 16 bytes of the table).
    i = ch << 4
    while i < (ch + 1) << 4:
        snd[i] = 0
        i += 1


def _mark(snd, i, on):
    # bit i of the table (i = channel << 7 | note): the host heard note i start (1) or end
    if on:
        snd[i >> 3] |= 1 << (i & 7)
    else:
        snd[i >> 3] &= ~(1 << (i & 7))


def _pedal(snd, s, c, v, got):
    # A sustain (64) or sostenuto (66) on channel s & 15, or Reset All Controllers (121: both
    # up, and the pitch bend centred), meant for the host; got: the host has it (it went into
    # the transmit buffer).
    if c == 121:  # (RP-015: modulation and channel pressure back at zero too)
        _pedal_bit(snd, s & 15, 0, got)
        _pedal_bit(snd, (s & 15) + 16, 0, got)
        _bend(snd, s, 0, 0x40, got)
        _level(snd, 328 + (s & 15), 0, got)
        _level(snd, 360 + (s & 15), 0, got)
    else:
        _pedal_bit(snd, (s & 15) + (16 if c == 66 else 0), v >= 64, got)


def _pedal_bit(snd, b, down, got):
    # pedal b (sustain's channels 0..15, then sostenuto's): what it was meant to be last, in
    # bytes 256..259 of `sounding`, and what the host has, in 260..263
    i = 256 + (b >> 3)
    m = 1 << (b & 7)
    snd[i] = (snd[i] | m) if down else (snd[i] & ~m)
    if got:
        snd[i + 4] = (snd[i + 4] | m) if down else (snd[i + 4] & ~m)


def _bend(snd, s, lsb, msb, got):
    # a pitch bend on channel s & 15 meant for the host, in bytes 264..295 of `sounding` (LSB,
    # then MSB | 0x80: 0 until one is sent), and, got: the host has it, in 296..327
    j = 264 + ((s & 15) << 1)
    snd[j] = lsb
    snd[j + 1] = msb | 0x80
    if got:
        snd[j + 32] = lsb
        snd[j + 33] = msb | 0x80


def _level(snd, j, v, got):
    # a channel's modulation (j 328..343) or channel pressure (360..375) meant for the host:
    # its value | 0x80 (0 until one is sent) in snd[j], and, got: the host has it, in j + 16
    snd[j] = v | 0x80
    if got:
        snd[j + 16] = v | 0x80


def _levels(port, msg, n, got):
    # the same for a message of other than 3 bytes, or a group: channel pressure, or the
    # modulation (a 14-bit one's MSB) first in the group; and a Program Change, alone or
    # after its Bank Select, for the channel's program buttons among UsbOut.knobs (_missed:
    # a dropped one's program is owed, one delivered leaves none owed)
    snd = port.sounding
    if (msg[0] & 0xF0) == 0xD0:
        _level(snd, 360 + (msg[0] & 15), msg[1], got)
    elif (msg[0] & 0xF0) == 0xB0 and msg[1] == 1:
        _level(snd, 328 + (msg[0] & 15), msg[2], got)
    if (msg[0] & 0xF0) == 0xC0:
        _missed(port.knob_keys, msg[0] << 7, -1 if got else msg[1])
    elif n == 8 and (msg[6] & 0xF0) == 0xC0:
        _missed(port.knob_keys, msg[6] << 7, -1 if got else msg[7])


def _missed_twin(ks, key, v):
    # a message sent with `key` was dropped (a CC's: of value v): the knob that sends with it
    # (UsbOut.knob_keys) is owed its value. v < 0: a CC sent with `key` reached the host, which
    # is owed no value dropped before it.
    i = 0
    while i < len(ks):
        if v < 0:
            if ks[i] & (2 * _MISSED - 1) == key | _MISSED:
                ks[i] = key
        elif ks[i] & (_MISSED - 1) == key:
            ks[i] = key | _MISSED | (v << _VALUE)
        i += 1


_missed = _missed_twin


def send_twin(self, msg, n, key):
    """UsbOut.send in plain Python (what CPython runs, and what the host tests compare
    the native one against)."""
    s = msg[0]
    if n == 3 and 0x80 <= s < 0xF0:
        # One 3-byte channel message (notes, CC, bend: nearly all traffic; messages here
        # are complete and valid, so C0/D0 never come with n == 3): its packet goes
        # straight in, CIN = the status's high nibble (USB-MIDI 1.0 table 4-1). (Not while
        # DIN IN's SysEx passes in parts: see sx_put.)
        if self._sx or not self._tx3(self.cable, msg):
            self.dropped = (self.dropped + 1) & 0x3FFFFFFF  # host away or not reading: dropped for this port only
            _missed(self.knob_keys, key, msg[2])  # (a knob's: _resync_knobs)
            if (s & 0xF0) == 0xB0 and (msg[1] == 64 or msg[1] == 66 or msg[1] == 121):
                _pedal(self.sounding, s, msg[1], msg[2], 0)  # (the host is owed it: _resync_pedals)
            elif (s & 0xF0) == 0xE0:
                _bend(self.sounding, s, msg[1], msg[2], 0)  # (and this: _resync_bends)
            elif (s & 0xF0) == 0xB0 and msg[1] == 1:
                _level(self.sounding, 328 + (s & 15), msg[2], 0)  # (and this: _resync_levels)
            return
        self.sent = (self.sent + 1) & 0x3FFFFFFF
        if key and (s & 0xF0) == 0xB0:
            _missed(self.knob_keys, key, -1)  # (a knob's CC, delivered)
        if s < 0xA0:
            # Note Off (8n) or On (9n): sounding = a Note On with a velocity. The low
            # bit of the status's high nibble tells On from Off without a branch.
            _mark(self.sounding, ((s & 15) << 7) | msg[1], (msg[2] != 0) & (s >> 4))
        elif (s & 0xF0) == 0xB0 and (msg[1] == 123 or msg[1] == 120):
            _all_off(self.sounding, s & 15)
        elif (s & 0xF0) == 0xB0 and (msg[1] == 64 or msg[1] == 66 or msg[1] == 121):
            _pedal(self.sounding, s, msg[1], msg[2], 1)
        elif (s & 0xF0) == 0xE0:
            _bend(self.sounding, s, msg[1], msg[2], 1)
        elif (s & 0xF0) == 0xB0 and msg[1] == 1:
            _level(self.sounding, 328 + (s & 15), msg[2], 1)
        return
    itf = self.itf
    if not itf.is_open() or (self._sx and s < 0xF8):
        self.dropped = (self.dropped + 1) & 0x3FFFFFFF
        _levels(self, msg, n, 0)
        _missed(self.knob_keys, key, 0)
        return
    k = usb.packets(msg, n, self.cable, self._pkt, 0)
    if not itf.tx_write(self._pkt, k):
        self.dropped = (self.dropped + 1) & 0x3FFFFFFF
        _levels(self, msg, n, 0)
        _missed(self.knob_keys, key, 0)
        return
    self.sent = (self.sent + 1) & 0x3FFFFFFF
    st = s & 0xF0
    if st == 0x90 or st == 0x80:
        _mark(self.sounding, ((s & 15) << 7) | msg[1], st == 0x90 and msg[2])
    elif st == 0xB0 and (msg[1] == 123 or msg[1] == 120):
        _all_off(self.sounding, s & 15)
    else:
        _levels(self, msg, n, 1)


send_native = send_twin
if sys.implementation.name == "micropython":
    import micropython

    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _missed_native(ks, key: int, v: int):
        """_missed_twin in native code (a knob swept while the host is away drops a message
        a scan)."""
        a = ptr32(ks)
        n = int(len(ks))
        i = 0
        while i < n:
            if v < 0:
                if (a[i] & (2 * _MISSED - 1)) == (key | _MISSED):
                    a[i] = key
            elif (a[i] & (_MISSED - 1)) == key:
                a[i] = key | _MISSED | (v << _VALUE)
            i += 1

    _missed = _missed_native

    @micropython.viper
    def _send(self, msg, n: int, key: int):
        """send_twin in native code for a 3-byte channel message (nearly all traffic:
        the USB path's cost per note is mostly the interpreter's); the rest goes the
        interpreted way."""
        m = ptr8(msg)
        s = m[0]
        if n != 3 or s < 0x80 or s >= 0xF0:
            _send_more(self, msg, n, key)
            return
        if self._sx or not self._tx3(self.cable, msg):
            self.dropped = (int(self.dropped) + 1) & 0x3FFFFFFF  # host away or not reading: this port only
            _missed(self.knob_keys, key, m[2])
            if (s & 0xF0) == 0xB0 and (m[1] == 64 or m[1] == 66 or m[1] == 121):
                _pedal(self.sounding, s, m[1], m[2], 0)
            elif (s & 0xF0) == 0xE0:  # (_bend, written out: the stick sends one a scan while it moves)
                snd = ptr8(self.sounding)
                j = 264 + ((s & 15) << 1)
                snd[j] = m[1]
                snd[j + 1] = m[2] | 0x80
            elif (s & 0xF0) == 0xB0 and m[1] == 1:  # (_level, written out: a knob sends one a scan)
                snd = ptr8(self.sounding)
                snd[328 + (s & 15)] = m[2] | 0x80
            return
        self.sent = (int(self.sent) + 1) & 0x3FFFFFFF
        if key and (s & 0xF0) == 0xB0:
            _missed(self.knob_keys, key, -1)  # (a knob's CC, delivered)
        if s < 0xA0:
            # Note Off (8n) or On (9n): sounding = a Note On with a velocity
            i = ((s & 15) << 7) | m[1]
            snd = ptr8(self.sounding)
            if m[2] != 0 and (s & 0x10):
                snd[i >> 3] = snd[i >> 3] | (1 << (i & 7))
            else:
                snd[i >> 3] = snd[i >> 3] & ((1 << (i & 7)) ^ 0xFF)
        elif (s & 0xF0) == 0xB0 and (m[1] == 123 or m[1] == 120):
            _all_off(self.sounding, s & 15)
        elif (s & 0xF0) == 0xB0 and (m[1] == 64 or m[1] == 66 or m[1] == 121):
            _pedal(self.sounding, s, m[1], m[2], 1)
        elif (s & 0xF0) == 0xE0:
            snd = ptr8(self.sounding)
            j = 264 + ((s & 15) << 1)
            snd[j] = m[1]
            snd[j + 1] = m[2] | 0x80
            snd[j + 32] = m[1]
            snd[j + 33] = m[2] | 0x80
        elif (s & 0xF0) == 0xB0 and m[1] == 1:
            snd = ptr8(self.sounding)
            snd[328 + (s & 15)] = m[2] | 0x80
            snd[344 + (s & 15)] = m[2] | 0x80

    @micropython.viper
    def _send_more(self, msg, n: int, key: int):
        """send_twin's other messages in native code, where they are channel messages (a
        group of them: a 14-bit CC, an NRPN, a bank change; or one of 2 bytes), a real-time
        byte, a system common message or a SysEx that fits the packet buffer (MIDI IN's passed
        on: MTC, song position, a synth editor's dumps): their packets (usb.packets' for them,
        step for step) written here and the buffer's copy native (MidiPort.tx_write), no
        interpreted frame; anything else (an undefined status, a malformed group) goes the
        interpreted way, which writes or refuses it as usb.packets does."""
        m = ptr8(msg)
        if self._sx and m[0] < 0xF8:  # (DIN IN's SysEx passing in parts: only real-time bytes)
            self.dropped = (int(self.dropped) + 1) & 0x3FFFFFFF
            _levels(self, msg, n, 0)
            _missed(self.knob_keys, key, 0)
            return
        out = ptr8(self._pkt)
        cab = int(self.cable) << 4
        i = 0
        j = 0
        while i < n:
            st = m[i]
            if st >= 0xF8:  # real-time: one byte, CIN F
                size = 1
                cin = 0xF
            elif st >= 0x80 and st < 0xF0:
                size = 2 if (st & 0xE0) == 0xC0 else 3  # C0, D0: 2 bytes
                cin = st >> 4
            elif st == 0xF1 or st == 0xF3:  # MTC quarter frame, song select: CIN 2
                size = 2
                cin = 2
            elif st == 0xF2:  # song position: CIN 3
                size = 3
                cin = 3
            elif st == 0xF6:  # tune request: CIN 5
                size = 1
                cin = 5
            elif st == 0xF0 and i == 0 and n >= 2 and m[n - 1] == 0xF7 and ((n + 2) // 3) * 4 <= int(len(self._pkt)):
                # a SysEx (alone): packets of 3 bytes with CIN 4, the last of 1 to 3 bytes
                # with CIN 5, 6, 7 (usb.packets' steps)
                while n - i > 3:
                    out[j] = cab | 4
                    out[j + 1] = m[i]
                    out[j + 2] = m[i + 1]
                    out[j + 3] = m[i + 2]
                    i += 3
                    j += 4
                out[j] = cab | (n - i + 4)
                out[j + 1] = m[i]
                out[j + 2] = m[i + 1] if n - i > 1 else 0
                out[j + 3] = m[i + 2] if n - i > 2 else 0
                j += 4
                break
            else:
                send_twin(self, msg, n, key)
                return
            if i + size > n or (size > 1 and ((m[i + 1] | m[i + size - 1]) & 0x80)):
                send_twin(self, msg, n, key)  # (refused there, as usb.packets refuses it)
                return
            out[j] = cab | cin
            out[j + 1] = st
            out[j + 2] = m[i + 1] if size >= 2 else 0
            out[j + 3] = m[i + 2] if size == 3 else 0
            i += size
            j += 4
        itf = self.itf
        if not itf.is_open() or not itf.tx_write(self._pkt, j):
            self.dropped = (int(self.dropped) + 1) & 0x3FFFFFFF
            _levels(self, msg, n, 0)
            _missed(self.knob_keys, key, 0)
            return
        self.sent = (int(self.sent) + 1) & 0x3FFFFFFF
        s = m[0] & 0xF0
        if s == 0x90 or s == 0x80:
            i = ((m[0] & 15) << 7) | m[1]
            snd = ptr8(self.sounding)
            if s == 0x90 and m[2] != 0:
                snd[i >> 3] = snd[i >> 3] | (1 << (i & 7))
            else:
                snd[i >> 3] = snd[i >> 3] & ((1 << (i & 7)) ^ 0xFF)
        elif s == 0xB0 and (m[1] == 123 or m[1] == 120):
            _all_off(self.sounding, m[0] & 15)
        elif s == 0xD0:  # (_levels, written out: a pressure pad sends one a scan)
            snd = ptr8(self.sounding)
            snd[360 + (m[0] & 15)] = m[1] | 0x80
            snd[376 + (m[0] & 15)] = m[1] | 0x80
        elif s == 0xB0 and m[1] == 1:
            snd = ptr8(self.sounding)
            snd[328 + (m[0] & 15)] = m[2] | 0x80
            snd[344 + (m[0] & 15)] = m[2] | 0x80
        if s == 0xC0 or n == 8:  # a Program Change (after its Bank Select): none owed now
            _levels(self, msg, n, 1)

    send_native = _send


class UsbOut:
    # The class's unless set (each attribute more fills the instance's table further):
    # host_gone, None, or called (no arguments) once each time service() sees the host go
    # away: from the scan loop, so it must not allocate either. (Not the cable number: read
    # for every message, it is the instance's, where the class's took 0.05 us more a send.)
    host_gone: "Callable[[], object] | None" = None

    def __init__(self, itf, engine, cable=0):
        if cable < 0 or cable > 15:
            raise ValueError("cable %r out of range 0..15" % (cable,))
        self.itf = itf
        self.engine = engine  # for its sounding-note table
        self.cable = cable
        self._tx3 = itf.tx3  # bound once: the hot path skips two lookups
        # where a message's packets are made before they are copied into the TX buffer (the
        # same call: nothing waits here), a 3-byte message's too (_tx_msg, sx_cut)
        self._pkt = bytearray(_PKT_MAX)
        # What the host has been told: a Note On delivered sets, a Note Off delivered clears;
        # one bit per (channel, note), bit i & 7 of byte i >> 3 (i = channel << 7 | note).
        # Then the sustain and sostenuto pedals (bit per channel: sustain's 16, sostenuto's):
        # in 4 bytes what each was meant to be last, in 4 more what the host has (_pedal); then
        # each channel's pitch bend, 32 bytes of each (_bend); then its modulation, 16 bytes
        # of each, and its channel pressure, as much (_level). A host coming back is sent the
        # changes it missed: a pedal let up or a stick let go while it was away holds sound,
        # a modulation or pressure left up goes on wobbling or swelling it.
        self.sounding = bytearray(16 * 128 // 8 + 8 + 64 + 64)
        # What service() last saw of the host: False away, True here; None: back, but still
        # owed Note Offs that did not fit the TX buffer yet (see service()).
        self._was_open = False
        # What the host is owed while it is None: the byte of `sounding` to go on from
        # (-1: nothing owed), and the channels still owed All Notes Off
        self._owed = -1
        self._owed_all = 0
        self._kicked = 0
        self.dropped = 0
        self.sent = 0
        self.reconnects = 0
        # `dropped` as service() last answered it: messages dropped while the host was
        # there (its buffer full: it stopped reading, or a burst) are answered once it has
        # read all it has, as a host coming back is (end_unheld)
        self._taken = 0
        # DIN IN's SysEx passing in parts (sx_put): 0 none, else 1 + what `dropped` was when
        # it began
        self._sx = 0
        # The knobs whose value a host that missed it is sent (build.py sets them: cc, cc14
        # and nrpn knobs, absolute encoders, CC buttons, but those on modulation, the pedals
        # and the channel mode messages, which are tracked above or not to be sent again; and
        # each channel's program buttons), and the key each sends with (send's `key`; a CC
        # button or an absolute encoder with a shift layer is there twice, a key for each
        # (a knob's shift layer is a Knob of its own); a channel's programs
        # under (0xC0 | channel) << 7), with _MISSED set when a message of it was dropped
        # (send, _levels, the native knob run) and the value of a CC or program dropped,
        # both cleared when one is delivered: _resync_knobs sends what each such one owes.
        # (18 attributes with host_gone: leave_room gives this object's table room to spare.)
        self.knobs = ()
        self.knob_keys = array("I")

    # send(msg, n, key): one complete message into the transmit buffer (send_twin; the
    # native one under MicroPython)
    send = send_native

    def service(self):
        """Has something to do when the host came or went, or something was written since
        the last transfer started and none is in flight: `(sent != _kicked and not
        itf.tx_busy) or itf.up != _was_open`, which the scan loop tests inline before
        calling it. Notices the host coming back, and starts a transfer -- a completed
        transfer chains the next by itself.

        A host that comes back may be owed more Note Offs than the TX buffer holds (64
        packets): what does not fit goes on later calls, as the host drains the buffer.
        Until all is out _was_open is None, which `up` (True or False) never equals, so
        the scan loop's test keeps calling service() meanwhile, and notices the host
        leaving again."""
        up = self.itf.up
        if up != self._was_open:
            if not up:
                self._was_open = False
                self._owed = -1
                self._sx = 0  # DIN IN's SysEx passing in parts: the rest is not for this host
                if self.host_gone is not None:
                    self.host_gone()
            else:
                if self._owed < 0:
                    self._host_back()
                self._was_open = True if self._end_owed() else None
        elif up and self.dropped != self._taken and not self._sx and not self.itf.tx_busy:
            # The host was there but did not take what was dropped: its notes whose Note
            # Off was lost would sound for good. It has read all it had (no transfer in
            # flight): what it missed goes now, as to a host coming back.
            self._taken = self.dropped
            self.end_unheld()
        if self.sent != self._kicked:
            self._kicked = self.sent
            if up:
                self.itf.tx_kick()

    def end_unheld(self):
        """A Note Off for every note sounding on the host that the engine does not hold (those
        MIDI IN passed on: DIN IN's Active Sensing has stopped), as many as the TX buffer
        takes now and the rest as it drains, as for a host coming back owed them (service()
        goes on while _was_open is None). With no host there, they wait for its return."""
        if self.itf.up and self._owed < 0:
            self._owed = 0
            self._owed_all = 0
            self._was_open = True if self._end_owed() else None

    def owed_first(self, i):
        """MIDI IN passes on a Note On for note i (channel << 7 | number) while the host is
        still owed Note Offs (a return, end_unheld: they go as it drains its buffer, in order
        of channel and note): those up to note i's go now, as far as the TX buffer takes them,
        so that none owed for note i comes after the new one and cuts it. (A buffer that is
        full leaves the new note no room either.)"""
        k = self._owed
        if k < 0 or k >= 256 or not self.itf.up:
            return
        s = self.sounding
        while k <= i >> 3:
            if s[k] and not self._end_byte(k):
                break
            k += 1
        self._owed = k

    def _host_back(self):
        # Whatever sat in the interface's buffer while the host was away was already
        # dropped by the interface itself as the host configured it (MidiPort.on_open),
        # before anything new went in. What the host is owed, _end_owed sends.
        self.reconnects = (self.reconnects + 1) & 0x3FFFFFFF
        self._taken = self.dropped  # (what it missed while away: _end_owed)
        self._owed = 0
        # The host's first sight of us (power-on): as on DIN, All Notes Off on every channel
        # the pads play. Not on later returns, where it would cut notes still held.
        self._owed_all = 0
        if self.reconnects == 1:
            self._owed_all = self.engine.note_channels | self.engine.channels_used

    def _end_owed(self):
        # A Note Off for every note the host heard start but missed the end of, in order of
        # channel and note, then each pedal, pitch bend, modulation and channel pressure change
        # it missed, then the All Notes Off owed: as many as the TX buffer takes, going on from where the last call
        # stopped. True once all is out. One that does not fit is not dropped, it waits: the
        # state is `sounding` itself (a Note Off delivered clears its bit), so a note played
        # again meanwhile (held by the engine, or ended by a Note Off delivered since) is left
        # alone. (In steps of few locals, counted with while: a frame of more than 11 slots
        # comes from the heap on every call, see Engine._out; this runs on scans while a host
        # is owed more than its buffer takes.)
        s = self.sounding
        k = self._owed
        while k < 256:
            if s[k] and not self._end_byte(k):
                self._owed = k  # the TX buffer is full: the rest waits
                return False
            k += 1
        self._owed = 256
        if not self._resync_pedals() or not self._resync_bends() or not self._resync_levels() or \
                not self._end_all() or not self._resync_knobs():
            return False
        self._owed = -1
        return True

    def _resync_pedals(self):
        # Each pedal the host has otherwise than it was meant to be last (a change dropped
        # while it was away, or not reading): sent again. False when the TX buffer is full.
        s = self.sounding
        b = 0
        while b < 32:
            i = 256 + (b >> 3)
            v = (s[i] >> (b & 7)) & 1
            if v != (s[i + 4] >> (b & 7)) & 1:
                if not self._tx_msg(0xB0 | (b & 15), 66 if b >= 16 else 64, 127 if v else 0):
                    return False
                s[i + 4] = s[i + 4] ^ (1 << (b & 7))
            b += 1
        return True

    def _resync_bends(self):
        # Each channel's pitch bend the host has otherwise than it was meant to be last: sent
        # again. False when the TX buffer is full.
        s = self.sounding
        ch = 0
        while ch < 16:
            j = 264 + (ch << 1)
            if s[j + 1] and (s[j] != s[j + 32] or s[j + 1] != s[j + 33]):
                if not self._tx_msg(0xE0 | ch, s[j], s[j + 1] & 0x7F):
                    return False
                s[j + 32] = s[j]
                s[j + 33] = s[j + 1]
            ch += 1
        return True

    def _resync_levels(self):
        # Each channel's modulation and channel pressure the host has otherwise than they were
        # meant to be last: sent again. False when the TX buffer is full.
        s = self.sounding
        k = 0
        while k < 32:
            j = 328 + (k & 15) + ((k >> 4) << 5)  # (modulation's channels, then pressure's)
            if s[j] and s[j] != s[j + 16]:
                if not (self._tx_msg(0xB0 | k, 1, s[j] & 0x7F) if k < 16 else
                        self._tx_msg(0xD0 | (k & 15), s[j] & 0x7F, 0)):
                    return False
                s[j + 16] = s[j]
            k += 1
        return True

    def _resync_knobs(self):
        # Each knob a message of which was dropped (_MISSED) and none delivered since, sent as
        # _tx_knob says. False when the TX buffer is full: the rest waits.
        ks = self.knob_keys
        i = 0
        while i < len(ks):
            if ks[i] & _MISSED:
                k = self.knobs[i]
                if (k._kind == 0 or k._sink is self.engine or k._sink._modes.shift == k._sink._layer) and \
                        not self._tx_knob(k, ks[i]):
                    return False
                ks[i] &= _MISSED - 1
            i += 1
        return True

    def _tx_knob(self, k, a):
        # What knob k (UsbOut.knobs, its entry a of knob_keys: key, mark, value) owes the host.
        # A CC (a cc knob, an absolute encoder, a CC button in one of its layers): its last
        # value dropped, what DIN OUT had last of it (a knob's `value` follows the pot whether
        # its layer plays or not). A channel's Program Change (its program buttons): the
        # program dropped last, after the Bank Select of the channel's bank, if it has one.
        # A 14-bit or NRPN knob (only on the layer that plays: _resync_knobs): its value as it
        # is now, MSB then LSB, or its parameter and value.
        st = (a >> 7) & 0xFF
        if k._kind == 0:
            if st < 0xC0:
                return self._tx_msg(st, a & 127, a >> _VALUE)
            if k.bank is not None and not (self._tx_msg(0xB0 | k.channel, 0, k.bank >> 7) and
                                           self._tx_msg(0xB0 | k.channel, 32, k.bank & 127)):
                return False
            return self._tx_msg(st, a >> _VALUE, 0)
        st = 0xB0 | k.channel
        a = k.value
        if k._kind == 1:  # 14 bits: MSB, then LSB
            return self._tx_msg(st, k.number, a >> 7) and self._tx_msg(st, k.number + 32, a & 127)
        if not (self._tx_msg(st, 99, k.number >> 7) and self._tx_msg(st, 98, k.number & 127) and
                self._tx_msg(st, 6, a >> 7) and self._tx_msg(st, 38, a & 127)):
            return False
        self.engine.params[16 + k.channel] = 3  # (as Engine.nrpn: the host has it selected)
        return True

    def _end_byte(self, k):
        # The notes of the table's byte k (channel k >> 4) that the engine does not hold:
        # False when the TX buffer is full.
        s = self.sounding
        j = 0
        while j < 8:
            if s[k] >> j & 1 and not self._held((k << 3) | j):
                if not self._tx_msg(0x80 | (k >> 4), ((k << 3) | j) & 127, 64):
                    return False
                s[k] &= ~(1 << j)
            j += 1
        return True

    def _held(self, i):
        # note i (channel << 7 | number) sounds in the engine (a pad or button holds it)
        held = self.engine.sounding  # its row numbers, then a row of counts per channel
        r = held[i >> 7]
        return r and held[16 + ((r - 1) << 7) + (i & 127)]

    def _end_all(self):
        # the All Notes Off owed, each clearing its channel's notes: False when the buffer is full
        chans = self._owed_all
        ch = 0
        while chans:
            if chans & 1:
                if not self._tx_msg(0xB0 | ch, 123, 0):
                    self._owed_all = chans << ch
                    return False
                _all_off(self.sounding, ch)
            chans >>= 1
            ch += 1
        self._owed_all = 0
        return True

    # -- DIN IN's SysEx passed through in parts --------------------------------------------
    def sx_put(self, buf, n):
        """buf[0:n]: a part of a SysEx from DIN IN longer than the parser's buffer (the
        first starts with F0, the last ends with F7; midi/parser.py's SYSEX_PART), as event
        packets: 3 bytes each (CIN 4), the last 1 to 3 with CIN 5, 6 or 7. Nothing but
        real-time bytes may come between its packets on the cable, so until its F7 the
        controller's own messages for USB are dropped as for an absent host (send), and
        once it has gone the host is sent what it missed (_sx_missed). A first part closes
        one still open; the rest of one closed early is dropped."""
        if buf[0] == 0xF0:
            self.sx_cut()
            self._sx = 1 + self.dropped
        elif not self._sx:
            return
        if not self.itf.is_open() or not self.itf.tx_write(self._pkt, self._sx_packets(buf, n)):
            # the host is away or not reading: the rest is lost to it, its next status ends it
            # (counted after _sx_end, which asks whether the controller's own were dropped)
            self._sx_end()
            self.dropped = (self.dropped + 1) & 0x3FFFFFFF
            return
        self.sent = (self.sent + 1) & 0x3FFFFFFF
        if buf[n - 1] == 0xF7:
            self._sx_end()

    def _sx_packets(self, buf, n):
        # buf[0:n] into _pkt as SysEx packets (a part that is not the last is a multiple of 3
        # bytes); returns their bytes. (Few locals: see _end_owed.)
        pkt = self._pkt
        i = 0
        j = 0
        while n - i > 3 or (n - i == 3 and buf[n - 1] != 0xF7):
            pkt[j] = self.cable << 4 | 4
            pkt[j + 1] = buf[i]
            pkt[j + 2] = buf[i + 1]
            pkt[j + 3] = buf[i + 2]
            i += 3
            j += 4
        if i == n:
            return j
        pkt[j] = self.cable << 4 | (4 + n - i)  # the last: 1 to 3 bytes, up to the F7
        pkt[j + 1] = buf[i]
        pkt[j + 2] = buf[i + 1] if n - i > 1 else 0
        pkt[j + 3] = buf[i + 2] if n - i > 2 else 0
        return j + 4

    def sx_cut(self):
        """Close DIN IN's SysEx passing in parts (DIN IN cut it short or fell silent, panic):
        its F7 to the host, if it has room."""
        if self._sx:
            off = self._pkt  # an F7 alone: CIN 5
            off[0] = self.cable << 4 | 5
            off[1] = 0xF7
            off[2] = 0
            off[3] = 0
            if self.itf.is_open() and self.itf.tx_write(off, 4):
                self.sent = (self.sent + 1) & 0x3FFFFFFF
            self._sx_end()

    def _sx_end(self):
        # the SysEx has gone: what the controller's own messages missed meanwhile follows
        missed = self.dropped != self._sx - 1
        self._sx = 0
        self._taken = self.dropped  # (dropped while it passed: answered here)
        if missed and not self._sx_missed():
            self.end_unheld()  # (no room for all of it: the rest as for a returning host)

    def _sx_missed(self):
        # The Note Offs the controller's own notes missed (those sounding on the host that the
        # engine no longer holds, on the channels the controller plays notes on: DIN IN's
        # notes on other channels are left sounding), then its pedals, bends, modulation and
        # pressure. False when the TX buffer is full.
        chans = self.engine.note_channels | self.engine.channels_used
        k = 0
        while k < 256:
            if chans >> (k >> 4) & 1 and self.sounding[k] and not self._end_byte(k):
                return False
            k += 1
        return self._resync_pedals() and self._resync_bends() and self._resync_levels() and self._resync_knobs()

    def _tx_msg(self, status, a, b):
        if self._sx:
            return False  # (DIN IN's SysEx passing: this waits, see sx_put)
        off = self._pkt
        off[0] = status
        off[1] = a
        off[2] = b
        if not self._tx3(self.cable, off):
            return False
        self.sent = (self.sent + 1) & 0x3FFFFFFF
        return True

    def poll_in(self, buf, n):
        """Received USB-MIDI event packets (a multiple of 4 bytes), at most n bytes, copied
        into buf."""
        return self.itf.rx_take(buf, n)
