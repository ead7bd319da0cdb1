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

import math
import random
import sys
import time as _wall  # the real clock: imported before install() replaces `time`

US_PER_BYTE = 320  # 31250 baud, 8N1
USB_FRAME_US = 1000  # full-speed USB: the host polls the bulk IN endpoint once a frame here
HW_FIFO = 32  # RP2040 UART TX FIFO depth

current = None


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
        self.levels = {}  # gpio -> physical level of inputs
        self.out_bits = 0
        self.irqs = {}  # gpio -> (handler, trigger bits, pin object)
        for g, lv in plan.get("initial_levels", {}).items():
            self.levels[int(g)] = lv
        # Timed events, sorted by (t, order): ("pin", gpio, level) / ("usb", state) / ...
        self.events = plan["events"]
        self.ev = 0
        mx = self.board.get("matrix")
        self._mx_rows = mx["rows"] if mx else []
        self._mx_cols = mx["cols"] if mx else []
        self.keys_down = bytearray(len(self._mx_rows) * len(self._mx_cols))
        # analog sources: key "adc:<ch>" or "mux:<name>:<channel>" -> ["pl", points] / ["piezo", hits]
        self.analog = plan["analog"]
        self._mux_by_adc = {}
        for name, m in self.board.get("muxes", {}).items():
            self._mux_by_adc.setdefault(m["adc"], []).append((name, m["select"]))
        self._index_analog()
        # SIO set/clear register addresses of this chip (machine.mem32 writes)
        rp2040 = self.board.get("chip", "rp2040") == "rp2040"
        self.sio_set, self.sio_clr = (0xD0000014, 0xD0000018) if rp2040 else (0xD0000018, 0xD0000020)
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

    def rel(self):
        return self.now - (self.t0 if self.t0 is not None else self.now)

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
        if self.out is not None and len(self.pending) > 256:
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
            self.levels[g] = lv
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
            for i, b in enumerate(e[2]):
                self.rx_queue.append((self.now + (i + 1) * US_PER_BYTE, b))
        elif kind == "usb_in":
            self.usb_pending_in.append(bytearray(e[2]))
            self._usb_deliver()

    # -- GPIO and ADC ------------------------------------------------------------------------------
    def gpio_in(self):
        v = 0
        for g, lv in self.levels.items():
            if lv:
                v |= 1 << g
        v |= self.out_bits & ~self._input_mask()
        if self._mx_rows:
            # A pressed key joins its row to its column (through its diode): the column reads
            # low while that row is driven low, else its pull-up holds it high.
            rows = self._mx_rows
            cols = self._mx_cols
            n = len(cols)
            for r in range(len(rows)):
                if not (self.out_bits >> rows[r]) & 1:
                    for c in range(n):
                        if self.keys_down[r * n + c]:
                            v &= ~(1 << cols[c])
        return v

    def _input_mask(self):
        m = 0
        for g in self.levels:
            m |= 1 << g
        return m

    def _index_analog(self):
        # The source behind each ADC read, looked up once here rather than by name per read
        # (25 reads a scan): ch -> (select pins, source per mux channel) for a multiplexed
        # ADC pin, ch -> source for a direct one. Sources are the plan's own lists, so hits
        # and points added to them later are seen; a new source needs a new index.
        self._adc_mux = {}
        for ch, muxes in self._mux_by_adc.items():
            name, select = muxes[0]
            srcs = [self.analog.get("mux:%s:%d" % (name, c)) for c in range(1 << len(select))]
            self._adc_mux[ch] = (tuple(select), srcs)
        self._adc_direct = {}
        for key, src in self.analog.items():
            if key.startswith("adc:"):
                self._adc_direct[int(key[4:])] = src

    def adc12(self, ch):
        m = self._adc_mux.get(ch)
        if m is not None:
            ob = self.out_bits
            c = 0
            bit = 1
            for pin in m[0]:
                if (ob >> pin) & 1:
                    c |= bit
                bit <<= 1
            src = m[1][c]
        else:
            src = self._adc_direct.get(ch)
        v = 0.0 if src is None else self._value(src)
        if self.noise:
            v += random.randint(-self.noise, self.noise)
        v = int(v + 0.5) if v >= 0 else 0
        return 4095 if v > 4095 else v

    def _value(self, src):
        t = self.rel()
        if src[0] == "pl":
            pts = src[1]
            if t <= pts[0][0]:
                return pts[0][1]
            i = src[2] if len(src) > 2 else 0
            while i + 1 < len(pts) and pts[i + 1][0] <= t:
                i += 1
            if len(src) > 2:
                src[2] = i
            else:
                src.append(i)
            if i + 1 >= len(pts):
                return pts[i][1]
            t0, v0 = pts[i]
            t1, v1 = pts[i + 1]
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
        # piezo: sum of the pulses still ringing (rise 0.5 ms, decay tau 2 ms); hits are
        # sorted, and src[2] remembers the first one that may still ring
        hits = src[1]
        if len(src) < 3:
            src.append(0)
        i = src[2]
        n = len(hits)
        while i < n and t - hits[i][0] >= 40000:
            i += 1
        src[2] = i
        if i == n or hits[i][0] > t:
            return 0.0  # nothing ringing (most reads)
        v = 0.0
        for k in range(i, len(hits)):
            t0, a = hits[k]
            dt = t - t0
            if dt < 0:
                break
            if dt < 500:
                v += a * dt / 500
            elif dt < 40000:
                v += a * math.exp(-(dt - 500) / 2000)
        return v

    # -- DIN wire ----------------------------------------------------------------------------------
    def uart_write(self, data, n):
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
            self._din_byte(data[i], start)
        return n

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

    def _din_line(self, t, msg):
        self.seq += 1
        line = (t - self.t0 if self.t0 is not None else t, self.seq, "DIN", msg)
        if self.live:
            _emit(line)
        else:
            self.pending.append(line)

    def uart_any(self):
        n = 0
        for t, _b in self.rx_queue:
            if t <= self.now:
                n += 1
            else:
                break
        return n

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
    def _flush(self, upto):
        ready = [ln for ln in self.pending if ln[0] < upto]
        if not ready:
            return
        self.pending = [ln for ln in self.pending if ln[0] >= upto]
        ready.sort(key=lambda x: (x[0], x[1]))
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


def _emit(line):
    t, _s, port, msg = line
    print("%s %s %s" % (fmt_ms(t), port, " ".join(["%02X" % b for b in msg])))


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
