# The controller: builds controls, engine and ports from the board and config, then runs
# the scan loop forever.
#
# One scan (every scan_us, 1000 us by default):
#   1. one GPIO read -> debounced switches -> buttons and switch pads
#   2. encoders: detents counted by pin interrupts (or polled) -> relative/absolute CC
#   3. one scan-plan phase of ADC reads -> pads every scan, a knob or the stick round-robin
#   4. MIDI IN from DIN and USB -> pass-through to the other port, knob pickup feedback
#   5. DIN queue pumped onto the wire; one USB transfer started
# Nothing in a scan allocates (checked under micropython.heap_lock() in host_tests).

import sys

from midictl.compat import sleep_us, ticks_add, ticks_diff, ticks_ms, ticks_us
from midictl.controls.buttons import CCButton, ModeButton, NoteButton, ProgramButton, Programs
from midictl.controls.debounce import BitDebouncer
from midictl.controls.encoder import DEFAULT_ACCEL, EncoderCC, Quadrature
from midictl.controls.knob import Knob
from midictl.controls.modes import Modes
from midictl.controls.pads import PadGroup
from midictl.controls.stick import Stick
from midictl.controls.velocity import make_curve
from midictl.din import DinOut
from midictl.engine import Engine
from midictl.midi import parser as mparser
from midictl.midi.running import RunningStatus
from midictl.names import natural_sorted

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


on_ready = None  # the simulator sets this to learn when the scan loop starts (t = 0)

_SWITCH_LOCKOUT_MS = 8  # longer than the 5 ms of bounce a switch may show
# USB brings MIDI far faster than DIN OUT carries it (31250 baud). One read of 16 packets
# may add 16 short messages (4 FIFO bytes each) and a 128-byte SysEx to the DIN queue: read
# only when that fits, else the packets wait in the USB stack, which NAKs the host.
_USB_IN_ROOM = const(256)


class LayerSink:
    """Forwards a continuous control's messages only while its layer is active, so a knob
    with a shift mapping drives one destination at a time."""

    def __init__(self, sink, modes, layer):
        self._sink = sink
        self._modes = modes
        self._layer = layer

    def _on(self):
        return self._modes.shift == self._layer

    def cc(self, ch, n, v):
        if self._on():
            self._sink.cc(ch, n, v)

    def cc14(self, ch, n, v):
        if self._on():
            self._sink.cc14(ch, n, v)

    def nrpn(self, ch, n, v):
        if self._on():
            self._sink.nrpn(ch, n, v)

    def channel_pressure(self, ch, v):
        if self._on():
            self._sink.channel_pressure(ch, v)

    def bend(self, ch, v):
        if self._on():
            self._sink.bend(ch, v)


class Controller:
    def __init__(self, board, cfg, hw, usb_itf=None):
        # board and cfg are only read here: nothing keeps them, the heap is small.
        self.hw = hw
        self.scan_us = cfg["scan_us"]
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
            self._usb_itf = usb_itf
            ports.append(self.usb)
        self.modes = Modes(cfg["octave_range"])
        self._build_controls(board, cfg)
        self._din_parser = mparser.Parser(sysex_size=128)
        self._usb_parser = mparser.Parser(sysex_size=128)
        self._rxbuf = bytearray(64)
        self._usbbuf = bytearray(64)
        self._rt = bytearray(1)
        self._first = True
        self._bits = -1  # the switch levels of the last scan (-1: none yet)
        self._thru = cfg["thru"]
        self._watchdog_ms = cfg["watchdog_ms"]
        self.safe_mode = cfg["safe_mode"]
        # "report_pots_at_boot": each knob sends its position once its filter has primed.
        self._to_report = list(self.knobs) if cfg["report_pots_at_boot"] else []

    # -- building --------------------------------------------------------------------------------
    def _build_controls(self, board, cfg):
        ctl = cfg["controls"]
        wiring = board["controls"]
        plan = self.hw.plan
        eng = self.engine
        modes = self.modes
        names = natural_sorted(wiring)  # a stable order: pad2 before pad10
        self.pads = PadGroup(eng, max(1, plan.npads), modes)
        self.note_channels = 0
        self.analog: list = [None] * plan.count  # sample index -> object with update(raw)
        self.feedback = {}  # (channel << 7 | cc) -> knob, for soft takeover
        self.encoders = []
        self.switch_at: list = [None] * 30  # GPIO -> (0, pad index) or (1, button)
        self.knobs = []
        curves = {}
        mx = board.get("matrix")
        ncols = len(mx["cols"]) if mx else 0
        self.keys = None
        if mx:
            from midictl.controls.matrix import KeyMatrix  # only boards with a matrix load it

            self.keys = KeyMatrix(len(mx["rows"]), ncols, mx.get("diodes", True), _SWITCH_LOCKOUT_MS)
        self.key_at: list = [None] * (len(mx["rows"]) * ncols if mx else 0)
        for name in names:
            w = wiring[name]
            m = ctl[name]
            t = m["type"]
            kind = w["kind"]
            if t == "none":
                continue
            if kind in ("piezo", "fsr") or (kind == "switch" and name.startswith("pad") and t == "note"):
                i = int(name[3:]) - 1
                ch = m["channel"] - 1
                self.note_channels |= 1 << ch
                if kind == "switch":
                    self.pads.set_pad(i, "switch", ch, m["note"], velocity=m["velocity"])
                    self.switch_at[w["pin"]] = (0, i)
                else:
                    # Pads with the same curve share one table: 16 identical 128-entry tables
                    # would cost boot time and heap for nothing.
                    ck = (m["curve"], m["velocity_min"], m["velocity_max"], m["velocity"],
                          tuple(m["table"]) if m["table"] else None)
                    curve = curves.get(ck)
                    if curve is None:
                        curve = curves[ck] = make_curve(m["curve"], m["velocity_min"], m["velocity_max"],
                                                        m["velocity"], m["table"])
                    self.pads.set_pad(i, kind, ch, m["note"], curve, m["threshold"], m["gate_ms"], m["pressure"])
                    if m["pressure"] != "off" and self.din:
                        key = ((0xA0 | ch) << 7) if m["pressure"] == "poly" else ((0xD0 | ch) << 7)
                        self.din.slot(key | (m["note"] if m["pressure"] == "poly" else 0))
            elif kind in ("pot", "stick"):
                self.analog[plan.index[name]] = self._analog(m, kind)
            elif kind == "encoder":
                a, b = w["pins"]
                q = Quadrature(m["steps_per_detent"])
                sh = m.get("shift")
                shift = (sh["channel"] - 1, sh["cc"]) if sh else None
                e = EncoderCC(eng, q, m["channel"] - 1, m["cc"], t == "cc_relative",
                              m.get("encoding", "twos_complement"), m.get("min", 0), m.get("max", 127),
                              m.get("min", 0), DEFAULT_ACCEL if m["accel"] else None, modes, shift)
                if t == "cc_absolute" and self.din:
                    self.din.slot(((0xB0 | (m["channel"] - 1)) << 7) | m["cc"])
                self.hw.encoder_irq(a, b, q.poll)
                self.encoders.append(e)
            elif kind == "switch":
                obj = self._button(m, name)
                self.switch_at[w["pin"]] = (1, obj)
                if t == "note":
                    self.note_channels |= 1 << (m["channel"] - 1)
            elif kind == "key":
                r, c = w["matrix"]
                self.key_at[r * ncols + c] = self._button(m, name)
                if t == "note":
                    self.note_channels |= 1 << (m["channel"] - 1)
        self.engine.note_channels = self.note_channels
        # The hardware layer already turns active-low pins into pressed = 1.
        self.debounce = BitDebouncer(30, _SWITCH_LOCKOUT_MS, active_low=False)
        self.pads_count = plan.npads
        # The pad group reads exactly its own pads: a view of the first npads samples.
        self.pad_samples = memoryview(self.hw.samples)[:max(1, plan.npads)]
        self.slow_in = plan.slow_in

    def _analog(self, m, kind):
        t = m["type"]
        objs = []
        for layer, mm in ((False, m), (True, m.get("shift"))):
            if mm is None:
                continue
            sink = LayerSink(self.engine, self.modes, layer) if "shift" in m else self.engine
            ch = mm["channel"] - 1
            if t == "bend":
                o = Stick(sink, ch, 2048, mm["centre_deadzone"], mm["deadzone"], mm["invert"])
                key = (0xE0 | ch) << 7
            else:
                number = {"cc": mm.get("cc", 0), "cc14": mm.get("cc14", 0), "nrpn": mm.get("param", 0)}.get(t, 0)
                o = Knob(sink, ch, number, t, mm["min"], mm["max"], mm["invert"], mm.get("takeover", False),
                         mm["deadzone"])
                if t == "nrpn":
                    key = (1 << 20) | (ch << 14) | number
                elif t == "channel_pressure":
                    key = (0xD0 | ch) << 7
                else:
                    key = ((0xB0 | ch) << 7) | number
                if t in ("cc", "cc14"):
                    self.feedback[(ch << 7) | number] = o
                self.knobs.append(o)
            if self.din:
                self.din.slot(key)
            objs.append(o)
        if len(objs) == 1:
            return objs[0]
        return _Both(objs[0], objs[1])

    def _button(self, m, name):
        t = m["type"]
        eng = self.engine
        modes = self.modes
        sh = m.get("shift")
        if t in ("cc_momentary", "cc_toggle"):
            shift = (sh["channel"] - 1, sh["cc"]) if sh else None
            return CCButton(eng, m["channel"] - 1, m["cc"], m["value"], m["off_value"], t == "cc_toggle", modes, shift)
        if t == "note":
            shift = (sh["channel"] - 1, sh["note"]) if sh else None
            return NoteButton(eng, m["channel"] - 1, m["note"], m["velocity"], modes, shift)
        if t in ("program", "program_up", "program_down"):
            progs = Programs(eng, m["channel"] - 1, m.get("program", 0), m.get("bank"))
            if t == "program":
                return ProgramButton(progs, program=m["program"])
            return ProgramButton(progs, step=1 if t == "program_up" else -1)
        return ModeButton(modes, t, m.get("step", 1), eng)

    # -- running ---------------------------------------------------------------------------------
    def output_pending(self):
        return self.din is not None and self.din.pending() > 0

    def step(self, now_us, now_ms):
        if self._first:
            self._first = False
            if self.din:
                # Power-on: whatever a previous session left sounding on the synth ends now.
                for ch in range(16):
                    if self.note_channels & (1 << ch):
                        self.din.send(_all_notes_off(ch), 3, 0)
        hw = self.hw
        # 1. switches: the debouncer only runs when a level changed or a lockout runs
        bits = hw.pressed_bits()
        deb = self.debounce
        if bits != self._bits or deb._locked:
            self._bits = bits
            changed = deb.update(bits, now_ms)
            if changed:
                self._switches(changed, now_ms)
        # 1b. a key matrix, every other scan (2 ms is plenty for buttons, and each row costs
        # a write and a read)
        keys = self.keys
        if keys is not None and not self.scans & 1:
            hw.scan_matrix(keys)
            changed = keys.update(now_ms)
            if changed:
                self._keys(changed, keys.state, now_ms)
        # 2. encoders: detents are counted by the pin interrupts; look only when one moved
        # (the same test EncoderCC.update starts with, without the call)
        for e in self.encoders:
            q = e._q
            if q._count != q._taken:
                e.update(now_ms)
        # 3. analog
        p = self.scans % len(self.slow_in)
        peak = hw.read_phase(p)
        samples = hw.samples
        if self.pads_count and (peak < 0 or not self.pads.quiet(peak)):
            self.pads.scan(self.pad_samples, now_ms)
        analog = self.analog
        for k in self.slow_in[p]:
            o = analog[k]
            if o is not None:
                o.update(samples[k])
        self.scans += 1
        if self._to_report:
            self._report_pots()
        # 4. MIDI IN
        self._midi_in()
        # 5. out (attribute checks first: most scans have nothing to send)
        din = self.din
        if din is not None and (din._count or din._ring_count):
            din.pump(now_us, now_ms)
        if self.usb is not None:
            self.usb.service()

    def _report_pots(self):
        left = []
        for k in self._to_report:
            if not k.report():  # not primed yet
                left.append(k)
        self._to_report = left

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
        state = self.debounce.state
        at = self.switch_at
        pad_changed = 0
        pad_state = 0
        g = 0
        while changed:
            if changed & 1:
                s = at[g]
                if s is not None:
                    if s[0] == 0:
                        pad_changed |= 1 << s[1]
                        if state & (1 << g):
                            pad_state |= 1 << s[1]
                    elif state & (1 << g):
                        s[1].press(now_ms)
                    else:
                        s[1].release(now_ms)
            changed >>= 1
            g += 1
        if pad_changed:
            self.pads.switches(pad_changed, pad_state, now_ms)

    def _midi_in(self):
        cfg = self._thru
        hw = self.hw
        uart = hw.uart
        if uart is not None and uart.any():
            n = uart.readinto(self._rxbuf)
            p = self._din_parser
            for i in range(n or 0):
                r = p.feed(self._rxbuf[i])
                if r:
                    self._routed(p, r, cfg["din_to_usb"], cfg["din_to_din"], self.usb, self.din)
        din = self.din
        if self.usb is not None and self._usb_itf.rx_ready and (
                din is None or not cfg["usb_to_din"] or din.room() >= _USB_IN_ROOM):
            n = self.usb.poll_in(self._usbbuf)
            p = self._usb_parser
            for i in range(0, n, 4):
                r = p.feed_usb(self._usbbuf, i)
                if r:
                    self._routed(p, r, cfg["usb_to_din"], False, self.din, None)

    def _routed(self, p, r, to_a, to_b, a, b):
        if r == mparser.MESSAGE:
            msg = p.msg
            n = p.length
            if (msg[0] & 0xF0) == 0xB0 and self.feedback:
                k = self.feedback.get(((msg[0] & 15) << 7) | msg[1])
                if k is not None:
                    k.set_remote(msg[2])
        elif r == mparser.REALTIME:
            msg = self._rt
            msg[0] = p.realtime
            n = 1
        elif r == mparser.SYSEX:
            msg = p.sysex
            n = p.sysex_len
        else:
            return
        if to_a and a is not None:
            a.send(msg, n, 0)
        if to_b and b is not None:
            b.send(msg, n, 0)

    def recover(self):
        """After a fault: nothing may be left sounding."""
        self.pads.all_off()
        self.engine.panic()

    def loop(self):
        period = self.scan_us
        self.hw.watchdog(self._watchdog_ms)
        if on_ready is not None:
            on_ready(self)
        try:
            self._run(period)
        except KeyboardInterrupt:
            # Ctrl-C on the REPL, or mpremote taking over: stop cleanly, leave nothing
            # sounding, and keep the watchdog fed so the REPL stays usable.
            self.recover()
            n = 0
            while n < 200 and ((self.din is not None and self.din.pending()) or n < 2):
                self.hw.feed()  # let the Note Offs out on the wire
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
        while True:
            try:
                while True:
                    self.step(ticks_us(), ticks_ms())
                    self.hw.feed()
                    nxt = ticks_add(nxt, period)
                    d = ticks_diff(nxt, ticks_us())
                    if d > 0:
                        sleep_us(d)
                    elif d < -period:
                        nxt = ticks_us()  # fell behind: resynchronise instead of bursting
            except Exception as e:  # keep playing: report, release notes, carry on
                self.errors += 1
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


class _Both:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def update(self, raw):
        self.a.update(raw)
        self.b.update(raw)


def unload_boot_modules():
    """After boot the config validator and start-up code are dead weight (over 20 KB of
    bytecode): let the garbage collector have them."""
    import gc

    import midictl

    for name in ("midictl.config", "midictl.startup"):
        if name in sys.modules:
            del sys.modules[name]
    for attr in ("config", "startup"):
        if hasattr(midictl, attr):
            delattr(midictl, attr)
    gc.collect()


def _text(e):
    return "%s %s" % (type(e).__name__, e) if isinstance(e, KeyError) else str(e)


def _print_exception(e):
    pe = getattr(sys, "print_exception", None)
    if pe is not None:
        pe(e)
    else:
        print(repr(e))


_ANO = bytearray(3)


def _all_notes_off(ch):
    _ANO[0] = 0xB0 | ch
    _ANO[1] = 123
    _ANO[2] = 0
    return _ANO


def run():
    """Board entry point (main.py). Returns only in safe mode or on a fatal config error,
    leaving the REPL free."""
    from midictl import hw as hwmod
    from midictl import startup

    st = startup.prepare(hwmod.switch_pressed, hwmod.arm_watchdog)
    if st.usb_note:
        print("midictl:", st.usb_note)
    if st.board is None or st.cfg is None:
        print("midictl:", st.error)
        if st.board is not None:
            hwmod.blink_error(st.board)
        print("midictl: controller not started; fix the file with mpremote and reset")
        return None
    if st.error:
        print("midictl:", st.error)
        print("midictl: playing the board's default layout instead (fallback_to_default)")
        hwmod.blink_error(st.board)
    if st.safe:
        print("midictl: safe mode (%s held at power-up): controller not started, REPL free" % st.cfg["safe_mode"])
        return None
    d = st.cfg["din"]["enabled"]
    try:
        hw = hwmod.Hardware(st.board, din_out=d, din_in=True)
        ctl = Controller(st.board, st.cfg, hw, st.usb_itf)
    except (ValueError, OSError, TypeError, KeyError) as e:
        # A board definition the chip cannot do (a pin that does not exist, a UART on the
        # wrong pins): one line, the REPL stays free.
        print("midictl: %s: cannot set up the board: %s" % (startup.BOARD_FILE, _text(e)))
        hwmod.blink_error(st.board)
        return None
    name = st.board["board"]
    startup.reset()
    del st, startup
    unload_boot_modules()
    # ticks_ms() counts from power-on on the rp2 port: this is the boot time a player waits.
    print("midictl: ready, %d ms after power-on (board %s)" % (ticks_ms(), name))
    ctl.loop()
