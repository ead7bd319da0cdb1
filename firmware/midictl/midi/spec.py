# MIDI 1.0 numbers, grouped by the table of the MIDI 1.0 Detailed Specification
# (MMA, 4.2.1) they come from. Public names, so the engine, the ports and the tests
# can share them; the hot modules keep private `_NAME = const(...)` copies of the
# few they need, because mpy-cross folds only constants defined in the same module.

# Table I, "Summary of status bytes": channel voice messages, high nibble of the
# status byte; the low nibble is the channel 0..15.
NOTE_OFF = const(0x80)
NOTE_ON = const(0x90)
POLY_PRESSURE = const(0xA0)
CONTROL_CHANGE = const(0xB0)
PROGRAM_CHANGE = const(0xC0)
CHANNEL_PRESSURE = const(0xD0)
PITCH_BEND = const(0xE0)

# Table I: system common messages (clear running status on both ends).
SYSEX = const(0xF0)
MTC_QUARTER_FRAME = const(0xF1)
SONG_POSITION = const(0xF2)
SONG_SELECT = const(0xF3)
UNDEFINED_F4 = const(0xF4)
UNDEFINED_F5 = const(0xF5)
TUNE_REQUEST = const(0xF6)
END_OF_EXCLUSIVE = const(0xF7)

# Table I: system real-time messages (one byte, allowed between any two bytes of
# any other message, SysEx included; they never affect running status).
TIMING_CLOCK = const(0xF8)
UNDEFINED_F9 = const(0xF9)
START = const(0xFA)
CONTINUE = const(0xFB)
STOP = const(0xFC)
UNDEFINED_FD = const(0xFD)
ACTIVE_SENSING = const(0xFE)
SYSTEM_RESET = const(0xFF)

# Table III, "Controller numbers": the ones the encoders use by number.
CC_BANK_SELECT_MSB = const(0)
CC_DATA_ENTRY_MSB = const(6)
CC_BANK_SELECT_LSB = const(32)
CC_DATA_ENTRY_LSB = const(38)
CC_LSB_OFFSET = const(32)  # controllers 0..31 have their LSB on 32..63
CC_NRPN_LSB = const(98)
CC_NRPN_MSB = const(99)
CC_RPN_LSB = const(100)
CC_RPN_MSB = const(101)
RPN_NULL = const(0x7F)  # 101/100 = 127/127 deselects the parameter

# Table IV, "Channel mode messages": controllers 120..127 on the CC status.
CC_ALL_SOUND_OFF = const(120)
CC_RESET_ALL_CONTROLLERS = const(121)
CC_LOCAL_CONTROL = const(122)
CC_ALL_NOTES_OFF = const(123)
CC_OMNI_OFF = const(124)
CC_OMNI_ON = const(125)
CC_MONO_ON = const(126)
CC_POLY_ON = const(127)

# Value ranges of the data fields.
DATA_MAX = const(0x7F)  # every data byte is 7-bit
VALUE14_MAX = const(0x3FFF)  # pitch bend, song position, 14-bit CC, (N)RPN
PITCH_BEND_CENTRE = const(0x2000)  # "no bend", sent as 00 40 (LSB first)
CHANNEL_MAX = const(15)  # wire numbering; users count 1..16

# message_length() for F0: the SysEx has no fixed length, it ends at F7.
VARIABLE_LENGTH = const(-1)
