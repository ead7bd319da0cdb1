"""Standard MIDI Files from timed messages (a monitor recording, a simulator trace).

Timing: 480 ticks per quarter note and one tempo event of 500000 us per quarter
(120 bpm), so 1 ms = 480 / 500 = 0.96 ticks. Times are converted from the absolute
millisecond stamp (never by summing rounded deltas, which would drift), so each event
lands within half a tick (0.52 ms) of its real time.

What a file can hold: channel messages and SysEx. System real-time (clock, start...)
and system common messages have no SMF event form (F0/F7/FF are taken by SysEx and
meta events), and an unterminated SysEx is not a message: those are skipped and
counted, and so is a channel message cut short. Note On with velocity 0 is kept as
written.

Type 0: one track. Type 1: track 0 holds the tempo; each port ("DIN", "USB", or the
name given in a 3-tuple) gets its own track named after it, in order of first use.
"""
import mido

from midiview import CHANNEL_MESSAGES

TICKS_PER_BEAT = 480
TEMPO_US = 500000  # 120 bpm


def ms_to_ticks(t_ms):
    if t_ms < 0:
        raise ValueError("t_ms: %r is negative; times start at 0" % (t_ms,))
    return int(round(t_ms * TICKS_PER_BEAT * 1000 / TEMPO_US))


def ticks_to_ms(ticks):
    return ticks * TEMPO_US / (TICKS_PER_BEAT * 1000.0)


def _storable(msg):
    """True when an SMF can hold the message (see the module note)."""
    if not msg:
        return False
    status, body = msg[0], msg[1:]
    if 0x80 <= status < 0xF0:
        ok_len = len(body) == CHANNEL_MESSAGES[status & 0xF0][1]
    elif status == 0xF0 and msg[-1] == 0xF7:
        ok_len, body = True, body[:-1]
    else:
        return False
    return ok_len and all(b < 0x80 for b in body)


def _split(events):
    """(t_ms, msg) or (t_ms, port, msg) -> sorted (ticks, order, port, msg); stable."""
    rows = []
    for i, ev in enumerate(events):
        if len(ev) == 2:
            t_ms, port, msg = ev[0], "", ev[1]
        elif len(ev) == 3:
            t_ms, port, msg = ev
        else:
            raise ValueError("events[%d]: %r; expected (t_ms, message) or (t_ms, port, message)"
                             % (i, ev))
        rows.append((ms_to_ticks(t_ms), i, port, bytes(msg)))
    rows.sort()
    return rows


def _track(rows, name=None):
    track = mido.MidiTrack()
    if name:
        track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for ticks, _i, _port, msg in rows:
        track.append(mido.Message.from_bytes(msg, time=ticks - now))
        now = ticks
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def write_smf(path, events, file_type=0):
    """Write events (t_ms, message_bytes) or (t_ms, port, message_bytes) to path.

    Returns the number of messages skipped because an SMF cannot hold them."""
    if file_type not in (0, 1):
        raise ValueError("file_type: %r; allowed 0 or 1" % (file_type,))
    rows = _split(events)
    kept = [r for r in rows if _storable(r[3])]
    tempo = mido.MetaMessage("set_tempo", tempo=TEMPO_US, time=0)
    mid = mido.MidiFile(type=file_type, ticks_per_beat=TICKS_PER_BEAT)
    if file_type == 0:
        track = _track(kept)
        track.insert(0, tempo)
        mid.tracks.append(track)
    else:
        head = mido.MidiTrack([tempo, mido.MetaMessage("end_of_track", time=0)])
        mid.tracks.append(head)
        ports = []
        for r in kept:
            if r[2] not in ports:
                ports.append(r[2])
        for port in ports:
            mid.tracks.append(_track([r for r in kept if r[2] == port], port or "MIDI"))
    mid.save(path)
    return len(rows) - len(kept)


def read_smf(path):
    """Read an SMF back -> list of (t_ms, track_name, message_bytes) in time order.

    Honours every tempo change in the file (files from other programs too); tracks
    with no name get "". Meta events are not returned."""
    mid = mido.MidiFile(path)
    tempo_map = _tempo_map(mid)
    out = []
    for n, track in enumerate(mid.tracks):
        name = ""
        ticks = 0
        for msg in track:
            ticks += msg.time
            if msg.is_meta:
                if msg.type == "track_name" and not name:
                    name = msg.name
                continue
            t = _ticks_to_ms(ticks, tempo_map, mid.ticks_per_beat)
            out.append((t, n, ticks, name, bytes(msg.bytes())))
    out.sort(key=lambda r: (r[2], r[1]))
    return [(t, name, msg) for t, _n, _ticks, name, msg in out]


def _tempo_map(mid):
    # In type 0 and 1 files tempo changes (usually in track 0) apply to every track.
    changes = []
    for track in mid.tracks if mid.type != 2 else mid.tracks[:1]:
        ticks = 0
        for msg in track:
            ticks += msg.time
            if msg.type == "set_tempo":
                changes.append((ticks, msg.tempo))
    changes.sort()
    return changes


def _ticks_to_ms(ticks, tempo_map, tpb):
    ms, last_ticks, tempo = 0.0, 0, 500000  # SMF default tempo: 120 bpm
    for at, new_tempo in tempo_map:
        if at >= ticks:
            break
        ms += (at - last_ticks) * tempo / (tpb * 1000.0)
        last_ticks, tempo = at, new_tempo
    return ms + (ticks - last_ticks) * tempo / (tpb * 1000.0)
