# USB-MIDI 1.0 event packets (Table 4-1): exact packets for every CIN.
from dualtest import hexs, raises

from midictl.midi.usb import cin_for, cin_length, packets


def _pk(hexmsg, cable=0):
    m = bytes.fromhex(hexmsg)
    out = bytearray(b"\xAA" * 48)
    n = packets(m, len(m), cable, out, 1)
    assert n % 4 == 0
    assert out[0] == 0xAA and out[1 + n] == 0xAA
    return hexs(out[1:1 + n])


def test_channel_voice_cin_is_high_nibble():
    assert _pk("80 3C 40") == "08 80 3C 40"
    assert _pk("9F 3C 64") == "09 9F 3C 64"
    assert _pk("A1 3C 10") == "0A A1 3C 10"
    assert _pk("B0 07 7F") == "0B B0 07 7F"
    assert _pk("C3 05") == "0C C3 05 00"
    assert _pk("D0 7F") == "0D D0 7F 00"
    assert _pk("E0 00 40") == "0E E0 00 40"


def test_cable_in_high_nibble():
    assert _pk("90 3C 64", 1) == "19 90 3C 64"
    assert _pk("F8", 15) == "FF F8 00 00"
    assert _pk("F0 01 02 03 F7", 5) == "54 F0 01 02 56 03 F7 00"


def test_system_common_and_realtime():
    assert _pk("F1 35") == "02 F1 35 00"  # CIN 2: two-byte system common
    assert _pk("F3 07") == "02 F3 07 00"
    assert _pk("F2 10 20") == "03 F2 10 20"  # CIN 3: three-byte system common
    assert _pk("F6") == "05 F6 00 00"  # CIN 5: single-byte system common
    for rt in ("F8", "FA", "FB", "FC", "FE", "FF"):
        assert _pk(rt) == "0F " + rt + " 00 00"  # CIN F: single byte


def test_sysex_every_short_length():
    assert _pk("F0 F7") == "06 F0 F7 00"
    assert _pk("F0 01 F7") == "07 F0 01 F7"
    assert _pk("F0 01 02 F7") == "04 F0 01 02 05 F7 00 00"
    assert _pk("F0 01 02 03 F7") == "04 F0 01 02 06 03 F7 00"
    assert _pk("F0 01 02 03 04 F7") == "04 F0 01 02 07 03 04 F7"
    assert _pk("F0 01 02 03 04 05 F7") == "04 F0 01 02 04 03 04 05 05 F7 00 00"
    assert _pk("F0 01 02 03 04 05 06 F7") == "04 F0 01 02 04 03 04 05 06 06 F7 00"
    assert _pk("F0 01 02 03 04 05 06 07 F7") == "04 F0 01 02 04 03 04 05 07 06 07 F7"


def test_long_sysex():
    payload = bytearray(100)
    for i in range(100):
        payload[i] = (i * 7) & 0x7F
    msg = bytearray(102)
    msg[0] = 0xF0
    msg[1:101] = payload
    msg[101] = 0xF7
    out = bytearray(200)
    n = packets(msg, 102, 2, out, 0)
    assert n == 136  # 102 bytes = 33 full packets + 3 bytes in the last
    for p in range(33):
        assert out[4 * p] == 0x24, p
        for k in range(3):
            assert out[4 * p + 1 + k] == msg[3 * p + k]
    assert hexs(out[132:136]) == "27 %02X %02X F7" % (msg[99], msg[100])


def test_cin_length_table():
    expect = [0, 0, 2, 3, 3, 1, 2, 3, 3, 3, 3, 3, 2, 2, 3, 1]
    for cin in range(16):
        assert cin_length(cin) == expect[cin], cin
    assert str(raises(ValueError, cin_length, 16)) == "cin 16 out of range 0..15"


def test_cin_for():
    assert cin_for(0x93, 3) == 0x9
    assert cin_for(0xC0, 2) == 0xC
    assert cin_for(0xF1, 2) == 0x2
    assert cin_for(0xF2, 3) == 0x3
    assert cin_for(0xF6, 1) == 0x5
    assert cin_for(0xF8, 1) == 0xF
    assert cin_for(0xF0, 2) == 0x6
    assert cin_for(0xF0, 3) == 0x7
    assert cin_for(0xF0, 4) == 0x4
    assert str(raises(ValueError, cin_for, 0x90, 2)) == "n 2 out of range 3..3"
    assert str(raises(ValueError, cin_for, 0x40, 2)) == "status 64 out of range 128..255"
    assert str(raises(ValueError, cin_for, 0xF4, 1)) == "status 0xF4 is not a message (undefined or EOX)"
    assert str(raises(ValueError, cin_for, 0xF7, 1)) == "status 0xF7 is not a message (undefined or EOX)"
    assert str(raises(ValueError, cin_for, 0xF0, 1)) == "n 1 out of range 2..536870912"


def test_packet_errors():
    out = bytearray(16)
    assert str(raises(ValueError, packets, b"\x90\x3c\x40", 3, 16, out, 0)) == "cable 16 out of range 0..15"
    assert str(raises(ValueError, packets, b"\x90\x3c\x80", 3, 0, out, 0)) == (
        "data byte >= 0x80 in a 3-byte message")
    assert str(raises(ValueError, packets, b"\xf0\x01\x02", 3, 0, out, 0)) == "SysEx must end with F7 (n 3)"
    assert str(raises(ValueError, packets, b"\xfd", 1, 0, out, 0)) == (
        "status 0xFD is not a message (undefined or EOX)")
    short = bytearray(7)
    raises(IndexError, packets, b"\xf0\x01\x02\x03\xf7", 5, 0, short, 0)
    assert short == bytearray(7)


def test_msg_off_sends_one_message_of_a_sequence():
    seq = bytes.fromhex("B0 63 01 B0 62 02 F0 7D 01 02 F7")
    out = bytearray(12)
    assert packets(seq, 3, 0, out, 0, 3) == 4
    assert hexs(out, 4) == "0B B0 62 02"
    assert packets(seq, 5, 0, out, 4, 6) == 8
    assert hexs(out, 12) == "0B B0 62 02 04 F0 7D 01 06 02 F7 00"


def test_several_messages_in_one_call():
    assert _pk("B0 63 01 B0 62 02 B0 06 03 B0 26 04") == "0B B0 63 01 0B B0 62 02 0B B0 06 03 0B B0 26 04"
    assert _pk("B0 00 01 B0 20 02 C0 05", 2) == "2B B0 00 01 2B B0 20 02 2C C0 05 00"
    assert _pk("F8 90 3C 64 F0 01 F7") == "0F F8 00 00 09 90 3C 64 07 F0 01 F7"
    out = bytearray(16)
    err = raises(ValueError, packets, bytes.fromhex("B0 63 01 B0 62"), 5, 0, out, 0)
    assert str(err) == "message at msg[3] needs 3 bytes, 2 given"
    err = raises(ValueError, packets, bytes.fromhex("B0 63 01 62 02"), 5, 0, out, 0)
    assert str(err) == "msg[3] 0x62 is not a status byte"
