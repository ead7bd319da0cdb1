# The engine: the event sink every control calls, and the router to the output ports.
#
# It encodes each event once into a preallocated scratch buffer, keeps track of every
# sounding note (so panic, a fault or a USB host coming back leaves nothing hanging), and
# hands the bytes to every enabled port with a coalescing key: continuous controllers
# (knobs, stick, pressure) carry a key so a saturated DIN wire keeps only their latest
# value; notes, programs and system messages carry key 0 and are never dropped.
#
# Hot path: no allocation. Channels are 0..15 here.

import sys

from midictl.compat import TWINS
from midictl.midi import encode

# Coalescing keys: (status << 7 | first data byte) fits a small int; NRPN gets its own space.
_NRPN_KEY = const(1 << 20)
_NOT_CH = const(-16)  # v & _NOT_CH: v outside 0..15
_NOT_7 = const(-128)  # v & _NOT_7: v outside 0..127
_CC_ALL_NOTES_OFF = const(123)
# Engine.sounding: the count of note n on the channel whose row number is r (from 1) is at
# 16 + (r - 1) * 128 + n = (r << 7) - _ROW_SHIFT + n.
_ROW_SHIFT = const(112)


# The interpreted twin (ARCHITECTURE.md): only where CPython runs or a test asks (compat.TWINS).
if TWINS:
    def note_on_twin(self, ch, note, velocity):
        """Engine.note_on in plain Python (what CPython runs, and what the host tests compare
        the native one against)."""
        if (ch & _NOT_CH) | ((note | velocity) & _NOT_7):
            # Refuse before tracking: (ch << 7 | note) of a bad note would count another
            # channel's note as sounding (or index past the table).
            encode.note_on(self._m, 0, ch, note, velocity)  # raises ValueError naming it
        if velocity == 0:
            # A Note On of velocity 0 is a Note Off on the wire (MIDI 1.0, p. A-1); keep the
            # tracking honest if a caller ever does that.
            self.note_off(ch, note, 64)
            return
        s = self.sounding
        r = s[ch]
        if not r:
            r = self._add_row(ch)  # a channel the config plays no note on (API use): once
            s = self.sounding
        i = (r << 7) - _ROW_SHIFT + note
        c = s[i]
        if c < 255:
            s[i] = c + 1
        if c == 0:
            self.nsounding += 1
        self.channels_used |= 1 << ch
        # encode.note_on and _out written out: every pad's note comes through here
        m = self._m
        m[0] = 0x90 | ch
        m[1] = note
        m[2] = velocity
        for p in self.ports:
            p.send(m, 3, 0)
        self.events = (self.events + 1) & 0x3FFFFFFF

    note_on_native = note_on_twin

    def off_twin(self, ch, note, velocity):
        """Engine.note_off in plain Python (the same role as note_on_twin). The names are
        pads.py's, already interned: a name of its own would be one more at every boot."""
        if (ch & _NOT_CH) | ((note | velocity) & _NOT_7):
            self._refuse(encode.note_off, ch, note, velocity)
        s = self.sounding  # the note's holders: one lets go, the last ends it
        r = s[ch]
        if not r:
            return  # no note ever sounded on this channel
        i = (r << 7) - _ROW_SHIFT + note
        c = s[i]
        if c == 0:
            return  # never sent, or already released by panic: nothing to end
        s[i] = c - 1
        if c > 1:
            return  # another holder still sounds this note
        self.nsounding -= 1
        m = self._m
        if self.note_off_as_note_on:
            # Note On velocity 0: what many DIN devices send, and it keeps running status.
            m[0] = 0x90 | ch
            velocity = 0
        else:
            m[0] = 0x80 | ch
        m[1] = note
        m[2] = velocity
        self._out(3, 0)

    off_native = off_twin

if sys.implementation.name == "micropython":
    import micropython

    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _note_on(self, ch: int, note: int, velocity: int):
        """note_on_twin in native code, step for step."""
        if (ch & _NOT_CH) | ((note | velocity) & _NOT_7):
            encode.note_on(self._m, 0, ch, note, velocity)  # raises ValueError naming it
        if velocity == 0:
            self.note_off(ch, note, 64)
            return
        s = ptr8(self.sounding)
        r = int(s[ch])
        if r == 0:
            r = int(self._add_row(ch))
            s = ptr8(self.sounding)
        i = (r << 7) - _ROW_SHIFT + note
        c = int(s[i])
        if c < 255:
            s[i] = c + 1
        if c == 0:
            self.nsounding = int(self.nsounding) + 1
        self.channels_used = int(self.channels_used) | (1 << ch)
        m = self._m
        mp = ptr8(m)
        mp[0] = 0x90 | ch
        mp[1] = note
        mp[2] = velocity
        for p in self.ports:
            p.send(m, 3, 0)
        self.events = (int(self.events) + 1) & 0x3FFFFFFF

    note_on_native = _note_on

    @micropython.viper
    def _off(self, ch: int, note: int, velocity: int):
        """off_twin in native code, step for step."""
        if (ch & _NOT_CH) | ((note | velocity) & _NOT_7):
            self._refuse(encode.note_off, ch, note, velocity)
        s = ptr8(self.sounding)
        r = int(s[ch])
        if r == 0:
            return  # no note ever sounded on this channel
        i = (r << 7) - _ROW_SHIFT + note
        c = int(s[i])
        if c == 0:
            return  # never sent, or already released by panic: nothing to end
        s[i] = c - 1
        if c > 1:
            return  # another holder still sounds this note
        self.nsounding = int(self.nsounding) - 1
        m = self._m
        mp = ptr8(m)
        if self.note_off_as_note_on:
            mp[0] = 0x90 | ch
            velocity = 0
        else:
            mp[0] = 0x80 | ch
        mp[1] = note
        mp[2] = velocity
        for p in self.ports:
            p.send(m, 3, 0)
        self.events = (int(self.events) + 1) & 0x3FFFFFFF

    off_native = _off


class Engine:
    # The controller's CC toggles that can hold a pedal down (build.py gives them): panic lets
    # them up. An instance has the attribute only when the config has one.
    latches = ()

    def __init__(self, ports, note_off_as_note_on=False):
        self.ports = ports  # objects with send(msg, n, key)
        self.note_off_as_note_on = note_off_as_note_on
        self._m = bytearray(16)
        # Sounding-note counts per (channel, note): two pads may share a note, and only the
        # last release should end it. One row of 128 counts per channel, after 16 bytes
        # that give each channel's row number (from 1; 0: none yet): a note finds its
        # count in one buffer. Every channel has a row until trim() keeps only those the
        # config plays notes on (one row, where sixteen took 2 KB of a small heap).
        self.sounding = bytearray(range(1, 17)) + bytearray(16 * 128)
        self.nsounding = 0
        self.channels_used = 0  # bitmap of channels that carried notes (for All Notes Off)
        self.note_channels = 0  # bitmap of channels the config plays notes on
        self.events = 0
        # The receivers' parameter selection (RPN, NRPN) as MIDI IN passes it on beside the
        # controller's own NRPN (app.py, Controller._parameter): [d * 16 + ch] who selected the
        # parameter on channel ch of port d (0 DIN OUT, 1 USB) last: 0 nobody yet, 1 DIN IN,
        # 2 the USB host, 3 the controller (nrpn() below); then from 32, for each source s (0 DIN
        # IN, 1 the USB host) and channel ch, at 32 + s * 80 + ch * 5, what the source selected
        # last: 0 an NRPN, 1 an RPN (0x80 nothing yet), and its NRPN MSB, LSB, RPN MSB, LSB
        # (0x80: not sent yet).
        self.params = bytearray(32) + bytearray(b"\x80" * 160)
        # the controller's own last pitch bend on each channel (LSB, MSB; centre until it
        # bends): what a channel goes back to when a MIDI IN source that bent it is ended
        self.bends = bytearray(b"\x00\x40" * 16)

    def trim(self, channels):
        """The controls are built (nothing sounds yet): keep a row of the sounding table only
        for each channel in the bitmap, the channels the config plays notes on."""
        if self.nsounding:
            return
        s = bytearray(16)
        n = 0
        for ch in range(16):
            if channels >> ch & 1:
                n += 1
                s[ch] = n
        self.sounding = s + bytearray(n << 7)

    def _add_row(self, ch):
        # The first note on a channel without a row: it gets one (allocates; the controls
        # only play on channels trim() kept, so the scan loop never comes here).
        n = ((len(self.sounding) - 16) >> 7) + 1
        self.sounding += bytearray(128)
        self.sounding[ch] = n
        return n

    # -- sending -------------------------------------------------------------------------------
    # Every message the engine sends but a Note On (which is native code) goes through _out;
    # it and the methods the scan loop calls for a turn or a release keep their frames small:
    # MicroPython takes a function's frame (its locals and stack) from the heap, on every call,
    # once it is more than 11 slots, and a `for x in list` alone holds 4. Hence the ports by
    # index, and the refusals (a call of five arguments, deep on the stack) in a function of
    # their own. (test_frames.py runs the scan's paths watching the heap's total.)
    def _out(self, n, key):
        for i in range(len(self.ports)):
            self.ports[i].send(self._m, n, key)
        self.events = (self.events + 1) & 0x3FFFFFFF

    # note_on(ch, note, velocity): every pad's and note button's note, tracked
    # (note_on_twin; the native one under MicroPython)
    note_on = note_on_native

    # note_off(ch, note, velocity): the Note Off of a note note_on() sent, once its last
    # holder lets go (off_twin; the native one under MicroPython: every pad's gate and
    # release and every repeat, about four times faster). The velocity is not optional: a
    # native function takes no default.
    note_off = off_native

    def _refuse(self, enc, ch, a, b):
        enc(self._m, 0, ch, a, b)  # raises ValueError naming what is out of range

    def cc(self, ch, number, value):
        # Every knob turn comes through here: encode.control_change written out.
        if (ch & _NOT_CH) | ((number | value) & _NOT_7):
            self._refuse(encode.control_change, ch, number, value)
        m = self._m
        m[0] = 0xB0 | ch
        m[1] = number
        m[2] = value
        self._out(3, ((0xB0 | ch) << 7) | number)

    # (Each encodes first, then sends: the encoder's call of five arguments nested in _out's
    # would take the frame past the C stack's 11 slots, see _out.)
    def cc14(self, ch, number, value):
        encode.control_change_14bit(self._m, 0, ch, number, value)
        self._out(6, ((0xB0 | ch) << 7) | number)

    def nrpn(self, ch, param, value):
        encode.nrpn(self._m, 0, ch, param, value)  # (a bad one is refused here: nothing changed)
        self.params[ch] = 3  # every port's receiver has this parameter selected now
        self.params[16 + ch] = 3
        self._out(12, _NRPN_KEY | (ch << 14) | param)

    def poly_pressure(self, ch, note, value):
        encode.poly_pressure(self._m, 0, ch, note, value)
        self._out(3, ((0xA0 | ch) << 7) | note)

    def channel_pressure(self, ch, value):
        encode.channel_pressure(self._m, 0, ch, value)
        self._out(2, (0xD0 | ch) << 7)

    def bend(self, ch, value):
        encode.pitch_bend(self._m, 0, ch, value)
        b = self.bends
        b[ch << 1] = value & 127
        b[(ch << 1) | 1] = value >> 7
        self._out(3, (0xE0 | ch) << 7)

    def program(self, ch, program):
        encode.program_change(self._m, 0, ch, program)
        self._out(2, 0)

    def bank_program(self, ch, bank, program):
        encode.bank_program(self._m, 0, ch, bank, program)
        self._out(8, 0)

    def raw(self, msg, n, key=0):
        # A complete message, already valid, to every port: the clock's ticks, the transport's
        # messages (the ports by index, as in _out: a for loop's iterator would make the frame
        # more than 11 slots, taken from the heap at every tick)
        i = 0
        while i < len(self.ports):
            self.ports[i].send(msg, n, key)
            i += 1

    # -- never a stuck note ----------------------------------------------------------------------
    def panic(self):
        """Note Off for exactly the notes sounding, the pedals the controller's CC toggles
        latched down up, then All Notes Off on all 16 channels: also what no table holds (a
        note sounding since before a power cut or a reset, a source's that was not tracked).
        The channels the controller plays or played notes on come first: DIN OUT's room kept
        for what ends a sound (din.py) holds theirs however full its queue is."""
        if self.nsounding:
            ch = 0
            while ch < 16:
                if self.sounding[ch]:
                    self._end_row(ch)
                ch += 1
        self.nsounding = 0
        if self.latches:
            self._unlatch()
        used = self.channels_used | self.note_channels
        self.all_notes_off(used)
        self.all_notes_off(0xFFFF ^ used)

    def _unlatch(self):
        # a sustain, sostenuto or hold latched down by a CC toggle holds every note it caught
        # through the Note Offs and All Notes Off: panic lets it up (CCButton.unlatch)
        b = self.latches
        i = 0
        while i < len(b):
            b[i].unlatch()
            i += 1

    # (panic's loops are split, and counted with while, to keep each frame within the 11 slots
    # the C stack holds, see _out: the button is pressed while the player plays on)
    def _end_row(self, ch):
        s = self.sounding
        i = (s[ch] << 7) - _ROW_SHIFT
        note = 0
        while note < 128:
            if s[i + note]:
                s[i + note] = 1
                self.note_off(ch, note, 64)
            note += 1

    def all_notes_off(self, channels):
        """All Notes Off on each channel in the bitmap (boot, or after a fault)."""
        ch = 0
        while ch < 16:
            if channels >> ch & 1:
                self._all_off(ch)
            ch += 1

    def _all_off(self, ch):
        m = self._m
        m[0] = 0xB0 | ch
        m[1] = _CC_ALL_NOTES_OFF
        m[2] = 0
        self._out(3, 0)
