# The hardware check (README, "Checking the hardware"): what every input of the board reads,
# for whoever wires it and tunes its pads. It runs instead of the controller, from the REPL
# (tools/hwcheck.py starts it with mpremote; `tools/sim.py --hwcheck` on the simulated
# board), sends no MIDI and prints a line for each thing that happens:
#   - the first second, hands off: every input at rest, and what is wrong there (a pad at
#     or above half its threshold never re-arms after a strike, a switch reads pressed, a
#     knob jitters);
#   - then: each strike (its peak, the velocity the config's settings give it, the pads
#     that rose with it and their share of it: crosstalk, which the controller silences on
#     a neighbour below its crosstalk_pct; a strike soon after the same pad's last, against
#     its mask_ms; one still rising when its window_ms closed), a knob's first move and each
#     end it reaches, a switch down and up, an encoder's detents once it stops (and a pin
#     that never changes);
#   - at the end a summary per input, and the config.json settings it suggests.
# Pads are read as often as the loop goes, at most every 0.125 ms (as the controller reads a
# strike's peak), encoders' pins at every pad read, knobs (a scan phase of them, as the
# controller) and switches every ms but while a strike's peak window is open. Not loaded by
# the controller: nothing here costs it memory.

from array import array

from midictl import config as cfgmod
from midictl import startup
from midictl.compat import sleep_us, ticks_add, ticks_diff, ticks_us
from midictl.controls.encoder import Quadrature
from midictl.controls.pads import above, grid_neighbours
from midictl.controls.velocity import make_curve
from midictl.hw import Hardware
from midictl.names import natural_sorted

PERIOD_US = 125  # the pads' read interval, at most
REST_US = 1000000  # hands off: every input at rest
_QUIET_US = 200000  # an encoder's detents are told once it has been still this long
_SOON_US = 100000  # a strike this soon after the same pad's last says so
_MOVE = 100  # ADC steps from its rest level: a knob moving
_JITTER = 32  # ADC steps of spread at rest worth a warning
_DEBOUNCE = 3  # ms a switch's new level must hold


class _Pad:
    def __init__(self, name, i, kind, m, nb):
        self.name = name
        self.i = i
        self.kind = kind
        self.thr = m["threshold"]
        self.fs = m["full_scale"]
        self.win = m["window_ms"] * 1000
        self.mask = m["mask_ms"]
        self.pct = m["crosstalk_pct"]
        self.curve = make_curve(m["curve"], m["velocity_min"], m["velocity_max"], m["velocity"], m["table"])
        self.nb = nb  # bitmap of its grid neighbours, as the controller's
        self.rest = 0  # its highest level at rest
        # the strike in progress: [pad, start us, peak (in its window), end us or None, its tail's
        # lowest, the highest after its window if still rising, when, when its peak was read]
        self.strike = None
        self.prev = None  # the one before (crosstalk too): its tail's floor, as the controller's
        self.last = None  # the start of its last strike
        self.peaks = []  # its strikes' (those that play)
        self.rise = 0  # the longest from a strike's start to its top (us)
        self.late = 0  # strikes still rising when their window closed
        self.xn = 0  # times it rose with a louder neighbour's strike
        self.cross = 0  # the highest share (%) of that strike it read

    def velocity(self, peak):
        t = self.thr
        x = (peak - t) * 127 // (self.fs - t) if peak > t else 0
        return self.curve[min(127, x)]


class Check:
    def __init__(self, board, cfg, hw, out):
        self.hw = hw
        self.out = out
        plan = hw.plan
        self.phases = plan.phases
        controls = board["controls"]
        maps = cfg["controls"]
        plain = None  # the default layout's mappings, for a pad the config does not play
        nbs = grid_neighbours(max(1, plan.npads), 4)  # as the controller's PadGroup
        self.pads = []
        self.pots = []  # [name, sample index, rest lo, rest hi, lo, hi, moved, ends told (bits)]
        self.switches = []  # [name, bit, level told, ms the other level held, since (us), presses]
        self.keys = []  # the same for a key matrix's keys
        self.rows = 0  # the matrix's pressed keys: bit r * 32 + c
        self.ncols = len(board["matrix"]["cols"]) if board.get("matrix") else 0
        # [name, pin a, pin b, Quadrature, detents, edges a, edges b, last change (us), edges told,
        #  pins' state, the movement's start (us)]
        self.encoders = []
        self.mask = 0
        for name in natural_sorted(controls):
            w = controls[name]
            k = w["kind"]
            m = maps.get(name) or {}
            if k in ("piezo", "fsr"):
                if m.get("type") != "note":
                    if plain is None:
                        plain = cfgmod.validate({}, board)["controls"]
                    m = plain[name]
                i = plan.index[name]
                self.pads.append(_Pad(name, i, k, m, nbs[i]))
                self.mask |= 1 << i
            elif k in ("pot", "stick"):
                self.pots.append([name, plan.index[name], 4095, 0, 4095, 0, False, 0])
            elif k == "switch":
                self.switches.append([name, 1 << w["pin"], 0, 0, 0, 0])
            elif k == "key":  # a key of the matrix: its bit in self.rows (row r, column c)
                r, c = w["matrix"]
                self.keys.append([name, 1 << (r * 32 + c), 0, 0, 0, 0])
            elif k == "encoder":
                a, b = w["pins"]
                spd = m.get("steps_per_detent", 4)
                g = hw.gpio()
                st = ((g >> a) & 1) << 1 | ((g >> b) & 1)
                self.encoders.append([name, a, b, Quadrature(spd, st >> 1, st & 1), 0, 0, 0, 0, 0, st, 0])
        # by sample index, and their thresholds (another pad's slot: never above), so that a
        # read visits only the pads above their threshold or in a strike (native `above`)
        self.npads = max(1, plan.npads)
        self.at: list = [None] * self.npads
        self.thr = array("H", [4095] * self.npads)
        for p in self.pads:
            self.at[p.i] = p
            self.thr[p.i] = p.thr
        self.active = 0  # bitmap of the pads in a strike
        self.busy = 0  # until when a strike's window is open (us)
        self.enc_mask = 0  # the encoders' pins, their levels last seen, until when to look anyway
        for e in self.encoders:
            self.enc_mask |= (1 << e[1]) | (1 << e[2])
        self.enc_g = hw.gpio() & self.enc_mask
        self.enc_due = 0
        self.groups = []  # strikes starting within the first one's window: [start us, window us, strikes]

    # -- the loop --------------------------------------------------------------------------------

    def run(self, total_us, ready=None):
        hw = self.hw
        out = self.out
        out("hwcheck: %d pads, %d knobs, %d switches, %d encoders; hands off for the first second, then play"
            % (len(self.pads), len(self.pots), len(self.switches) + len(self.keys), len(self.encoders)))
        if ready is not None:
            ready()
        # this loop feeds the watchdog boot.py armed, as the controller's scan loop does (a
        # hung check resets the board); after it, the timer that feeds it at the REPL again
        hw.watchdog(0)
        for ph in range(self.phases):
            hw.read_phase(ph)  # every knob read once before the first looks at them
        start = ticks_us()
        nxt = start
        rest = True
        reads = 0
        now = 0
        slow = 0
        phase = 0
        try:
            while True:
                now = ticks_diff(ticks_us(), start)
                if now >= total_us:
                    break
                if rest and now >= REST_US:
                    rest = False
                    self._rest_report(now)
                if self.mask:
                    self._pads(hw.sample(self.mask), now, rest)
                # while a strike's peak window is open the pads alone, read again at once (on
                # the chip each read of everything takes about 0.35 ms, of the pads 0.2: the
                # Unix port's time x 100); else the encoders' pins, and once a ms the switches
                # and one scan phase of knobs, as the controller reads them
                if now < self.busy:
                    pass
                elif self.encoders and (hw.gpio() & self.enc_mask != self.enc_g or now < self.enc_due):
                    self.enc_g = hw.gpio() & self.enc_mask  # (a pin changed, or a report is due)
                    self._encoders(self.enc_g, now)
                if now >= slow and now >= self.busy:
                    slow = now + 1000
                    hw.feed()
                    hw.read_phase(phase)
                    phase = phase + 1 if phase + 1 < self.phases else 0
                    self._pots(hw.samples, now, rest)
                    self._switches(self.switches, hw.pressed_bits(), now, rest)
                    if self.keys:
                        self.rows = 0
                        hw.scan_matrix(self)  # (row() below)
                        self._switches(self.keys, self.rows, now, rest)
                reads += 1
                nxt = ticks_add(nxt, PERIOD_US)
                d = ticks_diff(nxt, ticks_us())
                if d > 0:
                    sleep_us(d)
                else:
                    nxt = ticks_us()  # behind: the next read at once, the interval from there
        except KeyboardInterrupt:
            out("hwcheck: stopped (Ctrl-C)")
        finally:
            hw.keep_alive()
        for g in self.groups:
            self._tell_group(g)
        self._encoders(0, -1)
        self._summary(now, reads)

    # -- pads ----------------------------------------------------------------------------------

    def _pads(self, s, now, rest):
        if rest:
            for p in self.pads:
                if s[p.i] > p.rest:
                    p.rest = s[p.i]
            return
        todo = above(s, self.thr, self.npads) | self.active
        i = 0
        while todo:
            if todo & 1:
                p = self.at[i]
                v = s[i]
                st = p.strike
                if st is not None and now - st[1] >= p.win:
                    if v < p.thr // 2:
                        st[3] = now  # ended (as the controller re-arms it: below half its threshold)
                        p.strike = None
                        self.active &= ~(1 << i)
                    elif st[4] >= st[2] * 3 // 4 and v > st[2] + max(p.thr // 2, st[2] // 16):
                        # still rising past its window's peak: the window is short (its top's
                        # time moves on only for a rise above the noise)
                        if v > st[5]:
                            if v > st[5] + max(p.thr // 2, st[2] // 16):
                                st[6] = now
                            st[5] = v
                    elif v < st[4]:
                        st[4] = v  # its tail's lowest
                    elif v > st[4] + p.thr and p.kind == "piezo":
                        st[3] = now  # struck again on its own tail (the controller's rule, roughly)
                        p.strike = None
                        st = None
                elif st is not None and v > st[2]:
                    st[2] = v
                    st[7] = now
                if st is None and v > p.thr + self._floor(p, now):  # a strike starts
                    st = p.strike = p.prev = [p, now, v, None, 4095, 0, 0, now]
                    self.active |= 1 << i
                    self.busy = max(self.busy, now + p.win)
                    g = self.groups[-1] if self.groups else None
                    if g is None or now - g[0] > g[1]:
                        g = [now, p.win, []]
                        self.groups.append(g)
                    g[2].append(st)
            todo >>= 1
            i += 1
        while self.groups:
            g = self.groups[0]
            if now - g[0] <= g[1] or any(st[3] is None for st in g[2]):
                break
            self.groups.pop(0)
            self._tell_group(g)

    def _floor(self, p, now):
        # a piezo's last strike's tail, which the controller ignores under a floor halving
        # every 2 ms from that strike's peak (pads.py, 3 and 4)
        st = p.prev
        if st is None or p.kind != "piezo" or st[3] is None:
            return 0
        sh = (now - st[1]) // 2000
        return st[2] >> sh if sh < 16 else 0

    def _tell_group(self, g):
        # the loudest strike first, then the others by peak: the pads that rose with it
        strikes = sorted(g[2], key=lambda st: (-st[2], st[0].i))  # (MicroPython's sort is not stable)
        top = strikes[0]
        q = top[0]
        for st in strikes:
            p = st[0]
            peak = st[2]
            t = "%8.3f s  " % (st[1] / 1000000)
            share = peak * 100 // top[2]
            near = st is not top and p.nb >> q.i & 1
            if near:
                p.xn += 1
                p.cross = max(p.cross, share)
                if peak * 100 < top[2] * p.pct:  # the controller takes it for crosstalk: no note
                    self.out(t + "  %s  peak %d = %d %% of %s's: crosstalk, silenced (below its crosstalk_pct %d)"
                             % (p.name, peak, share, q.name, p.pct))
                    continue
            note = ""
            if peak >= p.fs:
                note += ", at or above its full_scale %d (plays the top)" % p.fs
            if p.kind == "fsr" and st[3] is not None:
                note += ", held %d ms" % ((st[3] - st[1]) // 1000)
            if st[5]:
                note += "; still rising when its window_ms %d closed: %d at %.1f ms (it plays the window's peak)" % (
                    p.win // 1000, st[5], (st[6] - st[1]) / 1000)
            plays = True
            if p.last is not None and st[1] - p.last < _SOON_US:
                ms = (st[1] - p.last) // 1000
                if ms < p.mask:
                    note += "; %d ms after its last strike, within mask_ms %d: no new note (it bounces or rings)" % (
                        ms, p.mask)
                    plays = False
                else:
                    note += "; %d ms after its last strike, past mask_ms %d: a new note" % (ms, p.mask)
            p.last = st[1]
            if plays:
                p.peaks.append(peak)
                p.rise = max(p.rise, (st[6] if st[5] else st[7]) - st[1])
                p.late += st[5] != 0
            if st is top:
                self.out(t + "%s  peak %d%s%s" % (p.name, peak, "  velocity %d" % p.velocity(peak) if plays else "", note))
            else:
                self.out(t + "  %s  peak %d = %d %% of %s's: plays velocity %d (%s)%s"
                         % (p.name, peak, share, q.name, p.velocity(peak),
                            "at or above its crosstalk_pct %d" % p.pct if near else "not its neighbour", note))

    # -- knobs, switches, encoders --------------------------------------------------------------

    def _pots(self, s, now, rest):
        for k in self.pots:
            v = s[k[1]]
            if rest:
                k[2] = min(k[2], v)
                k[3] = max(k[3], v)
                continue
            if v < k[4]:
                k[4] = v
            elif v > k[5]:
                k[5] = v
            if not k[6]:
                if k[2] - _MOVE <= v <= k[3] + _MOVE:
                    continue  # (most reads: still at rest)
                k[6] = True
                self.out("%8.3f s  %s moves (%d at rest, now %d)" % (now / 1000000, k[0], (k[2] + k[3]) // 2, v))
            end = 1 if v <= 24 else 2 if v >= 4071 else 0
            if end and not k[7] & end:
                k[7] |= end
                self.out("%8.3f s  %s at its %s end (%d)" % (now / 1000000, k[0], "low" if end == 1 else "high", v))

    def row(self, r, levels):
        # hw.scan_matrix's report of row r: bit c of levels low = the key at column c pressed
        c = 0
        while c < self.ncols:
            if not (levels >> c) & 1:
                self.rows |= 1 << (r * 32 + c)
            c += 1

    def _switches(self, switches, bits, now, rest):
        for w in switches:
            lv = 1 if bits & w[1] else 0
            if rest:
                w[2] |= lv  # (pressed at any time at rest)
                continue
            if lv == w[2]:
                w[3] = 0
                continue
            if w[3] == 0:
                w[4] = now
            w[3] += 1
            if w[3] >= _DEBOUNCE:
                w[2] = lv
                w[3] = 0
                if lv:
                    w[5] += 1
                    self.out("%8.3f s  %s down" % (w[4] / 1000000, w[0]))
                else:
                    self.out("%8.3f s  %s up" % (w[4] / 1000000, w[0]))

    def _encoders(self, gpio, now):
        for e in self.encoders:
            if now >= 0:
                a = (gpio >> e[1]) & 1
                b = (gpio >> e[2]) & 1
                old = e[9]
                if old != (a << 1 | b):
                    if e[5] + e[6] == e[8]:
                        e[10] = now  # a movement starts
                    e[5] += (old >> 1) != a
                    e[6] += (old & 1) != b
                    e[7] = now
                    self.enc_due = now + _QUIET_US + 1000  # look again once it has been still
                    e[9] = a << 1 | b
                    e[3].poll(a, b)
                    continue
                if now - e[7] < _QUIET_US:
                    continue
            d = e[3].take()
            moved = e[5] + e[6] - e[8]
            if d or moved:
                e[4] += d
                e[8] = e[5] + e[6]
                t = "%8.3f s  %s " % (e[10] / 1000000, e[0])
                if d:
                    self.out(t + "%+d detents" % d)
                else:
                    self.out(t + "pins changed %d times, no whole detent (steps_per_detent %d?)"
                             % (moved, e[3].steps_per_detent))

    # -- reports ---------------------------------------------------------------------------------

    def _rest_report(self, now):
        out = self.out
        t = "%8.3f s  " % (now / 1000000)
        if self.pads:
            top = self.pads[0]
            for p in self.pads:
                if p.rest > top.rest:
                    top = p
            out(t + "at rest: pads read at most %d (%s)" % (top.rest, top.name))
        if self.pots:
            out(t + "at rest: " + ", ".join("%s %d" % (k[0], (k[2] + k[3]) // 2) for k in self.pots))
        # what is wrong at rest, one line for the inputs it is wrong with
        high = ["%s %d" % (p.name, p.rest) for p in self.pads if p.rest >= p.thr]
        if high:
            out(t + "at or above their threshold at rest, they would play by themselves (a piezo needs its "
                "bleed resistor; check the mux channel), and are left out of the check: " + ", ".join(high))
            for p in self.pads:
                if p.rest >= p.thr:
                    self.thr[p.i] = 4095  # never above it: no strike of its own ...
                    p.nb = 0  # ... and none counted as a neighbour's crosstalk
        half = ["%s %d" % (p.name, p.rest) for p in self.pads if p.thr // 2 <= p.rest < p.thr]
        if half:
            out(t + "at or above half their threshold at rest, they would not re-arm after a strike: "
                + ", ".join(half))
        shaky = ["%s %d..%d" % (k[0], k[2], k[3]) for k in self.pots if k[3] - k[2] > _JITTER]
        if shaky:
            out(t + "jitter at rest (more than %d steps: noise on the wiring or supply): " % _JITTER + ", ".join(shaky))
        down = [w[0] for w in self.switches + self.keys if w[2]]
        if down:
            out(t + "pressed at rest (check the pin and its \"active\" level in the board): " + ", ".join(down))

    def _summary(self, now, reads):
        out = self.out
        out("summary after %.3f s (pads read every %.3f ms on average):"
            % (now / 1000000, now / 1000 / reads if reads else 0))
        idle = []
        fix = []
        left = [p.name for p in self.pads if p.rest >= p.thr]
        if left:
            out("  left out, at or above their threshold at rest: " + ", ".join(left))
        for p in self.pads:
            if p.rest >= p.thr:
                continue
            s = {}
            thr = p.thr
            if thr < p.rest * 2 + 20 < p.fs:  # the rest level under half the threshold, with room
                thr = s["threshold"] = p.rest * 2 + 20
            # (a pad resting that high needs its wiring mended, not a setting: said at rest)
            line = []
            n = len(p.peaks)
            if n:
                lo = min(p.peaks)
                hi = max(p.peaks)
                line.append("1 strike, peak %d, velocity %d" % (hi, p.velocity(hi)) if n == 1 else
                            "%d strikes, peaks %d..%d, velocities %d..%d" % (n, lo, hi, p.velocity(lo), p.velocity(hi)))
                # its hardest strike plays the top: when one went past it, or when three or more
                # (above the threshold it should have) never came near it
                real = [v for v in p.peaks if v > thr]
                if hi >= p.fs and hi > thr or len(real) >= 3 and max(real) < p.fs * 3 // 4:
                    s["full_scale"] = hi
                # its window: long enough for the slowest top seen (the controller plays what
                # the window caught), or 1 ms for a piezo whose tops all came within 0.6 ms
                # of the first read above its threshold (its notes then go 1 ms sooner)
                line.append("top %.1f ms after the start at most" % (p.rise / 1000))
                if p.late:
                    line.append("%d still rising when its window closed" % p.late)
                    s["window_ms"] = min(10, p.rise // 1000 + 1)
                    if s["window_ms"] > p.mask:
                        s["mask_ms"] = s["window_ms"]
                elif n >= 3 and p.kind == "piezo" and p.win > 1000 and p.rise <= 600:
                    s["window_ms"] = 1
            if p.xn:
                line.append("rose with a louder neighbour %d time%s, up to %d %% of its peak%s" % (
                    p.xn, "s" if p.xn > 1 else "", p.cross,
                    ", and played (its crosstalk_pct %d silences less)" % p.pct if p.cross >= p.pct else ""))
                if p.cross >= p.pct:
                    s["crosstalk_pct"] = min(100, p.cross + 5)
            if line:
                out("  %-8s %s" % (p.name, "; ".join(line)))
            else:
                idle.append(p.name)
            if s:
                fix.append((p.name, s))
        if idle:
            out("  no strike: " + ", ".join(idle))
        still = []
        for k in self.pots:
            if k[6]:
                out("  %-8s %d..%d" % (k[0], k[4], k[5]))
            else:
                still.append(k[0])
        if still:
            out("  not moved: " + ", ".join(still))
        still = []
        for w in self.switches + self.keys:
            if w[5]:
                out("  %-8s %d press%s" % (w[0], w[5], "es" if w[5] > 1 else ""))
            else:
                still.append(w[0])
        if still:
            out("  not pressed: " + ", ".join(still))
        still = []
        for e in self.encoders:
            if e[5] + e[6]:
                line = "  %-8s %+d detents" % (e[0], e[4])
                if not (e[5] and e[6]):
                    line += "; only its pin %s changes: check the other's wire" % ("A" if e[5] else "B")
                out(line)
            else:
                still.append(e[0])
        if still:
            out("  not turned: " + ", ".join(still))
        if fix:
            parts = []
            for name, s in fix:
                parts.append('"%s": {%s}' % (name, ", ".join('"%s": %d' % (f, s[f]) for f in
                                                               ("threshold", "full_scale", "window_ms", "mask_ms",
                                                                "crosstalk_pct") if f in s)))
            out("suggested for config.json (what this check saw; review before use):")
            out('  {"controls": {%s}}' % ", ".join(parts))


def run(seconds=30, out=print, ready=None, us=None):
    """Check the board's inputs for `seconds` (`us` µs instead, if given), with the settings
    of config.json (the default layout's if it has none), printing with out(). `ready` is
    called when the checking starts (the simulator's time 0)."""
    total = us if us is not None else int(seconds * 1000000)
    if total < 2 * REST_US:
        raise ValueError("seconds %r: at least 2 (1 at rest, then play)" % (seconds,))
    try:
        board = startup.load_board()
        cfgmod.check_board(board, startup.BOARD_FILE)
    except cfgmod.ConfigError as e:
        out("hwcheck: %s" % e)
        return
    cfg, err, _fallback = startup.load_config(board)
    if err:
        out("hwcheck: %s; the default layout's settings are used" % err)
        cfg = cfgmod.validate({}, board)
    hw = Hardware(board, din_out=False, din_in=False)
    Check(board, cfg, hw, out).run(total, ready)
