# The smoothing shared by knobs and the bend stick: a 12-bit ADC reading in, a steady
# position out (an "anchor", in 1/16 ADC steps) that moves only when the control moves.
#
# Why this shape (RP2040 ADC): readings carry noise of up to +-24 steps here, and
# erratum RP2040-E11 (DNL spikes at codes 512, 1536, 2560, 3584) makes single codes
# near those points over- or under-populated, so a raw reading is never trusted alone.
# 1. Adaptive EMA in fixed point (1/16 steps): 1/16 of the difference while it is small
#    (resting, slow turning: noise averages out), 1/4 when it exceeds 64 steps and 1/2
#    beyond 256 (a fast turn is followed without lag). The E11 steps are a few codes
#    wide and are smoothed away like noise. While the control moves (its anchor moved
#    within the last 8 readings) a small difference takes 1/8, not 1/16; a jump of more
#    than 256 steps from rest takes 3/4 at once; a reading inside an end's dead zone pulls
#    by at least 1/4 toward it. So a knob turned and let go settles on its value in about
#    half the readings, and a jump to an end (a fader pulled down, the bend stick pushed
#    to its stop) gets there in 10 to 13 readings (50 to 65 ms at the reference layout's
#    200 readings a second; 22 to 34 readings before; test_ctl_knob.py). No faster: with 1/4 of a
#    small difference a slow turn skipped output steps under +-24 steps of noise and turned
#    back under +-40; 1/2 toward an end skipped the step before it; 3/4 of a large
#    difference while turning made the steps of a steady turn lumpy.
# 2. Follower hysteresis: the anchor stays put while the filtered value is within
#    +-hysteresis of it and is dragged along at that distance when it leaves. Turning
#    therefore moves the anchor continuously (every output step is passed), while
#    filtered noise, whose peak-to-peak stays well under 2 x hysteresis, moves nothing.
#    After 32 readings without movement the band doubles ("resting"), so slow creeping
#    of the noise extremes cannot nudge a resting knob across an output step either.
# 3. Ends: the anchor is clamped to the dead zones' edges, which are at least
#    hysteresis + 12 steps from 0 and 4095 so the anchor, trailing a resting end
#    reading by at most the hysteresis, is always at the edge: exact end values.
# The first 16 readings only prime the average (plain mean): nothing is sent at boot
# unless the owner asks for a report.

from array import array

from midictl.compat import TWINS, ticks_add

MOVED = const(1)
PRIMED = const(2)
_PRIME = const(16)
_QUIET = const(32)
_FAST = const(256 * 16)
_MID = const(64 * 16)
_MOVING = const(8)  # readings after the anchor moved during which it is taken to be moving
# A fine filter (the bend stick's: a 14-bit output, whose steps a faster follow cannot
# skip) has this bit in its hysteresis word (_h, the bank's state[b + 6]): while moving it
# takes 1/4 of a difference beyond the noise (_NOISE), 1/2 beyond 64 steps or toward an end,
# 3/4 beyond 256, and trails a bend about a third as far (a bend to 0.9 over 150 ms: 6
# cents short as it stops, 17 without). The noise-sized differences keep 1/8 and 1/16, so
# a bend held still sends nothing, as before.
_FINE = const(0x10000)
_NOISE = const(24 * 16)


_TOP = const(4095 << 4)  # the top reading, in 1/16 steps: the edges lie symmetrically below it


def edges(deadzone, hysteresis):
    """The anchor's range (lo, hi) in 1/16 steps: the inner edges of the end dead zones."""
    if deadzone < 0 or deadzone > 1000 or hysteresis < 1 or hysteresis > 256:
        from midictl.controls import checks  # (boot-time code: loaded for the message)

        checks.edges(deadzone, hysteresis)
    # the anchor trails the reading by up to `hysteresis`, and a resting reading at an
    # end sits ~6 steps inside it (noise clipped at 0 / 4095): the end zones are at
    # least hysteresis + 12 wide so that the ends are always reached
    edge = max(deadzone, hysteresis + 12)
    return edge << 4, _TOP - (edge << 4)


class AdcFilter:
    def __init__(self, deadzone=24, hysteresis=12):
        self._lo, self._hi = edges(deadzone, hysteresis)
        self._h = hysteresis << 4
        self._y = 0
        self.anchor = self._lo
        self._n = 0
        self._quiet = _QUIET

    def update(self, raw):
        """One 12-bit reading. Calls self._moved(PRIMED, anchor) once when priming ends
        (take the starting value, silently) and self._moved(MOVED, anchor) whenever the
        anchor moves, and returns what it called it with (0: nothing). Allocates nothing; a
        resting reading costs no further call."""
        y = self._y
        if self._n < _PRIME:
            # plain running mean of the first readings (y holds the sum meanwhile)
            self._n += 1
            y += raw << 4
            if self._n < _PRIME:
                self._y = y
                return 0
            y = self._y = y // _PRIME
            self.anchor = self._clamp(y)
            self._quiet = _QUIET
            self._moved(PRIMED, self.anchor)
            return PRIMED
        raw <<= 4
        d = raw - y
        q = self._quiet
        h = self._h
        if d > _MID or d < -_MID or (d > 0 and raw > self._hi) or (d < 0 and raw < self._lo):
            # a large difference, or a reading inside an end's dead zone, the filter behind it
            e = (d > 0 and raw > self._hi) or (d < 0 and raw < self._lo)
            f = h & _FINE and q < _MOVING  # (a fine filter, moving)
            if d > _FAST or d < -_FAST:
                y += d - (d >> 2) if e or f or q >= _MOVING else d >> 1
            else:
                y += d >> 1 if f else d >> 2
        elif q < _MOVING:
            y += d >> 2 if h & _FINE and (d > _NOISE or d < -_NOISE) else d >> 3
        else:
            y += d >> 4  # (at rest: the usual reading)
        self._y = y
        h &= _FINE - 1
        a = self.anchor
        e = h  # (the hysteresis, doubled at rest)
        if q >= _QUIET:
            e += e
        if y > a + e:
            a = self._clamp(y - h)
        elif y < a - e:
            a = self._clamp(y + h)
        if a == self.anchor:
            if q < _QUIET:
                self._quiet = q + 1
            return 0
        self.anchor = a
        self._quiet = 0
        self._moved(MOVED, a)
        return MOVED

    def _moved(self, why, anchor):
        pass

    def _clamp(self, a):
        if a < self._lo:
            return self._lo
        if a > self._hi:
            return self._hi
        return a


# -- every knob and stick at once ------------------------------------------------------------
# The scan loop does not call update() on each knob: a FilterBank keeps the same filter
# state for all of them in one array and runs one scan phase's worth in a single native
# call (FilterBank.run), then calls _moved() only on the filters whose anchor moved or
# that finished priming. Same arithmetic as update() above, step for step (host tests
# compare them on random readings); an idle knob costs no interpreted code at all.
# Per filter, _STRIDE ints of `state`: the EMA, anchor, readings so far, quiet count, the
# clamp edges, the hysteresis (all as in AdcFilter, 1/16 steps) and the sample it reads.
_STRIDE = const(8)
# Per filter, twice _FSTRIDE ints of `fast` (build.fast_cc), for the owner and for the
# shift layer's knob sharing the filter: 0 where the native run hands the filter's moves
# to _moved(); for a plain CC knob, when it sends (1: always, 2: while the shift layer is
# off, 3: while it is on) and what its _moved() computes and sends with: the anchor's low
# edge, span, min, max - min, inverted, the status byte | the controller number << 8 |
# 0x10000 when USB is a port, and its DIN coalescing slot + 1 (0: no DIN; never negative:
# a native load of a 32-bit word does not extend its sign on a 64-bit build).
_FSTRIDE = const(8)
_MAX_MSG = const(16)  # din.py's slot size
_WAITING = const(0x10000)  # knob.py's: a Knob waits to take over (a flag in its _remote)
_OPEN = ticks_add(0, -1)  # din.py's open gate


# The interpreted twins (ARCHITECTURE.md): only where CPython runs or a test asks (compat.TWINS).
if TWINS:
    def filter_block_twin(state, samples, why, start, end):
        """Filters start..end-1 of `state` take one reading each from `samples`; why[e] is set
        to 0, MOVED or PRIMED as update() would return it. Returns how many are not 0. The
        filter pass of FilterBank.run in plain Python (the native run's twin)."""
        count = 0
        for e in range(start, end):
            b = e * _STRIDE
            raw = samples[state[b + 7]]
            y = state[b]
            n = state[b + 2]
            r = 0
            if n < _PRIME:
                n += 1
                state[b + 2] = n
                y += raw << 4
                if n < _PRIME:
                    state[b] = y
                else:
                    y >>= 4  # the mean of _PRIME (16) readings; the sum is never negative
                    state[b] = y
                    a = y
                    if a < state[b + 4]:
                        a = state[b + 4]
                    elif a > state[b + 5]:
                        a = state[b + 5]
                    state[b + 1] = a
                    state[b + 3] = _QUIET
                    r = PRIMED
            else:
                d = (raw << 4) - y
                q = state[b + 3]
                x = (d > 0 and raw << 4 > state[b + 5]) or (d < 0 and raw << 4 < state[b + 4])
                h0 = state[b + 6]
                f = h0 & _FINE and q < _MOVING
                h0 &= _FINE - 1
                if d > _FAST or d < -_FAST:
                    y += d - (d >> 2) if x or f or q >= _MOVING else d >> 1
                elif x or d > _MID or d < -_MID:
                    y += d >> 1 if f else d >> 2
                elif q < _MOVING:
                    y += d >> 2 if f and (d > _NOISE or d < -_NOISE) else d >> 3
                else:
                    y += d >> 4
                state[b] = y
                a0 = state[b + 1]
                h = h0 + h0 if q >= _QUIET else h0
                a = a0
                if y > a0 + h:
                    a = y - h0
                elif y < a0 - h:
                    a = y + h0
                if a != a0:
                    if a < state[b + 4]:
                        a = state[b + 4]
                    elif a > state[b + 5]:
                        a = state[b + 5]
                if a == a0:
                    if q < _QUIET:
                        state[b + 3] = q + 1
                else:
                    state[b + 1] = a
                    state[b + 3] = 0
                    r = MOVED
            why[e] = r
            if r:
                count += 1
        return count


    def bank_run_twin(bank, p, samples):
        """FilterBank.run in plain Python (what CPython runs, and what the host tests compare
        the native one against): one reading for each filter of phase p (samples: array('H')
        of 12-bit levels), then the owners of those that moved react; returns how many moved."""
        s = bank.bounds[2 * p]
        e = bank.bounds[2 * p + 1]
        count = filter_block_twin(bank.state, samples, bank.why, s, e)
        if count:
            bank.dispatch(s, e)
        return count

    bank_run = bank_run_twin

try:
    import sys

    if sys.implementation.name != "micropython":
        raise ImportError  # a stand-in `micropython` module (the benchmark's) cannot compile viper
    import micropython

    @micropython.viper
    def _run(bank, p: int, samples) -> int:
        """FilterBank.run in native code: filter_block_twin's steps over phase p's filters,
        then what bank.dispatch() does, for the filters that moved."""
        # state: array('i'); samples, bounds: array('H'); why: bytearray. Values stay far
        # inside 32 bits (a priming sum is at most 16 * 4095 * 16), and >> on a viper int
        # is an arithmetic shift, as Python's is.
        st = ptr32(bank.state)
        w = ptr8(bank.why)
        se = ptr16(bank.bounds)
        sm = ptr16(samples)
        start = int(se[2 * p])
        end = int(se[2 * p + 1])
        count = 0
        e = start
        while e < end:
            b = e * _STRIDE
            raw = int(sm[st[b + 7]])
            y = st[b]
            n = st[b + 2]
            r = 0
            if n < _PRIME:
                n += 1
                st[b + 2] = n
                y += raw << 4
                if n < _PRIME:
                    st[b] = y
                else:
                    y = y >> 4
                    st[b] = y
                    a = y
                    if a < st[b + 4]:
                        a = st[b + 4]
                    elif a > st[b + 5]:
                        a = st[b + 5]
                    st[b + 1] = a
                    st[b + 3] = _QUIET
                    r = PRIMED
            else:
                d = (raw << 4) - y
                q = st[b + 3]
                z = 0  # (a reading inside an end's dead zone, the filter behind it; not x:
                # the dispatch below has an x of its own, typed by its first assignment)
                if (d > 0 and (raw << 4) > st[b + 5]) or (d < 0 and (raw << 4) < st[b + 4]):
                    z = 1
                h0 = st[b + 6]
                g = 0  # (a fine filter, moving)
                if (h0 & _FINE) and q < _MOVING:
                    g = 1
                h0 = h0 & (_FINE - 1)
                if d > _FAST or d < 0 - _FAST:
                    if z or g or q >= _MOVING:
                        y += d - (d >> 2)
                    else:
                        y += d >> 1
                elif z or d > _MID or d < 0 - _MID:
                    if g:
                        y += d >> 1
                    else:
                        y += d >> 2
                elif q < _MOVING:
                    if g and (d > _NOISE or d < 0 - _NOISE):
                        y += d >> 2
                    else:
                        y += d >> 3
                else:
                    y += d >> 4
                st[b] = y
                a0 = st[b + 1]
                h = h0
                if q >= _QUIET:
                    h = h0 + h0
                a = a0
                if y > a0 + h:
                    a = y - h0
                elif y < a0 - h:
                    a = y + h0
                if a != a0:
                    if a < st[b + 4]:
                        a = st[b + 4]
                    elif a > st[b + 5]:
                        a = st[b + 5]
                if a == a0:
                    if q < _QUIET:
                        st[b + 3] = q + 1
                else:
                    st[b + 1] = a
                    st[b + 3] = 0
                    r = MOVED
            w[e] = r
            if r:
                count += 1
            e += 1
        if count:
            # dispatch(start, end), here: no interpreted frame for a knob message
            owners = bank.owners
            seconds = bank.seconds
            fk = ptr32(bank.fast)
            e = start
            while e < end:
                r = w[e]
                if r:
                    a = st[e * _STRIDE + 1]
                    o = owners[e]
                    f = e * (2 * _FSTRIDE)
                    if r == MOVED and fk[f]:
                        # the owner's, then the shift layer's knob: Knob._moved() of a
                        # plain CC knob, step for step, and the message it sends written
                        # straight into the ports (fast_cc)
                        k = 0
                        while k < 2:
                            if k:
                                f += _FSTRIDE
                                if not fk[f]:
                                    break
                                o = seconds[e]
                            k += 1
                            if int(o._remote) >= _WAITING:  # waiting to take over (set up after boot): the long way
                                o._moved(r, a)
                                continue
                            span = fk[f + 2]
                            x = (((a - fk[f + 1]) >> 2) * fk[f + 4] + (span >> 1)) // span
                            if fk[f + 5]:
                                v = fk[f + 3] + fk[f + 4] - x
                            else:
                                v = fk[f + 3] + x
                            o._local = v
                            if v == int(o.value):
                                continue
                            o.value = v
                            lay = fk[f]  # 1: always; 2, 3: while the shift layer is off, on
                            if lay > 1:
                                on = 0
                                if bank.modes.shift:
                                    on = 1
                                if on != lay - 2:
                                    continue
                            sn = fk[f + 6]
                            msg = bank.engine._m  # (the engine's scratch: nothing else writes it meanwhile)
                            m = ptr8(msg)
                            m[0] = sn & 0xFF
                            m[1] = (sn >> 8) & 0x7F
                            m[2] = v
                            s = fk[f + 7] - 1
                            if fk[f + 7]:
                                # DinOut.send(msg, 3, key), for the knob's slot
                                din = bank.din
                                sd = ptr8(din._slot_data)
                                b = s * _MAX_MSG
                                sd[b] = m[0]
                                sd[b + 1] = m[1]
                                sd[b + 2] = v
                                sl = ptr8(din._slot_len)
                                if sl[s] != 3 or int(din._ring_count) == 0:
                                    din._gate = _OPEN  # as DinOut.send does
                                sl[s] = 3
                                pend = ptr8(din._slot_pending)
                                if pend[s]:
                                    din.coalesced = (int(din.coalesced) + 1) & 0x3FFFFFFF
                                else:
                                    pend[s] = 1
                                    ring = din._ring
                                    rc = int(din._ring_count)
                                    i = int(din._ring_head) + rc
                                    if i >= int(len(ring)):
                                        i -= int(len(ring))
                                    ptr8(ring)[i] = s
                                    din._ring_count = rc + 1
                            if sn & 0x10000:
                                # UsbOut.send(msg, 3, key): a CC below 120 is one packet,
                                # none while DIN IN's SysEx passes there in parts (it would
                                # land inside it), and modulation's value is kept (_level)
                                u = bank.usb
                                got = 0
                                # the knob is owed the value dropped, or no more once one
                                # is delivered (usbout._missed, written out: its mark 1 << 21,
                                # the value dropped from bit 22)
                                kk = ptr32(u.knob_keys)
                                key = (m[0] << 7) | m[1]
                                j = 0
                                if int(u._sx) == 0 and u._tx3(u.cable, msg):
                                    u.sent = (int(u.sent) + 1) & 0x3FFFFFFF
                                    got = 1
                                    while j < int(len(u.knob_keys)):
                                        if (kk[j] & 0x3FFFFF) == (key | 0x200000):
                                            kk[j] = key
                                        j += 1
                                else:
                                    u.dropped = (int(u.dropped) + 1) & 0x3FFFFFFF
                                    while j < int(len(u.knob_keys)):
                                        if (kk[j] & 0x1FFFFF) == key:
                                            kk[j] = key | 0x200000 | (v << 22)
                                        j += 1
                                if m[1] == 1:
                                    snd = ptr8(u.sounding)
                                    snd[328 + (m[0] & 15)] = v | 0x80
                                    if got:
                                        snd[344 + (m[0] & 15)] = v | 0x80
                            eng = bank.engine
                            eng.events = (int(eng.events) + 1) & 0x3FFFFFFF
                    else:
                        o._moved(r, a)
                        o = seconds[e]
                        if o:  # (viper cannot test `is not None`; an owner is always true)
                            o._moved(r, a)
                e += 1
        return count

    bank_run = _run
except (ImportError, AttributeError, SyntaxError):  # CPython (Blinka's micropython shim refuses viper)
    pass


class FilterBank:
    """The filters of a scan plan's knobs and sticks, by phase: run(p, samples) once per
    scan. build.filter_bank() makes one (and build.fast_cc() sets up its plain CC knobs):
    what only boot runs is there, freed after boot with the rest of build.py."""

    def __init__(self):
        self.bounds = array("H", [0, 0])  # per phase: its first filter and the end of its run
        self.owners = ()
        self.seconds = ()
        self.state = array("i")
        self.why = bytearray(1)
        self.fast = array("i", bytes(8 * _FSTRIDE))
        self.din = None  # the ports fast_cc's knobs send to
        self.usb = None
        self.engine = None
        self.modes = None  # whose shift layer is on (layered knobs)

    run = bank_run  # the native one under MicroPython
    if TWINS:
        run_twin = bank_run_twin

    def dispatch(self, s, e):
        # the owners of filters s..e-1 that moved (why[i]) take their anchor and react
        why = self.why
        st = self.state
        for i in range(s, e):
            r = why[i]
            if r:
                a = st[i * _STRIDE + 1]
                self.owners[i]._moved(r, a)
                o = self.seconds[i]
                if o:  # as the native run tests it: an owner or None
                    o._moved(r, a)
