"""tools/midiview.py: exact text for known messages, and the DIN stream decoder."""
from hypothesis import given, settings
from hypothesis import strategies as st

import midiview
from midiview import DinDecoder, decode_din, describe, describe_usb, format_dump_line, format_line


def h(text):
    return bytes.fromhex(text)


def test_note_names_middle_c_is_c4():
    assert midiview.note_name(60) == "C4"
    assert midiview.note_name(36) == "C2"
    assert midiview.note_name(0) == "C-1"
    assert midiview.note_name(127) == "G9"
    assert midiview.note_name(61) == "C#4"
    e = None
    try:
        midiview.note_name(128)
    except ValueError as exc:
        e = exc
    assert str(e) == "note: 128 is out of range 0..127"


def test_describe_channel_messages():
    assert describe(h("99 24 65")) == "ch 10  Note On            C2 (36)  vel 101"
    assert describe(h("80 3C 40")) == "ch 1   Note Off           C4 (60)  vel 64"
    assert describe(h("90 3C 00")) == "ch 1   Note On            C4 (60)  vel 0 (= Note Off)"
    assert describe(h("AF 30 7F")) == "ch 16  Poly Pressure      C3 (48)  value 127"
    assert describe(h("B0 01 40")) == "ch 1   Control Change     CC 1 Mod Wheel = 64"
    assert describe(h("B0 07 64")) == "ch 1   Control Change     CC 7 Volume = 100"
    assert describe(h("B0 40 7F")) == "ch 1   Control Change     CC 64 Sustain = 127"
    assert describe(h("B0 21 05")) == "ch 1   Control Change     CC 33 Mod Wheel LSB = 5"
    assert describe(h("B0 46 10")) == "ch 1   Control Change     CC 70 = 16"
    assert describe(h("B1 78 00")) == "ch 2   Control Change     CC 120 All Sound Off = 0"
    assert describe(h("B1 79 00")) == "ch 2   Control Change     CC 121 Reset All Controllers = 0"
    assert describe(h("B1 7B 00")) == "ch 2   Control Change     CC 123 All Notes Off = 0"
    assert describe(h("B1 7F 00")) == "ch 2   Control Change     CC 127 Poly On = 0"
    assert describe(h("C2 05")) == "ch 3   Program Change     program 5"
    assert describe(h("D3 40")) == "ch 4   Channel Pressure   value 64"


def test_pitch_bend_signed_and_raw():
    assert describe(h("E0 00 40")) == "ch 1   Pitch Bend         +0 (8192)"
    assert describe(h("E0 00 00")) == "ch 1   Pitch Bend         -8192 (0)"
    assert describe(h("E0 7F 7F")) == "ch 1   Pitch Bend         +8191 (16383)"
    assert describe(h("E5 01 40")) == "ch 6   Pitch Bend         +1 (8193)"


def test_describe_system_messages():
    assert describe(h("F8")) == "       Clock"
    assert describe(h("FA")) == "       Start"
    assert describe(h("FB")) == "       Continue"
    assert describe(h("FC")) == "       Stop"
    assert describe(h("FE")) == "       Active Sensing"
    assert describe(h("FF")) == "       Reset"
    assert describe(h("F6")) == "       Tune Request"
    assert describe(h("F1 35")) == "       MTC Quarter Frame  type 3 value 5"
    assert describe(h("F2 10 20")) == "       Song Position      beat 4112"
    assert describe(h("F3 07")) == "       Song Select        song 7"
    assert describe(h("F0 7E 7F 06 01 F7")) == "       SysEx              F0 7E 7F 06 01 F7  (6 bytes)"
    assert describe(h("F0 7F 7F 06 02 F7")) == (
        "       SysEx              F0 7F 7F 06 02 F7  (6 bytes, MMC Play to every device)")
    assert describe(h("F0 7F 10 06 06 F7")) == (
        "       SysEx              F0 7F 10 06 06 F7  (6 bytes, MMC Record Strobe to device 16)")
    assert describe(h("F0 7F 10 06 7E F7")) == "       SysEx              F0 7F 10 06 7E F7  (6 bytes)"
    long = bytes([0xF0] + list(range(20)) + [0xF7])
    assert describe(long) == ("       SysEx              F0 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E ..."
                              "  (22 bytes)")


def test_describe_what_a_wire_can_carry_that_is_not_a_message():
    assert describe(h("3C 64")) == "       Stray data         3C 64  (no status byte before it)"
    assert describe(h("90 3C")) == "ch 1   Note On            90 3C  (incomplete: 1 of 2 data bytes)"
    assert describe(h("F0 01 02")) == "       SysEx              F0 01 02  (3 bytes, unterminated)"


def test_describe_refuses_what_is_not_one_message():
    for bad, text in (
        (b"", "msg: empty; expected a status byte then 0..2 data bytes (or a SysEx)"),
        (h("90 3C 64 3E"), "msg: 4 bytes for Note On; expected 3"),
        (h("90 3C 90"), "msg: byte 2 is 90; data bytes must be 00..7F"),
        (h("F0 01 F7 02"), "msg: byte 2 is F7; data bytes must be 00..7F"),
    ):
        try:
            describe(bad)
        except ValueError as e:
            assert str(e) == text
        else:
            raise AssertionError("no ValueError for %r" % bad)


def test_format_line_columns():
    assert format_line(0.75, "DIN", h("99 24 65")) == (
        "     0.750  DIN   ch 10  Note On            C2 (36)  vel 101")
    assert format_line(12345.6789, "USB", h("F8")) == " 12345.679  USB          Clock"


def test_describe_usb_packets():
    assert describe_usb(h("09 99 24 65")) == "cable 0  CIN 9  ch 10  Note On            C2 (36)  vel 101"
    assert describe_usb(h("1B B0 7B 00")) == (
        "cable 1  CIN B  ch 1   Control Change     CC 123 All Notes Off = 0")
    assert describe_usb(h("0C C2 05 00")) == "cable 0  CIN C  ch 3   Program Change     program 5"
    assert describe_usb(h("0F F8 00 00")) == "cable 0  CIN F         Clock"
    assert describe_usb(h("04 F0 7E 7F")) == "cable 0  CIN 4         SysEx start/continue  F0 7E 7F"
    assert describe_usb(h("06 01 F7 00")) == "cable 0  CIN 6         SysEx end          01 F7"
    assert describe_usb(h("05 F7 00 00")) == "cable 0  CIN 5         SysEx end          F7"
    assert describe_usb(h("06 F0 F7 00")) == "cable 0  CIN 6         SysEx              F0 F7  (2 bytes)"
    assert describe_usb(h("08 99 24 00")) == (
        "cable 0  CIN 8  ch 10  Note On            C2 (36)  vel 0 (= Note Off)"
        "  (CIN 8 does not match status 99)")
    assert describe_usb(h("09 90 3C 80")) == ("cable 0  CIN 9  invalid: 90 3C 80 "
                                              "(msg: byte 2 is 80; data bytes must be 00..7F)")
    try:
        describe_usb(h("09 90 3C"))
    except ValueError as e:
        assert str(e) == "packet: 3 bytes; a USB-MIDI event packet has 4"
    else:
        raise AssertionError("short packet accepted")


DUMP = h("99 24 65 25 70 F8 26 F8 10 B0 07 64 F0 7E F8 7F F7 40 C2 05 06 E0 00 40 7F 7F"
         " F2 10 20 90 3C B0 01 F0 01")


def test_decoder_running_status_and_interleaved_realtime():
    got = [(o, m.hex(" "), w.hex(" ")) for o, m, w in decode_din(DUMP)]
    assert got == [
        (0, "99 24 65", "99 24 65"),
        (3, "99 25 70", "25 70"),          # running status
        (5, "f8", "f8"),
        (7, "f8", "f8"),                   # clock between the data bytes of the next note
        (6, "99 26 10", "26 10"),
        (9, "b0 07 64", "b0 07 64"),
        (14, "f8", "f8"),                  # clock inside the SysEx
        (12, "f0 7e 7f f7", "f0 7e 7f f7"),
        (17, "40", "40"),                  # SysEx cancelled running status: stray
        (18, "c2 05", "c2 05"),
        (20, "c2 06", "06"),
        (21, "e0 00 40", "e0 00 40"),
        (24, "e0 7f 7f", "7f 7f"),
        (26, "f2 10 20", "f2 10 20"),
        (29, "90 3c", "90 3c"),            # cut short by the next status
        (31, "b0 01", "b0 01"),
        (33, "f0 01", "f0 01"),            # unterminated at the end of the dump (flush)
    ]


def test_decoder_keeps_state_across_feeds_and_counts_offsets():
    dec = DinDecoder()
    assert dec.feed(h("90 3C")) == []
    assert dec.feed(h("64 3E")) == [(0, h("90 3C 64"), h("90 3C 64"))]
    assert dec.feed(h("00 F0 01")) == [(3, h("90 3E 00"), h("3E 00"))]
    assert dec.feed(h("02 F7 3C 3D")) == [(5, h("F0 01 02 F7"), h("F0 01 02 F7"))]
    assert dec.feed(h("FE 3E")) == [(9, h("3C 3D"), h("3C 3D")), (11, h("FE"), h("FE"))]
    assert dec.flush() == [(12, h("3E"), h("3E"))]
    assert dec.flush() == []


def test_system_common_cancels_running_status():
    got = decode_din(h("90 3C 64 F6 3E 00 F3 01 3F 00"))
    assert [(o, m.hex(), w.hex()) for o, m, w in got] == [
        (0, "903c64", "903c64"), (3, "f6", "f6"), (4, "3e00", "3e00"),
        (6, "f301", "f301"), (8, "3f00", "3f00")]


def test_format_dump_line():
    assert format_dump_line(3, h("25 70"), h("99 25 70")) == (
        "       3  25 70     ch 10  Note On            C#2 (37)  vel 112")
    assert format_dump_line(12, h("F0 7E 7F F7"), h("F0 7E 7F F7")) == (
        "      12  F0 7E ..         SysEx              F0 7E 7F F7  (4 bytes)")


# Property: any list of valid messages, sent with running status and with real-time
# bytes dropped in anywhere (even inside messages and SysEx), decodes back exactly.
_channel = st.tuples(st.sampled_from([0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0]),
                     st.integers(0, 15), st.integers(0, 127), st.integers(0, 127))
_sysex = st.lists(st.integers(0, 127), max_size=6).map(lambda d: bytes([0xF0] + d + [0xF7]))
_common = st.sampled_from([h("F1 12"), h("F2 01 02"), h("F3 05"), h("F6")])


def _channel_bytes(t):
    kind, ch, a, b = t
    if kind in (0xC0, 0xD0):
        return bytes([kind | ch, a])
    return bytes([kind | ch, a, b])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_channel.map(_channel_bytes), _sysex, _common), max_size=30),
       st.lists(st.tuples(st.integers(0, 400), st.sampled_from([0xF8, 0xFA, 0xFC, 0xFE])), max_size=8))
def test_decoder_roundtrip_with_running_status(msgs, realtime):
    wire, running = bytearray(), 0
    for m in msgs:
        if m[0] < 0xF0 and m[0] == running:
            wire += m[1:]
        else:
            wire += m
        running = m[0] if m[0] < 0xF0 else 0
    for pos, rt in sorted(realtime, reverse=True):
        wire.insert(min(pos, len(wire)), rt)
    got = decode_din(bytes(wire))
    assert [m for _o, m, _w in got if m[0] < 0xF8] == msgs
    assert sorted(m[0] for _o, m, _w in got if m[0] >= 0xF8) == sorted(rt for _p, rt in realtime)
    # every wire byte is accounted for exactly once
    assert sum(len(w) for _o, _m, w in got) == len(wire)
    for o, _m, w in got:
        assert wire[o] == w[0]


def _firmware_parse(wire):
    from midictl.midi import parser
    p = parser.Parser(sysex_size=64)
    got = []
    for b in wire:
        code = p.feed(b)
        if code == parser.MESSAGE:
            got.append(bytes(p.msg[:p.length]))
        elif code == parser.REALTIME:
            got.append(bytes((p.realtime,)))
        elif code == parser.SYSEX:
            got.append(bytes(p.sysex[:p.sysex_len]))
    return got


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_channel.map(_channel_bytes), _sysex, _common), max_size=20),
       st.lists(st.tuples(st.integers(0, 300), st.sampled_from([0xF8, 0xFE])), max_size=5),
       st.lists(st.tuples(st.integers(0, 300), st.integers(0, 0x7F)), max_size=3))
def test_decoder_agrees_with_the_firmware_parser(msgs, realtime, strays):
    # Stray data bytes included: the firmware drops them (and whatever they break),
    # the host view shows them; the complete messages must be the same, in order.
    wire = bytearray(b"".join(msgs))
    for pos, b in sorted(realtime + strays, reverse=True):
        wire.insert(min(pos, len(wire)), b)
    host = [m for _o, m, _w in decode_din(bytes(wire)) if _complete(m)]
    assert host == _firmware_parse(bytes(wire))


def _complete(m):
    s = m[0]
    if s >= 0xF8:
        return True
    if s == 0xF0:
        return m[-1] == 0xF7 and len(m) > 1
    if s < 0x80:
        return False
    need = midiview.CHANNEL_MESSAGES[s & 0xF0][1] if s < 0xF0 else midiview.SYSTEM_MESSAGES[s][1]
    return len(m) == need + 1
