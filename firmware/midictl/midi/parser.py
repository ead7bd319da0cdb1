# The MIDI IN parser: bytes (DIN) or USB-MIDI event packets in, complete messages
# out. Polled one byte or packet at a time, allocation-free, and it never raises
# on any byte 0..255 nor emits an invalid message, so garbage from a cable plugged
# in mid-stream costs at most the messages it overlaps.
#
# Receive rules (MIDI 1.0 Detailed Specification, "Running Status" and Table I):
# - running status: data bytes after a complete channel message start another one
#   with the same status; system common and SysEx clear it;
# - real-time bytes (F8..FF) may arrive between any two bytes, inside SysEx too,
#   and are reported at once without disturbing the message around them;
# - a status byte arriving mid-message truncates it: dropped, counted in `errors`,
#   and parsing resyncs on the new status. A status other than F7 or real-time also
#   ends an open SysEx; it is dropped unterminated and counted the same way;
# - a data byte with no status to run on is skipped and counted in `errors`;
# - undefined status bytes: F9 FD (real-time) are ignored, as is F7 outside a SysEx;
#   F4 F5 (system common) clear the running status as every system common does, so
#   data bytes after them (F5 nn is some interfaces' port select) are skipped, not read
#   as notes; inside a message or a SysEx they are ignored.
#
# What feed()/feed_usb() return; the message stays valid until the next call:
#   0               nothing complete yet
#   MESSAGE         channel voice/mode or system common in msg[0:length], status first
#   REALTIME        the byte is in `realtime`
#   SYSEX           F0 .. F7 in sysex[0:sysex_len]
#   SYSEX_OVERFLOW  a SysEx longer than sysex_size bytes (F0 and F7 included) was
#                   dropped and counted in `overflows`
# With sysex_parts (a pass-through that streams long SysEx on), a SysEx longer than the
# buffer is not dropped but comes in parts, each in sysex[0:sysex_len]:
#   SYSEX_PART      a part that more will follow: the first starts with F0; each is the
#                   largest multiple of 3 bytes the buffer holds (a USB-MIDI SysEx packet
#                   carries 3, so a well-formed stream completes a part on a packet's end)
#   SYSEX           the last part, ending with F7 (sysex_cont is True: it continues parts
#                   reported before; False for a SysEx that came whole)
#   A status byte that cuts short a SysEx reported in part drops what came since the last
#   part (counted in `errors`), as for any SysEx cut short, and starts what it starts:
#   whoever passed the parts on closes it (F7) when the next message or SysEx comes.

MESSAGE = const(1)
REALTIME = const(2)
SYSEX = const(3)
SYSEX_OVERFLOW = const(4)
SYSEX_PART = const(5)

_SYSEX_START = const(0xF0)
_TUNE_REQUEST = const(0xF6)
_EOX = const(0xF7)
_REALTIME_MIN = const(0xF8)
_NOTE_ON = const(0x90)
_NOTE_OFF = const(0x80)
# The release velocity the spec asks of senders that cannot sense one; given to a
# Note On with velocity 0 reported as Note Off.
_DEFAULT_RELEASE = const(0x40)
_COUNT_MASK = const(0x3FFFFFFF)  # counters wrap instead of growing into bignums

# Data bytes per status (MIDI 1.0 Table I): channel voice by high nibble - 8,
# system common by low nibble. F4 F5 (undefined) never get here.
_VOICE_DATA = b"\x02\x02\x02\x02\x01\x01\x02"
_COMMON_DATA = b"\x00\x01\x02\x01\x00\x00\x00\x00"
# USB-MIDI 1.0 Table 4-1: MIDI bytes per Code Index Number; 0 = reserved, ignored.
_CIN_LENGTH = b"\x00\x00\x02\x03\x03\x01\x02\x03\x03\x03\x03\x03\x02\x02\x03\x01"


class Parser:
    """zero_velocity_note_off: report Note On velocity 0 as Note Off (8n, note, 40).
    cable: for feed_usb, only packets of this cable (0..15) are taken, others are
    ignored; -1 takes every cable as one stream (use one Parser per cable if a
    host interleaves SysEx on several cables). `packet_cable` is the cable of the
    last packet taken. sysex_parts: a SysEx longer than the buffer comes in parts
    (SYSEX_PART, see the module comment) instead of being dropped."""

    def __init__(self, sysex_size=128, zero_velocity_note_off=False, cable=-1, sysex_parts=False):
        if not 2 <= sysex_size <= 65536:
            raise ValueError("sysex_size %r out of range 2..65536" % (sysex_size,))
        if not -1 <= cable <= 15:
            raise ValueError("cable %r out of range -1..15" % (cable,))
        self.msg = bytearray(3)
        self.length = 0
        self.realtime = 0
        self.sysex = bytearray(sysex_size)
        self.sysex_len = 0
        self.errors = 0
        self.overflows = 0
        self.cable = cable
        self.packet_cable = 0
        self.zero_velocity_note_off = bool(zero_velocity_note_off)
        self._room = sysex_size - 1  # the last byte is kept for F7
        # the length of a part (0: no parts); at least 3 (sysex_size 4)
        self._part = self._room - self._room % 3 if sysex_parts and sysex_size >= 4 else 0
        self.sysex_cont = False  # the SysEx being received was reported in part already
        self.reset()

    def reset(self):
        """Forget any partial message and the running status (counters stay)."""
        self._status = 0  # running status, or the system common being received
        self._need = 0  # data bytes the current status takes
        self._got = 0  # data bytes received of the open message
        self._open = False  # a message has started and is not complete
        self._in_sysex = False
        self._overflow = False
        self._parted = False  # sysex[] holds a part already reported: the next byte starts anew

    def feed(self, b):
        """Take one byte (0..255); return 0 or a code (see the module comment)."""
        if b < 0x80:
            if self._in_sysex:
                n = self.sysex_len
                if self._parted:
                    self._parted = False
                    n = 0
                if n < self._room:
                    self.sysex[n] = b
                    n += 1
                    self.sysex_len = n
                    if n == self._part:
                        self._parted = True
                        self.sysex_cont = True
                        return SYSEX_PART
                else:
                    self._overflow = True
                return 0
            s = self._status
            if not s:
                self.errors = (self.errors + 1) & _COUNT_MASK  # stray data byte
                return 0
            msg = self.msg
            got = self._got + 1
            if got == 1:
                msg[0] = s  # a Note On may have been rewritten as Note Off
                self._open = True
            msg[got] = b
            if got < self._need:
                self._got = got
                return 0
            self._got = 0
            self._open = False
            self.length = got + 1
            if s >= _SYSEX_START:
                self._status = 0  # system common: nothing runs on after it
            elif b == 0 and self.zero_velocity_note_off and (s & 0xF0) == _NOTE_ON:
                msg[0] = _NOTE_OFF | (s & 0x0F)
                msg[2] = _DEFAULT_RELEASE
            return MESSAGE
        if b >= _REALTIME_MIN:
            if b == 0xF9 or b == 0xFD:
                return 0
            self.realtime = b
            return REALTIME
        if b == 0xF4 or b == 0xF5:
            if not self._open:
                self._status = 0
            return 0
        if self._in_sysex:
            self._in_sysex = False
            if b == _EOX:
                if self._overflow:
                    self._overflow = False
                    self.overflows = (self.overflows + 1) & _COUNT_MASK
                    return SYSEX_OVERFLOW
                n = self.sysex_len
                if self._parted:
                    self._parted = False
                    n = 0
                self.sysex[n] = _EOX
                self.sysex_len = n + 1
                return SYSEX
            self._overflow = False
            self._parted = False
            self.errors = (self.errors + 1) & _COUNT_MASK  # SysEx cut short
        elif b == _EOX:
            return 0
        if self._open:
            self.errors = (self.errors + 1) & _COUNT_MASK  # truncated message
            self._open = False
        self._got = 0
        if b < _SYSEX_START:
            self._status = b
            self._need = _VOICE_DATA[(b >> 4) - 8]
            self._open = True
            return 0
        if b == _SYSEX_START:
            self._status = 0
            self._in_sysex = True
            self.sysex_cont = False
            self.sysex[0] = b
            self.sysex_len = 1
            return 0
        if b == _TUNE_REQUEST:
            self._status = 0
            self.msg[0] = b
            self.length = 1
            return MESSAGE
        self._status = b  # F1 F2 F3: taken as data arrive, then cleared
        self._need = _COMMON_DATA[b & 0x0F]
        self._open = True
        return 0

    def feed_usb(self, pkt, off):
        """Take one 4-byte USB-MIDI event packet at pkt[off:off+4]; the CIN says how
        many of its MIDI bytes count. Returns a code like feed(). In a well-formed
        packet only the last byte completes anything; if an earlier one does, the
        rest of that malformed packet is dropped (one error) so it cannot overwrite
        the message being reported."""
        head = pkt[off]
        if self.cable >= 0 and head >> 4 != self.cable:
            return 0
        n = _CIN_LENGTH[head & 0x0F]
        if n == 0:
            return 0  # CIN 0/1: reserved, to be ignored
        self.packet_cable = head >> 4
        code = self.feed(pkt[off + 1])
        if n > 1:
            if code:
                self.errors = (self.errors + 1) & _COUNT_MASK
                return code
            code = self.feed(pkt[off + 2])
            if n > 2:
                if code:
                    self.errors = (self.errors + 1) & _COUNT_MASK
                    return code
                code = self.feed(pkt[off + 3])
        return code
