# Out-of-range values through the public API of firmware/midictl (issue 7): every
# constructor and method refuses a value outside its range with a ValueError whose message
# names the parameter, the bad value and the allowed range -- and a refused call on an
# existing object changes nothing (its state, the output buffer, the ports).
from dualtest import raises
from rtfakes import count
from midictl.controls.adcfilter import AdcFilter
from midictl.controls.buttons import ModeButton
from midictl.controls.layered import CCButton, NoteButton
from midictl.controls.program import ProgramButton, Programs
from midictl.controls.debounce import BitDebouncer, Debouncer
from midictl.controls.encoder import EncoderCC, Quadrature
from midictl.controls.knob import Knob
from midictl.controls.modes import Modes
from midictl.controls.pads import PadGroup
from midictl.controls.stick import Stick
from midictl.controls.velocity import make_curve
from midictl.din import DinOut
from midictl.engine import Engine
from midictl.midi import encode, usb
from midictl.midi.parser import Parser
from midictl.midi.running import RunningStatus
from midictl.usbout import UsbOut


class Sink:
    """Records calls; any call is a change the refused call must not make."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def rec(*a):
            self.calls.append((name,) + a)

        return rec


class Port:
    def __init__(self):
        self.sent = []

    def send(self, msg, n, key):
        self.sent.append((bytes(msg[:n]), key))


class Itf:
    def __init__(self):
        self.out = bytearray()
        self.rx_ready = False
        self.up = True
        self.tx_busy = False
        self._locked = False

    def is_open(self):
        return True

    def tx_write(self, pkt, n):
        self.out += pkt[:n]
        return True

    def room(self):
        return 256

    def tx3(self, cable, msg):
        self.out += bytes(((cable << 4) | (msg[0] >> 4), msg[0], msg[1], msg[2]))
        return True

    def tx_discard(self):
        pass

    def tx_kick(self):
        pass

    def rx_take(self, buf, nmax):
        return 0


class Uart:
    def write(self, buf, x=None, y=None):
        return count(buf, x, y)


def snapshot(obj, depth=2):
    """A comparable copy of an object's state (buffers copied, nested objects followed)."""
    if isinstance(obj, (bytearray, bytes, memoryview)):
        return ("b", bytes(obj))
    if isinstance(obj, (int, float, str, bool)) or obj is None:
        return obj
    if isinstance(obj, (list, tuple)):
        return ("l", [snapshot(x, depth) for x in obj])
    if isinstance(obj, dict):
        return ("d", sorted([(repr(k), snapshot(v, depth)) for k, v in obj.items()]))
    d = getattr(obj, "__dict__", None)
    if d is None:
        try:
            return ("a", list(obj))  # array.array
        except TypeError:
            return ("o", id(obj))
    if depth == 0:
        return ("o", id(obj))
    return ("s", sorted([(k, snapshot(v, depth - 1)) for k, v in d.items()]))


def refused(names, fn, *args):
    """fn(*args) raises ValueError naming each of `names` (the parameter, the bad value,
    the range); returns the message."""
    e = raises(ValueError, fn, *args)
    msg = str(e)
    for n in names:
        assert n in msg, "%r does not name %r" % (msg, n)
    return msg


def refused_unchanged(objs, names, fn, *args):
    before = [snapshot(o) for o in objs]
    refused(names, fn, *args)
    after = [snapshot(o) for o in objs]
    assert before == after, "a refused call changed state"


# -- constructors ----------------------------------------------------------------------------------


def test_controls_constructors():
    s = Sink()
    m = Modes()
    q = Quadrature()
    refused(["deadzone", "2000", "0..1000"], AdcFilter, 2000)
    refused(["hysteresis", "0", "1..256"], AdcFilter, 24, 0)
    refused(["channel", "16", "0..15"], CCButton, s, 16, 1)
    refused(["cc", "128", "0..127"], CCButton, s, 0, 128)
    refused(["value", "200", "0..127"], CCButton, s, 0, 1, 200)
    refused(["off_value", "-1", "0..127"], CCButton, s, 0, 1, 127, -1)
    refused(["channel", "-1", "0..15"], CCButton, s, 0, 1, 127, 0, False, m, (-1, 5))
    refused(["velocity", "0", "1..127"], NoteButton, s, 0, 60, 0)
    refused(["note", "128", "0..127"], NoteButton, s, 0, 60, 100, m, (0, 128))
    refused(["bank", "16384", "0..16383"], Programs, s, 0, 0, 16384)
    refused(["program", "128", "0..127"], Programs, s, 0, 128)
    refused(["step", "200", "-127..127"], ProgramButton, Programs(s, 0), None, 200)
    refused(["step", "25", "1..24"], ModeButton, m, "transpose_up", 25)
    refused(["action", "panik"], ModeButton, m, "panik")
    refused(["lockout_ms", "0", "1..100"], Debouncer, 0)
    refused(["count", "31", "1..30"], BitDebouncer, 31, 8)
    refused(["steps_per_detent", "3"], Quadrature, 3)
    refused(["channel", "16", "0..15"], EncoderCC, s, q, 16, 1)
    refused(["number", "128", "0..127"], EncoderCC, s, q, 0, 128)
    refused(["encoding", "binary"], EncoderCC, s, q, 0, 1, True, "binary")
    refused(["min..max", "10..5", "0..127"], EncoderCC, s, q, 0, 1, False, "twos_complement", 10, 5)
    refused(["value", "100", "0..64"], EncoderCC, s, q, 0, 1, False, "twos_complement", 0, 64, 100)
    refused(["kind", "note"], Knob, s, 0, 1, "note")
    refused(["channel", "16", "0..15"], Knob, s, 16, 1)
    refused(["number", "128", "0..127"], Knob, s, 0, 128)
    refused(["number", "32", "0..31"], Knob, s, 0, 32, "cc14")
    refused(["max", "128", "0..127"], Knob, s, 0, 1, "cc", 0, 128)
    refused(["min", "100", "0..49"], Knob, s, 0, 1, "cc", 100, 50)
    refused(["octave_range", "11", "0..10"], Modes, 11)
    refused(["count", "31", "1..30"], PadGroup, s, 31)
    refused(["channel", "16", "0..15"], Stick, s, 16)
    refused(["centre_deadzone", "1001", "0..1000"], Stick, s, 0, 2048, 1001)
    refused(["centre", "100", "105..3990"], Stick, s, 0, 100)
    refused(["curve", "exp"], make_curve, "exp")
    refused(["velocity_min", "0", "1..127"], make_curve, "linear", 0)
    refused(["velocity_max", "10", "20..127"], make_curve, "linear", 20, 10)
    refused(["table length", "1", "2..128"], make_curve, "table", 1, 127, 100, [5])
    refused(["table[1]", "0", "1..127"], make_curve, "table", 1, 127, 100, [5, 0])


def test_midi_and_port_constructors():
    refused(["sysex_size", "1", "2..65536"], Parser, 1)
    refused(["cable", "16", "-1..15"], Parser, 128, False, 16)
    refused(["refresh_every", "-1"], RunningStatus, True, -1)
    refused(["refresh_idle_ms", "-5"], RunningStatus, True, 0, -5)
    refused(["cable", "16", "0..15"], UsbOut, Itf(), Engine([]), 16)
    rs = RunningStatus()
    refused(["fifo_size", "3", "4..65536"], DinOut, Uart(), rs, 3)
    refused(["lead_bytes", "0", "1..32"], DinOut, Uart(), rs, 1024, 0)
    refused(["urgent_bytes", "4", "6..32"], DinOut, Uart(), rs, 1024, 6, 4)
    refused(["max_slots", "300", "1..256"], DinOut, Uart(), rs, 1024, 6, 24, 300)


# -- methods on live objects: refused and nothing changed -------------------------------------------------


def test_engine_refuses_and_tracks_nothing():
    p = Port()
    e = Engine([p])
    e.note_on(9, 36, 100)
    for args, names in (((16, 36, 100), ["channel", "16", "0..15"]),
                        ((0, 128, 100), ["note", "128", "0..127"]),  # would alias channel 1 note 0
                        ((0, -1, 100), ["note", "-1", "0..127"]),
                        ((9, 36, 128), ["velocity", "128", "0..127"])):
        refused_unchanged([e, p], names, e.note_on, *args)
    for args, names in (((16, 36, 64), ["channel", "16", "0..15"]), ((9, 164, 64), ["note", "164", "0..127"]),
                        ((9, 36, 128), ["velocity", "128", "0..127"])):
        refused_unchanged([e, p], names, e.note_off, *args)
    refused_unchanged([e, p], ["control", "128", "0..127"], e.cc, 0, 128, 0)
    refused_unchanged([e, p], ["value", "128", "0..127"], e.cc, 0, 1, 128)
    refused_unchanged([e, p], ["control", "32", "0..31"], e.cc14, 0, 32, 0)
    refused_unchanged([e, p], ["value", "16384", "0..16383"], e.cc14, 0, 1, 16384)
    refused_unchanged([e, p], ["param", "16384", "0..16383"], e.nrpn, 0, 16384, 0)
    refused_unchanged([e, p], ["pressure", "128", "0..127"], e.poly_pressure, 0, 1, 128)
    refused_unchanged([e, p], ["pressure", "-1", "0..127"], e.channel_pressure, 0, -1)
    refused_unchanged([e, p], ["program", "128", "0..127"], e.program, 0, 128)
    refused_unchanged([e, p], ["bank", "16384", "0..16383"], e.bank_program, 0, 16384, 0)
    refused_unchanged([e, p], ["value", "16384", "0..16383"], e.bend, 0, 16384)
    # and the one note that did start still ends normally
    e.note_off(9, 36, 64)
    assert e.nsounding == 0 and p.sent[-1] == (bytes([0x89, 36, 64]), 0)


def test_controls_refuse_and_keep_their_state():
    s = Sink()
    m = Modes()
    g = PadGroup(s, 4, m)
    g.set_pad(0, "piezo", 9, 36, make_curve())
    for args, names in (((4, "piezo", 9, 36, make_curve()), ["pad", "4", "0..3"]),
                        ((1, "piezo", 9, 128, make_curve()), ["note", "128", "0..127"]),
                        ((1, "piezo", 9, 40, make_curve(), 1), ["threshold", "1", "2..3399"]),
                        ((1, "piezo", 9, 40, bytearray(5)), ["curve length", "5", "128..128"]),
                        ((1, "fsr", 9, 40, make_curve(), 120, 50, "mono"), ["pressure", "mono"])):
        refused_unchanged([g, m, s], names, g.set_pad, *args)
    refused_unchanged([m], ["notes", "120..130", "0..127"], m.cover, 120, 130)
    k = Knob(s, 0, 7)
    refused_unchanged([k, s], ["value", "128", "0..127"], k.set_remote, 128)
    enc = EncoderCC(s, Quadrature(), 0, 7, False, "twos_complement", 10, 100, 50)
    refused_unchanged([enc, s], ["value", "101", "10..100"], enc.set_remote, 101)
    pr = Programs(s, 0, 5)
    refused_unchanged([pr, s], ["program", "128", "0..127"], pr.select, 128)
    refused_unchanged([pr, s], ["bank", "16384", "0..16383"], pr.select, 3, 16384)
    refused_unchanged([pr, s], ["program", "128", "0..127"], pr.program_change, 128)
    pr.select(5, 2)  # in a bank: MIDI IN's Bank Select counts
    refused_unchanged([pr, s], ["Bank Select", "128", "0..127"], pr.feedback, 0, 128, None)
    refused_unchanged([pr, s], ["Bank Select", "7", "0 or 32"], pr.feedback, 7, 1, None)


def test_midi_core_refuses_without_writing():
    out = bytearray(b"\xaa" * 16)
    refused_unchanged([out], ["channel", "16", "0..15"], encode.note_on, out, 0, 16, 60, 100)
    refused_unchanged([out], ["off", "-1"], encode.control_change, out, -1, 0, 1, 2)
    refused_unchanged([out], ["value", "16384", "0..16383"], encode.pitch_bend, out, 0, 0, 16384)
    rs = RunningStatus()
    rs.encode(bytearray(b"\x90\x3c\x40"), 3, out, 0, 0)
    refused_unchanged([rs, out], ["msg[0]", "60", "128..255"], rs.encode, bytearray(b"\x3c\x40\x00"), 3, out, 0, 0)
    refused_unchanged([out], ["cable", "16", "0..15"], usb.packets, bytearray(b"\x90\x3c\x40"), 3, 16, out, 0)
    refused_unchanged([out], ["data byte"], usb.packets, bytearray(b"\x90\xbc\x40"), 3, 0, out, 0)
    d = DinOut(Uart(), RunningStatus(), max_slots=2)
    d.slot(1)
    d.slot(2)
    refused_unchanged([d], ["too many", "max 2"], d.slot, 3)
