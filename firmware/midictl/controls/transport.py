# Transport buttons (see buttons.py for what every button has): start, stop and continue a
# sequencer, a drum machine or a DAW.
#
# Two ways to say it, by the button's `mmc`:
# - MIDI 1.0's System Real-Time Start (FA), Continue (FB) and Stop (FC): what hardware
#   sequencers and drum machines follow (those synced to a MIDI clock start on its next
#   tick), and a DAW set to sync to the port;
# - MIDI Machine Control (MMC, a Universal Real-Time SysEx: F0 7F <device> 06 <command> F7):
#   what DAWs take transport commands as. Play (02) plays from where the song position is
#   (MMC has no "from the top": start and continue both send it), Stop (01), Record Strobe
#   (06: recording starts, a punch in while playing). <device> is the receiver's device ID,
#   7F for every device.
# A start_stop button sends start when the transport is stopped and stop when it plays. The
# state is the controller's, shared by all its transport buttons (build.py makes one
# Transport), and follows MIDI IN from either port: a host or sequencer that starts or
# stops on its own (Start, Continue, Stop, MMC Play, Deferred Play, Stop, Pause) is where
# the next press of start_stop goes on from.
#
# Loaded by build.py only for a config with a transport button. The checks are here (not in
# checks.py, which every boot loads), so a board without one keeps none of its names.

ACTIONS = ("start", "stop", "continue", "start_stop", "record")
_REALTIME = b"\xfa\xfc\xfb"  # start, stop, continue: System Real-Time
_MMC = b"\x02\x01\x02\x00\x06"  # the same as MMC commands (and record: Record Strobe)


class Transport:
    """Whether the transport plays (`playing`), as the controller's own transport buttons
    and MIDI IN last said; send() sends one action (an index in ACTIONS but start_stop) to
    the sink (Engine.raw: both ports). Allocates nothing after construction."""

    def __init__(self, sink):
        self._sink = sink
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

    def realtime(self, status):
        """A Start (FA), Continue (FB) or Stop (FC) from MIDI IN; other statuses change
        nothing."""
        if status == 0xFA or status == 0xFB:
            self.playing = True
        elif status == 0xFC:
            self.playing = False

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


def build(ctl, m):
    """The button for a validated config mapping m (config.py) of the controller being built
    (build.py): one Transport for the controller, shared by its buttons and fed MIDI IN's
    Start, Continue, Stop and MMC commands (app.py), under 0x1000 in ctl.feedback (no
    channel's key). (One name for build.py to call: a class named there would be one more
    name interned at every boot.)"""
    t = ctl.feedback.get(0x1000)
    if t is None:
        t = ctl.feedback[0x1000] = Transport(ctl.engine)
    return TransportButton(t, m["action"], m["mmc"], m["device"])
