"""Whole-trace checks for simulator traces (shared/spec/simulator.md, "Trace"), on top of the
shared per-message validator (midi_validate.py).

    check_trace(lines)            every line well formed and in time order, every message valid
    messages(lines, port)         [(t_ms, full message bytes)] of one port: DIN with running
                                  status resolved, USB packets joined back into messages
    left_sounding(msgs)           {(channel, note)} whose last Note On was never ended
    Follower()                    the same checks line by line, for traces too long to hold
    all_notes_off(port, t)        the trace lines of panic's last 16 messages on one port
"""
from midi_validate import check_din_message, check_usb_packet
from midiview import din_line_message

# MIDI 1.0 Table I: data bytes after a status byte (system exclusive handled apart).
_VOICE = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0}
# USB-MIDI 1.0 Table 4-1: MIDI bytes per CIN.
_CIN = {0x2: 2, 0x3: 3, 0x4: 3, 0x5: 1, 0x6: 2, 0x7: 3, 0x8: 3, 0x9: 3, 0xA: 3, 0xB: 3, 0xC: 2, 0xD: 2,
        0xE: 3, 0xF: 1}


def _split(line):
    t, port, *hx = line.split()
    return t, port, bytes.fromhex("".join(hx))


class Follower:
    """Reads a trace line by line (any length, nothing kept but per-port state): checks each
    line as check_trace does, and tracks what is left sounding on each port."""

    def __init__(self):
        self.last = float("-inf")
        self.running = {}  # DIN-like port -> running status
        self.sysex = {}  # USB-like port -> SysEx bytes so far
        self.on = {}  # port -> {(channel, note)} sounding
        self.note_ons = {}  # port -> Note Ons seen
        self.lines = 0

    def feed(self, line):
        """Check one line; return (t_ms, port, complete message or None)."""
        t, port, data = _split(line)
        assert len(t.split(".")[1]) == 3, line
        tf = float(t)
        assert tf >= self.last, "out of time order: " + line
        self.last = tf
        self.lines += 1
        if port.startswith("USB"):
            check_usb_packet(data)
            msg = self._usb(port, data)
        else:
            assert data[0] >= 0x80 or self.running.get(port), "running status without a status byte before it: " + line
            data = din_line_message(data, self.running, port)
            check_din_message(data)
            msg = data
        if msg is not None:
            on = self.on.setdefault(port, set())
            if is_note_on(msg):
                self.note_ons[port] = self.note_ons.get(port, 0) + 1
            _track(on, msg)
        return tf, port, msg

    def _usb(self, port, pkt):
        cin = pkt[0] & 15
        body = pkt[1:1 + _CIN[cin]]
        sx = self.sysex.get(port)
        if cin == 0x4:
            self.sysex[port] = (sx or b"") + body
            return None
        if cin in (0x5, 0x6, 0x7) and (sx is not None or body[0] == 0xF0):
            self.sysex[port] = None
            return (sx or b"") + body
        return body

    def sounding(self, port):
        return set(self.on.get(port, set()))


def check_trace(lines):
    """Every line: three decimals, time order, a valid message per the shared validator.
    DIN lines may drop the status byte (running status): it is resolved per port, where a
    system common message or SysEx cancels it and a real-time byte leaves it alone."""
    f = Follower()
    for line in lines:
        f.feed(line)


def messages(lines, port):
    """The complete messages one port carried, in order, as (t_ms, bytes)."""
    if port.startswith("USB"):
        return _usb_messages(lines, port)
    out = []
    running = {}
    for line in lines:
        t, p, data = _split(line)
        if p == port:
            out.append((float(t), din_line_message(data, running, port)))
    return out


def _usb_messages(lines, port):
    out = []
    sysex = None
    for line in lines:
        t, p, pkt = _split(line)
        if p != port:
            continue
        cin = pkt[0] & 15
        n = _CIN[cin]
        body = pkt[1:1 + n]
        if cin == 0x4:
            sysex = (sysex or b"") + body
        elif cin in (0x5, 0x6, 0x7) and (sysex is not None or body[0] == 0xF0):
            out.append((float(t), (sysex or b"") + body))
            sysex = None
        else:
            out.append((float(t), body))
    return out


def is_note_on(m):
    return m[0] & 0xF0 == 0x90 and m[2] > 0


def is_note_off(m):
    return m[0] & 0xF0 == 0x80 or (m[0] & 0xF0 == 0x90 and m[2] == 0)


def ends_channel(m):
    """All Notes Off (CC 123) or All Sound Off (CC 120)."""
    return m[0] & 0xF0 == 0xB0 and m[1] in (120, 123)


def left_sounding(msgs):
    """What "nothing left sounding" means for one port: for each (channel, note), the last
    Note On must be followed by a Note Off, a Note On of velocity 0, or a CC 123/120 on its
    channel. Returns the (channel, note) pairs for which that fails."""
    on = set()
    for _t, m in msgs:
        _track(on, m)
    return on


def _track(on, m):
    if is_note_on(m):
        on.add((m[0] & 15, m[1]))
    elif is_note_off(m):
        on.discard((m[0] & 15, m[1]))
    elif ends_channel(m):
        ch = m[0] & 15
        for k in [k for k in on if k[0] == ch]:
            on.discard(k)


def notes(msgs):
    """Only the Note On / Note Off messages (a velocity-0 Note On counts as a Note Off)."""
    return [(t, m) for t, m in msgs if m[0] & 0xF0 in (0x80, 0x90)]


def all_notes_off(port, t, running=False, first=(9,)):
    """The lines panic ends with on one port, from t ms: All Notes Off on each of the 16
    channels, those of `first` (the channels the controller plays notes on: the reference
    layout's pads', 10) first, then the others in order; on USB all handed over at t, on DIN
    one after another on the wire (0.96 ms each; the first one 2 bytes, 0.64 ms, as running
    status when the wire's last status was its own)."""
    us = round(t * 1000)
    out = []
    for ch in sorted(first) + [c for c in range(16) if c not in first]:
        if port == "USB":
            out.append("%d.%03d USB 0B B%X 7B 00" % (us // 1000, us % 1000, ch))
        elif running and not out:
            out.append("%d.%03d DIN 7B 00" % (us // 1000, us % 1000))
            us += 640
        else:
            out.append("%d.%03d DIN B%X 7B 00" % (us // 1000, us % 1000, ch))
            us += 960
    return out
