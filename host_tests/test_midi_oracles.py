"""midictl.midi against independent implementations (CPython only):
encoders == mido and adafruit_midi bytes; the parser == mido.Parser on the same
messages; garbage never raises and only valid messages and packets come out."""
import adafruit_midi.active_sensing as am_as
import adafruit_midi.channel_pressure as am_cp
import adafruit_midi.control_change as am_cc
import adafruit_midi.midi_continue as am_cont
import adafruit_midi.midi_reset as am_reset
import adafruit_midi.mtc_quarter_frame as am_mtc
import adafruit_midi.note_off as am_off
import adafruit_midi.note_on as am_on
import adafruit_midi.pitch_bend as am_pb
import adafruit_midi.polyphonic_key_pressure as am_pp
import adafruit_midi.program_change as am_pc
import adafruit_midi.start as am_start
import adafruit_midi.stop as am_stop
import adafruit_midi.system_exclusive as am_sx
import adafruit_midi.timing_clock as am_clock
import mido
import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st
from midi_validate import check_din_message, check_usb_packet

from midictl.midi import encode as e
from midictl.midi.parser import MESSAGE, REALTIME, SYSEX, SYSEX_OVERFLOW, Parser
from midictl.midi.running import RunningStatus
from midictl.midi.usb import cin_length, packets

ch = st.integers(0, 15)
d7 = st.integers(0, 127)
d14 = st.integers(0, 16383)
payloads = st.binary(max_size=60).map(lambda b: bytes(x & 0x7F for x in b))


def ours(fn, *args):
    buf = bytearray(80)
    n = fn(buf, 0, *args)
    return bytes(buf[:n])


def ada(msg):
    # adafruit_midi's own send path calls __bytes__() (bytes(obj) fails in MicroPython).
    return bytes(msg.__bytes__())


def mm(kind, **fields):
    return bytes(mido.Message(kind, **fields).bytes())


def cc(c, control, value):
    return mm("control_change", channel=c, control=control, value=value)


# --- Encoders == mido == adafruit_midi


@given(ch, d7, d7)
def test_notes_and_pressure(c, a, b):
    assert ours(e.note_on, c, a, b) == bytes(mido.Message("note_on", channel=c, note=a, velocity=b).bytes())
    assert ours(e.note_on, c, a, b) == ada(am_on.NoteOn(a, b, channel=c))
    assert ours(e.note_off, c, a, b) == bytes(mido.Message("note_off", channel=c, note=a, velocity=b).bytes())
    assert ours(e.note_off, c, a, b) == ada(am_off.NoteOff(a, b, channel=c))
    assert ours(e.note_off, c, a) == bytes(mido.Message("note_off", channel=c, note=a, velocity=64).bytes())
    assert ours(e.poly_pressure, c, a, b) == mm("polytouch", channel=c, note=a, value=b)
    assert ours(e.poly_pressure, c, a, b) == ada(am_pp.PolyphonicKeyPressure(a, b, channel=c))
    assert ours(e.channel_pressure, c, a) == bytes(mido.Message("aftertouch", channel=c, value=a).bytes())
    assert ours(e.channel_pressure, c, a) == ada(am_cp.ChannelPressure(a, channel=c))


@given(ch, d7, d7)
def test_control_and_program(c, a, b):
    assert ours(e.control_change, c, a, b) == bytes(cc(c, a, b))
    assert ours(e.control_change, c, a, b) == ada(am_cc.ControlChange(a, b, channel=c))
    assert ours(e.program_change, c, a) == bytes(mido.Message("program_change", channel=c, program=a).bytes())
    assert ours(e.program_change, c, a) == ada(am_pc.ProgramChange(a, channel=c))


@given(ch, d14)
def test_pitch_bend_both_conventions(c, v):
    want = bytes(mido.Message("pitchwheel", channel=c, pitch=v - 8192).bytes())
    assert ours(e.pitch_bend, c, v) == want
    assert ours(e.pitch_bend, c, v) == ada(am_pb.PitchBend(v, channel=c))
    assert ours(e.pitch_bend_signed, c, v - 8192) == want


@given(ch, st.booleans(), st.integers(0, 16))
def test_channel_mode(c, on, voices):
    assert ours(e.all_sound_off, c) == bytes(cc(c, 120, 0))
    assert ours(e.reset_all_controllers, c) == bytes(cc(c, 121, 0))
    assert ours(e.local_control, c, on) == bytes(cc(c, 122, 127 if on else 0))
    assert ours(e.all_notes_off, c) == bytes(cc(c, 123, 0))
    assert ours(e.omni_off, c) == bytes(cc(c, 124, 0))
    assert ours(e.omni_on, c) == bytes(cc(c, 125, 0))
    assert ours(e.mono_on, c, voices) == bytes(cc(c, 126, voices))
    assert ours(e.poly_on, c) == bytes(cc(c, 127, 0))
    assert ours(e.all_notes_off, c) == ada(am_cc.ControlChange(123, 0, channel=c))


@given(ch, st.integers(0, 31), d14, d14, d7, st.booleans())
def test_multi_message_sequences(c, control, v, p, prog, null):
    cc14 = cc(c, control, v >> 7) + cc(c, control + 32, v & 127)
    assert ours(e.control_change_14bit, c, control, v) == cc14
    nrpn = cc(c, 99, p >> 7) + cc(c, 98, p & 127) + cc(c, 6, v >> 7) + cc(c, 38, v & 127)
    assert ours(e.nrpn, c, p, v) == bytes(nrpn)
    rpn = cc(c, 101, p >> 7) + cc(c, 100, p & 127) + cc(c, 6, v >> 7) + cc(c, 38, v & 127)
    if null:
        rpn += cc(c, 101, 127) + cc(c, 100, 127)
    assert ours(e.rpn, c, p, v, null) == bytes(rpn)
    bank = cc(c, 0, v >> 7) + cc(c, 32, v & 127) + mm("program_change", channel=c, program=prog)
    assert ours(e.bank_program, c, v, prog) == bytes(bank)


@given(st.integers(0, 7), st.integers(0, 15), d14, d7)
def test_system_common(t, val, pos, song):
    assert ours(e.mtc_quarter_frame, t, val) == bytes(
        mido.Message("quarter_frame", frame_type=t, frame_value=val).bytes())
    assert ours(e.mtc_quarter_frame, t, val) == ada(am_mtc.MtcQuarterFrame(t, val))
    assert ours(e.song_position, pos) == bytes(mido.Message("songpos", pos=pos).bytes())
    assert ours(e.song_select, song) == bytes(mido.Message("song_select", song=song).bytes())
    assert ours(e.tune_request) == bytes(mido.Message("tune_request").bytes())


@pytest.mark.parametrize("fn, name, cls", [
    (e.timing_clock, "clock", am_clock.TimingClock), (e.start, "start", am_start.Start),
    (e.continue_, "continue", am_cont.Continue), (e.stop, "stop", am_stop.Stop),
    (e.active_sensing, "active_sensing", am_as.ActiveSensing), (e.system_reset, "reset", am_reset.Reset)])
def test_realtime(fn, name, cls):
    assert ours(fn) == bytes(mido.Message(name).bytes()) == ada(cls())


@given(payloads)
def test_sysex(payload):
    assert ours(e.sysex, payload) == bytes(mido.Message("sysex", data=payload).bytes())
    if payload:
        assert ours(e.sysex, payload) == ada(am_sx.SystemExclusive(payload[:1], payload[1:]))


# --- Random valid messages, as mido builds them

REALTIME_BYTES = (0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF)

# Channel messages on two channels only, so equal statuses follow each other and
# running status really runs (the encoders are checked on all 16 above).
few = st.integers(0, 1)
notes = st.builds(lambda c, n, v: mido.Message("note_on", channel=c, note=n, velocity=v), few, d7, d7)
mido_messages = st.one_of(
    notes, notes, notes, notes,  # weighted: a pad controller mostly plays notes
    st.builds(lambda c, n, v: mido.Message("note_on", channel=c, note=n, velocity=v), few, d7, d7),
    st.builds(lambda c, n, v: mido.Message("note_off", channel=c, note=n, velocity=v), few, d7, d7),
    st.builds(lambda c, n, v: mido.Message("polytouch", channel=c, note=n, value=v), few, d7, d7),
    st.builds(lambda c, n, v: mido.Message("control_change", channel=c, control=n, value=v), few, d7, d7),
    st.builds(lambda c, p: mido.Message("program_change", channel=c, program=p), few, d7),
    st.builds(lambda c, p: mido.Message("aftertouch", channel=c, value=p), few, d7),
    st.builds(lambda c, p: mido.Message("pitchwheel", channel=c, pitch=p - 8192), few, d14),
    st.builds(lambda t, v: mido.Message("quarter_frame", frame_type=t, frame_value=v),
              st.integers(0, 7), st.integers(0, 15)),
    st.builds(lambda p: mido.Message("songpos", pos=p), d14),
    st.builds(lambda s: mido.Message("song_select", song=s), d7),
    st.just(mido.Message("tune_request")),
    st.builds(lambda d: mido.Message("sysex", data=d), payloads),
    st.sampled_from(REALTIME_BYTES).map(lambda b: mido.Message.from_bytes([b])),
)
streams = st.lists(st.tuples(mido_messages, st.lists(st.sampled_from(REALTIME_BYTES), max_size=2),
                             st.integers(0, 60)), max_size=40)


def _collect(p, code, out):
    if code == MESSAGE:
        out.append(bytes(p.msg[:p.length]))
    elif code == REALTIME:
        out.append(bytes([p.realtime]))
    elif code == SYSEX:
        out.append(bytes(p.sysex[:p.sysex_len]))
    else:
        assert code == 0, code


@settings(max_examples=300)
@given(streams, st.integers(0, 4), st.randoms(use_true_random=False))
def test_parser_matches_mido_parser(items, refresh_every, rnd):
    rs = RunningStatus(refresh_every=refresh_every)
    ours_stream = bytearray()
    mido_stream = bytearray()
    out = bytearray(200)
    now = 0
    for msg, realtime, gap in items:
        full = bytes(msg.bytes())
        now += gap
        n = rs.encode(full, len(full), out, 0, now)
        wire = list(out[:n])
        # Real-time bytes land anywhere in our (running-status) bytes before the message
        # completes. mido drops a channel message cut by real-time, so its stream has
        # them just before the message: the order our parser reports them in too.
        lo = 0
        for b in realtime:  # in order, each before the message's last byte
            k = rnd.randint(lo, len(wire) - 1)
            wire.insert(k, b)
            lo = k + 1
        ours_stream += bytes(wire)
        mido_stream += bytes(realtime) + full
    p = Parser(sysex_size=128)
    got = []
    for b in ours_stream:
        _collect(p, p.feed(b), got)
    want = [bytes(m.bytes()) for m in mido.Parser(mido_stream)]
    assert got == want
    assert p.errors == 0
    target(rs.dropped)  # steer the search towards streams where running status saves most


@settings(max_examples=200)
@given(streams, st.integers(0, 15))
def test_usb_round_trip_matches_mido(items, cable):
    p = Parser(sysex_size=128, cable=cable)
    out = bytearray(120)
    got = []
    flat = bytearray()
    for msg, realtime, _gap in items:
        for full in [bytes([b]) for b in realtime] + [bytes(msg.bytes())]:
            flat += full
            n = packets(full, len(full), cable, out, 0)
            # Every packet is valid and carries the message's bytes in order.
            carried = bytearray()
            for o in range(0, n, 4):
                check_usb_packet(out[o:o + 4])
                assert out[o] >> 4 == cable
                carried += out[o + 1:o + 1 + cin_length(out[o] & 15)]
            assert bytes(carried) == full
            for o in range(0, n, 4):
                _collect(p, p.feed_usb(out, o), got)
    assert got == [bytes(m.bytes()) for m in mido.Parser(flat)]


def test_zero_velocity_note_off_vs_mido():
    # mido keeps Note On velocity 0 as note_on; with the option we report Note Off 0x40.
    p = Parser(zero_velocity_note_off=True)
    got = []
    for b in b"\x95\x3c\x00":
        _collect(p, p.feed(b), got)
    assert got == [bytes(mido.Message("note_off", channel=5, note=60, velocity=64).bytes())]


# --- Garbage in: no exception, only valid messages out


@settings(max_examples=300)
@given(st.binary(max_size=400), st.booleans())
def test_din_garbage(data, zero_vel):
    p = Parser(sysex_size=24, zero_velocity_note_off=zero_vel)
    for b in data:
        code = p.feed(b)
        if code == MESSAGE:
            check_din_message(p.msg[:p.length])
        elif code == SYSEX:
            check_din_message(p.sysex[:p.sysex_len])
        elif code == REALTIME:
            check_din_message(bytes([p.realtime]))
        else:
            assert code in (0, SYSEX_OVERFLOW)


@settings(max_examples=300)
@given(st.binary(min_size=4, max_size=400))
def test_usb_garbage(data):
    p = Parser(sysex_size=24)
    out = bytearray(64)
    for off in range(0, len(data) - 3, 4):
        code = p.feed_usb(data, off)
        if code == MESSAGE:
            m = p.msg[:p.length]
        elif code == SYSEX:
            m = p.sysex[:p.sysex_len]
        elif code == REALTIME:
            m = bytes([p.realtime])
        else:
            continue
        check_din_message(m)
        # Whatever the parser lets through can be sent on as valid packets.
        n = packets(m, len(m), 0, out, 0)
        for o in range(0, n, 4):
            check_usb_packet(out[o:o + 4])


# --- The validator itself rejects what it should


@pytest.mark.parametrize("bad", ["", "3C 40", "90 3C", "90 3C 40 00", "90 80 40", "C0 05 06", "F0 01",
                                 "F0 01 90 F7", "F4", "F7", "F9", "F2 01", "F6 00"])
def test_validator_rejects_bad_messages(bad):
    with pytest.raises(AssertionError, match="invalid MIDI"):
        check_din_message(bytes.fromhex(bad))


@pytest.mark.parametrize("bad", ["09 90 3C", "00 00 00 00", "01 90 3C 40", "09 80 3C 40", "0C C0 05 01",
                                 "0F 3C 00 00", "04 F0 01 F7", "05 01 00 00", "06 01 02 00", "02 F2 01 00",
                                 "0B B0 80 00"])
def test_validator_rejects_bad_packets(bad):
    with pytest.raises(AssertionError, match="invalid USB-MIDI packet"):
        check_usb_packet(bytes.fromhex(bad))


def test_validator_accepts_good_ones():
    for good in ["90 3C 40", "C0 05", "F0 F7", "F0 7D 01 F7", "F6", "F8", "F2 01 02", "F1 33"]:
        check_din_message(bytes.fromhex(good))
    for good in ["09 90 3C 40", "0C C0 05 00", "04 F0 01 02", "04 01 02 03", "05 F7 00 00", "06 F0 F7 00",
                 "07 01 02 F7", "05 F6 00 00", "0F F8 00 00", "02 F1 33 00", "13 F2 01 02"]:
        check_usb_packet(bytes.fromhex(good))
