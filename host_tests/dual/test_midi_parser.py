# The MIDI IN parser: DIN byte streams and USB-MIDI packets in, exact messages out.
import random

from dualtest import hexs, raises

from midictl.midi.parser import MESSAGE, REALTIME, SYSEX, SYSEX_OVERFLOW, SYSEX_PART, Parser


def _out(p, code):
    if code == MESSAGE:
        return "M " + hexs(p.msg, p.length)
    if code == REALTIME:
        return "R %02X" % p.realtime
    if code == SYSEX:
        return ("S+ " if p.sysex_cont else "S ") + hexs(p.sysex, p.sysex_len)
    if code == SYSEX_PART:
        return "P " + hexs(p.sysex, p.sysex_len)
    if code == SYSEX_OVERFLOW:
        return "O"
    assert code == 0, code
    return None


def _parse(p, hexstream):
    got = []
    for b in bytes.fromhex(hexstream):
        r = _out(p, p.feed(b))
        if r:
            got.append(r)
    return got


def _usb(p, hexpackets):
    got = []
    pk = bytes.fromhex(hexpackets)
    for off in range(0, len(pk), 4):
        r = _out(p, p.feed_usb(pk, off))
        if r:
            got.append(r)
    return got


def test_complete_messages():
    p = Parser()
    assert _parse(p, "90 3C 64 C5 07 E0 00 40 F2 01 02 F1 35 F3 04 F6") == [
        "M 90 3C 64", "M C5 07", "M E0 00 40", "M F2 01 02", "M F1 35", "M F3 04", "M F6"]
    assert p.errors == 0


def test_running_status_on_receive():
    p = Parser()
    assert _parse(p, "90 3C 64 3E 64 3C 00 D1 10 20 30") == [
        "M 90 3C 64", "M 90 3E 64", "M 90 3C 00", "M D1 10", "M D1 20", "M D1 30"]


def test_system_common_clears_running_status():
    p = Parser()
    assert _parse(p, "90 3C 64 F3 01 3C 00") == ["M 90 3C 64", "M F3 01"]
    assert p.errors == 2  # the two data bytes after it had no status
    p = Parser()
    assert _parse(p, "B0 07 10 F0 01 F7 07 11") == ["M B0 07 10", "S F0 01 F7"]
    assert p.errors == 2


def test_realtime_interleaved_anywhere():
    p = Parser()
    stream = "F8 90 F8 3C FA 64 FE 3E FC 64 F0 01 F8 02 FF F7"
    assert _parse(p, stream) == ["R F8", "R F8", "R FA", "M 90 3C 64", "R FE", "R FC", "M 90 3E 64",
                                 "R F8", "R FF", "S F0 01 02 F7"]
    assert p.errors == 0


def test_undefined_status_and_stray_eox_ignored():
    p = Parser()
    assert _parse(p, "90 3C F4 64 F9 3E FD 64 F7 40 00") == [
        "M 90 3C 64", "M 90 3E 64", "M 90 40 00"]
    assert p.errors == 0


def test_undefined_system_common_between_messages_ends_running_status():
    # F4 F5 are system common statuses: what follows them is not running-status data
    # (F5 nn selects a port on some multi-port interfaces; nn is not a note).
    for undefined in ("F4", "F5"):
        p = Parser()
        assert _parse(p, "90 3C 64 %s 02 90 3E 64 40 00" % undefined) == ["M 90 3C 64", "M 90 3E 64", "M 90 40 00"]
        assert p.errors == 1  # the skipped data byte


def test_stray_data_bytes_are_skipped_and_counted():
    p = Parser()
    assert _parse(p, "3C 64 00 90 3C 64") == ["M 90 3C 64"]
    assert p.errors == 3


def test_truncated_message_dropped_and_resynced():
    p = Parser()
    assert _parse(p, "90 3C B0 07 7F") == ["M B0 07 7F"]
    assert p.errors == 1
    assert _parse(p, "E0 F2 01 02") == ["M F2 01 02"]  # a status with no data at all
    assert p.errors == 2
    # Under running status a message cut after its first data byte counts too.
    assert _parse(p, "90 3C 64 3D C0 05") == ["M 90 3C 64", "M C0 05"]
    assert p.errors == 3
    # A status ends an open SysEx: dropped unterminated, counted, then parsed.
    assert _parse(p, "F0 01 02 90 3C 64") == ["M 90 3C 64"]
    assert p.errors == 4


def test_sysex_fits_exactly_then_overflows():
    p = Parser(sysex_size=6)
    assert _parse(p, "F0 01 02 03 04 F7") == ["S F0 01 02 03 04 F7"]
    assert _parse(p, "F0 01 02 03 04 05 F7 90 3C 64") == ["O", "M 90 3C 64"]
    assert p.overflows == 1 and p.errors == 0
    assert _parse(p, "F0 F7") == ["S F0 F7"]
    assert str(raises(ValueError, Parser, 1)) == "sysex_size 1 out of range 2..65536"


def test_sysex_in_parts():
    # room for 7 bytes before the F7: parts of 6 (a multiple of 3, as USB packets carry)
    p = Parser(sysex_size=8, sysex_parts=True)
    assert _parse(p, "F0 01 02 03 04 F7") == ["S F0 01 02 03 04 F7"]  # whole: as before
    assert _parse(p, "F0 01 02 03 04 05 06 07 08 F7") == ["P F0 01 02 03 04 05", "S+ 06 07 08 F7"]
    assert _parse(p, "F0 01 02 03 04 05 06 07 08 09 0A 0B F7") == [
        "P F0 01 02 03 04 05", "P 06 07 08 09 0A 0B", "S+ F7"]
    # real-time bytes inside are reported at once and take no room; a whole SysEx after
    # parts is whole again
    assert _parse(p, "F0 01 F8 02 03 04 05 06 FE F7 F0 7E F7") == [
        "R F8", "P F0 01 02 03 04 05", "R FE", "S+ 06 F7", "S F0 7E F7"]
    assert p.errors == 0 and p.overflows == 0
    # A status cuts it short: what came since the last part is dropped and counted, the
    # status starts its message (the pass-through closes the parts it sent)
    assert _parse(p, "F0 01 02 03 04 05 06 07 90 3C 64 F0 01 F7") == [
        "P F0 01 02 03 04 05", "M 90 3C 64", "S F0 01 F7"]
    assert p.errors == 1
    # the smallest buffer that makes parts: 4 bytes, parts of 3
    p = Parser(sysex_size=4, sysex_parts=True)
    assert _parse(p, "F0 01 02 03 04 F7") == ["P F0 01 02", "S+ 03 04 F7"]
    p = Parser(sysex_size=3, sysex_parts=True)  # too small for parts: long ones overflow
    assert _parse(p, "F0 01 02 F7 F0 01 F7") == ["O", "S F0 01 F7"]


def test_usb_sysex_in_parts_end_on_packet_ends():
    p = Parser(sysex_size=8, sysex_parts=True)
    assert _usb(p, "04 F0 01 02 04 03 04 05 0F F8 00 00 04 06 07 08 06 09 F7 00") == [
        "P F0 01 02 03 04 05", "R F8", "S+ 06 07 08 09 F7"]
    assert p.errors == 0


def test_zero_velocity_note_off():
    p = Parser(zero_velocity_note_off=True)
    assert _parse(p, "93 3C 64 3C 00 3D 00 3D 01") == [
        "M 93 3C 64", "M 83 3C 40", "M 83 3D 40", "M 93 3D 01"]
    p = Parser()
    assert _parse(p, "93 3C 00") == ["M 93 3C 00"]


def test_usb_packets():
    p = Parser()
    assert _usb(p, "09 90 3C 64 08 80 3C 40 0C C1 05 00 0E E0 00 40 02 F1 35 00 03 F2 01 02 "
                   "05 F6 00 00 0F F8 00 00") == [
        "M 90 3C 64", "M 80 3C 40", "M C1 05", "M E0 00 40", "M F1 35", "M F2 01 02", "M F6", "R F8"]
    # Padding bytes beyond the CIN's length are not taken; CIN 0 and 1 are ignored.
    assert _usb(p, "0C C0 05 7F 00 90 3C 64 01 90 3C 64 0C C0 06 00") == ["M C0 05", "M C0 06"]
    assert p.errors == 0


def test_usb_sysex_spanning_packets_with_realtime_between():
    p = Parser()
    assert _usb(p, "06 F0 F7 00 07 F0 01 F7") == ["S F0 F7", "S F0 01 F7"]
    assert _usb(p, "04 F0 01 02 0F F8 00 00 04 03 04 05 05 F7 00 00") == ["R F8", "S F0 01 02 03 04 05 F7"]
    assert _usb(p, "04 F0 01 02 06 03 F7 00 04 F0 01 02 07 03 04 F7") == [
        "S F0 01 02 03 F7", "S F0 01 02 03 04 F7"]


def test_usb_cable_filter():
    p = Parser(cable=2)
    assert _usb(p, "19 90 3C 64 29 91 3C 64 3F F8 00 00") == ["M 91 3C 64"]
    assert p.packet_cable == 2
    p = Parser()
    assert _usb(p, "19 90 3C 64 F9 91 3C 64") == ["M 90 3C 64", "M 91 3C 64"]
    assert p.packet_cable == 15
    assert str(raises(ValueError, Parser, 128, False, 16)) == "cable 16 out of range -1..15"


def test_usb_malformed_packet_drops_its_rest():
    p = Parser()
    # CIN 7 claims three bytes, but the first is complete on its own: the rest of the
    # packet is dropped (and counted) rather than overwrite what is being reported.
    assert _usb(p, "07 F8 F6 00") == ["R F8"]
    assert p.errors == 1
    assert _usb(p, "0B B0 07 05 0F 06 00 00 0B 07 7F 90") == ["M B0 07 05", "M B0 06 07"]
    assert p.errors == 2
    assert hexs(p.msg, 3) == "B0 06 07"


def _valid(p, code):
    if code == MESSAGE:
        s = p.msg[0]
        assert 0x80 <= s <= 0xF6 and s not in (0xF0, 0xF4, 0xF5), s
        if s < 0xF0:
            need = 2 if (s & 0xF0) not in (0xC0, 0xD0) else 1
        else:
            need = (0, 1, 2, 1, 0, 0, 0)[s & 0x0F]
        assert p.length == need + 1
        for i in range(1, p.length):
            assert p.msg[i] < 0x80
    elif code == REALTIME:
        assert p.realtime in (0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF)
    elif code == SYSEX:
        assert p.sysex[0] == 0xF0 and p.sysex[p.sysex_len - 1] == 0xF7
        for i in range(1, p.sysex_len - 1):
            assert p.sysex[i] < 0x80


def test_random_garbage_never_raises_nor_emits_invalid():
    random.seed(7)
    p = Parser(sysex_size=16, zero_velocity_note_off=True)
    pk = bytearray(4)
    counts = [0, 0, 0, 0, 0]
    for _ in range(20000):
        # Garbage, but data-heavy with F0/F7 mixed in, so messages and SysEx complete too.
        kind = random.getrandbits(4)
        if kind < 9:
            b = random.getrandbits(7)
        elif kind < 14:
            b = random.getrandbits(8)
        else:
            b = 0xF0 if kind == 14 else 0xF7
        code = p.feed(b)
        counts[code] += 1
        _valid(p, code)
    for _ in range(5000):
        for i in range(4):
            pk[i] = random.getrandbits(8)
        code = p.feed_usb(pk, 0)
        _valid(p, code)
    # The run exercised every outcome, so the checks above are not vacuous.
    assert counts[MESSAGE] > 100 and counts[REALTIME] > 100
    assert counts[SYSEX] > 20 and counts[SYSEX_OVERFLOW] > 0
    assert p.errors > 0
