# Exact bytes and exact error texts for every encoder in midictl.midi.encode.
from dualtest import MICROPYTHON, hexs, no_alloc, raises

from midictl.midi import encode as e
from midictl.midi import spec


def _enc(fn, *args):
    # Encode at offset 2 of a poisoned buffer: the bytes before and after must stay.
    buf = bytearray(b"\xAA" * 24)
    n = fn(buf, 2, *args)
    assert buf[0] == 0xAA and buf[1] == 0xAA
    for i in range(2 + n, 24):
        assert buf[i] == 0xAA, (fn, args, hexs(buf))
    return hexs(buf[2:2 + n])


def test_no_alloc_catches_an_allocation():
    if MICROPYTHON:
        raises(MemoryError, no_alloc, lambda: bytearray(4))


def _err(fn, *args):
    return str(raises(ValueError, fn, bytearray(24), 0, *args))


def test_channel_voice_bytes():
    assert _enc(e.note_on, 0, 60, 100) == "90 3C 64"
    assert _enc(e.note_on, 15, 127, 127) == "9F 7F 7F"
    assert _enc(e.note_on, 9, 0, 0) == "99 00 00"
    assert _enc(e.note_off, 0, 60) == "80 3C 40"
    assert _enc(e.note_off, 3, 61, 0) == "83 3D 00"
    assert _enc(e.note_off, 15, 127, 127) == "8F 7F 7F"
    assert _enc(e.poly_pressure, 1, 64, 33) == "A1 40 21"
    assert _enc(e.control_change, 0, 7, 127) == "B0 07 7F"
    assert _enc(e.control_change, 15, 127, 0) == "BF 7F 00"
    assert _enc(e.program_change, 0, 0) == "C0 00"
    assert _enc(e.program_change, 15, 127) == "CF 7F"
    assert _enc(e.channel_pressure, 4, 90) == "D4 5A"


def test_pitch_bend_unsigned_ends_and_centre():
    assert _enc(e.pitch_bend, 0, 0) == "E0 00 00"
    assert _enc(e.pitch_bend, 0, 8192) == "E0 00 40"
    assert _enc(e.pitch_bend, 0, 16383) == "E0 7F 7F"
    assert _enc(e.pitch_bend, 15, 8193) == "EF 01 40"
    assert _enc(e.pitch_bend, 2, 0x1234) == "E2 34 24"  # LSB first


def test_pitch_bend_signed_ends_and_centre():
    assert _enc(e.pitch_bend_signed, 0, -8192) == "E0 00 00"
    assert _enc(e.pitch_bend_signed, 0, 0) == "E0 00 40"
    assert _enc(e.pitch_bend_signed, 0, 8191) == "E0 7F 7F"
    assert _enc(e.pitch_bend_signed, 5, -1) == "E5 7F 3F"


def test_channel_mode_messages():
    assert _enc(e.all_sound_off, 0) == "B0 78 00"
    assert _enc(e.reset_all_controllers, 1) == "B1 79 00"
    assert _enc(e.local_control, 2, True) == "B2 7A 7F"
    assert _enc(e.local_control, 2, 0) == "B2 7A 00"
    assert _enc(e.all_notes_off, 15) == "BF 7B 00"
    assert _enc(e.omni_off, 0) == "B0 7C 00"
    assert _enc(e.omni_on, 0) == "B0 7D 00"
    assert _enc(e.mono_on, 0, 16) == "B0 7E 10"
    assert _enc(e.mono_on, 0, 0) == "B0 7E 00"
    assert _enc(e.poly_on, 3) == "B3 7F 00"


def test_fourteen_bit_sequences():
    assert _enc(e.control_change_14bit, 0, 1, 0x3FFF) == "B0 01 7F B0 21 7F"
    assert _enc(e.control_change_14bit, 15, 31, 0x81) == "BF 1F 01 BF 3F 01"
    assert _enc(e.control_change_14bit, 0, 0, 0) == "B0 00 00 B0 20 00"
    assert _enc(e.nrpn, 0, 0x1234, 0x2345) == "B0 63 24 B0 62 34 B0 06 46 B0 26 45"
    assert _enc(e.nrpn, 15, 16383, 0) == "BF 63 7F BF 62 7F BF 06 00 BF 26 00"
    assert _enc(e.rpn, 0, 0, 0x0100) == "B0 65 00 B0 64 00 B0 06 02 B0 26 00"
    assert _enc(e.rpn, 1, 2, 8192, True) == (
        "B1 65 00 B1 64 02 B1 06 40 B1 26 00 B1 65 7F B1 64 7F")
    assert _enc(e.rpn_null, 9) == "B9 65 7F B9 64 7F"
    assert _enc(e.bank_program, 0, 0x81, 5) == "B0 00 01 B0 20 01 C0 05"
    assert _enc(e.bank_program, 15, 16383, 127) == "BF 00 7F BF 20 7F CF 7F"


def test_system_common_and_realtime():
    assert _enc(e.mtc_quarter_frame, 0, 0) == "F1 00"
    assert _enc(e.mtc_quarter_frame, 7, 15) == "F1 7F"
    assert _enc(e.mtc_quarter_frame, 3, 9) == "F1 39"
    assert _enc(e.song_position, 0) == "F2 00 00"
    assert _enc(e.song_position, 16383) == "F2 7F 7F"
    assert _enc(e.song_position, 200) == "F2 48 01"
    assert _enc(e.song_select, 127) == "F3 7F"
    assert _enc(e.tune_request) == "F6"
    assert _enc(e.timing_clock) == "F8"
    assert _enc(e.start) == "FA"
    assert _enc(e.continue_) == "FB"
    assert _enc(e.stop) == "FC"
    assert _enc(e.active_sensing) == "FE"
    assert _enc(e.system_reset) == "FF"


def test_sysex():
    assert _enc(e.sysex, b"") == "F0 F7"
    assert _enc(e.sysex, b"\x7d") == "F0 7D F7"
    assert _enc(e.sysex, bytearray(b"\x00\x20\x33\x01\x7f")) == "F0 00 20 33 01 7F F7"
    assert _enc(e.sysex, memoryview(b"\x43\x10\x4c")) == "F0 43 10 4C F7"
    assert _enc(e.sysex, b"\x7d\x01\x02\x03", 2) == "F0 7D 01 F7"
    assert str(raises(ValueError, e.sysex, bytearray(8), 0, b"\x7d\x80")) == (
        "payload[1] 128 out of range 0..127")
    assert str(raises(ValueError, e.sysex, bytearray(8), 0, b"\x7d\x01\xf7")) == (
        "payload[2] 247 out of range 0..127")
    assert str(raises(ValueError, e.sysex, bytearray(8), 0, b"\x01", 2)) == "n 2 out of range 0..1"
    assert str(raises(ValueError, e.sysex, bytearray(8), 0, b"\x01\xf0\x02", 2)) == (
        "payload[1] 240 out of range 0..127")  # the partial-payload path checks too
    buf = bytearray(8)
    raises(ValueError, e.sysex, buf, 0, b"\x01\x90")
    assert buf == bytearray(8)  # a whole bad payload is refused before any write
    # Too small a buffer: IndexError before anything is written.
    buf = bytearray(4)
    raises(IndexError, e.sysex, buf, 0, b"\x01\x02\x03")
    assert buf == bytearray(4)


def test_short_buffer_writes_nothing():
    for fn, args in ((e.note_on, (0, 60, 1)), (e.nrpn, (0, 1, 2)), (e.bank_program, (0, 1, 2)),
                     (e.control_change_14bit, (0, 1, 2)), (e.rpn, (0, 1, 2, True))):
        buf = bytearray(2)
        raises(IndexError, fn, buf, 0, *args)
        assert buf == bytearray(2), fn


def test_value_errors_name_parameter_value_and_range():
    assert _err(e.note_on, 16, 60, 1) == "channel 16 out of range 0..15"
    assert _err(e.note_on, -1, 60, 1) == "channel -1 out of range 0..15"
    assert _err(e.note_on, 0, 128, 1) == "note 128 out of range 0..127"
    assert _err(e.note_on, 0, 1, 128) == "velocity 128 out of range 0..127"
    assert _err(e.note_on, 0, 1, -1) == "velocity -1 out of range 0..127"
    assert _err(e.note_off, 0, -5) == "note -5 out of range 0..127"
    assert _err(e.note_off, 0, 5, 200) == "velocity 200 out of range 0..127"
    assert _err(e.poly_pressure, 0, 5, 128) == "pressure 128 out of range 0..127"
    assert _err(e.control_change, 0, 128, 0) == "control 128 out of range 0..127"
    assert _err(e.control_change, 0, 1, 255) == "value 255 out of range 0..127"
    assert _err(e.program_change, 0, 128) == "program 128 out of range 0..127"
    assert _err(e.channel_pressure, 0, -1) == "pressure -1 out of range 0..127"
    assert _err(e.pitch_bend, 0, 16384) == "value 16384 out of range 0..16383"
    assert _err(e.pitch_bend, 0, -1) == "value -1 out of range 0..16383"
    assert _err(e.pitch_bend_signed, 0, 8192) == "value 8192 out of range -8192..8191"
    assert _err(e.pitch_bend_signed, 0, -8193) == "value -8193 out of range -8192..8191"
    assert _err(e.local_control, 0, 2) == "on 2 out of range 0..1"
    assert _err(e.mono_on, 0, 17) == "channels 17 out of range 0..16"
    assert _err(e.all_notes_off, 16) == "channel 16 out of range 0..15"
    assert _err(e.control_change_14bit, 0, 32, 0) == "control 32 out of range 0..31"
    assert _err(e.control_change_14bit, 0, 1, 16384) == "value 16384 out of range 0..16383"
    assert _err(e.nrpn, 0, 16384, 0) == "param 16384 out of range 0..16383"
    assert _err(e.nrpn, 0, 0, -1) == "value -1 out of range 0..16383"
    assert _err(e.rpn, 0, -1, 0) == "param -1 out of range 0..16383"
    assert _err(e.rpn, 0, 0, 16384, True) == "value 16384 out of range 0..16383"
    assert _err(e.rpn_null, 17) == "channel 17 out of range 0..15"
    assert _err(e.bank_program, 0, 16384, 0) == "bank 16384 out of range 0..16383"
    assert _err(e.bank_program, 0, 0, 128) == "program 128 out of range 0..127"
    assert _err(e.mtc_quarter_frame, 8, 0) == "frame_type 8 out of range 0..7"
    assert _err(e.mtc_quarter_frame, 0, 16) == "value 16 out of range 0..15"
    assert _err(e.song_position, 16384) == "beats 16384 out of range 0..16383"
    assert _err(e.song_select, 128) == "song 128 out of range 0..127"
    msg = str(raises(ValueError, e.note_on, bytearray(4), -1, 0, 1, 1))
    assert msg == "off -1 out of range 0..536870911"
    assert str(raises(ValueError, e.start, bytearray(4), -2)) == "off -2 out of range 0..536870911"


def test_value_error_writes_nothing():
    buf = bytearray(12)
    raises(ValueError, e.nrpn, buf, 0, 0, 5, 16384)
    raises(ValueError, e.note_on, buf, 0, 0, 200, 1)
    assert buf == bytearray(12)


def test_user_numbering():
    assert e.channel_user(1) == 0
    assert e.channel_user(16) == 15
    assert str(raises(ValueError, e.channel_user, 0)) == "channel 0 out of range 1..16"
    assert str(raises(ValueError, e.channel_user, 17)) == "channel 17 out of range 1..16"
    assert e.program_gm(1) == 0
    assert e.program_gm(128) == 127
    assert str(raises(ValueError, e.program_gm, 0)) == "program 0 out of range 1..128"
    assert str(raises(ValueError, e.program_gm, 129)) == "program 129 out of range 1..128"


def test_message_length():
    expect = {0x80: 2, 0x8F: 2, 0x90: 2, 0xA0: 2, 0xB5: 2, 0xC0: 1, 0xCF: 1, 0xD3: 1, 0xE0: 2,
              0xEF: 2, 0xF0: -1, 0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF4: 0, 0xF5: 0, 0xF6: 0, 0xF7: 0,
              0xF8: 0, 0xF9: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFD: 0, 0xFE: 0, 0xFF: 0}
    for status in expect:
        assert e.message_length(status) == expect[status], hex(status)
    assert e.message_length(spec.SYSEX) == spec.VARIABLE_LENGTH
    assert str(raises(ValueError, e.message_length, 0x7F)) == "status 127 out of range 128..255"
    assert str(raises(ValueError, e.message_length, 256)) == "status 256 out of range 128..255"


def test_spec_constants_match_the_encoders():
    buf = bytearray(3)
    e.note_on(buf, 0, 0, 1, 1)
    assert buf[0] == spec.NOTE_ON
    e.all_notes_off(buf, 0, 0)
    assert buf[1] == spec.CC_ALL_NOTES_OFF
    assert spec.PITCH_BEND_CENTRE == 8192 and spec.VALUE14_MAX == 16383


def test_encoders_allocate_nothing():
    buf = bytearray(64)
    payload = bytearray(b"\x7d\x01\x02\x03")
    view = memoryview(payload)

    # encode_extra.py's encoders load on the first use (allocating): asked for once before
    # the heap is locked, as a caller that must not allocate does
    first_use = (e.pitch_bend_signed, e.rpn, e.sysex, e.local_control, e.song_position, e.timing_clock,
                 e.message_length, e.channel_user)
    assert len(first_use) == 8

    def run():
        n = e.note_on(buf, 0, 1, 60, 100)
        n += e.note_off(buf, n, 1, 60)
        n += e.pitch_bend(buf, n, 1, 16383)
        n += e.pitch_bend_signed(buf, n, 1, -8192)
        n += e.control_change_14bit(buf, n, 1, 7, 1000)
        n += e.nrpn(buf, n, 1, 300, 400)
        n += e.rpn(buf, n, 1, 0, 2, True)
        n += e.bank_program(buf, n, 1, 3, 4)
        n = e.sysex(buf, 0, payload) + e.sysex(buf, 6, view) + e.sysex(buf, 12, payload, 2)
        n += e.local_control(buf, n, 0, True)
        n += e.song_position(buf, n, 5) + e.timing_clock(buf, n)
        return e.message_length(0xF2) + e.channel_user(16)

    assert no_alloc(run) == 17


def test_every_channel_encoder_checks_channel_and_offset():
    cases = ((e.note_on, (1, 1)), (e.note_off, (1,)), (e.poly_pressure, (1, 1)), (e.control_change, (1, 1)),
             (e.program_change, (1,)), (e.channel_pressure, (1,)), (e.pitch_bend, (1,)),
             (e.pitch_bend_signed, (1,)), (e.all_sound_off, ()), (e.reset_all_controllers, ()),
             (e.local_control, (1,)), (e.all_notes_off, ()), (e.omni_off, ()), (e.omni_on, ()),
             (e.mono_on, (1,)), (e.poly_on, ()), (e.control_change_14bit, (1, 1)), (e.nrpn, (1, 1)),
             (e.rpn, (1, 1)), (e.rpn, (1, 1, True)), (e.rpn_null, ()), (e.bank_program, (1, 1)))
    for fn, rest in cases:
        buf = bytearray(24)
        for ch in (16, -1, 99):
            err = raises(ValueError, fn, buf, 0, ch, *rest)
            assert str(err) == "channel %d out of range 0..15" % ch, (fn, str(err))
        err = raises(ValueError, fn, buf, -3, 0, *rest)
        assert str(err) == "off -3 out of range 0..536870911", (fn, str(err))
        assert buf == bytearray(24), fn
