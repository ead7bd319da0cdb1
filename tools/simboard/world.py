# The simulated board's world: a clock, the physical controls, the DIN wire and a USB host.
#
# Runs under the MicroPython Unix port next to the real firmware. The firmware sees it only
# through the fake `machine`, `time`, `neopixel` and `usb.device` modules in this folder,
# which behave like the rp2 port's (UART.write waits when its ring is full, send_event
# returns False when the USB buffer is full, ticks wrap at 2**30).
#
# The plan it plays is made on the host by tools/sim.py from a scenario: digital pin
# transitions (switch bounce, encoder quadrature), analog timelines (piecewise-linear
# positions, piezo hits), DIN IN bytes, USB IN packets and host presence, all in
# microseconds from scenario t = 0, the moment the firmware's scan loop starts.
#
# The simulator's own code that runs on every scan (the clock, the registers and ADC reads the
# scan makes, the DIN wire, the trace) is compiled to native code (@micropython.native): the
# same Python semantics, and the same trace to the byte, in about 60% of the time. Most of a
# simulated scan's cost is the simulator's, not the firmware's (a simulated hour of dense
# playing, the reliability suite's long run, went from about 5 to about 3 minutes of a core).

import math
import random
import sys
from array import array
import time as _wall  # the real clock: imported before install() replaces `time`

if sys.implementation.name == "micropython":
    import micropython
else:  # CPython: host tests and tools import the simulator there too (some with a fake
    # micropython); machine.py and simtime.py take this name from here

    class micropython:  # noqa: N801  (the decorator below, as a no-op)
        @staticmethod
        def native(f):
            return f

US_PER_BYTE = 320  # 31250 baud, 8N1
USB_FRAME_US = 1000  # full-speed USB: the host polls the bulk IN endpoint once a frame here
HW_FIFO = 32  # RP2040 UART TX FIFO depth

current = None


def _world():
    if current is None:
        raise RuntimeError("simboard: no world installed")
    return current


class SimEnd(BaseException):
    # Not an Exception: the firmware catches Exception at the top of its loop, and the end
    # of a simulation must not look like a fault to it.
    pass


FLUSH_BEHIND_US = 100000  # trace lines this far behind the clock can no longer be preceded


class World:
    def __init__(self, plan, out=None):
        self.plan = plan
        # Trace lines wait in `pending` until no later line can sort before them (a line's
        # time is never before the moment it is produced), then go to `out` in time order,
        # so a long run needs no memory for its whole trace.
        self.out = out
        self.pending = []
        self._flush_at = 256  # flush once pending grows past this
        self.board = plan["board"]
        self.now = 0
        self.tick_offset_us = plan.get("tick_offset_us", 0)
        self.t0 = None
        self.end_us = plan["end_us"]
        self.drain_limit_us = plan.get("drain_limit_us", 10000000)
        self.app = None
        random.seed(plan.get("seed", 1))
        self.noise = plan.get("adc_noise_lsb", 0)
        # GPIO state
        self.levels = {}  # gpio -> physical level of inputs (change it through set_level/drop_level)
        self.in_mask = 0  # the same as bits: which GPIOs are inputs, and which of them read high
        self.in_bits = 0
        self.out_bits = 0
        self.oe_bits = 0  # output enables: Pin(OUT) sets a GPIO's, Pin(IN) clears it, and GPIO_OE_SET/CLR
        self.irqs = {}  # gpio -> (handler, trigger bits, pin object)
        for g, lv in plan.get("initial_levels", {}).items():
            self.set_level(int(g), lv)
        # Timed events, sorted by (t, order): ("pin", gpio, level) / ("usb", state) / ...
        self.events = plan["events"]
        self.ev = 0
        mx = self.board.get("matrix")
        self._mx_rows = mx["rows"] if mx else []
        self._mx_cols = mx["cols"] if mx else []
        self.keys_down = bytearray(len(self._mx_rows) * len(self._mx_cols))
        # analog sources: key "adc:<ch>" or "mux:<name>:<channel>" -> ["pl", points] /
        # ["piezo", hits] / ["piezo_hold", hits, tau_us] (a piezo behind a peak hold)
        self.analog = plan["analog"]
        self._mux_by_adc = {}
        self._routes = [[None, -1, 0, None] for _ch in range(8)]
        for name, m in self.board.get("muxes", {}).items():
            self._mux_by_adc.setdefault(m["adc"], []).append((name, m["select"]))
        self._index_analog()
        # SIO set/clear register addresses of this chip (machine.mem32 writes)
        rp2040 = self.board.get("chip", "rp2040") == "rp2040"
        self.sio_set, self.sio_clr = (0xD0000014, 0xD0000018) if rp2040 else (0xD0000018, 0xD0000020)
        self.sio_oe_set, self.sio_oe_clr = (0xD0000024, 0xD0000028) if rp2040 else (0xD0000038, 0xD0000040)
        # DIN
        self.wire_free = 0
        self._din_msg_t = 0
        self._din_msg = []
        self._din_need = 0
        self._din_running = 0
        self._din_in_sysex = False
        self.rx_queue = []  # (arrival time, byte)
        self.rx_overflow = 0
        self.uart_txbuf = 256
        self.uart_rxbuf = 256
        self.uart_blocked_us = 0
        # USB
        self.usb_connected = plan.get("usb_initial", True)
        self.usb_itfs = []
        self.usb_pending_in = []  # host -> device packets waiting for an OUT transfer
        self.seq = 0
        self.wdt_timeout = 0
        self.wdt_fed = 0
        self.log = []
        # Live (interactive) mode: simulated time follows the wall clock and new actions
        # arrive as JSON lines on stdin; trace lines go to stdout as they happen.
        self.live = plan.get("live", False)
        self._wall0 = None
        self._poll = None
        self.timers = []
        self.led = None

    # -- the clock ---------------------------------------------------------------------------------
    def ready(self, app=None):
        """Called by the firmware when its scan loop starts: scenario t = 0."""
        if self.t0 is None:
            self.t0 = self.now
            self.app = app
            if self.usb_connected:
                self._usb_connect()

    @micropython.native
    def rel(self):
        return self.now - (self.t0 if self.t0 is not None else self.now)

    @micropython.native
    def advance(self, target):
        """Move simulated time to `target`, firing every timed event on the way."""
        if self.t0 is not None:
            evs = self.events
            while self.ev < len(evs):
                e = evs[self.ev]
                t = self.t0 + e[0]
                if t > target:
                    break
                if t > self.now:
                    self._frames_until(t)
                    self.now = t
                self.ev += 1
                self._fire(e)
        self._frames_until(target)
        if target > self.now:
            self.now = target
        if self.wdt_timeout and self.now - self.wdt_fed > self.wdt_timeout * 1000:
            self.log.append("watchdog reset at %s ms" % fmt_ms(self.rel()))
            raise SimEnd("watchdog")
        if self.live:
            self._live(target)
            return
        if self.out is not None and len(self.pending) > self._flush_at:
            self._flush(self.rel() - FLUSH_BEHIND_US)
        if self.t0 is not None and self.now - self.t0 >= self.end_us:
            quiet = self.app is None or not self.app.output_pending()
            if (quiet and self.wire_free <= self.now) or self.now - self.t0 >= self.end_us + self.drain_limit_us:
                raise SimEnd("end")

    def _fire(self, e):
        kind = e[1]
        if kind == "pin":
            g, lv = e[2], e[3]
            old = self.levels.get(g, 1)
            self.set_level(g, lv)
            irq = self.irqs.get(g)
            if irq and old != lv:
                handler, trig, pin = irq
                if (lv and trig & 8) or (not lv and trig & 4):  # IRQ_RISING 8, IRQ_FALLING 4
                    handler(pin)
        elif kind == "key":
            self.keys_down[e[2]] = e[3]
        elif kind == "usb":
            if e[2] == "connected" and not self.usb_connected:
                self.usb_connected = True
                self._usb_connect()
            elif e[2] == "disconnected" and self.usb_connected:
                self.usb_connected = False
                for itf in self.usb_itfs:
                    itf._sim_reset()
        elif kind == "ctrl_c":
            # Ctrl-C on the USB serial REPL: MicroPython raises KeyboardInterrupt in the
            # running code, wherever it is.
            raise KeyboardInterrupt
        elif kind == "din_in":
            # One wire at 31250 baud: bytes given while earlier ones are still coming arrive
            # after them, a byte time apart, not over them.
            q = self.rx_queue
            t = self.now
            if q and q[-1][0] > t:
                t = q[-1][0]
            for i, b in enumerate(e[2]):
                q.append((t + (i + 1) * US_PER_BYTE, b))
        elif kind == "usb_in":
            self.usb_pending_in.append(bytearray(e[2]))
            self._usb_deliver()

    # -- GPIO and ADC ------------------------------------------------------------------------------
    def set_level(self, g, lv):
        """The physical level of input g (it becomes an input if it was not)."""
        self.levels[g] = lv
        self.in_mask |= 1 << g
        if lv:
            self.in_bits |= 1 << g
        else:
            self.in_bits &= ~(1 << g)

    def drop_level(self, g):
        """g is no longer an input (the firmware made it an output)."""
        del self.levels[g]
        self.in_mask &= ~(1 << g)
        self.in_bits &= ~(1 << g)

    @micropython.native
    def gpio_in(self):
        v = self.in_bits | (self.out_bits & ~self.in_mask)
        if self._mx_rows:
            # A pressed key joins its row to its column (through its diode): the column reads
            # low while that row is driven low (its output enabled, its level low), else its
            # pull-up holds it high.
            rows = self._mx_rows
            cols = self._mx_cols
            n = len(cols)
            low = self.oe_bits & ~self.out_bits
            for r in range(len(rows)):
                if (low >> rows[r]) & 1:
                    for c in range(n):
                        if self.keys_down[r * n + c]:
                            v &= ~(1 << cols[c])
        return v

    def _index_analog(self):
        # The source behind each ADC read, looked up once here rather than by name per read
        # (25 reads a scan): per ADC channel a route, [select pins or None, shift, mask,
        # cell per mux channel (or the one cell of a direct pin)]. A cell is [source, valid
        # until, 16-bit reading, value]: the source's value stays put most of the time (a
        # knob at rest, a pad not ringing), so a read before `valid until` (scenario us,
        # exclusive) reuses it. Sources are the plan's own lists; one changed or added
        # later (live mode) needs this index built again, which empties every cell.
        for src in self.analog.values():
            if src[0] in ("piezo", "piezo_hold") and src[1] and isinstance(src[1][0], list):
                src[1] = [x for hit in src[1] for x in hit]  # [[t, a], ...] (live mode): flat
        routes = self._routes
        for r in routes:
            r[0] = None
            r[3] = None
        for ch, muxes in self._mux_by_adc.items():
            name, select = muxes[0]
            cells = []
            for c in range(1 << len(select)):
                src = self.analog.get("mux:%s:%d" % (name, c))
                cells.append(None if src is None else [src, -1, 0, 0.0])
            r = routes[ch]
            r[0] = tuple(select)
            # select lines on consecutive GPIOs, lowest first (the usual wiring): one shift
            r[1] = select[0] if list(select) == list(range(select[0], select[0] + len(select))) else -1
            r[2] = (1 << len(select)) - 1
            r[3] = cells
        for key, src in self.analog.items():
            if key.startswith("adc:"):
                ch = int(key[4:])
                if routes[ch][0] is None:
                    routes[ch][3] = [src, -1, 0, 0.0]

    def adc_reader(self, ch):
        """machine.ADC(ch).read_u16 on this board: the 12-bit conversion scaled to 16 bits
        the way the rp2 port does it (machine_adc.c)."""
        w = self
        route = self._routes[ch] if 0 <= ch < len(self._routes) else [None, -1, 0, None]
        noise = self.noise
        cell_value = self._cell_value

        @micropython.native
        def read_u16():
            if current is not w:
                return _world().adc_reader(ch)()  # the world was replaced since
            pins = route[0]
            if pins is None:
                cell = route[3]
            else:
                ob = w.out_bits
                shift = route[1]
                if shift >= 0:
                    c = (ob >> shift) & route[2]
                else:
                    c = 0
                    bit = 1
                    for pin in pins:
                        if (ob >> pin) & 1:
                            c |= bit
                        bit <<= 1
                cell = route[3][c]
            t0 = w.t0
            t = 0 if t0 is None else w.now - t0
            if cell is None:  # nothing wired to it
                if not noise:
                    return 0
                v = 0.0
            elif t < cell[1]:
                if not noise:
                    return cell[2]
                v = cell[3]
            else:
                v = cell_value(cell, t)
                if not noise:
                    return cell[2]
            v += random.randint(-noise, noise)
            v = int(v + 0.5) if v >= 0 else 0
            if v > 4095:
                v = 4095
            return (v << 4) | (v >> 8)

        return read_u16

    def adc12(self, ch):
        """One 12-bit conversion on ADC channel ch."""
        v = self.adc_reader(ch)()
        return v >> 4

    @micropython.native
    def _cell_value(self, cell, t):
        # The source's value at t; the cell keeps it, its 16-bit reading (noise left out)
        # and until when both hold.
        v, until = self._value(cell[0], t)
        cell[1] = until
        cell[3] = v
        v = int(v + 0.5) if v >= 0 else 0
        if v > 4095:
            v = 4095
        cell[2] = (v << 4) | (v >> 8)
        return cell[3]

    @micropython.native
    def _value(self, src, t):
        """-> (value at t, the time before which it stays the same; t + 1 when it may not)."""
        if src[0] == "pl":
            pts = src[1]
            if t <= pts[0][0]:
                return pts[0][1], pts[0][0]
            i = src[2] if len(src) > 2 else 0
            while i + 1 < len(pts) and pts[i + 1][0] <= t:
                i += 1
            if len(src) > 2:
                src[2] = i
            else:
                src.append(i)
            if i + 1 >= len(pts):
                return pts[i][1], _FOREVER
            t0, v0 = pts[i]
            t1, v1 = pts[i + 1]
            # a segment that does not move holds until its end
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0), t1 if v0 == v1 else t + 1
        if src[0] == "piezo_hold":
            return self._held(src, t)
        # piezo: sum of the pulses still ringing (rise 0.5 ms, decay tau 2 ms); hits are
        # sorted, flat (time, amplitude, time, amplitude, ...), and src[2] remembers where
        # the first one that may still ring starts
        hits = src[1]
        if len(src) < 3:
            src.append(0)
        i = src[2]
        n = len(hits)
        while i < n and t - hits[i] >= 40000:
            i += 2
        src[2] = i
        if i == n:
            return 0.0, _FOREVER
        if hits[i] > t:
            return 0.0, hits[i]  # nothing ringing until the next hit (most reads)
        v = 0.0
        rising = False
        nxt = _FOREVER  # the next hit
        decay = _DECAY
        if decay is None:
            decay = _decay_table()
        for k in range(i, n, 2):
            t0 = hits[k]
            a = hits[k + 1]
            dt = t - t0
            if dt < 0:
                nxt = t0
                break
            if dt < 500:
                v += a * dt / 500
                rising = True
            else:  # dt < 40000 here: older hits were skipped above
                e = decay[dt - 500]
                if e == 0.0:  # not needed yet (no exp in range is 0)
                    e = decay[dt - 500] = math.exp(-(dt - 500) / 2000)
                v += a * e
        if not rising and v < 0.45 and not self.noise:
            # Only decaying pulses, summing to less than 0.45: each of them only falls from
            # here (by a factor of 0.9995 a microsecond, far beyond rounding), so until the
            # next hit every conversion reads 0, which is all a read without noise takes
            # from this value (with noise the exact value is needed every time).
            return v, nxt
        return v, t + 1

    def _held(self, src, t):
        # A piezo behind an ideal peak hold (diode into a capacitor, a bleed resistor across
        # it; ARCHITECTURE.md): the level is the highest the pulses have reached, falling
        # with the hold's time constant since: h(t) = max over s <= t of
        # x(s) * exp(-(t - s) / tau). Between two pulse peaks x(s) * exp(s / tau) is convex
        # (rising ramps and exponentials faster than tau), so its highest point is at an
        # end: the level at the last read (already in h), a pulse's peak, or t itself.
        # src: ["piezo_hold", hits, tau_us] + [the bare pulses' source, last read, level
        # then, first hit whose peak is not yet taken], the state appended on first use.
        if len(src) < 4:
            src += [["piezo", src[1]], t, 0.0, 0]
        bare, t0, h, j = src[3], src[4], src[5], src[6]
        if bare[1] is not src[1]:
            bare[1] = src[1]  # live mode replaced the hits
            del bare[2:]
            j = 0
        tau = src[2]
        if t > t0:
            h *= math.exp((t0 - t) / tau)
        hits = src[1]
        n = len(hits)
        while j < n and hits[j] + 500 <= t:
            tp = hits[j] + 500
            if tp > t0:
                v = self._value(bare, tp)[0] * math.exp((tp - t) / tau)
                if v > h:
                    h = v
            j += 2
        v, until = self._value(bare, t)
        if v > h:
            h = v
        src[4] = t
        src[5] = h
        src[6] = j
        if h < 0.45 and until > t + 1:
            return h, until  # reads 0 until the next hit, as a bare pulse's tail does
        return h, t + 1

    # -- DIN wire ----------------------------------------------------------------------------------
    @micropython.native
    def uart_write(self, data, n, off=0):
        # rp2: bytes go into a software ring (txbuf) feeding the 32-byte hardware FIFO; when both
        # are full, write() waits. Model the wait by letting simulated time pass.
        room = self.uart_txbuf + HW_FIFO
        for i in range(n):
            queued = (self.wire_free - self.now + US_PER_BYTE - 1) // US_PER_BYTE
            if queued >= room:
                wait = self.wire_free - (room - 1) * US_PER_BYTE
                self.uart_blocked_us += wait - self.now
                self.advance(wait)
            start = self.wire_free if self.wire_free > self.now else self.now
            self.wire_free = start + US_PER_BYTE
            self._din_byte(data[off + i], start)
        return n

    @micropython.native
    def _din_byte(self, b, t):
        # Split the wire's byte stream into messages as they were written (running status aware).
        if b >= 0xF8:
            self._din_line(t, [b])
            return
        if b == 0xF0:
            self._din_flush()
            self._din_in_sysex = True
            self._din_running = 0
            self._din_msg_t = t
            self._din_msg = [b]
            return
        if self._din_in_sysex:
            self._din_msg.append(b)
            if b == 0xF7:
                self._din_in_sysex = False
                self._din_line(self._din_msg_t, self._din_msg)
                self._din_msg = []
            return
        if b & 0x80:
            self._din_flush()
            self._din_msg_t = t
            self._din_msg = [b]
            self._din_need = _data_len(b)
            self._din_running = b if b < 0xF0 else 0
        else:
            if not self._din_msg:
                self._din_msg_t = t
                self._din_need = _data_len(self._din_running) if self._din_running else 0
            self._din_msg.append(b)
        if self._din_msg and self._din_need >= 0:
            have = len(self._din_msg) - (1 if self._din_msg[0] & 0x80 else 0)
            if have >= self._din_need:
                self._din_line(self._din_msg_t, self._din_msg)
                self._din_msg = []

    def _din_flush(self):
        if self._din_msg:
            self._din_line(self._din_msg_t, self._din_msg)
            self._din_msg = []

    @micropython.native
    def _din_line(self, t, msg):
        self.seq += 1
        line = (t - self.t0 if self.t0 is not None else t, self.seq, "DIN", msg)
        if self.live:
            _emit(line)
        else:
            self.pending.append(line)

    @micropython.native
    def uart_any(self):
        n = 0
        for t, _b in self.rx_queue:
            if t <= self.now:
                n += 1
            else:
                break
        return n

    @micropython.native
    def uart_readinto(self, buf, nmax):
        n = 0
        q = self.rx_queue
        while n < nmax and q and q[0][0] <= self.now:
            buf[n] = q.pop(0)[1]
            n += 1
        return n

    # -- USB host ----------------------------------------------------------------------------------
    def _usb_connect(self):
        for itf in self.usb_itfs:
            itf._sim_open()
        self._usb_deliver()

    @micropython.native
    def usb_written(self, buf, start, n):
        i = start
        while i + 4 <= start + n:
            self.seq += 1
            line = (self.rel(), self.seq, "USB", (buf[i], buf[i + 1], buf[i + 2], buf[i + 3]))
            if self.live:
                _emit(line)
            else:
                self.pending.append(line)
            i += 4

    @micropython.native
    def _frames_until(self, t):
        # At each USB frame boundary the host completes pending IN transfers and offers OUT data.
        if not self.usb_connected or not self.usb_itfs:
            return
        f = (self.now // USB_FRAME_US + 1) * USB_FRAME_US
        while f <= t:
            self.now = f
            for itf in self.usb_itfs:
                itf._sim_frame()
            self._usb_deliver()
            f += USB_FRAME_US

    @micropython.native
    def _usb_deliver(self):
        if not self.usb_connected:
            return
        while self.usb_pending_in:
            done = False
            for itf in self.usb_itfs:
                if itf._sim_host_out(self.usb_pending_in[0]):
                    done = True
                    break
            if not done:
                return  # device not receiving (NAK): the host retries next frame
            self.usb_pending_in.pop(0)

    # -- live mode -------------------------------------------------------------------------------
    def _live(self, target):
        import select

        if self._poll is None:
            self._poll = select.poll()
            self._poll.register(sys.stdin, select.POLLIN)
            self._wall0 = _wall.ticks_us() - self.now
        # Keep simulated time no faster than the wall clock.
        ahead = target - (_wall.ticks_us() - self._wall0)
        if ahead > 0:
            _wall.sleep_us(ahead)
        while self._poll.poll(0):
            line = sys.stdin.readline()
            if not line:
                raise SimEnd("end")
            self._take(line)

    def _take(self, line):
        import json

        msg = json.loads(line)
        if msg.get("op") == "quit":
            raise SimEnd("end")
        if msg.get("events"):
            tail = self.events[self.ev:] + msg["events"]
            tail.sort(key=lambda e: e[0])
            self.events = self.events[:self.ev] + tail
        if msg.get("analog"):
            for k, v in msg["analog"].items():
                self.analog[k] = v
            self._index_analog()
        if msg.get("op") == "now":
            print("NOW %d" % self.rel())

    # -- results -----------------------------------------------------------------------------------
    @micropython.native
    def _flush(self, upto):
        if self._din_msg:
            # A DIN message still on the wire (a SysEx passing through takes as long as its
            # source sends it: 320 ms for 1000 bytes) gets its line, stamped with its first
            # byte's time, only once it ends: nothing from that time on is written before it.
            t = self._din_msg_t - self.t0 if self.t0 is not None else self._din_msg_t
            if t < upto:
                upto = t
        ready = [ln for ln in self.pending if ln[0] < upto]
        if ready:
            self.pending = [ln for ln in self.pending if ln[0] >= upto]
        # A burst may leave more than 256 lines too recent to write: look again only once
        # another 256 have come, not every scan.
        self._flush_at = len(self.pending) + 256
        if not ready:
            return
        # (time, sequence number, ...): the numbers are unique, so a plain sort is by both
        ready.sort()
        f = self.out
        for t, _s, port, msg in ready:
            f.write("%s %s %s\n" % (fmt_ms(t), port, " ".join([_HEX[b] for b in msg])))

    def trace_lines(self):
        """The rest of the trace: written to `out` if there is one, else returned as lines."""
        self._din_flush()
        if self.out is not None:
            self._flush(1 << 62)
            return []
        lines = sorted(self.pending, key=lambda x: (x[0], x[1]))
        self.pending = []
        return ["%s %s %s" % (fmt_ms(t), port, " ".join(["%02X" % b for b in msg])) for t, _s, port, msg in lines]


_HEX = ["%02X" % b for b in range(256)]
_FOREVER = 1 << 62
# exp(-(dt - 500) / 2000) for a piezo pulse dt us after its hit (500 <= dt < 40000), each
# computed on first use exactly as the formula does: 0.0 = not yet. The table (316 KB) is
# made at the first piezo read, not at import: every collection scans it, and a run with
# no piezo (the boot benchmark) should not pay for that.
_DECAY = None


def _decay_table():
    global _DECAY
    _DECAY = array("d", bytes(8 * 39500))
    return _DECAY


def _emit(line):
    t, _s, port, msg = line
    print("%s %s %s" % (fmt_ms(t), port, " ".join(["%02X" % b for b in msg])))


@micropython.native
def fmt_ms(t_us):
    sign = "-" if t_us < 0 else ""
    t_us = -t_us if t_us < 0 else t_us
    return "%s%d.%03d" % (sign, t_us // 1000, t_us % 1000)


def _data_len(status):
    hi = status & 0xF0
    if hi in (0xC0, 0xD0):
        return 1
    if hi < 0xF0:
        return 2
    return {0xF1: 1, 0xF2: 2, 0xF3: 1}.get(status, 0)


def install(world):
    global current
    import simtime

    current = world
    simtime.world = world
    sys.modules["time"] = simtime
    sys.modules["utime"] = simtime
