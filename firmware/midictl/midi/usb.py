# USB-MIDI 1.0 event packets (USB Device Class Definition for MIDI Devices 1.0,
# section 4, "USB-MIDI Event Packets"). Each packet is 4 bytes: cable number in the
# high nibble and Code Index Number (CIN) in the low nibble of byte 0, then up to
# three MIDI bytes, padded with 0. No running status on USB: every packet carries
# a whole message (or a piece of a SysEx).

# Table 4-1, "Code Index Number Classifications".
_CIN_MISC = const(0x0)  # reserved for future extensions: ignore
_CIN_CABLE_EVENT = const(0x1)  # reserved for future expansion: ignore
_CIN_COMMON_2 = const(0x2)  # two-byte system common (F1 MTC, F3 song select)
_CIN_COMMON_3 = const(0x3)  # three-byte system common (F2 song position)
_CIN_SYSEX = const(0x4)  # SysEx starts or continues, 3 bytes
_CIN_COMMON_1 = const(0x5)  # single-byte system common (F6), or SysEx ends with 1 byte
_CIN_SYSEX_END_2 = const(0x6)  # SysEx ends with the following two bytes
_CIN_SYSEX_END_3 = const(0x7)  # SysEx ends with the following three bytes
# 0x8..0xE: channel voice, CIN = high nibble of the status byte.
_CIN_BYTE = const(0xF)  # single byte: real-time (or an unparsed byte)

# MIDI bytes each CIN carries (index = CIN); 0 for the reserved CINs 0 and 1.
_CIN_LENGTH = b"\x00\x00\x02\x03\x03\x01\x02\x03\x03\x03\x03\x03\x02\x02\x03\x01"
# Whole length of a non-SysEx message by status: channel voice by high nibble - 8,
# system by low nibble (0 = undefined: F4 F5 F9 FD; F0 and F7 handled apart).
_VOICE_LEN = b"\x03\x03\x03\x03\x02\x02\x03"
_SYSTEM_LEN = b"\x00\x02\x03\x02\x00\x00\x01\x00\x01\x00\x01\x01\x01\x00\x01\x01"
_SYSTEM_CIN = b"\x00\x02\x03\x02\x00\x00\x05\x00\x0f\x00\x0f\x0f\x0f\x00\x0f\x0f"
_SYSEX = const(0xF0)
_EOX = const(0xF7)


def _bad(name, value, lo, hi):
    raise ValueError("%s %r out of range %d..%d" % (name, value, lo, hi))


def cin_length(cin):
    """MIDI bytes a packet with this CIN carries: 1..3, or 0 for the reserved CINs
    0 and 1, whose packets a receiver ignores."""
    if cin & -16:
        _bad("cin", cin, 0, 15)
    return _CIN_LENGTH[cin]


def cin_for(status, n):
    """CIN of the packet that starts a complete message of n bytes beginning with
    `status`. For a SysEx (F0) that is 6 or 7 when the whole message fits in one
    packet (F0 F7, F0 xx F7) and 4 (SysEx starts) otherwise. ValueError for a data
    byte, F7, the undefined F4 F5 F9 FD, or an n that does not fit the status."""
    if status < 0xF0:
        if not 0x80 <= status:
            _bad("status", status, 0x80, 0xFF)
        if n != _VOICE_LEN[(status >> 4) - 8]:
            _bad("n", n, _VOICE_LEN[(status >> 4) - 8], _VOICE_LEN[(status >> 4) - 8])
        return status >> 4
    if status == _SYSEX:
        if n < 2:
            _bad("n", n, 2, 1 << 29)
        return _CIN_SYSEX if n > 3 else n + 4
    if status > 0xFF:
        _bad("status", status, 0x80, 0xFF)
    length = _SYSTEM_LEN[status & 0x0F]
    if length == 0:
        raise ValueError("status 0x%02X is not a message (undefined or EOX)" % status)
    if n != length:
        _bad("n", n, length, length)
    return _SYSTEM_CIN[status & 0x0F]


def packets(msg, n, cable, out, off, msg_off=0):
    """Write the USB-MIDI event packets for msg[msg_off:msg_off + n] to out[off:];
    return the bytes written (a multiple of 4). The bytes are one complete message
    or several in a row (an NRPN or bank select + program change as the encoders
    write them); a SysEx can only be the last. No running status in the input."""
    if cable & -16:
        _bad("cable", cable, 0, 15)
    cable <<= 4
    i = msg_off
    end = msg_off + n
    j = off
    while i < end:
        s = msg[i]
        if s == _SYSEX:
            return _sysex(msg, i, end - i, cable, out, j) - off
        if s < 0xF0:
            if s < 0x80:
                raise ValueError("msg[%d] 0x%02X is not a status byte" % (i, s))
            size = _VOICE_LEN[(s >> 4) - 8]
            cin = s >> 4
        else:
            size = _SYSTEM_LEN[s & 0x0F]
            cin = _SYSTEM_CIN[s & 0x0F]
            if size == 0:
                raise ValueError("status 0x%02X is not a message (undefined or EOX)" % s)
        if i + size > end:
            raise ValueError("message at msg[%d] needs %d bytes, %d given" % (i, size, end - i))
        if size > 1 and (msg[i + 1] | msg[i + size - 1]) & 0x80:
            raise ValueError("data byte >= 0x80 in a %d-byte message" % size)
        out[j + 3] = msg[i + 2] if size == 3 else 0
        out[j + 2] = msg[i + 1] if size >= 2 else 0
        out[j + 1] = s
        out[j] = cable | cin
        i += size
        j += 4
    return j - off


def _sysex(msg, i, n, cable, out, off):
    # msg[i:i + n] is F0 .. F7; returns the offset after the last packet.
    if n < 2 or msg[i + n - 1] != _EOX:
        raise ValueError("SysEx must end with F7 (n %r)" % (n,))
    # Every packet but the last carries 3 bytes with CIN 4; the last 1..3 (F7 last).
    last = off + ((n - 1) // 3) * 4  # offset of the final packet
    rest = n - ((n - 1) // 3) * 3  # bytes in it, 1..3
    out[last + 3] = 0  # IndexError before anything else if `out` is short
    j = off
    while j < last:
        out[j] = cable | _CIN_SYSEX
        out[j + 1] = msg[i]
        out[j + 2] = msg[i + 1]
        out[j + 3] = msg[i + 2]
        i += 3
        j += 4
    out[j] = cable | (rest + 4)  # CIN 5, 6, 7
    out[j + 1] = msg[i]
    out[j + 2] = msg[i + 1] if rest > 1 else 0
    out[j + 3] = msg[i + 2] if rest > 2 else 0
    return j + 4
