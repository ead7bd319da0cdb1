# Transport buttons (see buttons.py for what every button has): start, stop and continue a
# sequencer, a drum machine or a DAW; and the controller's own MIDI clock, with a tap
# tempo button.
#
# Two ways to say start and stop, by the button's `mmc`:
# - MIDI 1.0's System Real-Time Start (FA), Continue (FB) and Stop (FC): what hardware
#   sequencers and drum machines follow (those synced to a MIDI clock start on its next
#   tick), and a DAW set to sync to the port;
# - MIDI Machine Control (MMC, a Universal Real-Time SysEx: F0 7F <device> 06 <command> F7):
#   what DAWs take transport commands as. Play (02) plays from where the song position is
#   (MMC has no "from the top": start and continue both send it), Stop (01), Record Strobe
#   (06: recording starts, a punch in while playing). <device> is the receiver's device ID,
#   7F for every device.
# A start_stop button sends start when the transport is stopped and stop when it plays. The
# state is the controller's, shared by all its transport buttons (build() makes one
# Transport), and follows MIDI IN from either port: a host or sequencer that starts or
# stops on its own (Start, Continue, Stop, MMC Play, Deferred Play, Stop, Pause) is where
# the next press of start_stop goes on from.
#
# The clock (config clock_bpm): Timing Clock (F8), 24 a quarter note, to both ports from
# power-on, stopped or playing, as a clock master sends it, for the devices synced to it
# (their tempo, arpeggiators, delays). The scan loop sends each at its time, between the
# scans (Controller._run; a scan sends one that is due when it starts, before the pads:
# ahead of a note it decides); on DIN it goes ahead of what waits in the queue, and a
# knob's bytes that would still be on the wire then wait until it has gone (din.py); the
# grid it keeps has no drift (integer microseconds and a remainder). A
# button's Start or Continue (real-time: an MMC command is for a DAW, which takes no clock
# from it) restarts the grid: the first tick one period after it, as a slave counts its
# first step from the first tick after the Start (MIDI 1.0 asks for at least 1 ms between
# them). A tap tempo button sets the tempo from the last taps.
#
# Loaded by build.py only for a config with a transport, tap tempo or note repeat button, or
# a clock.
# The checks are here (not in checks.py, which every boot loads), so a board without them
# keeps none of its names.

from midictl.compat import ticks_add, ticks_diff, ticks_ms, ticks_us

ACTIONS = ("start", "stop", "continue", "start_stop", "record")
_REALTIME = b"\xfa\xfc\xfb"  # start, stop, continue: System Real-Time
_MMC = b"\x02\x01\x02\x00\x06"  # the same as MMC commands (and record: Record Strobe)


class Transport:
    """Whether the transport plays (`playing`), as the controller's own transport buttons
    and MIDI IN last said; send() sends one action (an index in ACTIONS but start_stop) to
    the sink (Engine.raw: both ports). Allocates nothing after construction."""

    def __init__(self, sink, clock=None):
        self._sink = sink
        self._clock = clock
        self._follow = None  # a note repeat following MIDI IN's clock (build())
        self.playing = False
        self._m = bytearray(6)

    def send(self, action, mmc, device):
        m = self._m
        if mmc:
            m[0] = 0xF0
            m[1] = 0x7F
            m[2] = device
            m[3] = 6
            m[4] = _MMC[action]
            m[5] = 0xF7
            n = 6
        else:
            m[0] = _REALTIME[action]
            n = 1
        if action != 4:  # (recording leaves the transport as it is: a punch in plays on)
            self.playing = action != 1
        self._sink.raw(m, n)
        if not mmc and action != 1 and action != 4:  # a Start or Continue: the grid restarts
            if self._clock is not None:
                self._clock._gating = False  # (Clock.pump)
            elif self._follow is not None:
                self._follow.start(ticks_us(), ticks_ms())  # (a note repeat's own clock)

    def realtime(self, status, src):
        """A Timing Clock (F8), Start (FA), Continue (FB) or Stop (FC) from MIDI IN's port
        src (app.py: its parser); other statuses change nothing. (A clock's tick is only for
        a note repeat that follows it.)"""
        if self._follow is not None:
            self._follow.midi_in(status, ticks_us(), ticks_ms(), src)
        if status == 0xFA or status == 0xFB:
            self.playing = True
        elif status == 0xFC:
            self.playing = False

    def position(self, beats, src):
        """MIDI IN's Song Position Pointer from port src: for a note repeat that follows
        that port's clock (NoteRepeat.locate); nothing else."""
        if self._follow is not None:
            self._follow.locate(beats, ticks_us(), src)

    def mmc(self, command):
        """An MMC command from MIDI IN (to any device): Play (02) and Deferred Play (03) play,
        Stop (01) and Pause (09) stop; the others change nothing."""
        if command == 2 or command == 3:
            self.playing = True
        elif command == 1 or command == 9:
            self.playing = False


class TransportButton:
    """One transport action (ACTIONS) on press, as real-time messages or (mmc) as MMC
    commands to `device` (0..127; 127: all)."""

    def __init__(self, transport, action, mmc=False, device=127):
        if action not in ACTIONS:
            raise ValueError("action %r is not one of %s" % (action, ", ".join(ACTIONS)))
        if action == "record" and not mmc:
            raise ValueError("action 'record' needs mmc (MIDI's real-time messages have no record)")
        if device < 0 or device > 127:
            raise ValueError("device %r out of range 0..127" % (device,))
        self._t = transport
        self._action = ACTIONS.index(action)
        self._mmc = mmc
        self._device = device

    def press(self, now=0):
        a = self._action
        t = self._t
        if a == 3:  # start_stop
            a = 1 if t.playing else 0
        t.send(a, self._mmc, self._device)

    def release(self, now=0):
        pass


class Clock:
    """MIDI Timing Clock (F8) at `bpm` (20..300), 24 a quarter note, to the sink (Engine.raw:
    both ports). The scan loop calls pump(now_us, now_ms) while _gating is False (no grid yet, or one
    to restart) or once _gate, the next tick's time, has come. led (hwled.beat_led: a Pin
    or a NeoPixel, or None) is lit for the first 4 ticks of each beat, counted from the
    grid's start (a Start's downbeat). Allocates nothing after construction."""

    def __init__(self, sink, bpm, led=None):
        self._sink = sink
        self._m = bytearray(1)
        self._m[0] = 0xF8
        self._gating = False
        self._gate = 0
        self._frac = 0
        self._led = led
        self._n = 0  # the next tick's place in its beat, 0..23
        self._rep = None  # the note repeat (controls/repeat.py), if a button has one
        self.bpm = 0
        self.tempo(bpm)

    def tempo(self, bpm):
        """A new tempo, from the next tick on (the grid goes on from the tick due)."""
        if bpm < 20 or bpm > 300:
            raise ValueError("bpm %r out of range 20..300" % (bpm,))
        self.bpm = bpm
        self._period = 2500000 // bpm  # 60 s / 24 ticks / bpm, in us; and what is left over,
        self._rest = 2500000 % bpm  # in 1/bpm us, carried in _frac (tick k of a grid is at
        self._frac = 0  # k * 2500000 / bpm us, rounded down)

    def pump(self, now_us, now_ms=0):
        if not self._gating:  # a grid from now: the first tick one period on
            self._gating = True
            self._gate = ticks_add(now_us, self._period)
            self._frac = self._rest  # (the first period's part of a microsecond)
            self._n = 0
            return
        self._sink.raw(self._m, 1)
        n = self._n
        if (n == 0 or n == 4) and self._led is not None:
            light(self._led, n == 0)  # the beat light: lit for a sixth of the beat
        self._n = n + 1 if n < 23 else 0
        if self._rep is not None:
            self._rep.tick(n, now_ms)  # its repeats after the tick
        g = ticks_add(self._gate, self._period)
        f = self._frac + self._rest
        if f >= self.bpm:
            f -= self.bpm
            g = ticks_add(g, 1)
        self._frac = f
        # A scan held up (a garbage collection, a long write): the ticks missed go one a scan
        # until the grid is caught up, unless that is more than 4 ticks behind, which would
        # rush the slaves: the grid restarts from now.
        if ticks_diff(now_us, g) > 4 * self._period:
            g = ticks_add(now_us, self._period)
        self._gate = g


def light(led, on):
    """The beat light (hwled.beat_led: a Pin or a NeoPixel) on or off: the Clock's, or with
    no clock_bpm a note repeat's (its own clock's beat, or MIDI IN's it follows)."""
    if hasattr(led, "write"):
        led[0] = (0, 40, 0) if on else (0, 0, 0)  # green, dim (a NeoPixel at full is glaring)
        led.write()
    else:
        led.value(1 if on else 0)


class TapButton:
    """Tap tempo: the clock's tempo from the mean of the last intervals between presses (up
    to 3; one longer than 3 s, 20 bpm, starts the count again), rounded, within 20..300.
    The clock: a Clock, or with no clock_bpm a note repeat's own (NoteRepeat.tempo)."""

    def __init__(self, clock):
        if clock is None:
            raise ValueError("tap tempo needs a clock (clock_bpm)")
        self._clock = clock
        self._last = 0
        self._taps = 0  # taps counted (the first has no interval)
        self._gaps = [0, 0, 0]  # the last intervals, in ms

    def press(self, now=0):
        d = ticks_diff(now, self._last)
        self._last = now
        if self._taps == 0 or d <= 0 or d > 3000:
            self._taps = 1
            return
        g = self._gaps
        g[0] = g[1]
        g[1] = g[2]
        g[2] = d
        n = self._taps if self._taps < 3 else 3
        self._taps += 1 if self._taps < 3 else 0
        total = g[2] + (g[1] if n > 1 else 0) + (g[0] if n > 2 else 0)
        bpm = (60000 * n + total // 2) // total
        self._clock.tempo(20 if bpm < 20 else 300 if bpm > 300 else bpm)

    def release(self, now=0):
        pass


def keys(ctl, buttons):
    """Every button built (build.py, at the end): a note repeat takes the note buttons among
    them, to repeat while they are held."""
    f = ctl.feedback
    r = f[0x1000]._follow if 0x1001 not in f else f[0x1001]._rep
    if r is not None:
        r._keys = tuple(b for b in buttons if hasattr(b, "held"))


def _repeat(ctl, t, c):
    # The note repeat: one, shared by the buttons, on the controller's clock (c) or else
    # following MIDI IN's, and with neither on its own (whose tempo a tap tempo button sets
    # when there is no clock_bpm); panic lets it go
    from midictl.controls.repeat import NoteRepeat

    r = t._follow if c is None else c._rep
    if r is None:
        r = NoteRepeat(ctl.pads, c, ctl.din)
        if c is None:
            t._follow = r  # pyright: ignore[reportAttributeAccessIssue]  (None until now)
            r._gate = ticks_ms()  # (its own clock's grid from the first scan)
        else:
            c._rep = r  # pyright: ignore[reportAttributeAccessIssue]
        ctl.engine.latches = ctl.engine.latches + (r,)
        ctl.feedback[0x1002] = r  # (where the scan finds it for a swung step: app.py)
    return r


def build(ctl, m, bpm, board=None):
    """The button for a validated config mapping m (config.py: a transport, tap_tempo or
    note_repeat button; None: the clock alone, or with bpm 0 the note repeat with the board's
    LED as its own clock's beat light) of the controller being built (build.py), and the parts
    it shares, once: the Clock at bpm (0: none; under 0x1001 in ctl.feedback, where the scan
    loop finds it) with the board's LED as its beat light, the Transport, shared by the
    transport buttons and fed MIDI IN's Start, Continue, Stop and MMC commands (app.py),
    under 0x1000 (no channel's key). (One name for build.py to call: a class named there
    would be one more name interned at every boot.)"""
    f = ctl.feedback
    c = f.get(0x1001)
    if c is None and bpm:
        from midictl.hwled import beat_led

        c = f[0x1001] = Clock(ctl.engine, bpm, beat_led(board) if board is not None else None)
    t = f.get(0x1000)
    if t is None:
        t = f[0x1000] = Transport(ctl.engine, c)
    if m is None:
        if c is None and board is not None:
            # (no clock_bpm, a config with a note repeat: its own clock's beat light)
            from midictl.hwled import beat_led

            _repeat(ctl, t, c)._led = beat_led(board)  # pyright: ignore[reportAttributeAccessIssue]
        return None
    if m["type"] == "note_repeat" or m["type"] == "tap_tempo" and c is None:
        from midictl.controls.repeat import RepeatButton

        r = _repeat(ctl, t, c)
        if m["type"] == "tap_tempo":
            return TapButton(r)
        return RepeatButton(r, m["rate"], m["latch"], m["swing"])
    if m["type"] != "transport":
        return TapButton(c)
    return TransportButton(t, m["action"], m["mmc"], m["device"])
