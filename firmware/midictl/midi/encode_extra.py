# The MIDI 1.0 encoders the controller never sends itself: channel mode messages other
# than All Sound Off, All Notes Off and Local Control, the rarer system common and
# real-time messages, and the General MIDI program numbering. encode.py loads this module
# the first time one of them is asked for (`encode.omni_off`, ...), so they stay out of
# RAM on a board that never uses them; they work exactly as the encoders there: the
# message written at `off`, its length returned, ValueError for an argument out of range.
from midictl.midi.encode import _mode, _one, check_range

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# MIDI 1.0 Table I: status bytes.
_MTC_QUARTER_FRAME = const(0xF1)
_SONG_SELECT = const(0xF3)
_TUNE_REQUEST = const(0xF6)

# MIDI 1.0 Table IV: channel mode messages.
_CC_RESET_ALL = const(121)
_CC_OMNI_OFF = const(124)
_CC_OMNI_ON = const(125)
_CC_MONO_ON = const(126)
_CC_POLY_ON = const(127)

# Range masks, as in encode.py.
_NOT_7 = const(-128)  # 0..127
_NOT_OFF = const(-(1 << 29))  # a buffer offset

# --- Channel mode messages (Table IV).


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


# --- Musician's numbering.


def program_gm(n):
    """Program as listed in General MIDI (1 = Acoustic Grand Piano), 1..128 -> 0..127."""
    if not 1 <= n <= 128:
        check_range("program", n, 1, 128)
    return n - 1


# --- System common messages (Table I); they cancel running status on the wire.


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
