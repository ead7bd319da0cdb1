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
#
# The encoders the engine sends with write their bytes themselves, through no helper of
# many arguments: MicroPython gives a function whose frame (arguments, locals and stack)
# is more than 11 slots that frame from the heap, on every call (see engine.py, _out).
from midictl.compat import room

# MIDI 1.0 Table I: status bytes (see spec.py for the public names).
_NOTE_OFF = const(0x80)
_NOTE_ON = const(0x90)
_POLY_PRESSURE = const(0xA0)
_CONTROL_CHANGE = const(0xB0)
_PROGRAM_CHANGE = const(0xC0)
_CHANNEL_PRESSURE = const(0xD0)
_PITCH_BEND = const(0xE0)

# MIDI 1.0 Table III: controller numbers used here.
_CC_BANK_MSB = const(0)
_CC_DATA_MSB = const(6)
_CC_BANK_LSB = const(32)
_CC_DATA_LSB = const(38)
_CC_NRPN_LSB = const(98)
_CC_NRPN_MSB = const(99)

# Range masks: `v & _NOT_x` is non-zero iff the int v is outside the field.
_NOT_CH = const(-16)  # 0..15
_NOT_7 = const(-128)  # 0..127
_NOT_14 = const(-16384)  # 0..16383
_NOT_CC14 = const(-32)  # 0..31: controllers that have an LSB partner
_NOT_OFF = const(-(1 << 29))  # a buffer offset: never negative, never near 2**30


def check_range(name, value, lo, hi):
    """Raise ValueError naming `name` unless lo <= value <= hi (slow path)."""
    if not lo <= value <= hi:
        raise ValueError("%s %r out of range %d..%d" % (name, value, lo, hi))


def _check_common(off, channel):
    check_range("off", off, 0, (1 << 29) - 1)
    check_range("channel", channel, 0, 15)


def note_off(buf, off, channel, note, velocity=64):
    # 64 is the release velocity the spec asks of senders that do not sense it.
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((note | velocity) & _NOT_7):
        _check_common(off, channel)
        check_range("note", note, 0, 127)
        check_range("velocity", velocity, 0, 127)
    buf[off + 2] = velocity
    buf[off + 1] = note
    buf[off] = _NOTE_OFF | channel
    return 3


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
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((note | pressure) & _NOT_7):
        _check_common(off, channel)
        check_range("note", note, 0, 127)
        check_range("pressure", pressure, 0, 127)
    buf[off + 2] = pressure
    buf[off + 1] = note
    buf[off] = _POLY_PRESSURE | channel
    return 3


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
    status = _CONTROL_CHANGE | channel  # (the pair of CCs written out: see the top)
    buf[off + 5] = value & 0x7F
    buf[off + 4] = control + 32
    buf[off + 3] = status
    buf[off + 2] = value >> 7
    buf[off + 1] = control
    buf[off] = status
    return 6


def _parameter(buf, off, channel, param, value, ctl_msb, ctl_lsb):
    # (encode_extra's rpn; nrpn() writes its own)
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
    if (off & _NOT_OFF) | (channel & _NOT_CH) | ((param | value) & _NOT_14):
        _check_common(off, channel)
        check_range("param", param, 0, 16383)
        check_range("value", value, 0, 16383)
    status = _CONTROL_CHANGE | channel  # (_parameter written out: see the top)
    buf[off + 11] = value & 0x7F
    buf[off + 10] = _CC_DATA_LSB
    buf[off + 9] = status
    buf[off + 8] = value >> 7
    buf[off + 7] = _CC_DATA_MSB
    buf[off + 6] = status
    buf[off + 5] = param & 0x7F
    buf[off + 4] = _CC_NRPN_LSB
    buf[off + 3] = status
    buf[off + 2] = param >> 7
    buf[off + 1] = _CC_NRPN_MSB
    buf[off] = status
    return 12


def bank_program(buf, off, channel, bank, program):
    """Bank Select CC0 (MSB), CC32 (LSB), then Program Change; 8 bytes."""
    if (off & _NOT_OFF) | (channel & _NOT_CH) | (bank & _NOT_14) | (program & _NOT_7):
        _check_common(off, channel)
        check_range("bank", bank, 0, 16383)
        check_range("program", program, 0, 127)
    buf[off + 7] = program
    buf[off + 6] = _PROGRAM_CHANGE | channel
    channel |= _CONTROL_CHANGE  # (the pair of CCs written out: see the top)
    buf[off + 5] = bank & 0x7F
    buf[off + 4] = _CC_BANK_LSB
    buf[off + 3] = channel
    buf[off + 2] = bank >> 7
    buf[off + 1] = _CC_BANK_MSB
    buf[off] = channel
    return 8


# --- The encoders in encode_extra.py, loaded on first use (PEP 562: a module attribute not
# found here is asked of __getattr__): channel mode messages, RPN, signed pitch bend, the
# musician's numbering, system common and real-time messages, SysEx and message_length().
# Each is then kept here, so later calls cost what any other encoder's do; a caller that
# must not allocate asks for it once first. Nothing the controller sends itself is there:
# the encoders above are the ones its engine uses.


def __getattr__(name):
    from midictl.midi import encode_extra

    fn = getattr(encode_extra, name, None)
    if fn is None:
        raise AttributeError("module 'midictl.midi.encode' has no attribute '%s'" % name)
    g = globals()
    g[name] = fn
    room(g)
    return fn


room(globals())  # an encoder taken from encode_extra.py joins these: no full table (compat.room)
