"""The human view of MIDI traffic, shared by the simulator and the host monitor.

One message per line, laid out like the monitors musicians already know:

        12.345  DIN   ch 10  Note On            C2 (36)  vel 101

- time in milliseconds with three decimals (dumps show the byte offset instead);
- channels as users count them, 1..16 (the wire carries 0..15);
- note names with middle C = MIDI note 60 = "C4" (so note 36 = "C2", note 0 = "C-1"),
  the convention of scientific pitch notation and most DAWs and monitors; sharps only;
- controller names for the well-known numbers (MIDI 1.0 Control Change table) and the
  channel mode messages 120..127; 32..63 are shown as the LSB of 0..31 when named;
- pitch bend as a signed offset from the centre 8192 and the raw 0..16383 value;
- program numbers as on the wire, 0..127.

Host-side CPython only: this formats strings freely and is never on the board.
"""

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# Channel voice messages: status high nibble -> (name, data bytes). MIDI 1.0 table 1.
CHANNEL_MESSAGES = {
    0x80: ("Note Off", 2),
    0x90: ("Note On", 2),
    0xA0: ("Poly Pressure", 2),
    0xB0: ("Control Change", 2),
    0xC0: ("Program Change", 1),
    0xD0: ("Channel Pressure", 1),
    0xE0: ("Pitch Bend", 2),
}

# System common (F0..F7) and real-time (F8..FF): status -> (name, data bytes).
# SysEx (F0) has a variable length, ended by F7; the undefined ones carry no data.
SYSTEM_MESSAGES = {
    0xF0: ("SysEx", None),
    0xF1: ("MTC Quarter Frame", 1),
    0xF2: ("Song Position", 2),
    0xF3: ("Song Select", 1),
    0xF4: ("Undefined F4", 0),
    0xF5: ("Undefined F5", 0),
    0xF6: ("Tune Request", 0),
    0xF7: ("End of SysEx", 0),
    0xF8: ("Clock", 0),
    0xF9: ("Undefined F9", 0),
    0xFA: ("Start", 0),
    0xFB: ("Continue", 0),
    0xFC: ("Stop", 0),
    0xFD: ("Undefined FD", 0),
    0xFE: ("Active Sensing", 0),
    0xFF: ("Reset", 0),
}

CC_NAMES = {
    0: "Bank Select", 1: "Mod Wheel", 2: "Breath", 4: "Foot", 5: "Portamento Time",
    6: "Data Entry", 7: "Volume", 8: "Balance", 10: "Pan", 11: "Expression",
    12: "Effect 1", 13: "Effect 2",
    64: "Sustain", 65: "Portamento", 66: "Sostenuto", 67: "Soft Pedal", 68: "Legato",
    69: "Hold 2", 84: "Portamento Control",
    91: "Reverb", 93: "Chorus",
    96: "Data Increment", 97: "Data Decrement",
    98: "NRPN LSB", 99: "NRPN MSB", 100: "RPN LSB", 101: "RPN MSB",
    # Channel mode messages (MIDI 1.0 table 5)
    120: "All Sound Off", 121: "Reset All Controllers", 122: "Local Control",
    123: "All Notes Off", 124: "Omni Off", 125: "Omni On", 126: "Mono On", 127: "Poly On",
}

# USB-MIDI 1.0 section 4, table 4-1: Code Index Number -> (what it carries, bytes used).
CIN_NAMES = {
    0x0: ("Misc (reserved)", 0),
    0x1: ("Cable event (reserved)", 0),
    0x2: ("2-byte System Common", 2),
    0x3: ("3-byte System Common", 3),
    0x4: ("SysEx start/continue", 3),
    0x5: ("1-byte System Common / SysEx end", 1),
    0x6: ("SysEx end, 2 bytes", 2),
    0x7: ("SysEx end, 3 bytes", 3),
    0x8: ("Note Off", 3),
    0x9: ("Note On", 3),
    0xA: ("Poly Pressure", 3),
    0xB: ("Control Change", 3),
    0xC: ("Program Change", 2),
    0xD: ("Channel Pressure", 2),
    0xE: ("Pitch Bend", 3),
    0xF: ("Single byte", 1),
}

SYSEX_SHOWN = 16  # bytes of a SysEx shown before "..."
# MIDI Machine Control commands (Universal Real-Time SysEx F0 7F <device> 06 <command> F7)
MMC_COMMANDS = {0x01: "Stop", 0x02: "Play", 0x03: "Deferred Play", 0x04: "Fast Forward", 0x05: "Rewind",
                0x06: "Record Strobe", 0x07: "Record Exit", 0x08: "Record Pause", 0x09: "Pause"}


def note_name(note):
    """MIDI note number -> name with octave, middle C (60) = C4."""
    if not 0 <= note <= 127:
        raise ValueError("note: %r is out of range 0..127" % (note,))
    return "%s%d" % (NOTE_NAMES[note % 12], note // 12 - 1)


def cc_name(number):
    """Name of a controller number, '' when it has none worth showing."""
    if number in CC_NAMES:
        return CC_NAMES[number]
    if 32 <= number <= 63 and (number - 32) in CC_NAMES:
        return CC_NAMES[number - 32] + " LSB"
    return ""


def hex_bytes(data):
    return " ".join("%02X" % b for b in data)


def _layout(channel, name, detail):
    # Fixed columns so a scrolling monitor reads as a table; trailing blanks dropped.
    chan = "ch %d" % (channel + 1) if channel is not None else ""
    return ("%-5s  %-17s  %s" % (chan, name, detail)).rstrip()


def _channel_detail(kind, data):
    if kind in (0x80, 0x90, 0xA0):
        label = "value" if kind == 0xA0 else "vel"
        text = "%s (%d)  %s %d" % (note_name(data[0]), data[0], label, data[1])
        if kind == 0x90 and data[1] == 0:
            text += " (= Note Off)"  # MIDI 1.0: note on with velocity 0 ends the note
        return text
    if kind == 0xB0:
        name = cc_name(data[0])
        return "CC %d%s = %d" % (data[0], " " + name if name else "", data[1])
    if kind in (0xC0,):
        return "program %d" % data[0]
    if kind == 0xD0:
        return "value %d" % data[0]
    raw = data[0] | (data[1] << 7)  # pitch bend: LSB first, centre 8192
    return "%+d (%d)" % (raw - 8192, raw)


def _system_detail(status, data):
    if status == 0xF1:
        return "type %d value %d" % (data[0] >> 4, data[0] & 0x0F)
    if status == 0xF2:
        return "beat %d" % (data[0] | (data[1] << 7))  # MIDI beats = 16th notes
    if status == 0xF3:
        return "song %d" % data[0]
    return ""


def describe(msg):
    """One complete MIDI message (status byte first) -> one line of text.

    The DIN decoder also hands over what the wire really carried when it was not a
    whole message: a cut-off channel message, an unterminated SysEx, or data bytes
    with no status before them; those are described as such rather than refused.
    """
    msg = bytes(msg)
    if not msg:
        raise ValueError("msg: empty; expected a status byte then 0..2 data bytes (or a SysEx)")
    status = msg[0]
    if status < 0x80:
        return _layout(None, "Stray data", hex_bytes(msg) + "  (no status byte before it)")
    data = msg[1:]
    for i, b in enumerate(data):
        if b >= 0x80 and not (status == 0xF0 and i == len(data) - 1 and b == 0xF7):
            raise ValueError("msg: byte %d is %02X; data bytes must be 00..7F" % (i + 1, b))
    if status == 0xF0:
        ended = data[-1:] == b"\xf7"
        shown = hex_bytes(msg[:SYSEX_SHOWN]) + (" ..." if len(msg) > SYSEX_SHOWN else "")
        extra = "%d bytes" % len(msg) if ended else "%d bytes, unterminated" % len(msg)
        if ended and len(msg) == 6 and msg[1] == 0x7F and msg[3] == 0x06 and msg[4] in MMC_COMMANDS:
            extra += ", MMC %s to %s" % (MMC_COMMANDS[msg[4]],
                                         "every device" if msg[2] == 0x7F else "device %d" % msg[2])
        return _layout(None, "SysEx", "%s  (%s)" % (shown, extra))
    if status < 0xF0:
        kind = status & 0xF0
        name, need = CHANNEL_MESSAGES[kind]
        channel = status & 0x0F
    else:
        name, need = SYSTEM_MESSAGES[status]
        channel = None
    if len(data) > need:
        raise ValueError("msg: %d bytes for %s; expected %d" % (len(msg), name, need + 1))
    if len(data) < need:
        return _layout(channel, name, "%s  (incomplete: %d of %d data bytes)"
                       % (hex_bytes(msg), len(data), need))
    if channel is not None:
        return _layout(channel, name, _channel_detail(status & 0xF0, data))
    return _layout(None, name, _system_detail(status, data))


def describe_usb(packet):
    """A 4-byte USB-MIDI 1.0 event packet -> 'cable N  CIN X  <message>'."""
    packet = bytes(packet)
    if len(packet) != 4:
        raise ValueError("packet: %d bytes; a USB-MIDI event packet has 4" % len(packet))
    cable, cin = packet[0] >> 4, packet[0] & 0x0F
    what, used = CIN_NAMES[cin]
    head = "cable %d  CIN %X  " % (cable, cin)
    body = packet[1:1 + used]
    if cin in (0x0, 0x1):
        return head + what + "  " + hex_bytes(packet[1:])
    if cin == 0x4 or (cin in (0x5, 0x6, 0x7) and body[:1] != b"\xf0" and body[-1:] == b"\xf7"):
        # A fragment of a SysEx that spans several packets: show the raw bytes.
        what = "SysEx start/continue" if cin == 0x4 else "SysEx end"
        return head + _layout(None, what, hex_bytes(body))
    try:
        text = describe(body)
    except ValueError as e:
        return head + "invalid: %s (%s)" % (hex_bytes(packet[1:]), e)
    if cin >= 0x8 and (body[0] >> 4) != cin:
        text += "  (CIN %X does not match status %02X)" % (cin, body[0])
    return head + text


def format_line(t_ms, port, msg):
    """'<time ms, 3 decimals>  <port>  <description>' for a live or simulated stream."""
    return "%10.3f  %-5s %s" % (t_ms, port, describe(msg))


def format_usb_line(t_ms, port, packet):
    return "%10.3f  %-5s %s" % (t_ms, port, describe_usb(packet))


def format_dump_line(offset, wire, msg):
    """A decoded dump line: byte offset, the bytes as they were on the wire (running
    status shows as a missing status byte), then the full message described."""
    wire = bytes(wire)
    shown = hex_bytes(wire) if len(wire) <= 3 else hex_bytes(wire[:2]) + " .."
    return "%8d  %-8s  %s" % (offset, shown, describe(msg))


class DinDecoder:
    """Splits a raw DIN byte stream into messages, as a receiver would see them.

    feed(data) -> list of (offset, message, wire): `offset` is the stream position of
    the message's first byte on the wire, `message` the full message (status restored
    when running status dropped it), `wire` the bytes that message used on the wire.
    Rules (MIDI 1.0 spec, "Running Status" and "System Real Time Messages"):
    - a channel status byte is remembered and reused for data that arrives without one;
    - System Common and SysEx cancel running status; real-time bytes (F8..FF) do not,
      and may sit anywhere, even inside another message or a SysEx: they come out at
      once, before the message they interrupted;
    - any status byte but F7 and real-time ends a SysEx (reported as unterminated);
    - a status byte that cuts a message short reports the incomplete part, and data
      bytes with no status to belong to come out as one stray run; describe() names both.
    Call flush() at the end of a stream for what is still pending.
    """

    def __init__(self):
        self.pos = 0
        self.running = 0
        self._msg = bytearray()   # message being built, status first
        self._wire = bytearray()  # its bytes as they were on the wire
        self._start = 0
        self._need = 0
        self._sysex = False
        self._stray = bytearray()
        self._stray_start = 0

    def _emit(self, out):
        out.append((self._start, bytes(self._msg), bytes(self._wire)))
        self._msg = bytearray()
        self._wire = bytearray()
        self._sysex = False

    def _flush_stray(self, out):
        if self._stray:
            out.append((self._stray_start, bytes(self._stray), bytes(self._stray)))
            self._stray = bytearray()

    def _begin(self, off, status, wire, need):
        self._start = off
        self._msg = bytearray((status,))
        self._wire = bytearray(wire)
        self._need = need

    def feed(self, data):
        out = []
        for b in bytes(data):
            off = self.pos
            self.pos += 1
            if b >= 0xF8:
                self._flush_stray(out)
                out.append((off, bytes((b,)), bytes((b,))))
            elif b >= 0x80:
                self._status(out, off, b)
            elif self._sysex or self._msg:
                self._msg.append(b)
                self._wire.append(b)
                if not self._sysex and len(self._msg) > self._need:
                    self._emit(out)
            elif self.running:
                self._flush_stray(out)
                self._begin(off, self.running, (b,), CHANNEL_MESSAGES[self.running & 0xF0][1])
                self._msg.append(b)
                if len(self._msg) > self._need:
                    self._emit(out)
            else:
                if not self._stray:
                    self._stray_start = off
                self._stray.append(b)
        return out

    def _status(self, out, off, b):
        self._flush_stray(out)
        if self._sysex and b == 0xF7:
            self._msg.append(b)
            self._wire.append(b)
            self._emit(out)
            return
        if self._sysex or self._msg:
            self._emit(out)  # unterminated SysEx or a message cut short
        if b < 0xF0:
            self.running = b
            self._begin(off, b, (b,), CHANNEL_MESSAGES[b & 0xF0][1])
            return
        self.running = 0
        self._begin(off, b, (b,), 0)
        if b == 0xF0:
            self._sysex = True
            return
        self._need = SYSTEM_MESSAGES[b][1]
        if self._need == 0:
            self._emit(out)

    def flush(self):
        """What is still pending at the end of the stream: a stray run, a message cut
        short, or an unterminated SysEx."""
        out = []
        self._flush_stray(out)
        if self._sysex or self._msg:
            self._emit(out)
        return out


def din_line_message(data, running, port="DIN"):
    """A DIN trace line's bytes as the whole message. A line that starts with a data byte
    went out under running status: the status is the port's last channel status, kept in
    `running` (the caller's dict, port -> status) -- a channel status sets it, a system
    common or SysEx status clears it, a real-time byte leaves it alone."""
    if data[0] < 0x80:
        return bytes([running.get(port, 0)]) + data
    if data[0] < 0xF0:
        running[port] = data[0]
    elif data[0] < 0xF8:
        running[port] = 0
    return data


def decode_din(data):
    """A whole DIN dump -> list of (offset, message, wire)."""
    dec = DinDecoder()
    return dec.feed(data) + dec.flush()
