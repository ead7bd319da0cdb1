# The controller: builds engine and ports (and, through build.py, the controls) from the
# board and config, then runs the scan loop forever.
#
# One scan (every scan_us, 1000 us by default):
#   1. one GPIO read -> debounced switches -> buttons and switch pads
#   2. encoders: detents counted by pin interrupts (or polled) -> relative/absolute CC
#   3. one scan-plan phase of ADC reads -> pads every scan, a knob or the stick round-robin
#   4. MIDI IN from DIN and USB -> pass-through to the other port, knob pickup feedback
#   5. DIN queue pumped onto the wire; one USB transfer started
# Nothing in a scan allocates (checked under micropython.heap_lock() in host_tests).

import sys

from midictl.compat import TWINS, sleep_us, ticks_add, ticks_diff, ticks_ms, ticks_us
from midictl.midi import parser as mparser

try:  # names for the type checker only; MicroPython has no typing module
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False
if TYPE_CHECKING:
    from midictl.controls.adcfilter import FilterBank
    from midictl.controls.debounce import BitDebouncer
    from midictl.controls.matrix import KeyMatrix
    from midictl.controls.pads import PadGroup

on_ready = None  # the simulator sets this to learn when the scan loop starts (t = 0)

# USB brings MIDI far faster than DIN OUT carries it (31250 baud). One read of 16 packets
# may add 16 short messages (4 FIFO bytes each) and a 128-byte SysEx to the DIN queue: read
# only when that fits with the room the queue keeps for what ends a sound left free (din.py:
# only that may take it; DinOut.room(1) is what is free beyond it), else the packets wait in
# the USB stack, which NAKs the host.
_USB_IN_ROOM = const(256)
# A SysEx longer than MIDI IN's buffer comes from the host in parts (126 bytes: see
# midi/parser.py) and goes to DIN OUT's SysEx ring (din.py), which keeps one byte for an
# F7 that closes it early: a read of 16 packets may complete one part with its first and
# bring 15 more packets' bytes (45: the SysEx's last part, real-time bytes) with it, so the
# host is read only while the ring has this room (126 + 45 + 1). (At 144, a dump whose last
# part was short enough to come in the read that completed the part before it overflowed
# the ring and was closed early, the rest dropped.)
_USB_IN_SX = const(172)
_TICKS_MAX = ticks_add(0, -1)  # the ticks' period - 1, as this port has it
_US_PER_BYTE = const(320)  # DIN: 10 bits at 31250 baud
# A clock's tick this many bytes' time away or nearer (or the usual lead, if more) sets DIN
# OUT's deadline for the knobs (Controller._run): the longest knob message, an NRPN's 12
# bytes, could start on an idle wire then and still be on it when the tick is due
_DEADLINE = const(16)
# DIN IN can't be held back the way the USB host can: it arrives at the wire's own rate,
# and echoed to DIN OUT with the controller's own messages it can outrun it. Below this
# much room in the DIN queue besides the room it keeps for what ends a sound (DinOut.room(1):
# 128 bytes or more, din.py), the echo keeps only what ends a sound and drops the rest,
# counted in thru_dropped, so the controller's own notes always fit and nothing is left
# sounding on either side: a Note Off for a note the echo started always goes (others
# end nothing there: a burst of them, a keyboard's panic, is dropped like the rest),
# sustain up and All Notes/Sound Off while at least _THRU_FLOOR bytes are free, so that
# a flood of them cannot take the last room.
_THRU_GIVE = const(64)
_THRU_FLOOR = const(64)
_THRU_RESERVE = const(192)  # (_THRU_GIVE and the kept room's least: see _end_first)
# While the USB host's SysEx is open on DIN OUT (a dump in parts: din.py), nothing queued
# after it moves until its F7 (a 3 KB dump: a second), and the host's reads shrink as the
# queue fills (_midi_in): the echo gives way this much earlier, keeping the room for the
# controller's own messages and the host's, rather than queueing what would sound that late
_THRU_OPEN = const(320)
_THRU_TABLE = const(266)  # per source routed to DIN OUT: see Controller.__init__
# the config's "thru", as bits of Controller._thru
_T_DIN_USB = const(1)
_T_USB_DIN = const(2)
_T_DIN_DIN = const(4)
_T_ECHOES = const(8)  # drop_echoes
_END_AHEAD = const(12)  # DIN queue bytes ending MIDI IN's notes tops up to (end_thru)
_STOP_MS = const(5000)  # Ctrl-C: the longest the Note Offs may take to leave (two full note tables: ~4 s)
# MIDI 1.0 Active Sensing: once DIN IN has sent FE, a gap of more than 300 ms with no byte
# from it means its cable is out; what it started on the other ports then ends
_SENSING_MS = const(300)
# A SysEx from DIN IN passing to USB in parts whose source falls silent this long is closed
# (as DIN OUT closes one, din.py)
_SX_STALL_MS = const(500)
# DIN IN to the USB host: a byte that may complete more than the host's TX buffer has room
# for now is held back (it and the bytes after it wait in the read buffer, more in the
# UART's) while the host drains the buffer (64 bytes a transfer, a transfer a frame at
# least), for this long at most. Past that, the host is not reading: what has no room is
# dropped for it, as for one that is away, until its buffer has room again.
_HOLD_MS = const(20)
# The room the byte needs: a real-time byte, one packet; another outside a SysEx, a
# message with the parameter selection it goes with (_parameter: 9 bytes, three packets);
# a byte of a SysEx (or its F0), a part of it or its last with the F7: 43 packets
# (midi/parser.py's parts are 126 bytes; the last one up to 127)
_HOLD_ROOM = const(16)
_HOLD_ROOM_SX = const(172)
# A USB host that leaves a transfer unread this long has stopped reading (it reads once a
# frame when it reads): the port takes nothing more until it reads again (MidiPort._locked;
# the time from the first scan that saw the transfer in flight, MidiPort._stamp)
_STALL_MS = const(20)
# DIN OUT's own Active Sensing (din.active_sensing): an FE once the wire has been idle this
# long (MIDI 1.0: at most 300 ms apart, which the receiver allows before it takes the cable
# for pulled out and ends its notes; the scan period and a byte's time come on top)
_SENSE_OUT_US = const(250000)
# Between scans (Controller._run), every piezo pad is read once at mid-period (a strike is
# then first read 0.5 ms after it at most: at or before its top), and a pad collecting a
# strike's peak again every _PEEK_US (its best read within 0.125 ms of the top: 95 % of it
# at worst), while more than _PEEK_ROOM us are left before the next scan: the wait and the
# read (about 55 us on the chip for one pad, 75 for the mid-period read of 16, by the
# bench's estimate; 100 allowed) end before it. In the simulator, whose scan takes no
# time, that is seven reads a period while a window is open; on the chip, with a scan of
# 0.2 to 0.5 ms (the bench's estimate), three to five.
_PEEK_US = const(125)
_PEEK_ROOM = const(225)


class Controller:
    # a board without a key matrix has neither (the class's: no attribute more on the
    # instance, whose table every scan's lookups probe)
    keys = None
    key_at = ()

    def __init__(self, board, cfg, hw, usb_itf=None):
        # board and cfg are only read here: nothing keeps them, the heap is small. (The
        # classes only this builds with are imported here: none is a name in this
        # module's globals, which stay in RAM.)
        from array import array

        from midictl.controls.modes import Modes
        from midictl.din import DinOut
        from midictl.engine import Engine
        from midictl.midi.running import RunningStatus

        self.hw = hw
        self.errors = 0
        self.scans = 0
        ports = []
        self.din = None
        self.usb = None
        if cfg["din"]["enabled"] and hw.uart is not None and board.get("din_out"):
            d = cfg["din"]
            rs = RunningStatus(d["running_status"], d["refresh_every"], d["refresh_idle_ms"])
            self.din = DinOut(hw.uart, rs)
            ports.append(self.din)
        self.engine = Engine(ports, cfg["note_off"] == "note_on_zero")
        if usb_itf is not None and cfg["usb"]["enabled"]:
            from midictl.usbout import UsbOut

            self.usb = UsbOut(usb_itf, self.engine)
            ports.append(self.usb)
        self.modes = Modes(cfg["octave_range"])
        # Filled in by build_controls (build.py); declared here for the reader and the checker.
        self.pads: "PadGroup"
        # (channel << 7 | cc) -> knob, for soft takeover from MIDI IN; under a channel's NRPN
        # controllers, its nrpn knobs' NrpnIn (controls/nrpnin.py), which has the same
        # feedback(); 0x800 | channel -> the channel's Programs (its Program Change); 0x1000 ->
        # the transport buttons' Transport (MIDI IN's Start, Continue, Stop and MMC); 0x1001 ->
        # the MIDI clock (controls/transport.py's Clock: the scan pumps it, bit 16 of _has);
        # 0x1002 -> the note repeat (controls/repeat.py: its swung steps, bit 32 of _has)
        self.feedback: dict
        self.encoders: tuple
        self.encoders_moved: bytearray  # set by a detent on any of them (Quadrature.moved)
        self.switch_at: tuple  # GPIO -> (0, pad index) or (1, button)
        self.keys: "KeyMatrix | None"
        self.key_at: tuple  # matrix position -> button
        self.knobs: tuple
        self.debounce: "BitDebouncer"
        self.pads_count: int
        self.pad_samples: memoryview
        self.filters: "FilterBank"  # the knobs' and stick's filters, run phase by phase
        from midictl.build import build_controls  # boot only: unloaded after

        build_controls(self, board, cfg)
        # (a SysEx longer than the buffer goes on in parts: _sx_part)
        self._din_parser = mparser.Parser(sysex_size=128, sysex_parts=True)
        self._usb_parser = mparser.Parser(sysex_size=128, sysex_parts=True)
        # MIDI IN's read buffer (DIN's bytes are all parsed before USB's packets are read)
        self._rxbuf = bytearray(64)
        # a real-time byte passed on; the Note Offs end_thru sends; a parameter's data passed
        # on with its selection (_parameter)
        self._rt = bytearray(9)
        t = cfg["thru"]  # (bits: _T_DIN_USB ...)
        self._thru = ((_T_DIN_USB if t["din_to_usb"] else 0) | (_T_USB_DIN if t["usb_to_din"] else 0)
                      | (_T_DIN_DIN if t["din_to_din"] else 0) | (_T_ECHOES if t["drop_echoes"] else 0))
        self.thru_dropped = 0
        # What MIDI IN has started on DIN OUT, a table per source routed there (DIN IN's
        # echo first, then the USB host's), _THRU_TABLE bytes each: one bit per (channel,
        # note), bit i & 7 of byte i >> 3 (i = channel << 7 | note), then one bit per
        # channel whose sustain pedal (2 bytes), then sostenuto (2 bytes), it holds down, then
        # one per channel it left bent (2 bytes: its pitch bend, off centre, was the last one
        # DIN OUT sent on the channel), then as much for its modulation (CC 1) off zero and
        # its channel pressure off zero: what Reset All Controllers would put back (RP-015)
        # and a player hears as a note bent, wobbling or swelling after the source is gone.
        # When the echo gives way (_THRU_GIVE) it still ends the notes it started; panic
        # ends whatever is left, and the host's notes and pedals end when the host goes away
        # (their ends never will come from it). The last byte: the sources being ended (bit
        # s: the table at s * _THRU_TABLE), a few at a time as the DIN queue drains
        # (_end_some, each scan until done: see _report_pots). All of it in one buffer: each
        # attribute more on the controller slows every scan (its table grows, see
        # build.spare_slots: five more cost 0.2 us a scan here).
        n = 0
        if self.din is not None:
            if t["din_to_din"]:
                n = _THRU_TABLE
            if t["usb_to_din"] and self.usb is not None:
                n += _THRU_TABLE
        if self.usb is not None:
            self.usb.host_gone = self._usb_gone  # (bound once, here: the call allocates nothing)
        self._thru_on = bytearray(n + 1)
        # "report_pots_at_boot": each knob sends its position once its filter has primed.
        self._to_report = list(self.knobs) if cfg["report_pots_at_boot"] else _NOTHING
        from midictl.build import leave_room

        # the native step's state: the last scan's switch levels + 1 (0: none yet) and the
        # next scan's phase + 1 (0: the first scan); unsigned, as ptr32 reads them on 64 bits
        # kept from scan to scan: [0], [1] the step's (_step); [2] when DIN IN last sent a
        # byte and [3] whether it sends Active Sensing (_watch_sensing); [4], [5] the channels
        # on which DIN IN holds the sustain and the sostenuto pedal down (bit n: channel n);
        # [6] the DIN queue's bytes up to which the ending of MIDI IN's notes fills it (_END_AHEAD,
        # or more for a moment: _end_first); [7] the channels on which DIN IN's last bend to
        # USB was off centre, [8] its modulation off zero, [9] its channel pressure; [10] how
        # many of DIN IN's bytes _rxbuf holds while some are held back there (_din_bytes; 0:
        # none), [11] the next of them, [12] when the hold began, [13] whether one did and
        # has not ended (_held); [14] the USB host has gone and what it sent before is still
        # being read: its ending waits for the last of it (_usb_gone). Settings (cells here,
        # not attributes more): [15] the watchdog's timeout, which loop() arms; [16] the
        # scan plan's phases (the filter bank's, two bounds each); [17] the scan period, µs
        self._sv = array("I", (0, 0, 0, 0, 0, 0, _END_AHEAD, 0, 0, 0, 0, 0, 0, 0, 0, cfg["watchdog_ms"],
                               len(self.filters.bounds) >> 1, cfg["scan_us"]))
        self._usb_itf = usb_itf if self.usb is not None else None
        # which of them the native step has: it tests these bits, as a test of an object's
        # truth looks for __bool__ and __len__ up its class's bases (the objects are fixed
        # once built, as the closure's defaults hold them)
        self._has = ((self.din is not None) | (self.usb is not None) << 1 | (hw.uart is not None) << 2
                     | (self.keys is not None) << 3 | (0x1001 in self.feedback) << 4
                     | (0x1002 in self.feedback) << 5
                     | (self.din is not None and cfg["din"]["active_sensing"]) << 6)
        leave_room(self)
        # the scan: native under MicroPython (_step, as the class has it), else the closure
        self.step = getattr(self, "_step") if _NATIVE else self._scanner()

    # -- building --------------------------------------------------------------------------------
    def output_pending(self):
        return self.din is not None and self.din.pending() > 0

    # step(now_us, now_ms): one scan. An instance attribute: under MicroPython the native
    # _step (at the end of this file) bound to this controller; elsewhere, and as its twin
    # in the tests, the function _scanner() makes at the end of __init__, whose defaults
    # hold the objects a scan uses most: each is then a local, where self.<name> is a
    # lookup in this object's attribute table. The objects are held, not their methods: a
    # method patched on one of them (a test's injected fault, the benchmark's samples) is
    # still what the scan calls. What changes from scan to scan, the switch levels of the
    # last scan and the scan phase, is in two cells of the closure (a closure's call
    # allocates when its cells and arguments are more than five). Not every object is a
    # default: a call's locals are one block of heap taken and given back per call, and
    # the bigger the block, the longer the search for one in a fragmented heap (the
    # simulator's long run took a third longer with seventeen defaults than with ten).
    if TWINS:  # the interpreted step: only where CPython runs or a test asks (compat.TWINS)
        def _scanner(self):
            hw = self.hw
            usb = self.usb
            bits = -1  # the switch levels of the last scan (-1: none yet)
            phase = -1  # the next scan's phase (-1: the first scan, which starts phase 0)

            def step(now_us, now_ms, ctl=self, hw=hw, deb=self.debounce, moved=self.encoders_moved,
                     pads=self.pads, filters=self.filters, din=self.din, usb=usb,
                     usb_itf=self._usb_itf if usb is not None else None):
                nonlocal bits, phase
                if phase < 0:
                    phase = 0
                    ctl._power_on()
                scans = ctl.scans
                # 1. switches: the debouncer only runs when a level changed or a lockout runs
                b = hw.pressed_bits()
                if b != bits or deb._locked:
                    bits = b
                    changed = deb.update(b, now_ms)
                    if changed:
                        ctl._switches(changed, now_ms)
                # 1b. a key matrix, every other scan (2 ms is plenty for buttons, and each row
                # costs a write and a read)
                keys = ctl.keys
                if keys is not None and not scans & 1:
                    hw.scan_matrix(keys)
                    changed = keys.update(now_ms)
                    if changed:
                        ctl._keys(changed, keys.state, now_ms)
                # 2. encoders: detents are counted by the pin interrupts, which set `moved`;
                # look only then, and only at those that moved (the test EncoderCC.update
                # starts with, without the call). Cleared first: a detent counted meanwhile
                # sets it again, for the next scan.
                if moved[0]:
                    moved[0] = 0
                    for e in ctl.encoders:
                        q = e._q
                        if q._count != q._taken:
                            e.update(now_ms)
                # 2b. the MIDI clock's tick, when one is due (controls/transport.py's Clock):
                # before the pads, so it goes ahead of a note this scan decides
                if ctl._has & 16:
                    clock = ctl.feedback[0x1001]
                    if not clock._gating or ticks_diff(now_us, clock._gate) >= 0:
                        clock.pump(now_us, now_ms)
                if ctl._has & 32:  # a note repeat's swung step, when one waits (controls/repeat.py)
                    clock = ctl.feedback[0x1002]
                    if clock._gating and ticks_diff(now_ms, clock._gate) >= 0:
                        clock.pump(now_us, now_ms)
                # 3. analog
                p = phase
                phase = p + 1 if p + 1 < ctl._sv[16] else 0
                peak = hw.read_phase(p)
                # pads.quiet(peak, now_ms) written out (most scans: nothing struck, nothing due)
                if ctl.pads_count and (peak < 0 or pads._active or peak > pads._thr_min or (
                        pads._gating and ticks_diff(now_ms, pads._gate_next) >= 0)):
                    pads.scan(ctl.pad_samples, now_ms)
                    # A note the pads queued for DIN goes to the UART now, not after the knobs
                    # and MIDI IN: on the chip that is a good part of a millisecond sooner.
                    # Only while no knob message waits: the same bytes in the same order as
                    # the pump below would write (the FIFO first, nothing else waiting).
                    if din is not None and din._count and not din._ring_count:
                        din.pump(now_us, now_ms)
                filters.run(p, hw.samples)  # this phase's knobs and stick, in one native pass
                ctl.scans = (scans + 1) & 0x3FFFFFFF  # (counters stay small ints on the chip)
                if ctl._to_report:
                    ctl._report_pots()
                sv = ctl._sv
                if sv[3] and ticks_diff(now_ms, sv[2]) > _SENSING_MS:  # see _watch_sensing
                    ctl._sensing_lost()
                if usb is not None and usb._sx and ticks_diff(now_ms, sv[2]) > _SX_STALL_MS:
                    usb.sx_cut()  # DIN IN fell silent in the middle of a SysEx passing in parts
                # 4. MIDI IN, when a byte or a packet is waiting
                uart = hw.uart
                if (uart is not None and (sv[10] or uart.any())) or (usb_itf is not None and usb_itf.rx_ready):
                    ctl._midi_in(now_ms)
                # 5. out (attribute checks first: most scans have nothing to send)
                if din is not None and (din._count or din._ring_count):
                    din.pump(now_us, now_ms)
                if din is not None and ctl._has & 64 and (not din._count or din.sx_open) and \
                        ticks_diff(now_us, din._busy_until) >= _SENSE_OUT_US:
                    # the wire idle that long, with nothing queued or a SysEx stalled there (it
                    # goes inside): Active Sensing
                    din.send(b"\xfe", 1, 0)
                    din.pump(now_us, now_ms)
                if usb is not None and usb_itf is not None and (
                        (usb.sent != usb._kicked and not usb_itf.tx_busy) or usb_itf.up != usb._was_open):
                    usb.service()  # (the test service() documents, inline)
                elif usb_itf is not None and usb_itf.tx_busy and not usb_itf._locked:
                    if not usb_itf._stamp:
                        usb_itf._stamp = now_ms | 1
                    elif ticks_diff(now_ms, usb_itf._stamp) > _STALL_MS:
                        usb_itf._locked = True  # the host has stopped reading
                        usb._kicked = -1  # pyright: ignore[reportOptionalMemberAccess]  (usb_itf: set when usb is)

            return step

    def _power_on(self):
        # The first scan: whatever a previous session left sounding on the synth ends now.
        din = self.din
        ch = 0
        while din is not None and ch < 16:
            if self.engine.note_channels >> ch & 1:
                din.send(_all_notes_off(ch), 3, 0)
            ch += 1

    def _report_pots(self):
        # Runs in the scan loop while _to_report is not empty: for the first scans, the knobs
        # still to report, compacted to the front of the same list, None after them (a new
        # list per scan would allocate); and while MIDI IN's notes are being ended (end_thru:
        # no check of its own in every scan), at least the shared _ENDING. When neither is
        # left, the shared empty list stands for none.
        t = self._thru_on
        if t[len(t) - 1]:
            self._end_some()
        if not self._report_some(self._to_report):
            self._to_report = _ENDING if t[len(t) - 1] else _NOTHING

    def _report_some(self, ks):
        # Each knob in ks (up to the first None) reports; those not primed yet move to the
        # front, None after them. Returns how many are left. (A `for` over ks would take this
        # frame past the 11 slots the C stack holds, see Engine._out.)
        n = 0
        i = 0
        while i < len(ks) and ks[i] is not None:
            if not ks[i].report():  # not primed yet
                ks[n] = ks[i]
                n += 1
            i += 1
        j = n
        while j < i:
            ks[j] = None
            j += 1
        return n

    def _keys(self, changed, state, now_ms):
        at = self.key_at
        k = 0
        while changed:
            if changed & 1 and at[k] is not None:
                if state & (1 << k):
                    at[k].press(now_ms)
                else:
                    at[k].release(now_ms)
            changed >>= 1
            k += 1

    def _switches(self, changed, now_ms):
        # (Few locals: a frame of more than 11 slots comes from the heap on every call, see
        # Engine._out; the pads wired as switches are told in a call of their own.)
        state = self.debounce.state
        pads = 0
        g = 0
        while changed:
            if changed & 1:
                s = self.switch_at[g]
                if s is not None:
                    if s[0] == 0:
                        pads |= 1 << g
                    elif state & (1 << g):
                        s[1].press(now_ms)
                    else:
                        s[1].release(now_ms)
            changed >>= 1
            g += 1
        if pads:
            self._pad_switches(pads, now_ms)

    def _pad_switches(self, changed, now_ms):
        # changed: the GPIOs of pads wired as switches that changed; to the pads' numbering
        # (few locals: see Engine._out)
        m = self._pad_bits(changed)
        s = self._pad_bits(changed & self.debounce.state)
        self.pads.switches(m, s, now_ms)

    def _pad_bits(self, gpios):
        # a bitmap of GPIOs of pads wired as switches -> the same pads' bitmap
        bits = 0
        g = 0
        while gpios >> g:
            if gpios >> g & 1:
                bits |= 1 << self.switch_at[g][1]
            g += 1
        return bits

    # MIDI IN, message by message: every function here keeps its frame within the 11 slots
    # MicroPython holds on the C stack (more, and the frame comes from the heap on every call:
    # see Engine._out), hence the work split into small steps.
    def _midi_in(self, now_ms):
        uart = self.hw.uart
        sv = self._sv
        if uart is not None:
            if sv[10]:
                self._din_bytes(now_ms)  # held back: on from where they stopped
            if not sv[10] and uart.any():
                n = uart.readinto(self._rxbuf)
                if n:
                    sv[2] = now_ms  # (for _watch_sensing: any byte counts, not only FE's)
                    sv[10] = n
                    sv[11] = 0
                    self._din_bytes(now_ms)
            if sv[10]:
                return  # the USB host's packets wait too (NAKed): they would take the buffer
        itf = self._usb_itf  # (None exactly when self.usb is)
        if itf is None or not itf.rx_ready:
            return
        n = len(self._rxbuf)
        if self.din is not None and self._thru & _T_USB_DIN:
            if self.din.sx_room() < _USB_IN_SX:
                return
            if self.din.sx_open and self.din.sx_src:
                # The host's dump is open on DIN OUT: what is queued after it waits for its
                # F7, so its parts are read however full the queue is, as many packets as
                # leave room for what else they may bring once it ends (a message with its
                # parameter selection: 10 bytes at most a packet) besides the room kept for
                # what ends a sound; and with less room, one packet of it (CIN 4 to 7, no
                # F0, a lone byte only an F7) or a real-time byte (a clock inside it): they
                # go to its ring, and nothing comes after them in the read. So the dump goes
                # on at the wire's pace while the queue behind it is full; before, the queue
                # filling behind it (the pads' notes, DIN IN's echo) stopped the reads: it
                # stalled and was cut short.
                n = min(n, self.din.room(1) // 10 * 4)
                if n < 4 and (itf._rx._b[0] == 15 and itf._rx._b[1] >= 0xF8 or (
                        4 <= itf._rx._b[0] <= 7 and itf._rx._b[1] != 0xF0 and (
                            itf._rx._b[0] != 5 or itf._rx._b[1] == 0xF7))):
                    n = 4
            elif self.din.room(1) < _USB_IN_ROOM:
                return
            elif self.din.sx_open:
                # DIN IN's dump is open on DIN OUT (din_to_din): a dump of the host's would be
                # dropped there (one SysEx in parts at a time), so the host's packets are read
                # up to the first that starts one (CIN 4, F0), which waits for DIN IN's F7;
                # and none while one it began is in the parser, no part of it passed yet
                # (uart: the host's buffer, now_ms: where in it; locals no longer needed, as
                # two more would take the frame past 11 slots)
                if self._usb_parser._in_sysex and not self._usb_parser._parted:
                    return
                uart = itf._rx._b
                now_ms = 0
                while now_ms < n and now_ms < itf._rx._n and not (
                        uart[now_ms] & 15 == 4 and uart[now_ms + 1] == 0xF0):
                    now_ms += 4
                n = now_ms
        if n > 0:  # (in two steps: one call inside another would take the frame past 11 slots)
            n = self.usb.poll_in(self._rxbuf, n)  # pyright: ignore[reportOptionalMemberAccess]  (usb: set when itf is)
            self._usb_packets(n)
            if sv[14] and not itf.rx_ready:
                self._usb_gone()  # the last of what a host that has gone sent: now its ending

    def _din_bytes(self, now_ms):
        # DIN IN's bytes in _rxbuf, parsed and routed from _sv[11] up to _sv[10], but for a
        # byte the USB host has no room for yet (_held): it and the rest wait there
        sv = self._sv
        i = sv[11]
        n = sv[10]
        while i < n:
            b = self._rxbuf[i]
            if self._held(b, now_ms):
                sv[11] = i
                return
            sv[11] = i + 1  # (a fault routing it does not bring it back)
            r = self._din_parser.feed(b)
            if r:
                self._routed(self._din_parser, r)
            i += 1
        sv[10] = 0

    def _held(self, b, now_ms):
        # True: DIN IN's byte b may complete more for the USB host than its TX buffer has
        # room for now, and that has lasted _HOLD_MS at most. A host still owed the Note Offs
        # and changes it missed (sent as it drains its buffer: UsbOut.service) gets them
        # first: anything but a real-time byte waits for their end.
        usb = self.usb
        itf = self._usb_itf
        if usb is None or itf is None or not itf.up or itf._locked or not self._thru & _T_DIN_USB:
            return False  # (a host that has stopped reading gets nothing: no use waiting)
        sv = self._sv
        if itf.room() >= (4 if b >= 0xF8 else 256 if usb._owed >= 0 else _HOLD_ROOM_SX if (
                b == 0xF0 or self._din_parser._in_sysex) else _HOLD_ROOM):
            sv[13] = 0
            return False
        if not sv[13]:
            sv[13] = 1
            sv[12] = now_ms
        return ticks_diff(now_ms, sv[12]) <= _HOLD_MS

    def _usb_packets(self, n):
        i = 0
        while i < n:
            r = self._usb_parser.feed_usb(self._rxbuf, i)
            if r:
                self._routed(self._usb_parser, r)
            i += 4

    def _routed(self, p, r):
        # A message the parser p (DIN IN's or the USB host's) completed: what the controller
        # takes from it, then where it goes
        k = None
        if r == mparser.MESSAGE:
            msg = p.msg
            if (msg[0] & 0xF0) == 0xB0:
                if not self._cc_in(p, msg):
                    return  # an echo of a knob being turned (knob.py): a stale value elsewhere
            elif (msg[0] & 0xF0) == 0xC0 and self.feedback:
                self._pc_in(msg)
            elif msg[0] == 0xF2 and self.feedback:  # Song Position Pointer
                k = self.feedback.get(0x1000)  # (a note repeat that follows MIDI IN's clock)
                if k is not None:
                    k.position(msg[1] | msg[2] << 7, p)
            r = p.length
        elif r == mparser.REALTIME:
            msg = self._rt
            msg[0] = p.realtime
            if msg[0] == 0xFE and p is self._din_parser:
                self._watch_sensing()
            elif msg[0] == 0xF8 and self._has & 16:
                return  # another clock: the controller's own is the one its ports carry
            elif (msg[0] == 0xF8 or msg[0] > 0xF9 and msg[0] < 0xFD) and self.feedback:
                # Clock (for a note repeat that follows it), Start, Continue, Stop: to the
                # transport buttons' (controls/transport.py) once passed on (below), so the
                # notes of a step follow its tick
                k = self.feedback.get(0x1000)
            r = 1
        elif r == mparser.SYSEX:
            if p.sysex_cont:  # the last part of a SysEx that came in parts
                self._sx_part(p)
                return
            msg = p.sysex
            r = p.sysex_len
            if r == 6 and msg[1] == 0x7E and msg[3] == 6 and msg[4] == 1 and (msg[2] == 0x7F or msg[2] == 0):
                self._identify(p)  # and passed on: the devices further down may answer too
            elif r == 6 and msg[1] == 0x7F and msg[3] == 6 and self.feedback:  # an MMC command
                k = self.feedback.get(0x1000)
                if k is not None:
                    k.mmc(msg[4])
        elif r == mparser.SYSEX_PART:
            self._sx_part(p)
            return
        else:
            return
        if p is self._din_parser:
            if self._thru & _T_DIN_USB and self.usb is not None:
                self._to_usb(p, msg, r)
            if self._thru & _T_DIN_DIN and self.din is not None:
                self._to_din(p, msg, r)  # b is only ever DIN OUT: see _THRU_GIVE
        elif self._thru & _T_USB_DIN and self.din is not None:
            self._to_din(p, msg, r)
        if r == 1 and k is not None:
            k.realtime(msg[0], p)

    def _sx_part(self, p):
        # A part of a SysEx longer than the parser's buffer: to the ports its source goes to
        # as it comes (din.py, usbout.py: nothing else goes between its parts there)
        if p is self._usb_parser:
            if self._thru & _T_USB_DIN and self.din is not None:
                self.din.sx_put(p.sysex, p.sysex_len, 1)
            return
        if self._thru & _T_DIN_USB and self.usb is not None:
            self.usb.sx_put(p.sysex, p.sysex_len)
        if self._thru & _T_DIN_DIN and self.din is not None:
            self.din.sx_put(p.sysex, p.sysex_len, 0)

    def _cc_in(self, p, msg):
        # A Control Change: DIN IN's pedals, MIDI IN feedback, a parameter selected. False:
        # an echo, passed on nowhere (drop_echoes)
        c = msg[1]
        if (c == 64 or c == 66) and p is self._din_parser:
            self._pedal_in(msg)
        if self.feedback and self._feedback(msg) and self._thru & _T_ECHOES:
            return False
        if 98 <= c <= 101 or c == 121:
            self._selects(p, msg)
        return True

    def _feedback(self, msg):
        # the knob, encoder or NRPN knobs' NrpnIn on this controller takes the value; True:
        # as the echo of its own
        k = self.feedback.get(((msg[0] & 15) << 7) | msg[1])
        return k is not None and k.feedback(msg[1], msg[2], self.filters.state)

    def _pedal_in(self, msg):
        sv = self._sv  # DIN IN's sustain and sostenuto, for _sensing_lost
        i = 4 if msg[1] == 64 else 5
        sv[i] = sv[i] | (1 << (msg[0] & 15)) if msg[2] >= 64 else sv[i] & ((1 << (msg[0] & 15)) ^ 0xFFFF)

    def _pc_in(self, msg):
        k = self.feedback.get(0x800 | (msg[0] & 15))  # the channel's program buttons'
        if k is not None:
            k.program_change(msg[1])

    def _to_usb(self, p, msg, n):
        # (from DIN IN) A parameter's data goes with its selection again when needed; one the
        # host is away for, it misses (what it has selected is not known then: see _usb_gone).
        # A Note On while the host is still owed Note Offs has those up to its own go first.
        usb = self.usb
        if usb._sx and msg[0] < 0xF8:  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
            usb.sx_cut()  # pyright: ignore[reportOptionalMemberAccess]  (DIN IN cut its SysEx short)
        if n == 3 and (msg[0] & 0xF0) == 0xB0 and (
                msg[1] == 6 or msg[1] == 38 or 96 <= msg[1] <= 101 or msg[1] == 121):
            if not usb.itf.up:  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
                self.engine.params[16 + (msg[0] & 15)] = 3
            else:
                n = self._parameter(p, msg, 1) or 3
                if n > 3:
                    msg = self._rt
        elif usb._owed >= 0 and (msg[0] & 0xF0) == 0x90 and msg[2]:  # pyright: ignore[reportOptionalMemberAccess]
            usb.owed_first(((msg[0] & 15) << 7) | msg[1])  # pyright: ignore[reportOptionalMemberAccess]
        elif n == 3 and (msg[0] & 0xF0) == 0xE0:  # the channels DIN IN leaves bent, for _sensing_lost
            b = 1 << (msg[0] & 15)
            self._sv[7] = self._sv[7] | b if msg[1] or msg[2] != 64 else self._sv[7] & (b ^ 0xFFFF)
        elif (msg[0] & 0xF0) == 0xD0 or n == 3 and (msg[0] & 0xF0) == 0xB0 and msg[1] == 1:
            self._held_in(msg, n)  # its modulation and pressure
        usb.send(msg, n, 0)  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)

    def _held_in(self, msg, n):
        # the channels on which DIN IN leaves its modulation (n 3) or channel pressure (n 2)
        # off zero on USB, for _sensing_lost
        i = 8 if n == 3 else 9
        b = 1 << (msg[0] & 15)
        self._sv[i] = self._sv[i] | b if msg[n - 1] else self._sv[i] & (b ^ 0xFFFF)

    def _to_din(self, p, msg, n):
        # The same for DIN OUT, from either source. While a SysEx in parts is open there, a
        # real-time byte goes inside it while the next part still has room (else after it),
        # and anything else from its source means the source cut it short: it is closed
        # first (what the other source sends waits behind it, see din.py). (A real-time byte
        # cuts nothing: before, one from DIN IN inside its own dump, with the ring too full
        # to take it, closed the dump early.)
        d = self.din
        if d.sx_open:  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
            if msg[0] >= 0xF8:
                if d.sx_room() > _USB_IN_SX:  # pyright: ignore[reportOptionalMemberAccess]
                    d.sx_put(msg, 1, d.sx_src)  # pyright: ignore[reportOptionalMemberAccess]
                    return
            elif (d.sx_src == 1) == (p is self._usb_parser):  # pyright: ignore[reportOptionalMemberAccess]
                d.sx_cut()  # pyright: ignore[reportOptionalMemberAccess]
        if n == 3 and (msg[0] & 0xF0) == 0xB0 and (
                msg[1] == 6 or msg[1] == 38 or 96 <= msg[1] <= 101 or msg[1] == 121):
            n = self._parameter(p, msg, 0) or 3
            if n > 3:
                msg = self._rt
        self._thru_din(msg, n, p is self._din_parser)

    # RPN and NRPN (MIDI 1.0): a parameter is selected with CC 99/98 (NRPN MSB/LSB) or 101/100
    # (RPN), then its value set with CC 6/38 (Data Entry MSB/LSB) or 96/97 (Increment,
    # Decrement), which the receiver applies to whichever parameter it has selected last. A
    # source on MIDI IN selects once and sends its data over several scans (DIN IN's bytes
    # arrive over milliseconds); the controller's NRPN knobs send their own selection with
    # every value, and two sources may be merged onto DIN OUT. Whatever comes between a
    # source's selection and its data would have the receiver apply the data to another
    # parameter, so a source's data goes with its selection again whenever another has
    # selected since on that port and channel (Engine.params keeps who did, and what each
    # source selected).

    def _selects(self, p, msg):
        # the source's selection, kept whether or not it is passed on anywhere
        b = (112 if p is self._usb_parser else 32) + (msg[0] & 15) * 5
        t = self.engine.params
        c = msg[1]
        if c == 121:  # Reset All Controllers: the receiver's selection is the RPN null (RP-015)
            t[b] = 1
            t[b + 3] = 127
            t[b + 4] = 127
            return
        t[b] = 1 if c >= 100 else 0  # 98, 99: NRPN; 100, 101: RPN
        c = b + b"\x02\x01\x04\x03"[c - 98]  # (now where the value goes)
        t[c] = msg[2]

    def _parameter(self, p, msg, d):
        # A selection, data or Reset All Controllers (msg) from the source parsed by p, going
        # to port d (0: DIN OUT, 1: USB). Returns 0 when it goes as it is, else the length of
        # what goes instead, in self._rt: when another sender selected last there, the
        # source's whole selection (this half of it included: the receiver keeps the other
        # half it was last sent, which may be another's), then the data. On DIN OUT, knob
        # messages still queued go after it (din.py): the controller stays the last to select
        # there until they have gone.
        s = 2 if p is self._usb_parser else 1
        who = self.engine.params[d * 16 + (msg[0] & 15)]
        keep = d == 0 and who == 3 and self.din._ring_count  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
        d = d * 16 + (msg[0] & 15)  # (now the port's entry)
        if who == s or who == 0 or msg[1] == 121:
            # (Reset All Controllers leaves the receiver with the source's selection: none)
            if msg[1] >= 98 and not keep:
                self.engine.params[d] = s
            return 0
        who = self._reselect(s, msg)  # (now the length)
        if who and not keep:
            self.engine.params[d] = s
        return who

    def _reselect(self, s, msg):
        # Into self._rt: source s's selection (what of it is known), then msg when it is data;
        # returns the length (0: the source has selected nothing)
        t = self.engine.params
        s = (112 if s == 2 else 32) + (msg[0] & 15) * 5  # (now the source's record)
        if t[s] > 1:
            return 0
        j = s + 3 if t[s] == 1 else s + 1
        m = self._rt
        k = 0
        if t[j] < 0x80:
            m[0] = msg[0]
            m[1] = 101 if t[s] else 99
            m[2] = t[j]
            k = 3
        if t[j + 1] < 0x80:
            m[k] = msg[0]
            m[k + 1] = 100 if t[s] else 98
            m[k + 2] = t[j + 1]
            k += 3
        if k and msg[1] < 98:  # the data, after it
            m[k] = msg[0]
            m[k + 1] = msg[1]
            m[k + 2] = msg[2]
            k += 3
        return k

    def _watch_sensing(self):
        # DIN IN sends Active Sensing: from now on a silence of more than _SENSING_MS from it
        # is its cable pulled out (MIDI 1.0), which the scan looks for (sv[3] set: a test of
        # an array element, in the native step), timed by the scan's clock (_midi_in sets
        # sv[2], when DIN IN last sent a byte, once this one's bytes are parsed).
        self._sv[3] = 1

    def _sensing_lost(self):
        # MIDI 1.0: the receiver stops expecting Active Sensing and ends its voices. Here,
        # what DIN IN started: its notes and pedals echoed on DIN OUT (din_to_din), and on USB.
        self._sv[3] = 0
        if self._thru & _T_DIN_DIN:
            self._sx_cut(0)
            self.end_thru(0)
        if self.usb is not None:
            self.usb.sx_cut()
        self._end_din_in_on_usb()

    def _sx_cut(self, src):
        # source src's SysEx passing to DIN OUT in parts, if one is open, closed
        if self.din is not None and self.din.sx_open and self.din.sx_src == src:
            self.din.sx_cut()

    def _end_din_in_on_usb(self):
        # What DIN IN started on USB (din_to_usb): every note sounding there that the
        # controller itself does not hold (only DIN IN plays notes to the host besides the
        # controller), as for a host coming back, the pedals it holds down there, the bends
        # it left off centre and its modulation and channel pressure off zero.
        sv = self._sv
        usb = self.usb
        if usb is not None and self._thru & _T_DIN_USB:
            usb.end_unheld()
            ch = 0
            while ch < 64:  # sustain's channels, sostenuto's, modulation's, pressure's (few
                # locals: see Engine._out)
                if sv[4 + (ch >> 4) if ch < 32 else 6 + (ch >> 4)] >> (ch & 15) & 1:
                    self._pedal_up(ch, usb)
                ch += 1
            ch = 0
            while ch < 16:  # and its bends back where the controller's own left them
                if sv[7] >> ch & 1:
                    self._bend_back(ch, usb)
                ch += 1
        sv[4] = 0
        sv[5] = 0
        sv[7] = 0
        sv[8] = 0
        sv[9] = 0

    def _identify(self, p):
        # MIDI 1.0 Identity Request (Universal Non-Real Time, General Information, to every
        # device or to ours, 0): the Identity Reply (06 02) goes back the way the request
        # came: device ID 0, manufacturer 7D (the ID the MMA keeps for non-commercial use:
        # this project has none of its own), family "MC" and member 1 (14-bit, LSB first),
        # and the firmware's VERSION (midictl/__init__.py): major, minor, patch, 0. (A literal:
        # no global more for the scan loop's code to look past.)
        port = self.usb if p is self._usb_parser else self.din
        if port is not None:
            port.send(b"\xf0\x7e\x00\x06\x02\x7d\x4d\x43\x01\x00\x00\x01\x00\x00\xf7", 15, 0)

    def _thru_din(self, msg, n, echo):
        # A message from MIDI IN for DIN OUT; echo: from DIN IN, which gives way below
        # _THRU_GIVE, _THRU_OPEN during the host's dump (the USB host's messages are read
        # only while the queue has room for a whole read, see _midi_in). What each source
        # starts is kept in its table in _thru_on.
        if echo:  # now the room below which it gives way
            echo = _THRU_OPEN if self.din.sx_open and self.din.sx_src else _THRU_GIVE  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
        if n == 3 and msg[0] < 0xA0:
            if not self._thru_note(msg, echo):
                return
        elif echo and self.din.room(1) < echo and not (  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
                _ends_sound(msg, n) and self.din.room() >= _THRU_FLOOR):  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
            self._thru_drop(msg)
            return
        elif n == 3 and (msg[0] & 0xF0) == 0xB0:
            self._thru_cc(msg, 0 if echo else (_THRU_TABLE if self._thru & _T_DIN_DIN else 0))
        elif n == 3 and (msg[0] & 0xF0) == 0xE0:
            self._thru_held(msg, 0 if echo else (_THRU_TABLE if self._thru & _T_DIN_DIN else 0), 260)
        elif n == 2 and (msg[0] & 0xF0) == 0xD0:
            self._thru_held(msg, 0 if echo else (_THRU_TABLE if self._thru & _T_DIN_DIN else 0), 264)
        self.din.send(msg, n, 0)  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)

    def _thru_note(self, msg, echo):
        # False: dropped (the echo giving way); else its source's table is up to date
        i = ((msg[0] & 15) << 7) | msg[1]
        k = (0 if echo else (_THRU_TABLE if self._thru & _T_DIN_DIN else 0)) + (i >> 3)
        i = 1 << (i & 7)  # (now the note's bit)
        if self._thru_on[k] & i and (msg[0] < 0x90 or not msg[2]):
            self._thru_on[k] = self._thru_on[k] & (i ^ 0xFF)  # ends a note its source started: always goes
        elif echo and self.din.room(1) < echo:  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
            self._thru_drop(msg)
            return False
        elif msg[0] >= 0x90 and msg[2]:
            if self._thru_on[len(self._thru_on) - 1] >> (k // _THRU_TABLE) & 1:
                self._end_first(k // _THRU_TABLE)
            self._thru_on[k] = self._thru_on[k] | i
        return True

    def _thru_cc(self, msg, at):
        c = msg[1]
        if c == 123 or c == 120:
            self._thru_clear(at + ((msg[0] & 15) << 4))  # All Notes/Sound Off: the channel's 16 bytes
        elif c == 64 or c == 66:  # sustain, sostenuto: down from 64
            if msg[2] >= 64 and self._thru_on[len(self._thru_on) - 1] >> (at // _THRU_TABLE) & 1:
                self._end_first(at // _THRU_TABLE)
            k = at + (258 if c == 66 else 256) + ((msg[0] & 15) >> 3)
            c = 1 << (msg[0] & 7)  # (now the channel's bit)
            self._thru_on[k] = self._thru_on[k] | c if msg[2] >= 64 else self._thru_on[k] & (c ^ 0xFF)
        elif c == 1:
            self._thru_held(msg, at, 262)

    def _thru_held(self, msg, at, k):
        # The source at `at` bends channel msg[0] & 15 (k 260), turns its modulation (262) or
        # presses it (channel pressure, 264): its bit is set while off centre (off zero), and
        # the other source's cleared (the receiver has this one's value now). While its ending
        # runs, the rest of that goes first: else the centre (zero) the ending puts back would
        # come after this one and undo it.
        t = self._thru_on
        if t[len(t) - 1] >> (at // _THRU_TABLE) & 1:
            self._end_first(at // _THRU_TABLE)
        k += (msg[0] & 15) >> 3
        c = 1 << (msg[0] & 7)
        j = 0
        while j < len(t) - 1:
            t[j + k] = t[j + k] & (c ^ 0xFF)
            j += _THRU_TABLE
        if (msg[1] or msg[2] != 64) if k < 262 else msg[2] if k < 264 else msg[1]:
            t[at + k] = t[at + k] | c

    def _thru_clear(self, k):
        t = self._thru_on
        for j in range(k, k + 16):
            t[j] = 0

    def _thru_drop(self, msg):
        self.thru_dropped = (self.thru_dropped + 1) & 0x3FFFFFFF
        if (msg[0] & 0xF0) == 0xB0:
            # what DIN OUT's receiver has selected (RPN, NRPN) is not known now: the next data
            # from either source goes with its selection (_parameter)
            self.engine.params[msg[0] & 15] = 3

    def end_thru(self, at=-1):
        """On DIN OUT, a Note Off for every note that the source whose table is at `at` (-1:
        every source) started there and has not ended, then the pedals it holds down up, a
        few at a time: each scan tops the DIN queue up to _END_AHEAD bytes, so that they go
        at the wire's pace and the controller's own messages (panic's among them) never
        wait behind more than a few of them, nor find the queue full."""
        t = self._thru_on
        last = len(t) - 1
        if at >= 0:
            t[last] = t[last] | 1 << (at // _THRU_TABLE)
        else:
            t[last] = (1 << (last // _THRU_TABLE)) - 1
        self._end_some()
        if t[last] and not self._to_report:
            self._to_report = _ENDING  # the rest in the next scans (_report_pots)

    def _end_some(self):
        din = self.din
        t = self._thru_on
        last = len(t) - 1
        s = 0
        while t[last] >> s:
            if t[last] >> s & 1 and (din is None or self._end_source(s * _THRU_TABLE, din)):
                t[last] = t[last] & ((1 << s) ^ 0xFF)
            s += 1

    def _end_first(self, s):
        # Source s starts a note or holds a pedal down while what it started before is still
        # being ended (end_thru, a few Note Offs a scan): the rest of its ending goes first, all
        # at once as far as the DIN queue keeps _THRU_RESERVE bytes free, so that no Note Off
        # (or pedal up) owed from before comes after the new note and cuts it.
        t = self._thru_on
        self._sv[6] = len(self.din._fifo) - _THRU_RESERVE  # pyright: ignore[reportOptionalMemberAccess]  (callers: not None)
        if self._end_source(s * _THRU_TABLE, self.din):
            t[len(t) - 1] = t[len(t) - 1] & ((1 << s) ^ 0xFF)
        self._sv[6] = _END_AHEAD

    def _end_source(self, at, din):
        # True once everything the source at `at` started is ended; False: no room left. (In
        # steps of few locals, counted with while: see Engine._out on frames and the heap.)
        t = self._thru_on
        k = at
        while k < at + 256:
            if t[k] and not self._end_notes(k, at, din):
                return False
            k += 1
        ch = 0
        while ch < 80:  # sustain's channels, sostenuto's, the bends, modulation, pressure
            k = at + 256 + (ch >> 3)
            if t[k] >> (ch & 7) & 1:
                if din.pending() >= self._sv[6]:
                    return False
                t[k] = t[k] & ((1 << (ch & 7)) ^ 0xFF)
                if 32 <= ch < 48:
                    self._bend_back(ch - 32, din)
                else:
                    self._pedal_up(ch if ch < 32 else ch - 16, din)
            ch += 1
        return True

    def _end_notes(self, k, at, din):
        # the notes of the table's byte k (8 notes from ((k - at) << 3)): False if no room
        t = self._thru_on
        j = 0
        while j < 8:
            if t[k] >> j & 1:
                if din.pending() >= self._sv[6]:
                    return False
                t[k] = t[k] & ((1 << j) ^ 0xFF)
                self._note_end((k - at) << 3 | j, din)
            j += 1
        return True

    def _note_end(self, i, din):
        # the Note Off for the table's note i (its channel << 7 | its number)
        m = self._rt
        if self.engine.note_off_as_note_on:
            m[0] = 0x90 | (i >> 7)
            m[2] = 0
        else:
            m[0] = 0x80 | (i >> 7)
            m[2] = 64
        m[1] = i & 127
        din.send(m, 3, 0)

    def _pedal_up(self, ch, port):
        # on channel ch & 15, to DIN OUT or USB: sustain (ch 0..15) or sostenuto (16..31)
        # up, modulation (32..47) or channel pressure (48..63) back where the controller's
        # own knob for it is (zero without one), as a bend goes back to its own stick's
        m = self._rt
        if ch >= 48:
            m[0] = 0xD0 | (ch & 15)
            m[1] = self._own_level(ch)
            port.send(m, 2, 0)
            return
        m[0] = 0xB0 | (ch & 15)
        m[1] = 1 if ch >= 32 else 66 if ch >= 16 else 64
        m[2] = self._own_level(ch) if ch >= 32 else 0
        port.send(m, 3, 0)

    def _own_level(self, ch):
        # where the controller's own knob on channel ch & 15's modulation (ch 32..47: a cc knob
        # on CC 1, either layer) or channel pressure (48..63: a channel_pressure knob) is:
        # 0..127, 0 if it has none (or none read yet)
        ks = self.knobs
        i = 0
        while i < len(ks):
            k = ks[i]
            if k.channel == ch & 15 and k._local >= 0 and (
                    k._kind == 3 if ch >= 48 else k._kind == 0 and k.number == 1):
                return k._local
            i += 1
        return 0

    def _bend_back(self, ch, port):
        # channel ch's pitch bend back where the controller's own left it (centre if it never
        # bent that channel), on DIN OUT or USB: the bend a MIDI IN source left is ended as
        # its notes are
        m = self._rt
        b = self.engine.bends
        m[0] = 0xE0 | ch
        m[1] = b[ch << 1]
        m[2] = b[(ch << 1) | 1]
        port.send(m, 3, 0)

    def _usb_gone(self):
        # The host went away: what it has selected (RPN, NRPN) is not known when it comes back,
        # nor is what it missed meanwhile; and with usb_to_din, the notes it started on DIN
        # OUT will get no Note Off from it. What it sent before it went that is not read yet
        # goes on first (_midi_in calls this again after the last of it): a SysEx it left
        # unfinished there, opened on DIN OUT once it had gone, would hold DIN OUT until the
        # stall closed it (500 ms), a note it started would sound for good.
        sv = self._sv
        sv[14] = 1 if self._usb_itf is not None and self._usb_itf.rx_ready else 0
        if sv[14]:
            return
        p = self.engine.params
        for ch in range(16):
            p[16 + ch] = 3
        if self.din is not None and self._thru & _T_USB_DIN:
            self._sx_cut(1)  # the rest of its SysEx will not come
            self.end_thru(_THRU_TABLE if self._thru & _T_DIN_DIN else 0)

    def panic(self):
        """The panic button: Note Off for every note sounding, the controller's own and those
        MIDI IN started on DIN OUT and (DIN IN's) on USB, its pedals up there too, then All
        Notes Off on all 16 channels. A SysEx passing in parts (to DIN OUT
        or USB) is closed first: all of that goes at once."""
        if self.din is not None:
            self.din.sx_cut()
        if self.usb is not None:
            self.usb.sx_cut()
        self.end_thru()
        self._end_din_in_on_usb()
        self.engine.panic()

    def recover(self):
        """After a fault: nothing may be left sounding."""
        self.pads.all_off()
        self.panic()

    def loop(self):
        period = self._sv[17]
        self.hw.watchdog(self._sv[15])
        if on_ready is not None:
            on_ready(self)
        try:
            self._run(period)
        except KeyboardInterrupt:
            # Ctrl-C on the REPL, or mpremote taking over: stop cleanly, leave nothing
            # sounding, and keep the watchdog fed so the REPL stays usable.
            self.recover()
            n = 0
            t = self._thru_on
            # until the wire has taken everything: with hundreds of notes MIDI IN started on
            # DIN OUT that is most of a second (3 bytes a note, 320 us a byte); the bound
            # is only for a UART that never drains
            start = ticks_ms()
            while ((self.din is not None and (self.din.pending() or t[len(t) - 1])) or n < 2) and \
                    ticks_diff(ticks_ms(), start) < _STOP_MS:
                self.hw.feed()  # let the Note Offs out on the wire
                if t[len(t) - 1]:
                    self._end_some()
                if self.din is not None:
                    self.din.pump(ticks_us(), ticks_ms())
                if self.usb is not None:
                    self.usb.service()
                sleep_us(period)
                n += 1
            self.hw.keep_alive()
            print("midictl: stopped (Ctrl-C); notes released, REPL free. machine.reset() restarts it")

    def _run(self, period):
        nxt = ticks_us()
        last_report = ticks_ms() - 2000
        pads = self.pads
        hw = self.hw
        # The MIDI clock's tick due before the next scan goes at its time, between the scans
        # (not at the next scan: up to a period late); and a knob's bytes that would still be
        # on DIN OUT's wire then wait until it has gone (DinOut.lead_bytes, for the scan: -1 -
        # (k | lead << 8), the tick k bytes away, the usual lead still the limit on a busy
        # wire), so it starts on its time there too: only what the FIFO holds (notes) may
        # delay it.
        clock = self.feedback.get(0x1001) if self._has & 16 else None
        din = self.din if clock is not None else None
        lead = 0 if din is None else din.lead_bytes
        near = lead if lead > _DEADLINE else _DEADLINE
        try:  # (the usual lead again, however the loop ends: Ctrl-C lets the queue drain)
            while True:
                try:
                    while True:
                        if din is not None:
                            d = ticks_diff(clock._gate, ticks_us()) // _US_PER_BYTE  # pyright: ignore[reportOptionalMemberAccess]  (bytes' time to the tick)
                            d = -1 - (d | lead << 8) if 0 <= d < near and clock._gating else lead  # pyright: ignore[reportOptionalMemberAccess]
                            if d != din.lead_bytes:
                                din.lead_bytes = d
                                din._gate = _TICKS_MAX  # (its pump's shortcut was for the lead before)
                        self.step(ticks_us(), ticks_ms())
                        hw.feed()
                        nxt = ticks_add(nxt, period)
                        d = ticks_diff(nxt, ticks_us())
                        w = m = 0
                        if d > _PEEK_ROOM:
                            # Until the next scan, the pads collecting a strike's peak are read
                            # again every _PEEK_US, and at mid-period every other piezo pad too
                            # (idle, decaying or silenced: a strike there opens its window; a
                            # piezo peaks 0.5 ms after the strike, between scans)
                            w = pads.pending(0)
                            m = pads.pending(1) != w  # the mid-period read: still to do
                        while True:
                            # the next of: the pads' read (s: how long until it, x: 2 the mid-period
                            # one, 1 a peak's), the clock's tick (t), the next scan (d); the tick
                            # goes first when it comes before the read (not one a period or more
                            # overdue: the ticks a held-up scan missed go one a scan, Clock.pump)
                            s = d
                            x = 0
                            if d > _PEEK_ROOM and (w or m):
                                s = d - (period >> 1)
                                x = 2
                                if not (m and (s <= _PEEK_US or not w)):
                                    s = _PEEK_US
                                    x = 1
                            t = ticks_diff(clock._gate, ticks_us()) if clock is not None and clock._gating else d
                            if t < s and t > -period:
                                if t > 0:
                                    sleep_us(t)
                                clock.pump(ticks_us(), ticks_ms())  # pyright: ignore[reportOptionalMemberAccess]  (t < d: a clock)
                                if din is not None:
                                    din.lead_bytes = lead
                                    din._gate = _TICKS_MAX
                                    din.pump(ticks_us(), ticks_ms())
                            elif x:
                                if s > 0:
                                    sleep_us(s)
                                if x == 2:
                                    w = pads.pending(1)
                                    m = False
                                pads.peak(hw.sample(w), w, ticks_ms())
                                w = pads.pending(0)
                            else:
                                break
                            d = ticks_diff(nxt, ticks_us())
                        if d > 0:
                            sleep_us(d)
                        elif d < -period:
                            nxt = ticks_us()  # fell behind: resynchronise instead of bursting
                except Exception as e:  # keep playing: report, release notes, carry on
                    self.errors = (self.errors + 1) & 0x3FFFFFFF
                    if ticks_diff(ticks_ms(), last_report) >= 1000:
                        last_report = ticks_ms()
                        print("midictl: error in the scan loop (%d so far):" % self.errors)
                        _print_exception(e)
                    try:
                        self.recover()
                    except Exception as e2:
                        print("midictl: could not release notes:", e2)
                    # A fault that repeats every scan must not spin without pause: wait one
                    # scan period (the watchdog is still fed) before trying again.
                    self.hw.feed()
                    sleep_us(period)
                    nxt = ticks_us()
        finally:
            if din is not None:
                din.lead_bytes = lead
                din._gate = _TICKS_MAX


def _print_exception(e):
    import sys

    pe = getattr(sys, "print_exception", None)
    if pe is not None:
        pe(e)
    else:
        print(repr(e))


def _ends_sound(msg, n):
    """Note Off (or Note On velocity 0), sustain/sostenuto/soft up, All Sound/Notes Off, a
    pitch bend back at centre (the wheel let go: dropped, it would leave the receiver bent),
    modulation or channel pressure back at zero (as much: it would go on wobbling, swelling)."""
    st = msg[0] & 0xF0
    if n != 3:
        return st == 0xD0 and msg[1] == 0
    if st == 0x80 or (st == 0x90 and msg[2] == 0) or (st == 0xE0 and msg[1] == 0 and msg[2] == 64):
        return True
    return st == 0xB0 and ((64 <= msg[1] <= 67 and msg[2] < 64) or msg[1] == 120 or msg[1] >= 123
                           or msg[1] == 1 and msg[2] == 0)


_ANO = bytearray(3)
_NOTHING: list = []  # shared, never filled: "no knob left to report"
_ENDING: list = [None]  # shared: "no knob to report, MIDI IN's notes still being ended"

_NATIVE = False
if sys.implementation.name == "micropython":
    import micropython

    _NATIVE = True

    # (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
    @micropython.viper
    def _step(ctl, now_us: int, now_ms: int):
        """The step _scanner() makes, in native code, test for test and call for call: the
        objects come from ctl's attributes (a native function has no defaults), the two
        values kept from scan to scan from ctl._sv, and the tests and arithmetic between
        the calls cost next to nothing. Ticks are small ints: native ints here."""
        tmax = int(_TICKS_MAX)
        half = (tmax >> 1) + 1
        sv = ptr32(ctl._sv)
        hw = ctl.hw
        p = int(sv[1]) - 1
        if p < 0:
            p = 0
            ctl._power_on()
        scans = int(ctl.scans)
        # 1. switches
        b = int(hw.pressed_bits())
        deb = ctl.debounce
        if b + 1 != int(sv[0]) or deb._locked:
            sv[0] = b + 1
            changed = deb.update(b, now_ms)
            if changed:
                ctl._switches(changed, now_ms)
        # 1b. a key matrix, every other scan
        has = int(ctl._has)
        if (has & 8) and (scans & 1) == 0:
            keys = ctl.keys
            hw.scan_matrix(keys)
            changed = keys.update(now_ms)
            if changed:
                ctl._keys(changed, keys.state, now_ms)
        # 2. encoders
        moved = ptr8(ctl.encoders_moved)
        if moved[0]:
            moved[0] = 0
            for e in ctl.encoders:
                q = e._q
                if int(q._count) != int(q._taken):
                    e.update(now_ms)
        # 2b. the MIDI clock
        if has & 16:
            clock = ctl.feedback[0x1001]
            if not clock._gating or ((now_us - int(clock._gate) + half) & tmax) - half >= 0:
                clock.pump(now_us, now_ms)
        if has & 32:  # a note repeat's swung step
            clock = ctl.feedback[0x1002]
            if clock._gating and ((now_ms - int(clock._gate) + half) & tmax) - half >= 0:
                clock.pump(now_us, now_ms)
        # 3. analog
        nxt = p + 1
        if nxt >= int(sv[16]):
            nxt = 0
        sv[1] = nxt + 1
        peak = int(hw.read_phase(p))
        if int(ctl.pads_count):
            pads = ctl.pads
            go = peak < 0 or peak > int(pads._thr_min)
            if not go and pads._active:
                go = True
            if not go and pads._gating:
                go = ((now_ms - int(pads._gate_next) + half) & tmax) - half >= 0
            if go:
                pads.scan(ctl.pad_samples, now_ms)
                if has & 1:  # a note for DIN goes now (see the closure)
                    din = ctl.din
                    if int(din._count) and not int(din._ring_count):
                        din.pump(now_us, now_ms)
        ctl.filters.run(p, hw.samples)
        ctl.scans = (scans + 1) & 0x3FFFFFFF
        if ctl._to_report:
            ctl._report_pots()
        if sv[3]:  # DIN IN sends Active Sensing (_watch_sensing): has it been silent too long?
            if ((now_ms - int(sv[2]) + half) & tmax) - half > _SENSING_MS:
                ctl._sensing_lost()
        if has & 2:  # DIN IN silent in the middle of a SysEx passing to USB in parts?
            usb = ctl.usb
            if usb._sx:
                if ((now_ms - int(sv[2]) + half) & tmax) - half > _SX_STALL_MS:
                    usb.sx_cut()
        # 4. MIDI IN
        if ((has & 4) and (sv[10] or hw.uart.any())) or ((has & 2) and ctl._usb_itf.rx_ready):
            ctl._midi_in(now_ms)
        # 5. out
        if has & 1:
            din = ctl.din
            if int(din._count) or int(din._ring_count):
                din.pump(now_us, now_ms)
            if (has & 64) and (not int(din._count) or din.sx_open) and \
                    ((now_us - int(din._busy_until) + half) & tmax) - half >= _SENSE_OUT_US:
                din.send(b"\xfe", 1, 0)  # (as in the closure)
                din.pump(now_us, now_ms)
        if has & 2:
            usb = ctl.usb
            itf = ctl._usb_itf
            if (int(usb.sent) != int(usb._kicked) and not itf.tx_busy) or itf.up != usb._was_open:
                usb.service()
            elif itf.tx_busy and not itf._locked:
                st = int(itf._stamp)
                if not st:
                    itf._stamp = now_ms | 1
                elif ((now_ms - st + half) & tmax) - half > _STALL_MS:
                    itf._locked = True  # the host has stopped reading
                    # and service() runs once it has read what it had (as after a write),
                    # to send it what it missed meanwhile: messages are dropped from now
                    usb._kicked = -1

    Controller._step = _step  # type: ignore[attr-defined]  # a method: bound by __init__
    del micropython
# names only the lines above needed: the functions below take their slots in the globals
del sys


def _all_notes_off(ch):
    _ANO[0] = 0xB0 | ch
    _ANO[1] = 123
    _ANO[2] = 0
    return _ANO


def run():
    """Board entry point (main.py). Returns only in safe mode or on a fatal config error,
    leaving the REPL free."""
    from midictl import startup

    ctl = startup.start()  # boot only, like everything that builds the controller
    del startup
    if ctl is not None:
        ctl.loop()
