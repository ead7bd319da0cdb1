# Running status on the DIN side: what is dropped, what cancels it, refresh rules.
from dualtest import hexs, raises

from midictl.compat import ticks_add
from midictl.midi.running import RunningStatus


def _wire(rs, msgs, times=None):
    # Encode each hex message in turn; the whole wire as one hex string.
    out = bytearray(64)
    msg = bytearray(16)
    n = 0
    for k in range(len(msgs)):
        m = bytes.fromhex(msgs[k])
        for i in range(len(m)):
            msg[i] = m[i]
        now = times[k] if times else 0
        n += rs.encode(msg, len(m), out, n, now)
    return hexs(out, n)


def test_repeated_channel_status_is_dropped():
    rs = RunningStatus()
    assert _wire(rs, ["90 3C 64", "90 3E 64", "90 3C 00"]) == "90 3C 64 3E 64 3C 00"
    assert rs.dropped == 2
    # A different channel or kind needs its status.
    assert _wire(rs, ["91 3C 64", "80 3C 40", "80 3D 40", "C0 05"]) == "91 3C 64 80 3C 40 3D 40 C0 05"


def test_returns_bytes_written_at_offset():
    rs = RunningStatus()
    out = bytearray(8)
    assert rs.encode(b"\xB0\x07\x7f", 3, out, 2, 0) == 3
    assert rs.encode(b"\xB0\x07\x00", 3, out, 5, 0) == 2
    assert hexs(out) == "00 00 B0 07 7F 07 00 00"


def test_system_common_and_sysex_cancel():
    rs = RunningStatus()
    assert _wire(rs, ["90 3C 64", "F2 01 02", "90 3C 00"]) == "90 3C 64 F2 01 02 90 3C 00"
    # The state carries over from one call to the next: 90 is still running here.
    assert _wire(rs, ["90 3D 64", "F6", "90 3D 00"]) == "3D 64 F6 90 3D 00"
    assert _wire(rs, ["B0 01 02", "F0 7D 01 F7", "B0 01 03"]) == "B0 01 02 F0 7D 01 F7 B0 01 03"
    assert _wire(rs, ["B0 01 02", "F1 21", "B0 01 03", "B0 01 04"]) == "01 02 F1 21 B0 01 03 01 04"
    assert _wire(rs, ["B0 01 05", "F3 01", "B0 01 06"]) == "01 05 F3 01 B0 01 06"


def test_realtime_passes_through_without_touching_state():
    rs = RunningStatus()
    wire = _wire(rs, ["90 3C 64", "F8", "90 3E 64", "FA", "FC", "FE", "FF", "90 40 64"])
    assert wire == "90 3C 64 F8 3E 64 FA FC FE FF 40 64"
    assert rs.status == 0x90


def test_disabled_never_drops():
    rs = RunningStatus(enabled=False)
    assert _wire(rs, ["90 3C 64", "90 3E 64", "90 3E 00"]) == "90 3C 64 90 3E 64 90 3E 00"
    assert rs.dropped == 0


def test_refresh_every_n_messages():
    rs = RunningStatus(refresh_every=3)
    msgs = ["B0 07 %02X" % v for v in range(7)]
    assert _wire(rs, msgs) == "B0 07 00 07 01 07 02 B0 07 03 07 04 07 05 B0 07 06"
    rs = RunningStatus(refresh_every=1)
    assert _wire(rs, ["B0 07 00", "B0 07 01"]) == "B0 07 00 B0 07 01"
    # Real-time bytes in between do not count as messages.
    rs = RunningStatus(refresh_every=2)
    assert _wire(rs, ["B0 07 00", "F8", "F8", "B0 07 01", "B0 07 02"]) == "B0 07 00 F8 F8 07 01 B0 07 02"


def test_refresh_after_idle_gap_exact_ms():
    rs = RunningStatus(refresh_idle_ms=100)
    msgs = ["90 3C 64", "90 3C 00", "90 3D 64", "90 3D 00", "90 3E 64"]
    # gaps: 99 (dropped), 100 (re-sent), 50 (dropped), 150 (re-sent)
    t0 = 1000
    times = [t0, t0 + 99, t0 + 199, t0 + 249, t0 + 399]
    assert _wire(rs, msgs, times) == "90 3C 64 3C 00 90 3D 64 3D 00 90 3E 64"


def test_idle_gap_across_tick_wrap():
    rs = RunningStatus(refresh_idle_ms=10)
    top = ticks_add(0, -1)  # the last tick before the counter wraps, whatever the port
    times = [ticks_add(top, -5), ticks_add(top, 4), ticks_add(top, 14)]
    assert _wire(rs, ["90 3C 64", "90 3C 00", "90 3D 00"], times) == "90 3C 64 3C 00 90 3D 00"


def test_realtime_does_not_reset_idle_timer():
    rs = RunningStatus(refresh_idle_ms=20)
    msgs = ["90 3C 64", "F8", "F8", "90 3C 00"]
    assert _wire(rs, msgs, [0, 10, 19, 25]) == "90 3C 64 F8 F8 90 3C 00"


def test_reset_forgets_status():
    rs = RunningStatus()
    assert _wire(rs, ["90 3C 64", "90 3C 00"]) == "90 3C 64 3C 00"
    rs.reset()
    assert rs.status == 0
    assert _wire(rs, ["90 3C 64", "90 3C 00"]) == "90 3C 64 3C 00"


def test_bad_arguments():
    assert str(raises(ValueError, RunningStatus, True, -1)) == "refresh_every -1 out of range 0..536870911"
    assert str(raises(ValueError, RunningStatus, True, 0, -5)) == (
        "refresh_idle_ms -5 out of range 0..536870911")
    rs = RunningStatus()
    assert str(raises(ValueError, rs.encode, b"\x3c\x40", 2, bytearray(4), 0, 0)) == (
        "msg[0] 60 out of range 128..255")


def test_msg_off_runs_through_a_sequence():
    rs = RunningStatus()
    seq = bytes.fromhex("B0 63 01 B0 62 02 B0 06 03 B0 26 04")
    out = bytearray(12)
    n = 0
    for m in range(0, 12, 3):
        n += rs.encode(seq, 3, out, n, 0, m)
    assert hexs(out, n) == "B0 63 01 62 02 06 03 26 04"


def test_several_messages_in_one_call():
    rs = RunningStatus()
    out = bytearray(16)
    nrpn = bytes.fromhex("B0 63 01 B0 62 02 B0 06 03 B0 26 04")
    assert rs.encode(nrpn, 12, out, 0, 0) == 9
    assert hexs(out, 9) == "B0 63 01 62 02 06 03 26 04"
    # Bank select then Program Change: the receiver now holds C0, so a CC needs B0 again.
    bank = bytes.fromhex("B0 00 01 B0 20 02 C0 05")
    n = rs.encode(bank, 8, out, 0, 0)
    n += rs.encode(b"\xb0\x07\x7f", 3, out, n, 0)
    assert hexs(out, n) == "00 01 20 02 C0 05 B0 07 7F"
    assert rs.status == 0xB0
    # Counted per message for refresh_every; a trailing SysEx cancels.
    rs = RunningStatus(refresh_every=2)
    n = rs.encode(nrpn, 12, out, 0, 0)
    assert hexs(out, n) == "B0 63 01 62 02 B0 06 03 26 04"
    seq = bytes.fromhex("90 3C 64 F0 01 F7")
    n = rs.encode(seq, 6, out, 0, 0)
    assert hexs(out, n) == "90 3C 64 F0 01 F7" and rs.status == 0
    err = raises(ValueError, rs.encode, nrpn, 5, out, 0, 0)
    assert str(err) == "message at msg[3] needs 3 bytes, 2 given"
