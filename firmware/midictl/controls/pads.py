# Velocity pads: up to 30 pads processed together, once per scan, from one array of
# 12-bit samples (index i = pad i). Piezo and FSR pads are analog; switch pads get their
# level from a debounced bitmap and play a fixed velocity.
#
# A strike, analog pads (the simulator's shapes, ARCHITECTURE.md "Simulated physics"):
#   piezo: rise to A over 0.5 ms, decay tau 2 ms;  FSR: rise to A over 2 ms, then held.
#   A piezo behind a peak hold (board: "peak_hold_ms", set_pad's hold_ms) reads the
#   highest level reached, falling with that time constant: the scans alone then see
#   82..100 % of the peak at a 5 ms hold instead of 66..100 %.
# 1. The sample rises above the pad's threshold: a peak window opens (window_ms per pad,
#    2 by default, so it holds 3 samples at 1 kHz: the crossing sample and two more, which
#    always include the top of a piezo pulse (rise 0.5 ms) and of an FSR press (2 ms); a
#    bare piezo's top is caught in 1 ms too, with the reads between scans below, and its
#    note comes 1 ms sooner).
#    Between scans the scan loop reads every piezo pad once more, at mid-period, which
#    opens the window of one struck (or struck again) since the scan; and the pads whose
#    window is open every 0.125 ms while there is time before the next scan (pending(),
#    hw.sample, peak()). A strike is then first read at or before its top, and its best
#    read is within 0.125 ms of it: 95..100 % of the peak (66..100 % from the scans
#    alone). Only scans close windows, decide notes and re-arm pads.
# 2. When the window has run, the peak is scaled from threshold..full_scale (per pad) to a strike
#    index 0..127 and looked up in the pad's velocity curve (velocity.py).
# 3. Crosstalk rule: a pad whose peak is below its crosstalk_pct % of the peak of a grid
#    neighbour that struck within its window (start times at most its window_ms apart;
#    judged when its own window has run, on what the neighbour's has collected by then)
#    gives no note. Only neighbours are compared, so a soft strike on a pad that does
#    not touch the loud one always plays; a real soft strike on a neighbour plays when
#    it is at least crosstalk_pct % of the loud one (the simulator's mechanical
#    crosstalk is 20 %, the default limit 35 %, the config's crosstalk_pct per pad).
#    A pad silenced as crosstalk is not masked like a struck pad (a real strike may
#    follow a few ms later: a flam across two pads). It ignores its own crosstalk tail
#    by a floor that starts at the silenced peak and halves every 2 ms (the piezo's
#    tail halves every 1.4 ms; behind a hold of h ms, the floor halves every
#    0.75 h + 1 ms, the tail every 0.69 h), and a sample above that floor and the
#    threshold opens a new window at once.
# 4. Retrigger: a struck pad re-arms when its signal has fallen below half its
#    threshold AND mask_ms have passed since the strike began. Before that, a sample
#    above the same kind of floor (the strike's peak, halving as above) by more than
#    the threshold is the pad struck again on its own tail: after mask_ms a new note;
#    within it the same strike bouncing (no note, and the mask runs again from there).
#    Either way it opens a window, so the crosstalk of that second pulse on the
#    neighbours is compared with it and stays silent.
# Piezo Note Off: a piezo has no held level, so the note is ended gate_ms after the
#    Note On, or later if the signal is still above half the threshold then (it ends as
#    soon as it has decayed). A new strike while the note sounds sends its Note Off
#    just before the new Note On.
# FSR Note Off: when the level falls below half the threshold (hysteresis against the
#    threshold that started it). Pressure while held (per pad: "off", "poly",
#    "channel"): the level is smoothed (EMA 1/8) and followed with a hysteresis of 16
#    steps; the first pressure_ms after the Note On only set the baseline; then the
#    value is sent at most every pressure_ms and only when the 7-bit value changes; a
#    pad that sent pressure other than 0 sends pressure 0 just before its Note Off.
# The note sent (base note + modes.offset at Note On) and its channel are remembered
# per pad, so the Note Off matches even when the transpose changes while a pad sounds.

from midictl.compat import TWINS, ticks_add, ticks_diff


def above_twin(samples, thr, n):
    """Bitmap of the pads i < n whose sample is above their threshold: `above` in plain
    Python (what CPython runs, and what the host tests compare the viper code against)."""
    bits = 0
    for i in range(n):
        if samples[i] > thr[i]:
            bits |= 1 << i
    return bits


above = above_twin
try:
    import sys

    if sys.implementation.name != "micropython":
        raise ImportError  # a stand-in `micropython` module (the benchmark's) cannot compile viper
    import micropython

    @micropython.viper
    def _above(samples, thr, n: int) -> int:
        # samples, thr: array('H') (or views of one); n <= 30, so the result is a small
        # int. One native pass instead of an interpreted loop.
        s = ptr16(samples)
        t = ptr16(thr)
        bits = 0
        i = 0
        while i < n:
            if s[i] > t[i]:
                bits |= 1 << i
            i += 1
        return bits

    above = _above
    del _above
except (ImportError, AttributeError, SyntaxError):  # CPython (Blinka's micropython shim refuses viper)
    pass


# pad kinds, as numbered in checks.PAD_KINDS ("none", "piezo", "fsr", "switch")
_PIEZO = const(1)
_FSR = const(2)
_SWITCH = const(3)
# pressure modes, as in checks.PRESSURE ("off", "poly", "channel")
_POLY = const(1)
_CHANNEL = const(2)

# per-pad states
_IDLE = const(0)  # armed, silent
_WINDOW = const(1)  # collecting the peak
_DECAY = const(2)  # struck: waiting for the signal to fall (note may sound)
_HELD = const(3)  # FSR: pressed, note sounding
_SKIP = const(4)  # not an analog pad
_GHOST = const(5)  # silenced as crosstalk: ignoring its own tail under a decaying floor
_BOUNCE = const(6)  # struck again within the mask: collecting that peak, for no new note
# A decayed piezo pad whose note still sounds is _IDLE (it can be struck again) with its
# bit in `_gating`: the gate is a deadline checked once per scan, not per pad.

_PRESS_HYST = const(16 * 16)  # pressure follower hysteresis: 16 ADC steps, in 1/16 steps
_MAX_PADS = const(30)

# Each pad's bytes are in one bytearray, `_pb`, _NB of them a pad (pad i's from i * _NB):
# one object and one attribute instead of thirteen (a bytearray is 32 bytes on the host's
# port before its contents, which take 32 more, rounded up, where each of these held 16).
_ST = const(0)  # its state (_IDLE ...)
_KIND = const(1)  # as in checks.PAD_KINDS
_CH = const(2)  # its channel and note (before the modes' offset)
_NOTE = const(3)
_VEL = const(4)  # a switch pad's fixed velocity
_PRESS = const(5)  # its pressure mode (FSR)
_HALF = const(6)  # ms in which its crosstalk and retrigger floors halve
_PV = const(7)  # the last pressure value it sent
_SENT = const(8)  # the note and channel its Note On was sent with
_SENT_CH = const(9)
_WIN = const(10)  # its peak window, ms
_MASK = const(11)  # its retrigger mask, ms
_XT = const(12)  # its crosstalk limit, % of a neighbour's peak
_NB = const(13)
# Each pad's 16-bit values in one array('H'), `_ph`, _NH of them a pad (pad i's from i * _NH),
# and its ints in one array('i'), `_pw`, _NW a pad (the thresholds stay an array of their
# own: above() and the scan compare every pad's with its sample in one pass)
_REARM = const(0)  # half its threshold: below it a pad re-arms
_GATE = const(1)  # a piezo's gate, ms
_PEAK = const(2)  # the strike's peak
_LVL = const(3)  # an FSR's smoothed level, 1/16 steps
_ANC = const(4)  # its pressure follower's anchor, 1/16 steps
_FS = const(5)  # its full scale: the level that plays the top of its curve
_NH = const(6)
_NBR = const(0)  # its grid neighbours, a bitmap
_T0 = const(1)  # when its strike began (its window opened), ms ticks
_TON = const(2)  # when its Note On went
_TP = const(3)  # its last pressure check
_NW = const(4)


def grid_neighbours(count, cols):
    """Bitmasks of orthogonal neighbours for pads laid out row by row, `cols` wide
    (pads 1-4 the bottom row of a 4x4 grid, as in the simulator): left, right, below,
    above, where the grid has them. Linear in count: it runs at boot."""
    out = [0] * count
    for i in range(count):
        c = i % cols
        m = 0
        if c > 0:
            m |= 1 << (i - 1)
        if c < cols - 1 and i + 1 < count:
            m |= 1 << (i + 1)
        if i >= cols:
            m |= 1 << (i - cols)
        if i + cols < count:
            m |= 1 << (i + cols)
        out[i] = m
    return out


# The interpreted twins (ARCHITECTURE.md): only where CPython runs or a test asks (compat.TWINS).
if TWINS:
    def scan_twin(self, samples, now):
        """PadGroup.scan in plain Python (what CPython runs, and what the host tests compare
        the native one against)."""
        if self._gating and ticks_diff(now, self._gate_next) >= 0:
            self._end_gates(now)
        # Only pads in progress and pads above their threshold have anything to do (an
        # idle pad at or below it does nothing): visit those, in pad order, and no other.
        todo = self._active | above(samples, self._thr, self.count)
        if not todo:
            return  # nothing in progress, nothing struck: the usual case
        pb = self._pb
        due = 0
        i = 0
        while todo:
            if not todo & 1:
                # usually one or two pads in progress: step over idle ones four at a time
                if todo & 15:
                    todo >>= 1
                    i += 1
                else:
                    todo >>= 4
                    i += 4
                continue
            o = i * _NB
            q = pb[o + _ST]
            v = samples[i]
            if q == _IDLE:
                pb[o + _ST] = _WINDOW  # above its threshold, or it would not be in todo
                self._active |= 1 << i
                self._ph[i * _NH + _PEAK] = v
                self._pw[i * _NW + _T0] = now
            elif q == _WINDOW or q == _BOUNCE:
                if v > self._ph[i * _NH + _PEAK]:
                    self._ph[i * _NH + _PEAK] = v
                if ticks_diff(now, self._pw[i * _NW + _T0]) >= pb[o + _WIN]:
                    due |= 1 << i
            elif q != _SKIP and (q != _DECAY or v < self._ph[i * _NH + _REARM] or v > self._thr[i] + (
                    self._ph[i * _NH + _PEAK] >> (ticks_diff(now, self._pw[i * _NW + _T0]) // pb[o + _HALF]))):
                # (a decaying pad above half its threshold and under its own tail's floor
                # has nothing to do yet: most scans of a strike, so no call for them)
                self._busy(i, q, v, now)
            todo >>= 1
            i += 1
        if due:
            self._decide(due, now)


    def decide_twin(self, due, now):
        """PadGroup._decide in plain Python (as scan_twin is scan's)."""
        ph = self._ph
        pw = self._pw
        pb = self._pb
        i = -1
        while due:  # the pads whose window has run, in pad order
            i += 1
            bit = due & 1
            due >>= 1
            if not bit:
                continue
            o = i * _NB
            if pb[o + _ST] == _BOUNCE:
                pb[o + _ST] = _DECAY  # the same strike: no note (its peak was for the neighbours)
                continue
            p = ph[i * _NH + _PEAK]
            nb = pw[i * _NW + _NBR]
            ti = pw[i * _NW + _T0]
            win = pb[o + _WIN]  # (each pad's, as its crosstalk limit)
            loud = 0
            j = 0
            while nb:
                if nb & 1 and pb[j * _NB + _ST] != _IDLE and -win <= ticks_diff(ti, pw[j * _NW + _T0]) <= win:
                    if ph[j * _NH + _PEAK] > loud:
                        loud = ph[j * _NH + _PEAK]
                nb >>= 1
                j += 1
            if p * 100 < loud * pb[o + _XT]:
                pb[o + _ST] = _GHOST  # crosstalk: no note, and no mask either
                pw[i * _NW + _T0] = now
                continue
            if self.on & (1 << i):
                self._off(i)
            vel = self._curve[i][self._scale(i, p)]
            if pb[o + _KIND] == _FSR:
                pb[o + _ST] = _HELD
                self._ph[i * _NH + _LVL] = p << 4
                self._ph[i * _NH + _ANC] = p << 4
                self._pw[i * _NW + _TP] = now
            else:
                pb[o + _ST] = _DECAY
            self._on(i, vel, now)


    def end_gates_twin(self, now):
        """PadGroup._end_gates in plain Python (as scan_twin is scan's)."""
        # Piezo notes whose gate has run and whose pad has decayed (idle) end now; the
        # others are ended by _busy when they decay. Then find the next deadline.
        nxt = 0
        far = True
        g = self._gating  # (_off(i) clears only bit i: the others stay as read here)
        i = -1
        while g:
            i += 1
            bit = g & 1
            g >>= 1
            if not bit:
                continue
            left = self._ph[i * _NH + _GATE] - ticks_diff(now, self._pw[i * _NW + _TON])
            if left <= 0:
                if self._pb[i * _NB + _ST] == _IDLE:
                    self._off(i)
            elif far or left < nxt:
                nxt = left
                far = False
        if far:
            self._gate_next = ticks_add(now, 1000)
        else:
            self._gate_next = ticks_add(now, nxt)


    def on_twin(self, i, vel, now):
        """PadGroup._on in plain Python (as scan_twin is scan's)."""
        pb = self._pb
        o = i * _NB
        note = pb[o + _NOTE]
        if self._modes is not None:
            note += self._modes.offset
            if self._modes.velocity:
                vel = self._modes.velocity  # a fixed velocity for every pad, while it is on
        if note < 0 or note > 127:
            return  # cannot happen when modes.cover() was told every pad's note
        ch = pb[o + _CH]
        pb[o + _SENT] = note
        pb[o + _SENT_CH] = ch
        self._pw[i * _NW + _TON] = now
        self.on |= 1 << i
        if pb[o + _KIND] == _PIEZO:
            dl = ticks_add(now, self._ph[i * _NH + _GATE])
            if not self._gating or ticks_diff(dl, self._gate_next) < 0:
                self._gate_next = dl
            self._gating |= 1 << i
        self._sink.note_on(ch, note, vel)


    def off_twin(self, i):
        """PadGroup._off in plain Python (as scan_twin is scan's)."""
        m = 1 << i
        self._gating &= ~m
        if self.on & m:
            self.on ^= m
            self._sink.note_off(self._pb[i * _NB + _SENT_CH], self._pb[i * _NB + _SENT], 64)

    scan_native = scan_twin
    decide_native = decide_twin
    end_gates_native = end_gates_twin
    on_native = on_twin
    off_native = off_twin

try:
    if sys.implementation.name != "micropython":
        raise ImportError
    _TMAX = ticks_add(0, -1)  # the ticks' mask: 2**30 - 1 on the chip

    @micropython.viper
    def _scan(self, samples, now: int):
        """scan_twin in native code, step for step: the pads in progress and those above
        their threshold, visited with no interpreted frame; a pad changing state the rare
        way (_busy), a run gate (_end_gates) and a decision (_decide) are calls."""
        tmax = int(_TMAX)
        hf = (tmax >> 1) + 1
        if self._gating and ((now - int(self._gate_next) + hf) & tmax) - hf >= 0:
            self._end_gates(now)
        n = int(self.count)
        sm = ptr16(samples)
        thr = ptr16(self._thr)
        todo = int(self._active)
        i = 0
        while i < n:
            if sm[i] > thr[i]:
                todo |= 1 << i
            i += 1
        if todo == 0:
            return
        pb = ptr8(self._pb)
        ph = ptr16(self._ph)
        pw = self._pw
        due = 0
        i = 0
        while todo:
            if todo & 1:
                o = i * _NB
                h = i * _NH
                q = pb[o + _ST]
                v = sm[i]
                if q == _IDLE:
                    pb[o + _ST] = _WINDOW
                    self._active = int(self._active) | (1 << i)
                    ph[h + _PEAK] = v
                    pw[i * _NW + _T0] = now
                elif q == _WINDOW or q == _BOUNCE:
                    if v > ph[h + _PEAK]:
                        ph[h + _PEAK] = v
                    if ((now - int(pw[i * _NW + _T0]) + hf) & tmax) - hf >= pb[o + _WIN]:
                        due |= 1 << i
                elif q != _SKIP:
                    busy = 1
                    if q == _DECAY and v >= ph[h + _REARM]:
                        sh = (((now - int(pw[i * _NW + _T0]) + hf) & tmax) - hf) // pb[o + _HALF]
                        fl = 0  # the floor: a 16-bit peak halved sh times (a machine
                        if sh < 16:  # shift by 64 or more would wrap, not give 0)
                            fl = ph[h + _PEAK] >> sh
                        if v <= thr[i] + fl:
                            busy = 0  # under its own tail's floor: nothing to do yet
                    if busy:
                        self._busy(i, q, v, now)
            todo >>= 1
            i += 1
        if due:
            self._decide(due, now)

    @micropython.viper
    def _decide_n(self, due: int, now: int):
        """decide_twin in native code, step for step (the Note On itself is _on's)."""
        tmax = int(_TMAX)
        hf = (tmax >> 1) + 1
        ph = ptr16(self._ph)
        pb = ptr8(self._pb)
        thr = ptr16(self._thr)
        pw = self._pw
        i = 0
        while due:
            if due & 1:
                o = i * _NB
                if pb[o + _ST] == _BOUNCE:
                    pb[o + _ST] = _DECAY  # the same strike: no note (its peak was for the neighbours)
                else:
                    h = i * _NH
                    p = ph[h + _PEAK]
                    nb = int(pw[i * _NW + _NBR])
                    ti = int(pw[i * _NW + _T0])
                    win = pb[o + _WIN]  # (each pad's, as its crosstalk limit)
                    loud = 0
                    j = 0
                    while nb:
                        if nb & 1 and pb[j * _NB + _ST] != _IDLE:
                            d = ((ti - int(pw[j * _NW + _T0]) + hf) & tmax) - hf
                            if d >= 0 - win and d <= win and ph[j * _NH + _PEAK] > loud:
                                loud = ph[j * _NH + _PEAK]
                        nb >>= 1
                        j += 1
                    if p * 100 < loud * pb[o + _XT]:
                        pb[o + _ST] = _GHOST  # crosstalk: no note, and no mask either
                        pw[i * _NW + _T0] = now
                    else:
                        if int(self.on) & (1 << i):
                            self._off(i)
                        t = thr[i]
                        x = 0
                        if p > t:  # _scale: threshold..full_scale -> 0..127
                            x = (p - t) * 127 // (ph[h + _FS] - t)
                            if x > 127:
                                x = 127
                        vel = ptr8(self._curve[i])[x]
                        if pb[o + _KIND] == _FSR:
                            pb[o + _ST] = _HELD
                            ph[h + _LVL] = p << 4
                            ph[h + _ANC] = p << 4
                            self._pw[i * _NW + _TP] = now
                        else:
                            pb[o + _ST] = _DECAY
                        self._on(i, vel, now)
            due >>= 1
            i += 1

    @micropython.viper
    def _end_gates_n(self, now: int):
        """end_gates_twin in native code, step for step."""
        tmax = int(_TMAX)
        hf = (tmax >> 1) + 1
        ph = ptr16(self._ph)
        pb = ptr8(self._pb)
        pw = self._pw
        nxt = 0
        far = 1
        g = int(self._gating)  # (_off(i) clears only bit i: the others stay as read here)
        i = -1
        while g:
            i += 1
            bit = g & 1
            g >>= 1
            if not bit:
                continue
            left = int(ph[i * _NH + _GATE]) - (((now - int(pw[i * _NW + _TON]) + hf) & tmax) - hf)
            if left <= 0:
                if pb[i * _NB + _ST] == _IDLE:
                    self._off(i)
            elif far or left < nxt:
                nxt = left
                far = 0
        if far:
            self._gate_next = (now + 1000) & tmax
        else:
            self._gate_next = (now + nxt) & tmax

    @micropython.viper
    def _on_n(self, i: int, vel: int, now: int):
        """on_twin in native code, step for step."""
        pb = ptr8(self._pb)
        o = i * _NB
        note = int(pb[o + _NOTE])
        modes = self._modes
        if modes:  # (viper cannot test `is not None`; a Modes object is always true)
            note += int(modes.offset)
            if int(modes.velocity):
                vel = int(modes.velocity)
        if note < 0 or note > 127:
            return  # cannot happen when modes.cover() was told every pad's note
        ch = int(pb[o + _CH])
        pb[o + _SENT] = note
        pb[o + _SENT_CH] = ch
        self._pw[i * _NW + _TON] = now
        self.on = int(self.on) | (1 << i)
        if pb[o + _KIND] == _PIEZO:
            tmax = int(_TMAX)
            hf = (tmax >> 1) + 1
            dl = (now + int(ptr16(self._ph)[i * _NH + _GATE])) & tmax
            gating = int(self._gating)
            if gating == 0 or ((dl - int(self._gate_next) + hf) & tmax) - hf < 0:
                self._gate_next = dl
            self._gating = gating | (1 << i)
        self._sink.note_on(ch, note, vel)

    @micropython.viper
    def _off_n(self, i: int):
        """off_twin in native code, step for step."""
        m = 1 << i
        self._gating = int(self._gating) & (m ^ -1)
        on = int(self.on)
        if on & m:
            self.on = on ^ m
            pb = ptr8(self._pb)
            o = i * _NB
            self._sink.note_off(int(pb[o + _SENT_CH]), int(pb[o + _SENT]), 64)

    scan_native = _scan
    decide_native = _decide_n
    end_gates_native = _end_gates_n
    on_native = _on_n
    off_native = _off_n
    # each under one name: the class and the module's globals (which stay in RAM) need no more
    del _scan, _decide_n, _end_gates_n, _on_n, _off_n
except (ImportError, AttributeError, SyntaxError):  # CPython (Blinka's micropython shim refuses viper)
    pass


class PadGroup:
    def __init__(self, sink, count, modes=None, window_ms=2, mask_ms=10, full_scale=3400,
                 crosstalk_pct=35, grid_cols=4, neighbours=None, pressure_ms=10):
        from array import array  # (here: not one more name in the module's globals)

        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        checks.pad_group(count, _MAX_PADS, window_ms, mask_ms, full_scale, crosstalk_pct, pressure_ms)
        self._sink = sink
        self._modes = modes
        self.count = count
        # each pad's bytes (_ST ...): window_ms, mask_ms and crosstalk_pct are each pad's
        # (set_pad), these by default; a pad is not an analog one (_SKIP) until set_pad says
        pb = self._pb = bytearray(_NB * count)
        for o in range(0, _NB * count, _NB):
            pb[o + _ST] = _SKIP
            pb[o + _VEL] = 100  # a switch pad's fixed velocity
            pb[o + _HALF] = 2
            pb[o + _WIN] = window_ms
            pb[o + _MASK] = mask_ms
            pb[o + _XT] = crosstalk_pct
        self.pressure_ms = pressure_ms
        if neighbours is None:
            neighbours = grid_neighbours(count, grid_cols) if grid_cols else [0] * count
        checks.neighbours(neighbours, count)
        # each pad's ints (_NBR ...): its neighbours; when its strike began, its Note On went,
        # its pressure was last checked (ms ticks, below 2**30)
        pw = self._pw = array("i", bytes(4 * _NW * count))
        for i in range(count):
            pw[i * _NW + _NBR] = neighbours[i]
        self._curve = [bytearray(0)] * count
        self._thr = array("H", [120] * count)
        # each pad's 16-bit values (_REARM ...): full_scale each pad's (set_pad), this by default
        ph = self._ph = array("H", bytes(2 * _NH * count))
        for i in range(count):
            ph[i * _NH + _REARM] = 60
            ph[i * _NH + _GATE] = 50
            ph[i * _NH + _FS] = full_scale
        # (ms ticks, below 2**30: an array of ints is 96 bytes here where a list took 160)
        self.on = 0  # bitmap of pads whose note sounds
        self._active = 0  # bitmap of analog pads not idle (window, decay, held)
        self._gating = 0  # bitmap of piezo pads whose note waits for its gate
        self._gate_next = 0  # earliest gate deadline (ticks) while _gating
        self._thr_min = 4095
        self._psent = 0  # bitmap of pads that sent a pressure other than 0

    def set_pad(self, i, kind, channel, note, curve=None, threshold=120, gate_ms=50,
                pressure="off", velocity=100, hold_ms=0, mask_ms=None, full_scale=None, crosstalk_pct=None,
                window_ms=None):
        """Boot-time set up of pad i. curve: a bytearray(128) from make_curve (analog pads).
        hold_ms: a piezo's peak-hold front end, its time constant (0: none). window_ms: its
        peak window; mask_ms: its retrigger mask; full_scale: the level that plays the top
        of its curve, its sensitivity; crosstalk_pct: below this % of a neighbour's peak its own is that
        neighbour's crosstalk (None: the group's)."""
        from midictl.controls import checks  # boot only: unloaded after boot (startup.py)

        ok = isinstance(i, int) and 0 <= i < self.count
        pb = self._pb
        o = i * _NB if ok else 0
        if window_ms is None:
            window_ms = pb[o + _WIN] if ok else 1
        if mask_ms is None:
            mask_ms = pb[o + _MASK] if ok else 250
        if full_scale is None:
            full_scale = self._ph[i * _NH + _FS] if ok else 4095
        if crosstalk_pct is None:
            crosstalk_pct = pb[o + _XT] if ok else 0
        k = checks.pad(self.count, full_scale, i, kind, channel, note, curve, threshold, gate_ms,
                       pressure, velocity, hold_ms, mask_ms, window_ms, crosstalk_pct)
        # A silenced pad ignores its own crosstalk under a floor that must fall no faster
        # than that crosstalk: the bare pulse halves every 1.4 ms (floor: every 2 ms), a
        # held one every 0.69 x hold_ms (floor: 0.75 x hold_ms, rounded up, plus 1).
        pb[o + _HALF] = max(2, (3 * hold_ms + 3) // 4 + 1)
        pb[o + _KIND] = k
        pb[o + _ST] = _IDLE if k in (_PIEZO, _FSR) else _SKIP
        pb[o + _CH] = channel
        pb[o + _NOTE] = note
        self._curve[i] = curve if curve is not None else bytearray(0)
        self._thr[i] = threshold
        self._thr_min = min(self._thr_min, threshold)
        self._ph[i * _NH + _REARM] = threshold // 2
        self._ph[i * _NH + _GATE] = gate_ms
        pb[o + _WIN] = window_ms
        pb[o + _MASK] = mask_ms
        self._ph[i * _NH + _FS] = full_scale
        pb[o + _XT] = crosstalk_pct
        pb[o + _PRESS] = checks.PRESSURE.index(pressure) if k == _FSR else 0
        pb[o + _VEL] = velocity
        if k and self._modes is not None:
            self._modes.cover(note, note)

    # -- per scan ---------------------------------------------------------------

    def quiet(self, peak, now):
        """True when a scan at `now` whose highest pad sample is `peak` has nothing to do:
        no pad in progress, no gate due, nothing above the lowest threshold. Lets the scan
        loop skip scan() when the hardware layer already knows the peak (a piezo's gate
        runs 50 ms after every strike: most of those scans only wait for it).
        Controller.step makes the same test written out (no call): keep the two alike."""
        return not self._active and peak <= self._thr_min and (
            not self._gating or ticks_diff(now, self._gate_next) < 0)

    # scan(samples, now): one scan; samples[i] is pad i's 12-bit level (len(samples) ==
    # count). Allocates nothing. (scan_twin; the native one under MicroPython)
    scan = scan_native

    # -- between scans (the native ones, at the end of this file, replace these under
    # MicroPython) --------------------------------------------------------------------------

    def pending(self, idle):
        """Bitmap of the pads collecting a strike's peak (a window open, or a bounce's),
        and with idle true every other piezo pad that a strike would change (idle, decaying
        or silenced): the ones to read again between scans (Controller._run). Only a scan
        or peak() changes it."""
        w = 0
        pb = self._pb
        for i in range(self.count):
            q = pb[i * _NB + _ST]
            if q == _WINDOW or q == _BOUNCE or (idle and pb[i * _NB + _KIND] == _PIEZO and q != _SKIP):
                w |= 1 << i
        return w

    def peak(self, samples, w, now):
        """For each pad of bitmap w (pending()'s), read between scans (hw.sample; now:
        ticks_ms): raise the peak of a pad collecting one to its level in samples, and open
        the window of one struck as the scan would (idle and above its threshold, or
        decaying or silenced and above its tail's floor). A piezo's top (0.5 ms after the
        strike) falls between two 1 kHz scans: read every 0.125 ms while its window is open
        and every piezo pad at mid-period, a strike is first read 0.5 ms after it at most,
        and its best read is within 0.125 ms of the top. Only scans close windows and
        re-arm pads. Allocates nothing."""
        pb = self._pb
        i = 0
        while w:
            if w & 1:
                v = samples[i]
                o = i * _NB
                q = pb[o + _ST]
                if q == _WINDOW or q == _BOUNCE:
                    if v > self._ph[i * _NH + _PEAK]:
                        self._ph[i * _NH + _PEAK] = v
                elif q == _IDLE:
                    if v > self._thr[i]:
                        pb[o + _ST] = _WINDOW
                        self._active |= 1 << i
                        self._ph[i * _NH + _PEAK] = v
                        self._pw[i * _NW + _T0] = now
                elif q == _DECAY or q == _GHOST:
                    # the floor of its tail (the strike's peak, halving as it decays)
                    fl = self._ph[i * _NH + _PEAK] >> (ticks_diff(now, self._pw[i * _NW + _T0]) // pb[o + _HALF])
                    if q == _DECAY:
                        if v > self._thr[i] + fl:
                            self._decay(i, v, now)  # struck again: its window (or bounce's) opens
                    elif v > self._thr[i] and v > fl:
                        self._ghost(i, v, now)  # a real strike on its tail: its window opens
            w >>= 1
            i += 1

    def _idle(self, i):
        self._pb[i * _NB + _ST] = _IDLE
        self._active &= ~(1 << i)

    # (_busy runs in a strike's decay and while a pad is held; each state has a method of its
    # own so that every frame stays small enough for the C stack: see Engine._out.)
    def _busy(self, i, q, v, now):
        if q == _GHOST:
            self._ghost(i, v, now)
        elif q == _DECAY:
            self._decay(i, v, now)
        elif q == _HELD:
            self._held(i, v, now)

    def _ghost(self, i, v, now):
        floor = self._ph[i * _NH + _PEAK] >> (ticks_diff(now, self._pw[i * _NW + _T0]) // self._pb[i * _NB + _HALF])
        if v > floor and v > self._thr[i]:
            self._pb[i * _NB + _ST] = _WINDOW  # a real strike on top of the tail
            self._ph[i * _NH + _PEAK] = v
            self._pw[i * _NW + _T0] = now
        elif v < self._ph[i * _NH + _REARM]:
            self._idle(i)  # as from _DECAY: a note whose gate has run ends now
            self._gate_ran(i, now)

    def _decay(self, i, v, now):
        # (no local more: a frame of more than 11 slots, locals and stack, comes from the heap)
        e = ticks_diff(now, self._pw[i * _NW + _T0])
        if v > (self._ph[i * _NH + _PEAK] >> (e // self._pb[i * _NB + _HALF])) + self._thr[i]:
            # Its level rises again, above the strike's own tail (the floor falls more
            # slowly than the tail) by more than the threshold: struck again. After the
            # mask that is a new note; within it the same strike bouncing. Either way
            # a window opens now, so the neighbours take this pad's new crosstalk for
            # what it is, and the mask runs from here.
            self._pb[i * _NB + _ST] = _WINDOW if e >= self._pb[i * _NB + _MASK] else _BOUNCE
            self._ph[i * _NH + _PEAK] = v
            self._pw[i * _NW + _T0] = now
        elif v < self._ph[i * _NH + _REARM] and e >= self._pb[i * _NB + _MASK]:
            self._idle(i)  # re-armed; a sounding note waits for its gate (scan)
            self._gate_ran(i, now)

    def _gate_ran(self, i, now):
        # a re-armed pad's note ends now if its gate has run
        if self.on & (1 << i) and ticks_diff(now, self._pw[i * _NW + _TON]) >= self._ph[i * _NH + _GATE]:
            self._off(i)

    def _held(self, i, v, now):
        if v < self._ph[i * _NH + _REARM]:
            self._idle(i)
            if self._psent & (1 << i):
                self._pressure(i, 0)
            self._off(i)
        elif self._pb[i * _NB + _PRESS]:
            self._follow(i, v, now)

    # _end_gates(now): piezo notes whose gate has run and whose pad has decayed end now;
    # then the next deadline (end_gates_twin; the native one under MicroPython)
    _end_gates = end_gates_native

    def _follow(self, i, v, now):
        # Smooth (EMA 1/8 in 1/16 steps: 8 ms at 1 kHz), follow with hysteresis so noise on a steady
        # press moves nothing, then send the value at most every pressure_ms (checked
        # every scan, so the last change is sent even when the finger has stopped). (Runs every
        # scan a pressure pad is held: in steps of few locals, see Engine._out.)
        lvl = self._ph[i * _NH + _LVL]
        lvl += ((v << 4) - lvl) >> 3
        self._ph[i * _NH + _LVL] = lvl
        if ticks_diff(now, self._pw[i * _NW + _TON]) < self.pressure_ms:
            # settling after the Note On: the level found here is the baseline, so
            # pressure is sent only when the force changes from the strike's
            self._ph[i * _NH + _ANC] = lvl
            self._pb[i * _NB + _PV] = self._scale(i, lvl >> 4)
            return
        a = self._ph[i * _NH + _ANC]
        if lvl > a + _PRESS_HYST:
            self._ph[i * _NH + _ANC] = lvl - _PRESS_HYST
        elif lvl < a - _PRESS_HYST:
            self._ph[i * _NH + _ANC] = lvl + _PRESS_HYST
        if ticks_diff(now, self._pw[i * _NW + _TP]) >= self.pressure_ms:
            self._changed(i, now)

    def _changed(self, i, now):
        # the follower's value, sent if it changed
        p = self._scale(i, self._ph[i * _NH + _ANC] >> 4)
        if p != self._pb[i * _NB + _PV]:
            self._pw[i * _NW + _TP] = now
            self._pressure(i, p)

    def _pressure(self, i, p):
        pb = self._pb
        o = i * _NB
        pb[o + _PV] = p
        if p:
            self._psent |= 1 << i
        else:
            self._psent &= ~(1 << i)
        if pb[o + _PRESS] == _POLY:
            self._sink.poly_pressure(pb[o + _SENT_CH], pb[o + _SENT], p)
        else:
            self._sink.channel_pressure(pb[o + _SENT_CH], p)

    def _scale(self, i, v):
        # threshold..full_scale -> 0..127
        t = self._thr[i]
        if v <= t:
            return 0
        x = (v - t) * 127 // (self._ph[i * _NH + _FS] - t)
        return 127 if x > 127 else x

    # _decide(due, now): the pads of bitmap `due`, whose peak window has run: a note, or
    # crosstalk (decide_twin; the native one under MicroPython)
    _decide = decide_native

    # -- note bookkeeping -------------------------------------------------------

    # _on(i, vel, now): pad i's Note On, remembered for its Note Off (on_twin; the native
    # one under MicroPython)
    _on = on_native

    # _off(i): pad i's Note Off, if its note sounds (off_twin; the native one under
    # MicroPython)
    _off = off_native

    def switches(self, changed, state, now=0):
        """Switch pads: bit i of `changed`/`state` (from a BitDebouncer) is pad i."""
        i = 0
        while i < self.count and changed >> i:
            if changed >> i & 1 and self._pb[i * _NB + _KIND] == _SWITCH:
                self._switch(i, state >> i & 1, now)
            i += 1

    def _switch(self, i, down, now):
        # (a call of its own: few locals in each frame, see Engine._out)
        if down:
            if self.on & (1 << i):
                self._off(i)
            self._on(i, self._pb[i * _NB + _VEL], now)
        else:
            self._off(i)

    def all_off(self):
        """Note Off for every sounding pad (mode change, panic, config reload)."""
        for i in range(self.count):
            if self.on & (1 << i):
                if self._psent & (1 << i):
                    self._pressure(i, 0)
                self._off(i)
            o = i * _NB
            if self._pb[o + _ST] != _SKIP:
                if self._pb[o + _KIND] == _PIEZO:
                    self._pb[o + _ST] = _DECAY  # still ringing, maybe: re-arms when it has decayed
                    self._active |= 1 << i
                else:
                    self._idle(i)


try:  # the two between-scan methods in native code, under MicroPython (the same names, and
    # no twins: host_tests/dual/test_ctl_pads.py runs its tests of them under both)
    if sys.implementation.name != "micropython":
        raise ImportError

    @micropython.viper
    def pending(self, idle: int) -> int:
        pb = ptr8(self._pb)
        n = int(self.count)
        w = 0
        i = 0
        while i < n:
            q = pb[i * _NB + _ST]
            if q == _WINDOW or q == _BOUNCE or (idle and pb[i * _NB + _KIND] == _PIEZO and q != _SKIP):
                w |= 1 << i
            i += 1
        return w

    @micropython.viper
    def peak(self, samples, w: int, now: int):
        s = ptr16(samples)
        ph = ptr16(self._ph)
        pb = ptr8(self._pb)
        thr = ph  # the thresholds, looked up on first need (the reads of a window need none)
        got = 0
        i = 0
        while w:
            if w & 1:
                v = s[i]
                q = pb[i * _NB + _ST]
                if q == _WINDOW or q == _BOUNCE:
                    if v > ph[i * _NH + _PEAK]:
                        ph[i * _NH + _PEAK] = v
                    w >>= 1
                    i += 1
                    continue
                if not got:
                    thr = ptr16(self._thr)
                    got = 1
                if q == _IDLE:
                    if v > thr[i]:
                        pb[i * _NB + _ST] = _WINDOW
                        self._active = int(self._active) | (1 << i)
                        ph[i * _NH + _PEAK] = v
                        self._pw[i * _NW + _T0] = now
                elif q == _DECAY or q == _GHOST:  # (the rare case: what it needs looked up here)
                    tmax = int(_TMAX)
                    hf = (tmax >> 1) + 1
                    sh = (((now - int(self._pw[i * _NW + _T0]) + hf) & tmax) - hf) // pb[i * _NB + _HALF]
                    fl = 0  # the tail's floor, as in _scan
                    if sh < 16:
                        fl = ph[i * _NH + _PEAK] >> sh
                    if q == _DECAY:
                        if v > thr[i] + fl:
                            self._decay(i, v, now)
                    elif v > thr[i] and v > fl:
                        self._ghost(i, v, now)
            w >>= 1
            i += 1

    PadGroup.pending = pending
    PadGroup.peak = peak
except (ImportError, AttributeError, SyntaxError):  # CPython
    pass
