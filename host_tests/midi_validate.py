"""Independent checks of MIDI 1.0 wire messages and USB-MIDI 1.0 event packets, for
any test suite (CPython side). Written from the specifications, not from
midictl.midi, so it can judge that code. Keep the two public names stable:

    check_din_message(data)    one complete message, status byte first
    check_usb_packet(packet)   one 4-byte USB-MIDI event packet

Both raise AssertionError with a text that names the bytes and the rule broken.
"""

# MIDI 1.0 Table I: data bytes after each defined status (channel voice by high nibble).
_VOICE_DATA = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_DATA = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0,
                0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0, 0xFF: 0}
_REALTIME = (0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF)
# USB-MIDI 1.0 Table 4-1: MIDI bytes per Code Index Number (0, 1 reserved).
_CIN_BYTES = {0x2: 2, 0x3: 3, 0x4: 3, 0x5: 1, 0x6: 2, 0x7: 3, 0x8: 3, 0x9: 3, 0xA: 3,
              0xB: 3, 0xC: 2, 0xD: 2, 0xE: 3, 0xF: 1}


def _hex(data):
    return " ".join("%02X" % b for b in data) or "(empty)"


def _fail(data, why):
    raise AssertionError("invalid MIDI %s: %s" % (_hex(data), why))


def check_din_message(data):
    """One complete MIDI 1.0 message: a defined status byte and exactly the data
    bytes it takes, each < 0x80; a SysEx is F0, data bytes, F7."""
    data = bytes(data)
    if not data:
        _fail(data, "empty message")
    status = data[0]
    if status < 0x80:
        _fail(data, "first byte 0x%02X is not a status byte" % status)
    if status == 0xF0:
        if len(data) < 2 or data[-1] != 0xF7:
            _fail(data, "SysEx does not end with F7")
        body = data[1:-1]
    elif status < 0xF0:
        need = _VOICE_DATA[status & 0xF0]
        if len(data) != need + 1:
            _fail(data, "status 0x%02X takes %d data bytes, got %d" % (status, need, len(data) - 1))
        body = data[1:]
    elif status in _SYSTEM_DATA:
        need = _SYSTEM_DATA[status]
        if len(data) != need + 1:
            _fail(data, "status 0x%02X takes %d data bytes, got %d" % (status, need, len(data) - 1))
        body = data[1:]
    else:
        _fail(data, "status 0x%02X is undefined or not a message on its own" % status)
    for i, b in enumerate(body):
        if b >= 0x80:
            _fail(data, "byte %d (0x%02X) should be a data byte < 0x80" % (i + 1, b))


def _data(packet, bytes_, where):
    for i in where:
        if bytes_[i] >= 0x80:
            raise AssertionError("invalid USB-MIDI packet %s: MIDI byte %d (0x%02X) should be data < 0x80"
                                 % (_hex(packet), i, bytes_[i]))


def check_usb_packet(packet):
    """One USB-MIDI 1.0 event packet as a device sends it: a defined CIN whose MIDI
    bytes fit it, unused bytes zero. CIN F is accepted for real-time bytes only
    (the spec also allows unparsed single bytes; a MIDI device has no need to)."""
    packet = bytes(packet)
    if len(packet) != 4:
        raise AssertionError("invalid USB-MIDI packet %s: %d bytes, not 4" % (_hex(packet), len(packet)))
    cin = packet[0] & 0x0F
    m = packet[1:]

    def bad(why):
        raise AssertionError("invalid USB-MIDI packet %s (CIN %X): %s" % (_hex(packet), cin, why))

    if cin not in _CIN_BYTES:
        bad("reserved CIN")
    n = _CIN_BYTES[cin]
    for i in range(n, 3):
        if m[i] != 0:
            bad("unused byte %d is 0x%02X, not 0" % (i + 1, m[i]))
    if cin >= 0x8:
        if cin == 0xF:
            if m[0] not in _REALTIME:
                bad("single byte 0x%02X is not a defined real-time byte" % m[0])
            return
        if m[0] >> 4 != cin:
            bad("status 0x%02X does not match CIN %X" % (m[0], cin))
        _data(packet, m, range(1, n))
    elif cin in (0x2, 0x3):
        if m[0] not in _SYSTEM_DATA or _SYSTEM_DATA[m[0]] + 1 != n:
            bad("0x%02X is not a %d-byte system common message" % (m[0], n))
        _data(packet, m, range(1, n))
    elif cin == 0x4:
        if 0xF7 in m[:3]:
            bad("F7 in a SysEx start/continue packet (needs CIN 5/6/7)")
        _data(packet, m, range(1 if m[0] == 0xF0 else 0, 3))
    elif cin == 0x5:
        if m[0] not in (0xF6, 0xF7):
            bad("single-byte system common must be F6 or a SysEx-ending F7, not 0x%02X" % m[0])
    else:  # 6, 7: SysEx ends with the following 2 or 3 bytes
        if m[n - 1] != 0xF7:
            bad("SysEx end packet does not end with F7")
        _data(packet, m, range(1 if m[0] == 0xF0 else 0, n - 1))
