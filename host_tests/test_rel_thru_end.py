"""MIDI IN's notes, pedals, pitch bends, modulation and channel pressure passed on, and their
endings (issue 7's stuck-note suite, for what the controller passes on rather than plays):
seeded random performances in which a keyboard on DIN IN and the USB host each play notes,
sustain pedals, pitch bends, modulation and channel pressure on channels of their own, while
panic is pressed, the host leaves and comes back, and DIN IN (which sends Active Sensing)
falls silent now and then. Every route is on: DIN IN to USB and echoed to DIN OUT, the host
to DIN OUT; DIN IN uses running status and puts clock bytes inside messages now and then;
both send dumps (SysEx longer than MIDI IN's buffer, passed on in parts) now and then; DIN
OUT sends Note Off as it is, or as Note On velocity 0 without running status.
Played by the real firmware on the simulated board.

Checked on both ports, from the trace:
- every byte is valid MIDI, and the firmware never faults;
- once both sources have let everything go, no note is left sounding, no pedal left down
  and no channel left bent, modulated or pressed (a host coming back is sent the pedals,
  bends, modulation and pressure it missed);
- a bend, modulation or pressure a source left off centre (zero) is put back by what ends
  the source on a port;
- no note is cut: a note a source holds is ended on a port before the source lets it go
  only by something that ends the source's notes there (panic, DIN IN's Active Sensing
  stopping, the host leaving, or coming back to a port that owes it Note Offs), and only if
  the note was there before that took effect. A note played while such an ending still runs
  must outlast it (app.py, Controller._end_first)."""
import random

import pytest

import rel_sim
from rel_midistream import usb_packets
from trace_check import check_trace, ends_channel, is_note_off, is_note_on, left_sounding, messages

ALL_ROUTES = {"thru": {"din_to_din": True, "din_to_usb": True, "usb_to_din": True}}
DIN_CH = (1, 2)  # DIN IN plays on wire channels 1 and 2 (users' 2 and 3), the host on 3 and 4;
HOST_CH = (3, 4)  # the pads are on 9 (users' 10)
_BYTE_MS = 0.32  # one byte on a 31250-baud wire
_EFFECT_MS = 3.0  # from an event to the scan that acts on it, at most
_SENSING_MS = 300.0
_KEEPALIVE_MS = 250.0  # DIN IN's longest silence but when it falls silent on purpose
_LOCKOUT_MS = 20.0  # more than a button's debounce lockout after its release
# After a dump (a SysEx passing in parts) neither source plays until it has surely left DIN
# OUT: what waits behind one goes late, and the checks here match a port's messages to the
# source's by time. (Endings may still come in the middle of one.)
_DUMP_AFTER_MS = 100.0


class Source:
    """A player on one MIDI IN: the notes and pedals it holds, and when it pressed each."""

    def __init__(self, name, channels):
        self.name = name
        self.channels = channels
        self.held = {}  # (channel, note) -> time pressed
        self.pedal = set()  # channels with sustain down
        self.bent = set()  # (kind, channel) whose pitch bend, modulation, pressure is off centre
        self.played = []  # (channel, note, t_on, t_off)
        self.bends = []  # (t, kind, channel) of each pitch bend, modulation or pressure sent

    def action(self, rng, t):
        """One message: a new note (many held at once: long endings), a release, a pitch
        bend, modulation or channel pressure (back at centre, zero, now and then), or the
        sustain pedal."""
        r = rng.random()
        if r < 0.5 or not self.held:
            ch = rng.choice(self.channels)
            n = rng.randrange(36, 84)
            if (ch, n) in self.held:
                return None
            self.held[(ch, n)] = t
            return bytes((0x90 | ch, n, rng.randrange(1, 128)))
        if r < 0.85:
            ch, n = rng.choice(sorted(self.held))
            self.played.append((ch, n, self.held.pop((ch, n)), t))
            return bytes((0x80 | ch, n, 64))
        if r < 0.92:
            ch = rng.choice(self.channels)
            kind = rng.choice(KINDS)
            v = REST[kind] if rng.random() < 0.4 else rng.choice(
                (0, 4000, 8193, 12000, 16383) if kind == "bend" else (1, 30, 64, 127))
            (self.bent.discard if v == REST[kind] else self.bent.add)((kind, ch))
            self.bends.append((t, kind, ch))
            return held_msg(kind, ch, v)
        ch = rng.choice(self.channels)
        down = ch not in self.pedal
        (self.pedal.add if down else self.pedal.discard)(ch)
        return bytes((0xB0 | ch, 64, 127 if down else 0))

    def let_go(self, t):
        out = []
        for (ch, n), t_on in sorted(self.held.items()):
            self.played.append((ch, n, t_on, t))
            out.append(bytes((0x80 | ch, n, 64)))
        for ch in sorted(self.pedal):
            out.append(bytes((0xB0 | ch, 64, 0)))
        for kind, ch in sorted(self.bent):
            out.append(held_msg(kind, ch, REST[kind]))
            self.bends.append((t, kind, ch))
        self.held.clear()
        self.pedal.clear()
        self.bent.clear()
        return out


KINDS = ("bend", "mod", "press")
REST = {"bend": 8192, "mod": 0, "press": 0}


def held_msg(kind, ch, v):
    """A pitch bend (14-bit v), modulation (CC 1) or channel pressure on channel ch."""
    if kind == "bend":
        return bytes((0xE0 | ch, v & 127, v >> 7))
    return bytes((0xB0 | ch, 1, v)) if kind == "mod" else bytes((0xD0 | ch, v))


def held_kind(m):
    """(kind, at rest) of a pitch bend, modulation or channel pressure message, else None."""
    st = m[0] & 0xF0
    if st == 0xE0:
        return "bend", m[1:3] == b"\x00\x40"
    if st == 0xB0 and m[1] == 1:
        return "mod", m[2] == 0
    return ("press", m[1] == 0) if st == 0xD0 else None


def _packet(b):
    """The USB-MIDI event packet of a channel message (2 or 3 bytes), as hex."""
    return bytes((b[0] >> 4,)).hex() + " " + b.ljust(3, b"\0").hex(" ")


def performance(seed, seconds):
    """The scenario, the two sources (what they played) and the endings' triggers:
    [(t, kind)], kind one of "panic", "sensing", "host_gone", "host_back"."""
    rng = random.Random(seed)
    din, host = Source("din", DIN_CH), Source("host", HOST_CH)
    ev = []
    triggers = []
    din_free = 0.0  # when DIN IN's wire is free again
    din_last = 0.0  # its last byte
    host_up = True
    dumps = []  # (source, the SysEx, when it started)
    panic_free = 0.0  # when the panic button may be pressed again
    t = 20.0

    din_status = 0  # DIN IN's running status: a keyboard often leaves out a repeated status byte

    def din_send(b, at):
        nonlocal din_free, din_last, din_status
        at = max(at, din_free)
        if b[0] < 0xF0:
            if b[0] == din_status and rng.random() < 0.7:
                b = b[1:]
            else:
                din_status = b[0]
        if len(b) > 1 and rng.random() < 0.05:
            k = rng.randrange(1, len(b))
            b = b[:k] + b"\xf8" + b[k:]  # a clock byte inside the message
        ev.append({"t": round(at, 3), "din_in": b.hex(" ")})
        din_free = din_last = at + _BYTE_MS * len(b)

    din_send(b"\xfe", t)  # DIN IN sends Active Sensing: its silences are watched
    quiet = 0.0  # until when a dump keeps the sources from playing
    while t < seconds * 1000:
        while t - din_last > _KEEPALIVE_MS:  # (Active Sensing, as a keyboard sends it when idle)
            din_send(b"\xfe", din_last + _KEEPALIVE_MS)
        r = rng.random()
        if r < 0.9 and t < quiet:
            pass
        elif r < 0.5:
            b = din.action(rng, t)
            if b:
                din_send(b, t)
        elif r < 0.9:
            if host_up:
                b = host.action(rng, t)
                if b:
                    ev.append({"t": round(t, 3), "usb_in": _packet(b)})
        elif r < 0.93:
            if t < panic_free:
                continue  # (a press right after a release waits out the switch's lockout:
                # its effect would come later than _EFFECT_MS)
            panic_free = t + 40 + _LOCKOUT_MS
            ev.append({"t": round(t, 3), "control": "button4", "press": 1.0})
            ev.append({"t": round(t + 40, 3), "control": "button4", "release": True})
            triggers.append((t, "panic"))
        elif r < 0.95:
            host_up = not host_up
            ev.append({"t": round(t, 3), "usb": "connected" if host_up else "disconnected"})
            triggers.append((t, "host_back" if host_up else "host_gone"))
        elif r < 0.96:
            # DIN IN falls silent (its cable out a while): Active Sensing's 300 ms run out
            triggers.append((din_last + _SENSING_MS, "sensing"))
            t = max(t, din_free) + _SENSING_MS + rng.choice((20, 100))
            din_send(b"\xfe", t)
        elif r < 0.98:
            din_send(b"\xfe", t)  # (and now and then, as a keyboard sends it)
        elif r < 0.99:
            # a dump longer than MIDI IN's buffer from either source: passed on in parts,
            # everything else waits (DIN OUT) or is held back (USB) until its F7
            dump = bytes([0xF0, 0x7D] + [rng.randrange(128) for _ in range(rng.randint(130, 400))] + [0xF7])
            start = max(t, din_free)
            if rng.random() < 0.5:
                din_send(dump, t)
                dumps.append(("din", dump, start))
            elif host_up:
                ev.append({"t": round(t, 3), "usb_in": b"".join(usb_packets(dump)).hex(" ")})
                dumps.append(("host", dump, t))
            quiet = start + _BYTE_MS * len(dump) + _DUMP_AFTER_MS
        t += rng.choice((0.5, 1, 1, 2, 3, 5, 8, 20))
    # the end: DIN IN lets go of everything while the host is away (what the host is owed
    # when it comes back: Note Offs, and pedals up), then the host lets go of its own
    for ch in DIN_CH:  # (its pedals down first, where they are up)
        if ch not in din.pedal:
            din.pedal.add(ch)
            din_send(bytes((0xB0 | ch, 64, 127)), t)
    t = max(t, din_free) + 5
    if not host_up:
        ev.append({"t": round(t, 3), "usb": "connected"})
        triggers.append((t, "host_back"))
        t += 5
    ev.append({"t": round(t, 3), "usb": "disconnected"})
    triggers.append((t, "host_gone"))
    t += 5
    for b in din.let_go(t):
        din_send(b, t)
    t = max(t, din_free) + 5
    ev.append({"t": round(t, 3), "usb": "connected"})
    triggers.append((t, "host_back"))
    t += 5
    for b in host.let_go(t):
        ev.append({"t": round(t, 3), "usb_in": _packet(b)})
    # (as the events have them: a trigger at 30945.000000000004 is the press at 30945.0)
    triggers = [(round(t, 3), k) for t, k in triggers]
    return {"tail_ms": 300, "events": ev}, din, host, triggers, dumps


# which triggers end which source's notes on which port
_ENDS = {("DIN", "din"): ("panic", "sensing"), ("USB", "din"): ("panic", "sensing", "host_back"),
         ("DIN", "host"): ("panic", "host_gone")}


def cut_notes(port_msgs, port, source, triggers):
    """The notes of `source` that `port` ended while the source held them, with no trigger
    that ends them there taking effect after the note started there."""
    kinds = _ENDS[(port, source.name)]
    times = sorted(t for t, k in triggers if k in kinds)
    start = {}  # (channel, note) -> when it started on the port
    cut = []
    for t, m in port_msgs:
        ch = m[0] & 15
        if ch not in source.channels:
            continue
        if is_note_on(m):
            start[(ch, m[1])] = t
            continue
        if is_note_off(m):
            ended = [(ch, m[1])] if (ch, m[1]) in start else []
        elif ends_channel(m):
            ended = [k for k in start if k[0] == ch]
        else:
            continue
        for key in ended:
            t_on = start.pop(key)
            # the source's press that started it there, and when the source let it go
            held = [p for p in source.played if (p[0], p[1]) == key and p[2] <= t_on + 0.01]
            if not held:
                continue
            _c, _n, pressed, let_go = max(held, key=lambda p: p[2])
            if t + 0.01 >= let_go:
                continue  # the source had let it go: its own Note Off, or an ending after it
            # (from when the source pressed it: on DIN OUT a note may wait in the queue,
            # behind an ending, after the next trigger took effect)
            if not any(pressed - _EFFECT_MS <= tt <= t for tt in times):
                cut.append((key, t_on, t, let_go))
    return cut


def bent(port_msgs):
    """(kind, channel) whose last pitch bend, modulation, pressure on the port is off centre."""
    off = set()
    for _t, m in port_msgs:
        h = held_kind(m)
        if h:
            (off.discard if h[1] else off.add)((h[0], m[0] & 15))
    return off


def pedals_down(port_msgs):
    down = set()
    for _t, m in port_msgs:
        if m[0] & 0xF0 == 0xB0 and m[1] == 64:
            (down.add if m[2] >= 64 else down.discard)(m[0] & 15)
    return down


# and the same with Note Off sent as Note On velocity 0 and no running status on DIN OUT
ZERO_OFF = dict(ALL_ROUTES, note_off="note_on_zero", din={"running_status": False})
SEEDS = ((1, ALL_ROUTES), (2, ALL_ROUTES), (3, ZERO_OFF), (4, ZERO_OFF))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    perfs = [performance(seed, 60) for seed, _cfg in SEEDS]
    jobs = [(p[0], cfg, None) for p, (_seed, cfg) in zip(perfs, SEEDS)]
    return list(zip(perfs, rel_sim.run_many(tmp_path_factory.mktemp("thru_end"), jobs)))


@pytest.mark.parametrize("k", range(len(SEEDS)))
def test_midi_ins_notes_end_and_none_is_cut(runs, k):
    (scenario, din, host, triggers, dumps), run = runs[k]
    check_trace(run.trace)
    assert rel_sim.LOOP_ERROR not in run.log, run.log[-3000:]
    assert run.stats["ended"] == "end" and run.stats["errors"] == 0
    on_din, on_usb = messages(run.trace, "DIN"), messages(run.trace, "USB")
    assert left_sounding(on_din) == set() and left_sounding(on_usb) == set()
    assert pedals_down(on_din) == set() and pedals_down(on_usb) == set()
    assert bent(on_din) == set() and bent(on_usb) == set()
    cut = (cut_notes(on_din, "DIN", din, triggers) + cut_notes(on_usb, "USB", din, triggers)
           + cut_notes(on_din, "DIN", host, triggers))
    assert cut == []
    # the performance really played, and really ended things: many notes from both sources
    # on both ports, and endings of each kind
    kinds = {kd for _t, kd in triggers}
    assert kinds == {"panic", "sensing", "host_gone", "host_back"}, kinds
    assert len(din.played) > 600 and len(host.played) > 250, (len(din.played), len(host.played))
    assert sum(1 for _t, m in on_usb if is_note_on(m) and m[0] & 15 in DIN_CH) > 300
    # every bend, modulation and pressure a source left off centre is put back by the ending
    # that ends the source on the port, and the check looked at many of each
    back = {}
    for port, msgs, src in (("DIN", on_din, din), ("USB", on_usb, din), ("DIN", on_din, host)):
        left, good = not_taken_back(msgs, port, src, triggers)
        assert left == [], (port, src.name, left[:5])
        for kind in KINDS:
            back[(port, src.name, kind)] = good.count(kind)
    assert min(back.values()) > 2, back
    # the dumps went on whole, but those an ending came in the middle of (panic, DIN IN's
    # Active Sensing stopping): closed early, what went of them then an F7; or the host
    # leaving: the rest not sent (the trace then runs it into the next one, split here)
    for srcs, port in (("din", on_usb), ("din host", on_din)):  # (DIN IN's echoed to DIN OUT too)
        sent = [(d, t0) for s_, d, t0 in dumps if s_ in srcs]
        got = [b"\xf0" + x for _t, m in port if m[:2] == b"\xf0\x7d" for x in m.split(b"\xf0")[1:]]
        bad = [m for m in got if not any(d.startswith(m[:-1] if m[-1] == 0xF7 else m) for d, _t0 in sent)]
        # a dump not whole on the port had an ending while it passed (on DIN OUT it may
        # start late, behind what an ending queued), or went to USB while the host was away,
        # or to DIN OUT while the other source's passed there (din.py: then it is dropped)
        ended = [(d, t0) for d, t0 in sent if d not in got and not any(
            t0 <= tt <= t0 + _BYTE_MS * len(d) + _DUMP_AFTER_MS for tt, _k in triggers)
            and not (port is on_usb and _away(triggers, t0))
            and not (port is on_din and any(s2 != s1 and abs(t2 - t0) < _BYTE_MS * 403 + _DUMP_AFTER_MS
                                            for s1, d1, t1 in dumps if d1 == d for s2, _d2, t2 in dumps))]
        assert bad == [] and ended == [] and sum(1 for m in got if m[-1] == 0xF7) > 5, (
            srcs, len(sent), len(got), bad[:1], ended[:1])


def _away(triggers, t):
    """The host was away at t (gone, and not back yet)."""
    last = [k for tt, k in sorted(triggers) if tt <= t and k in ("host_gone", "host_back")]
    return bool(last) and last[-1] == "host_gone"


# which triggers put a source's bends back on which port (on USB, a host coming back gets
# DIN IN's bends as they are now, not an ending)
_BENDS_END = {("DIN", "din"): ("panic", "sensing"), ("USB", "din"): ("panic", "sensing"),
              ("DIN", "host"): ("panic", "host_gone")}


def not_taken_back(port_msgs, port, source, triggers):
    """For each trigger that ends `source` on `port` and each of its channels bent (modulated,
    pressed) off centre there when the trigger came, the next such message of the kind the
    port carried on that channel must be back at centre (the ending's, before any the
    source sends after it). Returns the failures [(trigger time, (kind, channel), what came
    instead)] and the kind of each checked and found at centre. (On USB, not while the host
    is away: what it misses then it is not owed by the ending, it gets as things are when it
    comes back.)"""
    bends = [(t, (held_kind(m)[0], m[0] & 15), m) for t, m in port_msgs
             if held_kind(m) and m[0] & 15 in source.channels]
    bad, good = [], []
    away = []  # (from, to): the host away
    for t, k in sorted(triggers):
        if k == "host_gone":
            away.append([t, 1e12])
        elif k == "host_back" and away:
            away[-1][1] = t
    for tt in sorted(t for t, k in triggers if k in _BENDS_END[(port, source.name)]):
        if port == "USB" and any(a - _EFFECT_MS <= tt <= b + _EFFECT_MS for a, b in away):
            continue
        now = {}
        for t, key, m in bends:
            if t > tt:
                break
            now[key] = (t, m)
        for key, (_t, m) in sorted(now.items()):
            if held_kind(m)[1]:
                continue
            if any(abs(t - tt) <= _EFFECT_MS for t, kd, c in source.bends if (kd, c) == key):
                continue  # the source moved it again as the trigger took effect: either order
            after = [m2 for t, k2, m2 in bends if t > tt and k2 == key][:1]
            if after and held_kind(after[0])[1]:
                good.append(key[0])
            else:
                bad.append((tt, key, after))
    return bad, good


def test_the_cut_check_can_fail():
    # a note DIN IN pressed at 9 started on DIN OUT at 10 and ended at 20 while DIN IN held it
    # to 50: a cut, unless a panic at 15 (or one up to _EFFECT_MS before it was pressed) ended it
    src = Source("din", DIN_CH)
    src.played = [(1, 60, 9.0, 50.0)]
    msgs = [(10.0, bytes((0x91, 60, 100))), (20.0, bytes((0x81, 60, 64)))]
    assert cut_notes(msgs, "DIN", src, []) == [((1, 60), 10.0, 20.0, 50.0)]
    assert cut_notes(msgs, "DIN", src, [(15.0, "panic")]) == []
    assert cut_notes(msgs, "DIN", src, [(7.0, "panic")]) == []
    assert cut_notes(msgs, "DIN", src, [(5.0, "panic")]) != []  # before the note: no excuse
    assert cut_notes(msgs, "DIN", src, [(15.0, "host_gone")]) != []  # not DIN IN's ending
    assert cut_notes([(10.0, bytes((0x91, 60, 100))), (20.0, bytes((0xB1, 123, 0)))], "DIN", src, []) != []
