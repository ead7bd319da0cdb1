# MIDI 1.0 message encoders: each writes one message into the caller's preallocated
# buffer at `off` and returns the number of bytes written. Nothing is allocated
# unless an argument is out of range, in which case ValueError names the
# parameter, the value and the allowed range; no value is ever masked into a
# different but valid byte.
#
# The fast path checks all arguments with one bitwise test (`x & -2**k` is non-zero
# exactly when an int is outside 0..2**k-1) and only then looks for the culprit.
# The last byte of a message is written first, so a buffer that is too short
# raises IndexError before anything is written.
from midictl.compat import room
from midictl.midi.fast import or_bytes

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# MIDI 1.0 Table I: status bytes (see spec.py for the public names).
_NOTE_OFF = const(0x80)
_NOTE_ON = const(0x90)
_POLY_PRESSURE = const(0xA0)
_CONTROL_CHANGE = const(0xB0)
_PROGRAM_CHANGE = const(0xC0)
_CHANNEL_PRESSURE = const(0xD0)
_PITCH_BEND = const(0xE0)
_SYSEX = const(0xF0)
_SONG_POSITION = const(0xF2)
_EOX = const(0xF7)

# MIDI 1.0 Table III: controller numbers used here.
_CC_BANK_MSB = const(0)
_CC_DATA_MSB = const(6)
_CC_BANK_LSB = const(32)
_CC_DATA_LSB = const(38)
_CC_NRPN_LSB = const(98)
_CC_NRPN_MSB = const(99)
_CC_RPN_LSB = const(100)
_CC_RPN_MSB = const(101)
_RPN_NULL = const(0x7F)

# MIDI 1.0 Table IV: channel mode messages (the others are in encode_extra.py).
_CC_ALL_SOUND_OFF = const(120)
_CC_LOCAL = const(122)
_CC_ALL_NOTES_OFF = const(123)

# Range masks: `v & _NOT_x` is non-zero iff the int v is outside the field.
_NOT_CH = const(-16)  # 0..15
_NOT_7 = const(-128)  # 0..127
_NOT_14 = const(-16384)  # 0..16383
_NOT_CC14 = const(-32)  # 0..31: controllers that have an LSB partner
_NOT_OFF = const(-(1 << 29))  # a buffer offset: never negative, never near 2**30
_BEND_CENTRE = const(8192)


def check_range(name, value, lo, hi):
    """Raise ValueError naming `name` unless lo <= value <= hi (slow path)."""
    if not lo <= value <= hi:
        raise ValueError("%s %r out of range %d..%d" % (name, value, lo, hi))


def _check_common(off, channel):
    check_range("off", off, 0, (1 << 29) - 1)
    check_range("channel", channel, 0, 15)


def _channel3(buf, off, status, channel, a, name_a, b, name_b):
    # Three-byte channel voice message with two 7-bit data bytes.
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((a | b) & _NOT_7):
        _check_common(off, channel)
        check_range(name_a, a, 0, 127)
        check_range(name_b, b, 0, 127)
    buf[off + 2] = b
    buf[off + 1] = a
    buf[off] = status | channel
    return 3


def note_off(buf, off, channel, note, velocity=64):
    # 64 is the release velocity the spec asks of senders that do not sense it.
    return _channel3(buf, off, _NOTE_OFF, channel, note, "note", velocity, "velocity")


def note_on(buf, off, channel, note, velocity):
    # velocity 0 is legal on the wire (it means Note Off); the engine decides.
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((note | velocity) & _NOT_7):
        _check_common(off, channel)
        check_range("note", note, 0, 127)
        check_range("velocity", velocity, 0, 127)
    buf[off + 2] = velocity
    buf[off + 1] = note
    buf[off] = _NOTE_ON | channel
    return 3


def poly_pressure(buf, off, channel, note, pressure):
    return _channel3(buf, off, _POLY_PRESSURE, channel, note, "note", pressure, "pressure")


def control_change(buf, off, channel, control, value):
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((control | value) & _NOT_7):
        _check_common(off, channel)
        check_range("control", control, 0, 127)
        check_range("value", value, 0, 127)
    buf[off + 2] = value
    buf[off + 1] = control
    buf[off] = _CONTROL_CHANGE | channel
    return 3


def _channel2(buf, off, status, channel, a, name_a):
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (a & _NOT_7):
        _check_common(off, channel)
        check_range(name_a, a, 0, 127)
    buf[off + 1] = a
    buf[off] = status | channel
    return 2


def program_change(buf, off, channel, program):
    return _channel2(buf, off, _PROGRAM_CHANGE, channel, program, "program")


def channel_pressure(buf, off, channel, pressure):
    return _channel2(buf, off, _CHANNEL_PRESSURE, channel, pressure, "pressure")


def pitch_bend(buf, off, channel, value):
    """value 0..16383, centre 8192; the wire carries LSB then MSB."""
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (value & _NOT_14):
        _check_common(off, channel)
        check_range("value", value, 0, 16383)
    buf[off + 2] = value >> 7
    buf[off + 1] = value & 0x7F
    buf[off] = _PITCH_BEND | channel
    return 3


def pitch_bend_signed(buf, off, channel, value):
    """value -8192..8191, 0 = no bend."""
    value += _BEND_CENTRE
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (value & _NOT_14):
        _check_common(off, channel)
        check_range("value", value - _BEND_CENTRE, -8192, 8191)
    buf[off + 2] = value >> 7
    buf[off + 1] = value & 0x7F
    buf[off] = _PITCH_BEND | channel
    return 3


# --- Channel mode messages (Table IV): CC 120..127 with fixed or small values. Reset All
# Controllers, Omni Off/On, Mono On and Poly On are in encode_extra.py.


def _mode(buf, off, channel, control, value):
    if (off & _NOT_OFF) | (channel & _NOT_CH):
        _check_common(off, channel)
    buf[off + 2] = value
    buf[off + 1] = control
    buf[off] = _CONTROL_CHANGE | channel
    return 3


def all_sound_off(buf, off, channel):
    return _mode(buf, off, channel, _CC_ALL_SOUND_OFF, 0)


def local_control(buf, off, channel, on):
    """on: True/1 -> 127 (local on), False/0 -> 0 (local off)."""
    if on != 0 and on != 1:
        check_range("on", on, 0, 1)
    return _mode(buf, off, channel, _CC_LOCAL, 127 if on else 0)


def all_notes_off(buf, off, channel):
    return _mode(buf, off, channel, _CC_ALL_NOTES_OFF, 0)


# --- Multi-message sequences, each written as complete messages with full status.


def _pair(buf, off, status, control_msb, control_lsb, value):
    # Two CCs carrying a 14-bit value: MSB first, as receivers latch on the LSB.
    buf[off + 5] = value & 0x7F
    buf[off + 4] = control_lsb
    buf[off + 3] = status
    buf[off + 2] = value >> 7
    buf[off + 1] = control_msb
    buf[off] = status


def control_change_14bit(buf, off, channel, control, value):
    """control 0..31 gets the MSB, control + 32 the LSB (Table III); 6 bytes."""
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (control & _NOT_CC14) | (value & _NOT_14):
        _check_common(off, channel)
        check_range("control", control, 0, 31)
        check_range("value", value, 0, 16383)
    _pair(buf, off, _CONTROL_CHANGE | channel, control, control + 32, value)
    return 6


def _parameter(buf, off, channel, param, value, ctl_msb, ctl_lsb):
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((param | value) & _NOT_14):
        _check_common(off, channel)
        check_range("param", param, 0, 16383)
        check_range("value", value, 0, 16383)
    status = _CONTROL_CHANGE | channel
    _pair(buf, off + 6, status, _CC_DATA_MSB, _CC_DATA_LSB, value)  # tail first
    _pair(buf, off, status, ctl_msb, ctl_lsb, param)
    return 12


def nrpn(buf, off, channel, param, value):
    """CC99 param MSB, CC98 param LSB, CC6 value MSB, CC38 value LSB; 12 bytes."""
    return _parameter(buf, off, channel, param, value, _CC_NRPN_MSB, _CC_NRPN_LSB)


def rpn(buf, off, channel, param, value, null=False):
    """CC101/CC100 select, CC6/CC38 data; 12 bytes, or 18 with the RPN null
    (101/100 = 127/127) after it so later data entry cannot change the parameter."""
    if null:
        if (off & _NOT_OFF) | (channel & _NOT_CH) | ((param | value) & _NOT_14):
            _check_common(off, channel)
            check_range("param", param, 0, 16383)
            check_range("value", value, 0, 16383)
        rpn_null(buf, off + 12, channel)  # tail first, as everywhere
    _parameter(buf, off, channel, param, value, _CC_RPN_MSB, _CC_RPN_LSB)
    return 18 if null else 12


def rpn_null(buf, off, channel):
    """Deselect the current RPN/NRPN: CC101 127, CC100 127; 6 bytes."""
    if (off & _NOT_OFF) | (channel & _NOT_CH):
        _check_common(off, channel)
    status = _CONTROL_CHANGE | channel
    buf[off + 5] = _RPN_NULL
    buf[off + 4] = _CC_RPN_LSB
    buf[off + 3] = status
    buf[off + 2] = _RPN_NULL
    buf[off + 1] = _CC_RPN_MSB
    buf[off] = status
    return 6


def bank_program(buf, off, channel, bank, program):
    """Bank Select CC0 (MSB), CC32 (LSB), then Program Change; 8 bytes."""
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (bank & _NOT_14) | (program & _NOT_7):
        _check_common(off, channel)
        check_range("bank", bank, 0, 16383)
        check_range("program", program, 0, 127)
    buf[off + 7] = program
    buf[off + 6] = _PROGRAM_CHANGE | channel
    _pair(buf, off, _CONTROL_CHANGE | channel, _CC_BANK_MSB, _CC_BANK_LSB, bank)
    return 8


# --- Musician's numbering. Only names ending in _user/_gm take 1-based numbers
# (program_gm is in encode_extra.py).


def channel_user(n):
    """MIDI channel as printed on gear, 1..16 -> wire channel 0..15."""
    if not 1 <= n <= 16:
        check_range("channel", n, 1, 16)
    return n - 1


# --- System common messages (Table I); they cancel running status on the wire. MTC
# Quarter Frame, Song Select and Tune Request are in encode_extra.py.


def song_position(buf, off, beats):
    """Song Position Pointer in MIDI beats (sixteenth notes), 0..16383, LSB first."""
    if (off & _NOT_OFF) | (beats & _NOT_14):
        check_range("off", off, 0, (1 << 29) - 1)
        check_range("beats", beats, 0, 16383)
    buf[off + 2] = beats >> 7
    buf[off + 1] = beats & 0x7F
    buf[off] = _SONG_POSITION
    return 3


def _one(buf, off, status):
    if off & _NOT_OFF:
        check_range("off", off, 0, (1 << 29) - 1)
    buf[off] = status
    return 1


# --- System real-time messages: one byte each. Start, Continue, Stop, Active Sensing and
# System Reset are in encode_extra.py.


def timing_clock(buf, off):
    return _one(buf, off, 0xF8)


# --- System exclusive.


def sysex(buf, off, payload, n=-1, _or=or_bytes, _len=len):
    """F0, payload[0:n] (n = -1: all of it; a manufacturer id is simply its first
    byte or three), F7. Every payload byte must be a data byte (< 0x80).
    (_or, _len: not arguments; bound here, they are locals, not two lookups that miss
    this module's 38 names on every call: a 32-byte SysEx 0.87 -> 0.82 us.)"""
    if off & _NOT_OFF:
        check_range("off", off, 0, (1 << 29) - 1)
    if n < 0:
        # Whole payload (nearly every call): the check is native code (midi/fast.py) and
        # the copy a slice store in C, ~10x the byte loop below. The store allocates
        # nothing since MicroPython 1.22 (py/vm.c builds the slice on the stack for a
        # built-in type); lengths match, so buf keeps its size.
        n = _len(payload)
        end = off + 1 + n
        if n and _or(payload, n) & _NOT_7:
            _bad_payload(payload, n)
        buf[end] = _EOX  # IndexError here, before any write, if buf is short
        buf[off + 1:end] = payload
        buf[off] = _SYSEX
        return n + 2
    if n > len(payload):
        check_range("n", n, 0, len(payload))
    buf[off + n + 1] = _EOX
    acc = 0
    j = off + 1
    for i in range(n):
        b = payload[i]
        acc |= b
        buf[j] = b
        j += 1
    if acc & _NOT_7:
        _bad_payload(payload, n)
    buf[off] = _SYSEX
    return n + 2


def _bad_payload(payload, n):
    for i in range(n):
        check_range("payload[%d]" % i, payload[i], 0, 127)


# Data bytes after each status, Table I. Channel voice indexed by (status >> 4) - 8;
# system messages by status & 0x0F. F0 gives -1 (VARIABLE_LENGTH in spec.py): a
# SysEx runs to F7. Undefined F4 F5 F9 FD, EOX and real-time carry no data: 0.
_VOICE_DATA = b"\x02\x02\x02\x02\x01\x01\x02"
_SYSTEM_DATA = b"\x00\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"


def message_length(status):
    """Number of data bytes that follow `status` (0x80..0xFF); -1 for SysEx (F0)."""
    if status < 0xF0:
        if status < 0x80:
            check_range("status", status, 0x80, 0xFF)
        return _VOICE_DATA[(status >> 4) - 8]
    if status == _SYSEX:
        return -1
    if status > 0xFF:
        check_range("status", status, 0x80, 0xFF)
    return _SYSTEM_DATA[status & 0x0F]


# --- The encoders in encode_extra.py, loaded on first use (PEP 562: a module attribute not
# found here is asked of __getattr__). Each is then kept here, so later calls cost what any
# other encoder's do. Nothing the scan loop, panic or All Notes Off use is there.


def __getattr__(name):
    from midictl.midi import encode_extra

    fn = getattr(encode_extra, name, None)
    if fn is None:
        raise AttributeError("module 'midictl.midi.encode' has no attribute '%s'" % name)
    g = globals()
    g[name] = fn
    room(g)
    return fn


room(globals())  # sysex() looks up len(): no full table to probe (compat.room)
