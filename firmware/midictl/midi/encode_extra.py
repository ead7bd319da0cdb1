# The MIDI 1.0 encoders the controller never sends itself: channel mode messages, RPN,
# signed pitch bend, the musician's numbering (channel_user, program_gm), system common
# and real-time messages, System Exclusive, and message_length(). encode.py loads this
# module the first time one of them is asked for (`encode.sysex`, ...), so they stay out
# of RAM on a board that never uses them; they work exactly as the encoders there: the
# message written at `off`, its length returned, ValueError for an argument out of range.
from midictl.compat import room
from midictl.midi.encode import _check_common, _parameter, check_range
from midictl.midi.fast import or_bytes

# MIDI 1.0 Table I: status bytes.
_CONTROL_CHANGE = const(0xB0)
_PITCH_BEND = const(0xE0)
_SYSEX = const(0xF0)
_MTC_QUARTER_FRAME = const(0xF1)
_SONG_POSITION = const(0xF2)
_SONG_SELECT = const(0xF3)
_TUNE_REQUEST = const(0xF6)
_EOX = const(0xF7)

# MIDI 1.0 Table III: the registered parameter selectors.
_CC_RPN_LSB = const(100)
_CC_RPN_MSB = const(101)
_RPN_NULL = const(0x7F)

# MIDI 1.0 Table IV: channel mode messages.
_CC_ALL_SOUND_OFF = const(120)
_CC_RESET_ALL = const(121)
_CC_LOCAL = const(122)
_CC_ALL_NOTES_OFF = const(123)
_CC_OMNI_OFF = const(124)
_CC_OMNI_ON = const(125)
_CC_MONO_ON = const(126)
_CC_POLY_ON = const(127)

# Range masks, as in encode.py.
_NOT_CH = const(-16)  # 0..15
_NOT_7 = const(-128)  # 0..127
_NOT_14 = const(-16384)  # 0..16383
_NOT_OFF = const(-(1 << 29))  # a buffer offset
_BEND_CENTRE = const(8192)


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


# --- Channel mode messages (Table IV): CC 120..127 with fixed or small values.


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



def reset_all_controllers(buf, off, channel):
    return _mode(buf, off, channel, _CC_RESET_ALL, 0)


def omni_off(buf, off, channel):
    return _mode(buf, off, channel, _CC_OMNI_OFF, 0)


def omni_on(buf, off, channel):
    return _mode(buf, off, channel, _CC_OMNI_ON, 0)


def mono_on(buf, off, channel, channels):
    """channels: how many channels to use, 1..16; 0 = as many as the receiver has voices."""
    if not 0 <= channels <= 16:
        check_range("channels", channels, 0, 16)
    return _mode(buf, off, channel, _CC_MONO_ON, channels)


def poly_on(buf, off, channel):
    return _mode(buf, off, channel, _CC_POLY_ON, 0)


# --- Registered parameters (RPN): selected by CC101/CC100, set by data entry.


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


# --- Musician's numbering: only names ending in _user/_gm take 1-based numbers.


def channel_user(n):
    """MIDI channel as printed on gear, 1..16 -> wire channel 0..15."""
    if not 1 <= n <= 16:
        check_range("channel", n, 1, 16)
    return n - 1


def program_gm(n):
    """Program as listed in General MIDI (1 = Acoustic Grand Piano), 1..128 -> 0..127."""
    if not 1 <= n <= 128:
        check_range("program", n, 1, 128)
    return n - 1


# --- System common messages (Table I); they cancel running status on the wire.


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


def mtc_quarter_frame(buf, off, frame_type, value):
    """frame_type 0..7 (which nibble of the time code), value 0..15."""
    if (off & _NOT_OFF) | (frame_type & -8) | (value & -16):
        check_range("off", off, 0, (1 << 29) - 1)
        check_range("frame_type", frame_type, 0, 7)
        check_range("value", value, 0, 15)
    buf[off + 1] = (frame_type << 4) | value
    buf[off] = _MTC_QUARTER_FRAME
    return 2


def song_select(buf, off, song):
    if (off & _NOT_OFF) | (song & _NOT_7):
        check_range("off", off, 0, (1 << 29) - 1)
        check_range("song", song, 0, 127)
    buf[off + 1] = song
    buf[off] = _SONG_SELECT
    return 2


def tune_request(buf, off):
    return _one(buf, off, _TUNE_REQUEST)


# --- System real-time messages: one byte each.


def timing_clock(buf, off):
    return _one(buf, off, 0xF8)


def start(buf, off):
    return _one(buf, off, 0xFA)


def continue_(buf, off):
    return _one(buf, off, 0xFB)


def stop(buf, off):
    return _one(buf, off, 0xFC)


def active_sensing(buf, off):
    return _one(buf, off, 0xFE)


def system_reset(buf, off):
    return _one(buf, off, 0xFF)


# --- System exclusive.


def sysex(buf, off, payload, n=-1):
    """F0, payload[0:n] (n = -1: all of it; a manufacturer id is simply its first
    byte or three), F7. Every payload byte must be a data byte (< 0x80). (Few locals:
    a frame of more than 11 slots comes from the heap on every call, see encode.py.)"""
    if off & _NOT_OFF:
        check_range("off", off, 0, (1 << 29) - 1)
    if n >= 0:
        return _sysex_n(buf, off, payload, n)
    # Whole payload (nearly every call): the check is native code (midi/fast.py) and the
    # copy a slice store in C, ~10x the byte loop of _sysex_n. The store allocates nothing
    # since MicroPython 1.22 (py/vm.c builds the slice on the stack for a built-in type);
    # lengths match, so buf keeps its size.
    n = len(payload)
    if n and or_bytes(payload, n) & _NOT_7:
        _bad_payload(payload, n)
    buf[off + 1 + n] = _EOX  # IndexError here, before any write, if buf is short
    buf[off] = _SYSEX
    off += 1
    buf[off:off + n] = payload
    return n + 2


def _sysex_n(buf, off, payload, n):
    if n > len(payload):
        _bad_n(n, payload)
    buf[off + n + 1] = _EOX
    acc = 0
    i = 0
    while i < n:
        acc |= payload[i]
        buf[off + 1 + i] = payload[i]
        i += 1
    if acc & _NOT_7:
        _bad_payload(payload, n)
    buf[off] = _SYSEX
    return n + 2


def _sysex_all(buf, off, payload):
    # Whole payload (nearly every call): the check is native code (midi/fast.py) and
    # the copy a slice store in C, ~10x the byte loop above. The store allocates
    # nothing since MicroPython 1.22 (py/vm.c builds the slice on the stack for a
    # built-in type); lengths match, so buf keeps its size.
    n = len(payload)
    end = off + 1 + n
    if n and or_bytes(payload, n) & _NOT_7:
        _bad_payload(payload, n)
    buf[end] = _EOX  # IndexError here, before any write, if buf is short
    buf[off + 1:end] = payload
    buf[off] = _SYSEX
    return n + 2


def _bad_n(n, payload):
    check_range("n", n, 0, len(payload))


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


room(globals())  # sysex() looks up len() in these first: no full table to probe (compat.room)
