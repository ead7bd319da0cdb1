# Note repeat: while a note repeat button is held (or, latched, from one press to the next),
# the pads play their notes again on a MIDI clock's grid, every `rate` (1/4 note to 1/32
# note, triplets too: 1/32t for a hi-hat roll), as a drum machine's note repeat or roll. The clock is the
# controller's own (config clock_bpm), or else the one MIDI IN brings (a DAW's or a
# sequencer's Timing Clock, F8, on either port, one port's at a time; its Start, FA, makes
# the next tick the beat's first, its Song Position Pointer the tick it names, its Continue
# goes on from its Stop). With neither, the repeat keeps a silent clock of its own (nothing
# sent) at MIDI IN's last tempo, 120 bpm before one has come, or a tap tempo button's
# (tempo()), from power-on; a transport button's Start, or MIDI IN's with no clock,
# restarts its grid (start()). So a controller played alone still repeats, and a DAW that
# sends its clock only while it plays is followed then and left 200 ms after its last tick.
#
# What repeats:
# - a note button (a switch or matrix key playing a note) while it is held, at its velocity;
# - a pad that is held: a switch pad while it is down, an FSR pad while it is pressed. Its
#   repeats have its own velocity (a switch pad's), or the velocity its pressure plays now
#   (an FSR pad's with `pressure` on: press harder, louder repeats; without, its strike's);
# - a piezo pad, which has no held level: one struck while the repeat is on (or still
#   sounding when it comes on) rolls at its strike's velocity (struck again: at the new
#   one) until the repeat goes off.
# Each repeat is the note again: its Note Off, then its Note On (a pad's with the octave and
# transpose of now, as a new strike would have: the Note Off is always the note sent); a
# piezo's ends after its gate, a held one's at the next repeat or its release. The steps
# are the ticks of the clock's beat that are a multiple of the rate (a 1/16 on ticks 0, 6,
# 12 and 18 of each 24), in the scan that sends (or gets) the tick, after it; with swing
# (1/8, 1/16 and 1/32), each pair's second step comes late, at its time between the ticks
# (the scan calls pump()). A pad or button that played less than half a step before a step
# (with swing, of the shorter gap) is not repeated there (just struck or pressed: its own
# note is the beat). A strike being read (its peak window) is not repeated either.
# Panic lets a latched repeat go and ends the rolls (Engine.latches); a pad still held
# repeats on. A step that finds DIN OUT behind (more queued than the wire carries in half a
# step) is skipped: DIN carries about 1000 three-byte messages a second, and 16 pads
# rolling 1/32t notes at 300 bpm ask for 960 Note Ons and as many Note Offs.
#
# Loaded by controls/transport.py's build() only for a config with a note repeat button.
# Allocates nothing after construction.

import sys
from array import array

from midictl.compat import TWINS, ticks_add, ticks_diff
from midictl.controls.transport import light

_PIEZO = const(1)  # pads.py's kinds and states
_SWITCH = const(3)
_WINDOW = const(1)
_BOUNCE = const(6)
_NB = const(13)  # pads.py's: a pad's bytes in PadGroup._pb, its state, kind and velocity among them
_ST = const(0)
_KIND = const(1)
_VEL = const(4)
_NH = const(6)  # and its 16-bit values in PadGroup._ph, its peak and FSR level among them,
_PEAK = const(2)  # and its ints in PadGroup._pw, its Note On's time among them
_LVL = const(3)
_NW = const(4)
_TON = const(2)
_TMAX = const((1 << 30) - 1)  # ticks wrap (compat.py)

# A step's pads: every one rolling or held, its repeat. The
# interpreted twin (ARCHITECTURE.md) only where CPython runs or a test asks (compat.TWINS);
# under MicroPython the native one (a pad's repeat 2.3 µs here against 3.1: the rest is its
# Note On's way to the ports).
if TWINS:
    def rolls_twin(self, now, half):
        """NoteRepeat._rolls in plain Python."""
        p = self._pads
        todo = self.roll | p.on
        i = 0
        while todo:
            # not a strike being read (its own note comes), nor a pad that played less than
            # half a step ago (its own note, or a step rushed by a Start)
            if todo & 1 and p._pb[i * _NB + _ST] != _WINDOW and p._pb[i * _NB + _ST] != _BOUNCE and \
                    ticks_diff(now, p._pw[i * _NW + _TON]) >= half:
                v = self._vel(p, i)
                p._off(i)
                p._on(i, v, now)
                self._t[i] = p._pw[i * _NW + _TON]
            todo >>= 1
            i += 1

    rolls_native = rolls_twin

if sys.implementation.name == "micropython":
    import micropython

    @micropython.viper
    def _rolls(self, now: int, half: int):
        """rolls_twin in native code, step for step (an FSR's velocity is _vel's: its curve
        and scale)."""
        p = self._pads
        todo = int(self.roll) | int(p.on)
        pb = ptr8(p._pb)
        pw = p._pw
        t = self._t
        tmax = int(_TMAX)
        hf = (tmax >> 1) + 1
        i = 0
        while todo:
            if todo & 1:
                q = int(pb[i * _NB + _ST])
                # not a strike being read, nor a pad that played less than half a step ago
                if q != _WINDOW and q != _BOUNCE and ((now - int(pw[i * _NW + _TON]) + hf) & tmax) - hf >= half:
                    k = int(pb[i * _NB + _KIND])
                    if k == _PIEZO:
                        v = int(ptr8(self._v)[i])
                    elif k == _SWITCH:
                        v = int(pb[i * _NB + _VEL])
                    else:
                        v = int(self._vel(p, i))
                    p._off(i)
                    p._on(i, v, now)
                    t[i] = pw[i * _NW + _TON]
            todo >>= 1
            i += 1

    rolls_native = _rolls

# config.py's "rate" choices, and the clock ticks (24 a quarter note) a step of each
RATES = "1/4 1/8 1/8t 1/16 1/16t 1/32 1/32t".split()
TICKS = (24, 12, 8, 6, 4, 3, 2)


class NoteRepeat:
    """The repeat the note repeat buttons share: on while `hold` (buttons held) or `latched`;
    `rate`: clock ticks a step. Clock.pump calls tick() after each F8 it sends; with no
    clock (None), Transport.realtime calls midi_in() with MIDI IN's real-time bytes, and the
    scan calls pump() for the ticks of the repeat's own clock while MIDI IN brings none."""

    def __init__(self, pads, clock, din=None):
        self._pads = pads
        # what has the tick period (_period, us): the controller's clock, or this, which
        # measures MIDI IN's
        self._clock = self if clock is None else clock
        self._period = 20833  # (120 bpm until MIDI IN's clock has been measured)
        self._last = 0  # when MIDI IN's last tick came (us), and whether one has
        self._seen = False
        self._n = 0  # MIDI IN's next tick's place in its beat
        self._at = -1  # its place when its Stop came (the song stopped there), else -1
        self._src = None  # the port whose clock is followed (app.py: its parser)
        self._din = din  # DIN OUT's queue (din.py), to see how far behind the wire is
        self.hold = 0
        self.latched = False
        # A button's rate and swing as one code: its ticks a step | the swing's % past 50 << 5
        self.rate = 6
        self.swing = 0  # (0..25: the second step of each pair comes that much late, see tick())
        self._lrate = 6  # the latched repeat's code (a held button's wins while held)
        self._held = array("H", bytes(16))  # the held buttons' codes, the last pressed last
        # app.py's scan calls pump() while _gating, once _gate (ms) has come: for a swung
        # step that waits (_swung, its time _sgate, ms) and the own clock's next tick (_next,
        # us). _own: 0 the controller's clock, else 1 until the first pump, then 2.
        # (build() sets _gate to the time it is built: the own clock starts at the first scan.)
        self._own = 1 if clock is None else 0
        self._gating = clock is None
        self._gate = 0
        self._swung = False
        self._sgate = 0
        self._next = 0
        self._led = None  # the beat light (transport.build: with no clock_bpm, the board's LED)
        self.roll = 0  # bitmap of the piezo pads rolling
        self.skipped = 0  # steps skipped while DIN OUT was behind
        self._keys = ()  # the note buttons (layered.NoteButton), once all are built
        n = pads.count
        self._t = [0] * n  # the Note On time of the pad's note this has seen or sent
        self._v = bytearray(n)  # a rolling piezo pad's velocity (its strike's)

    def tempo(self, bpm):
        """A tap tempo button's tempo (20..300; with no clock_bpm): the own clock's from its
        next tick on (MIDI IN's clock, when one comes, is measured from it)."""
        self._period = 2500000 // bpm

    def start(self, now_us, now_ms):
        """A transport button's real-time Start or Continue: the own clock's grid restarts,
        its first tick a beat's first one period on, as the controller's clock's does (not
        while MIDI IN's clock is followed: its ticks say where the beat is)."""
        if self._own and not (self._seen and ticks_diff(now_us, self._last) <= 200000):
            self._own = 2
            self._n = 0
            self._next = ticks_add(now_us, self._period)
            self._gate = now_ms  # (pump() sets the gate from the new grid in the next scan)

    def _use(self, code):
        self.rate = code & 31
        self.swing = code >> 5

    def set(self, hold, rate):
        """A momentary button pressed (hold 1) or let go (-1) with its code (rate: ticks, |
        swing << 5): the rate and swing are the last pressed of those held, else the latched
        one's."""
        h = self._held
        n = self.hold
        if hold > 0:
            if n < len(h):
                h[n] = rate
                self.hold = n + 1
            self._use(rate)
            return
        i = n - 1
        while i >= 0 and h[i] != rate:  # the last press at this rate
            i -= 1
        if i < 0:
            return  # (not one held: more than 8 were)
        while i < n - 1:
            h[i] = h[i + 1]
            i += 1
        self.hold = n - 1
        if n > 1:
            self._use(h[n - 2])
        elif self.latched:
            self._use(self._lrate)
        else:
            self._stop()

    def toggle(self, rate):
        """A latching button pressed: on at its code (rate), or (on at that one) off."""
        if self.latched and self._lrate == rate:
            self.latched = False
            if not self.hold:
                self._stop()
            return
        self.latched = True
        self._lrate = rate
        if not self.hold:  # (a held button's rate wins while it is held)
            self._use(rate)

    def _stop(self):
        if not self.hold and not self.latched:
            self.roll = 0

    def unlatch(self):
        """Panic (Engine.latches): a latched repeat goes off and every roll ends."""
        self.latched = False
        self.roll = 0

    def midi_in(self, status, now_us, now_ms, src):
        """A real-time byte from MIDI IN's port src (the controller has no clock of its own):
        a Timing Clock's tick (its period measured, smoothed over about 4), a Start, after
        which the next tick is a beat's first, a Stop or a Continue. One port's clock is
        followed: the other's bytes count only once it has sent no tick for 200 ms (two
        clocks, a DAW's and a drum machine's, would otherwise make each step come twice as
        often and off the grid of both). While stopped the ticks go on making steps (a
        slave's tempo still runs), and a Continue goes on from where the Stop came. (While
        MIDI IN brings no clock, the own one's ticks make the steps: _tick_own.)"""
        if src is not self._src and not self._take(src, now_us):
            return  # the other port's, while the clock followed runs
        if status == 0xFA:
            self._n = 0
            self._at = -1
            self.start(now_us, now_ms)  # (with no clock from MIDI IN: the own clock's grid)
            return
        if status == 0xFC:
            if self._at < 0:
                self._at = self._n
            return
        if status == 0xFB:
            if self._at >= 0:
                self._n = self._at
                self._at = -1
            return
        if status != 0xF8:
            return
        d = ticks_diff(now_us, self._last)
        if self._seen and 0 < d <= 200000:  # (a longer gap: the clock stopped, no period)
            self._period += (d - self._period) >> 2
        self._last = now_us
        self._seen = True
        n = self._n
        self._n = n + 1 if n < 23 else 0
        self.tick(n, now_ms)

    def _take(self, src, now_us):
        # A byte from port src, not the one followed: src is followed from now on (its next
        # tick a beat's first) if the other's clock has been silent for 200 ms, else not
        d = ticks_diff(now_us, self._last)
        if self._seen and 0 <= d <= 200000:
            return False
        self._src = src
        self._seen = False
        self._n = 0
        self._at = -1
        return True

    def locate(self, beats, now_us, src):
        """MIDI IN's Song Position Pointer from port src (in 16th notes, 6 ticks each, from
        the song's start): where the next tick falls in its beat, for the port followed
        (as midi_in() takes one); stopped, where a Continue goes on from too."""
        if src is not self._src and not self._take(src, now_us):
            return
        n = beats * 6 % 24
        self._n = n
        if self._at >= 0:
            self._at = n

    def tick(self, n, now):
        """The clock sent the tick at place n (0..23) of its beat, at now (ms): a step if n
        is a multiple of the rate, but a pair's second step when swung, which waits for its
        time (the swing's % past 50, twice, of a step: at 66, a third of a step late; from
        the period now). A pad or button that played less than half the shorter of the
        steps' gaps before a step is not repeated there (half a step, straight). With no
        clock_bpm, the beat light (_led) is lit for the first sixth of each beat."""
        if (n == 0 or n == 4) and self._led is not None:
            light(self._led, n == 0)
        if not self.hold and not self.latched:
            return
        p = self._pads
        on = p.on
        i = 0
        while on:  # a piezo pad's own new Note On (a strike) starts or restarts its roll
            if on & 1 and p._pb[i * _NB + _KIND] == _PIEZO and p._pw[i * _NW + _TON] != self._t[i]:
                self._join(i)
            on >>= 1
            i += 1
        if n % self.rate == 0:
            self._grid(n, now)

    # (in calls of their own: an interpreted frame of more than 11 slots, locals and
    # stack, would be taken from the heap, see Engine._out)
    def _grid(self, n, now):
        r = self.rate
        if self.swing and n % (r + r) == r:  # a pair's second step, swung: it waits
            g = self._sgate = ticks_add(now, r * self._clock._period * self.swing // 50000)
            self._swung = True
            if not self._gating or ticks_diff(g, self._gate) < 0:
                self._gate = g
                self._gating = True
            return
        self._step(now, self._half())

    def _half(self):
        # half the shorter gap between steps (ms): half a step, straight
        return self.rate * self._clock._period * (50 - self.swing) // 100000

    def pump(self, now_us, now_ms):
        """app.py's scan, while _gating, once _gate has come: the swung step that waits, if
        its time has come, and the own clock's tick, if due (see _tick_own)."""
        if self._swung and ticks_diff(now_ms, self._sgate) >= 0:
            self._swung = False
            if self.hold or self.latched:
                self._step(now_ms, self._half())
        if not self._own:
            self._gating = self._swung
            self._gate = self._sgate
            return
        g = self._tick_own(now_us, now_ms)
        if self._swung and ticks_diff(self._sgate, g) < 0:
            g = self._sgate
        self._gate = g

    def _tick_own(self, now_us, now_ms):
        # The own clock (no clock_bpm): a silent tick every period (MIDI IN's last measured,
        # 20833 us, 120 bpm, before one) on a grid from the first scan. While MIDI IN's clock
        # runs, that one's ticks make the steps and this waits; 200 ms after MIDI IN's last
        # tick it goes on, its count where MIDI IN's left it (and the next port's clock is
        # taken at once: _take). Returns when (ms) to look again.
        if self._own == 1:
            self._own = 2
            self._next = ticks_add(now_us, self._period)
        elif ticks_diff(now_us, self._next) >= 0:
            # (MIDI IN's tick read after this scan's time began: less than 0, as recent)
            if self._seen and ticks_diff(now_us, self._last) <= 200000:
                self._next = ticks_add(self._last, 200001)
            else:
                self._seen = False
                n = self._n
                self._n = n + 1 if n < 23 else 0
                g = ticks_add(self._next, self._period)
                if ticks_diff(now_us, g) > 4 * self._period:
                    g = ticks_add(now_us, self._period)  # held up (a long write): from now
                self._next = g
                self.tick(n, now_ms)
        return ticks_add(now_ms, ticks_diff(self._next, now_us) // 1000)

    def _join(self, i):
        p = self._pads
        self.roll |= 1 << i
        self._t[i] = p._pw[i * _NW + _TON]
        self._v[i] = p._curve[i][p._scale(i, p._ph[i * _NH + _PEAK])]

    def _step(self, now, half):
        d = self._din
        if d is not None and d._count > half * 3:
            # DIN OUT's queue holds more than the wire carries in half a step (3.1 bytes a
            # ms): the repeats outrun it (many pads rolling fast, a busy MIDI IN passed on).
            # This step is skipped: a repeat less, never a note whose Note Off finds no room.
            self.skipped += 1
            return
        self._rolls(now, half)
        if self._keys:
            self._buttons(now, half)

    def _buttons(self, now, half):
        keys = self._keys
        i = 0
        while i < len(keys):
            b = keys[i]
            if b.held and ticks_diff(now, b._t) >= half:
                self._key(b, now)
            i += 1

    def _key(self, b, now):
        # a held note button's note again: the layer it was pressed in (its Note Off's)
        k = b._layer
        b._t = now
        b._sink.note_off(b._ch[k], b._num[k], 64)
        b._sink.note_on(b._ch[k], b._num[k], b.velocity)

    # _rolls(now, half): the step's pads (rolls_twin; the native one under MicroPython)
    _rolls = rolls_native

    def _vel(self, p, i):
        k = p._pb[i * _NB + _KIND]
        if k == _PIEZO:
            return self._v[i]
        if k == _SWITCH:
            return p._pb[i * _NB + _VEL]
        return p._curve[i][p._scale(i, p._ph[i * _NH + _LVL] >> 4)]  # an FSR: what its level plays now


class RepeatButton:
    """A note repeat button at `rate` (one of RATES); held (latch False) or each press on
    and off (latch True); swing 50 (straight) to 75: where in each pair of steps the second
    comes, in % of the pair (66: a triplet's feel), for the rates whose steps pair up in a
    beat (1/8, 1/16, 1/32)."""

    def __init__(self, rep, rate="1/16", latch=False, swing=50):
        if rate not in RATES:
            raise ValueError("rate %r is not one of %s" % (rate, ", ".join(RATES)))
        if swing < 50 or swing > 75:
            raise ValueError("swing %r out of range 50..75" % (swing,))
        if swing != 50 and rate not in ("1/8", "1/16", "1/32"):
            raise ValueError("swing needs a rate of 1/8, 1/16 or 1/32, not %r" % (rate,))
        self._rep = rep
        self._ticks = TICKS[RATES.index(rate)]
        self._code = self._ticks | (swing - 50) << 5
        self._latch = latch

    def press(self, now=0):
        if self._latch:
            self._rep.toggle(self._code)
        else:
            self._rep.set(1, self._code)

    def release(self, now=0):
        if not self._latch:
            self._rep.set(-1, self._code)
