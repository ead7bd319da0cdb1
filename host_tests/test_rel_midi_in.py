"""MIDI IN through the whole firmware on the simulated board (issue 7): whatever arrives on
DIN IN or from the USB host -- valid messages with running status and real-time bytes
inside them, truncated messages, SysEx longer than the 128-byte buffer (passed on in
parts, and closed with an F7 when cut short), undefined and stray bytes, pure noise -- the
firmware never faults, everything it passes on is valid MIDI, and the valid messages come
out exactly as an independent parser (mido) reads the same stream."""
import random

import mido
import pytest

import rel_midistream as ms
import rel_sim
from midictl.midi import parser as fwparser
from trace_check import Follower, all_notes_off, check_trace, messages

BOOT_USB = "0.000 USB 0B B9 7B 00"
BOOT_DIN = "0.000 DIN B9 7B 00"


def din_events(chunks, t=1.0):
    """Consecutive din_in events, each starting when the previous one's bytes are in."""
    ev = []
    for c in chunks:
        ev.append({"t": round(t, 3), "din_in": c.hex(" ")})
        t += 0.32 * len(c)
    return ev, t


def mido_reads(stream):
    """mido's messages."""
    return [bytes(m.bytes()) for m in mido.Parser(stream)]


def fw_reads(stream=None, packets=None):
    """The firmware's own parser on the host: what the pass-through must carry, byte for byte."""
    p = fwparser.Parser(sysex_size=ms.SYSEX_MAX, sysex_parts=True)
    out = []
    parts = []  # a SysEx coming in parts (closed with an F7 by what cuts it short)

    def take(code):
        # a message, a whole SysEx or another's first part after parts closes them
        if parts and (code == fwparser.MESSAGE or (code in (fwparser.SYSEX, fwparser.SYSEX_PART)
                                                   and p.sysex[0] == 0xF0 and not (code == fwparser.SYSEX and p.sysex_cont))):
            out.append(b"".join(parts) + b"\xf7")
            parts.clear()
        if code == fwparser.SYSEX_PART:
            parts.append(bytes(p.sysex[:p.sysex_len]))
            return
        if code == fwparser.MESSAGE:
            out.append(bytes(p.msg[:p.length]))
        elif code == fwparser.REALTIME:
            out.append(bytes([p.realtime]))
        elif code == fwparser.SYSEX:
            out.append(b"".join(parts) + bytes(p.sysex[:p.sysex_len]))
            parts.clear()

    for b in stream or b"":
        take(p.feed(b))
    for pkt in packets or []:
        take(p.feed_usb(pkt, 0))
    return out


def passed(run, port, boot):
    check_trace(run.trace)
    assert rel_sim.LOOP_ERROR not in run.log, run.log
    assert run.stats["errors"] == 0 and run.stats["ended"] == "end"
    lines = [ln for ln in run.trace if ln.split()[1] == port]
    assert lines[0] == boot  # the power-on All Notes Off, nothing else of the controller's own
    return [m for _t, m in messages(lines[1:], port)]


def usb_events(pkts_per_msg, t=1.0, rng=None):
    """One usb_in event per message; spaced so DIN OUT (320 us a byte) keeps up."""
    ev = []
    for pk in pkts_per_msg:
        ev.append({"t": round(t, 3), "usb_in": b"".join(pk).hex(" ")})
        t += 0.32 * 3 * len(pk) + (rng.uniform(0, 1.0) if rng else 0.5)
    return ev, t


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    rng = random.Random(7)
    din_chunks, din_mido = ms.din_stream(rng, 1500)
    ev_din, _ = din_events(din_chunks)
    usb_pk, usb_flat = ms.usb_stream(rng, 800)
    ev_usb, _ = usb_events(usb_pk, rng=rng)
    noise = bytes(rng.choice((rng.randint(0, 255), rng.randint(0x80, 0xFF))) for _ in range(6000))
    cuts = sorted(rng.sample(range(1, len(noise)), 300))
    ev_noise, _ = din_events([noise[a:b] for a, b in zip([0] + cuts, cuts + [len(noise)])])
    # garbage packets: any CIN (reserved ones too), any bytes
    junk = [bytes(rng.randint(0, 255) for _ in range(4)) for _ in range(2000)]
    ev_junk = [{"t": round(1 + 0.5 * k, 3), "usb_in": junk[k].hex(" ")} for k in range(len(junk))]
    jobs = [({"events": ev_din}, None, None), ({"events": ev_usb}, None, None),
            ({"events": ev_noise + ev_junk}, None, None)]
    r = rel_sim.run_many(tmp_path_factory.mktemp("midi_in"), jobs)
    return {"din": (r[0], din_chunks, din_mido), "usb": (r[1], usb_pk, usb_flat),
            "noise": (r[2], noise, junk)}


def test_din_in_to_usb_exactly_as_mido_reads_it(runs):
    run, chunks, mido_stream = runs["din"]
    got = passed(run, "USB", BOOT_USB)
    want = mido_reads(mido_stream)
    assert len(want) > 1000
    assert got == want
    # ... and exactly what the firmware's parser makes of the bytes sent (plumbing: reads of
    # 64 bytes a scan, SysEx forwarding, one packet per message)
    assert got == fw_reads(b"".join(chunks))
    # the long SysEx really were there, and went on whole (or closed when cut short)
    long = [m for m in want if m[0] == 0xF0 and len(m) > ms.SYSEX_MAX]
    assert len(long) > 50 and any(c[0] == 0xF0 and len(c) > ms.SYSEX_MAX and c[-1] == 0xF7 for c in chunks)
    assert run.stats["usb"]["dropped"] == 0
    # DIN IN is not echoed to DIN OUT by default
    assert [ln for ln in run.trace if " DIN " in ln] == [BOOT_DIN]


def test_usb_in_to_din_exactly_as_mido_reads_it(runs):
    run, pkts, flat = runs["usb"]
    got = passed(run, "DIN", BOOT_DIN)
    want = mido_reads(flat)
    assert len(want) > 600
    assert got == want
    # the SysEx longer than the buffer were there, in several parts, and went on whole
    long = [m for m in want if m[0] == 0xF0 and len(m) > 2 * ms.SYSEX_MAX]
    assert len(long) > 10, len(long)
    assert run.stats["din"]["dropped"] == 0 and run.stats["din"]["sx_cuts"] == 0
    # nothing comes back to the host
    assert [ln for ln in run.trace if " USB " in ln] == [BOOT_USB]


def test_noise_on_both_inputs_never_faults_and_passes_only_valid_messages(runs):
    run, noise, junk = runs["noise"]
    check_trace(run.trace)
    assert rel_sim.LOOP_ERROR not in run.log
    assert run.stats["errors"] == 0
    # (the boot's All Notes Off decoded too, then left out: DIN OUT's running status may
    # carry on from it)
    usb = [m for _t, m in messages(run.port("USB"), "USB")[1:]]
    din = [m for _t, m in messages(run.port("DIN"), "DIN")[1:]]
    assert usb == fw_reads(noise)
    assert _ticks_ahead(din, fw_reads(packets=junk)) == 4  # (4 went ahead of channel messages)
    assert len(usb) > 300 and len(din) > 300  # noise does carry messages: the test sees them


def _ticks_ahead(got, want):
    """got is want but for clock ticks and Active Sensing (F8, FE), which DIN OUT sends ahead
    of what waits in its queue: each as early or earlier, in their order, past channel
    messages only (never past a system message: a Start, a Song Position Pointer, a SysEx)."""
    def tick(m):
        return m[0] in (0xF8, 0xFE)

    assert [m for m in got if not tick(m)] == [m for m in want if not tick(m)]
    assert [m for m in got if tick(m)] == [m for m in want if tick(m)]
    rest = [m for m in want if not tick(m)]

    def before(ms):  # for each tick: how many other messages come before it
        out, n = [], 0
        for m in ms:
            if tick(m):
                out.append(n)
            else:
                n += 1
        return out

    moved = 0
    for a, b in zip(before(got), before(want)):
        assert a <= b and all(m[0] < 0xF0 for m in rest[a:b]), (a, b, rest[a:b])
        moved += a < b
    return moved


def test_usb_host_faster_than_the_din_wire_loses_nothing(tmp_path):
    # A host may send far more than DIN OUT carries (31250 baud: about 1000 three-byte
    # messages a second). 600 Note On/Off pairs at 8 messages a millisecond: the firmware
    # must hold the host back (the USB stack NAKs while the DIN queue is full) rather than
    # drop messages -- a dropped Note Off is a note stuck on the synth.
    ev = []
    sent = []
    for k in range(600):
        n = 30 + k % 40
        ev.append({"t": round(1 + 0.25 * k, 3), "usb_in": "09 90 %02X 64 08 80 %02X 40" % (n, n)})
        sent += [bytes([0x90, n, 0x64]), bytes([0x80, n, 0x40])]
    run = rel_sim.run(tmp_path, {"tail_ms": 2000, "events": ev})
    got = passed(run, "DIN", BOOT_DIN)
    assert run.stats["din"]["dropped"] == 0
    assert got == sent
    # the wire ran flat out: 1200 messages of 3 bytes (8n and 9n alternate: no running
    # status), back to back from the first one's arrival at 1 ms
    times = [ln.split()[0] for ln in run.port("DIN")[1:]]
    assert times == ["%.3f" % (1 + 0.96 * k) for k in range(1200)]


def test_din_echo_at_full_wire_rate_keeps_the_controllers_notes_and_ends_its_own(tmp_path):
    # din_to_din: DIN IN arrives at the wire's own rate and cannot be held back. Here it
    # comes flat out with running status (2 bytes a message) while DIN OUT has running
    # status off for an old synth (3 bytes a message): the echo alone is 1.5 times what the
    # wire carries, and the pads play on top. The echo must give way -- dropping what
    # starts a sound, and Note Offs for notes it did not start, never the end of one it
    # did -- so that the pads' notes are never dropped and nothing is left sounding.
    ev = [{"t": 1.0, "din_in": "90"}]
    sent = []
    t = 1.32
    for k in range(1500):  # 4 bytes, 1.28 ms, a pair: 1.92 s
        n = 30 + k % 40
        ev.append({"t": round(t, 3), "din_in": "%02X 64 %02X 00" % (n, n)})
        sent += [bytes([0x90, n, 0x64]), bytes([0x90, n, 0])]
        t += 4 * 0.32
    for k in range(18):
        ev.append({"t": 50 + 100 * k, "control": "pad%d" % (1 + k % 16), "press": 0.9})
    run = rel_sim.run(tmp_path, {"tail_ms": 3000, "events": sorted(ev, key=lambda e: e["t"])},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    got = passed(run, "DIN", BOOT_DIN)
    assert run.stats["din"]["dropped"] == 0
    own = [m for m in got if m[0] & 0x0F == 9]
    echo = [m for m in got if m[0] & 0x0F == 0]
    # 18 strikes, each a Note On and then its Note Off
    assert [(m[0], m[1]) for m in own] == [(s, 36 + k % 16) for k in range(18) for s in (0x99, 0x89)]
    # the echo: a subsequence of what came in, in which every note it started ends next
    it = iter(sent)
    assert all(any(m == s for s in it) for m in echo)
    for i, m in enumerate(echo):
        if m[2]:
            assert echo[i + 1] == bytes([0x90, m[1], 0]), i
    # what it dropped: Note Ons, and Note Offs of notes whose Note On it had dropped
    ons = sum(1 for m in echo if m[2])
    assert len(echo) - ons < len(sent) // 2
    assert run.stats["thru_dropped"] == len(sent) - len(echo) > 300
    f = Follower()
    for ln in run.trace:
        f.feed(ln)
    assert f.sounding("DIN") == set()


@pytest.mark.parametrize("running_status,offs,strikes,every", [(False, 2048, 30, 37), (True, 4096, 130, 20)])
def test_din_echo_of_a_keyboards_note_off_burst_leaves_the_pads_their_room(tmp_path, running_status, offs,
                                                                          strikes, every):
    # A keyboard's panic on DIN IN: Note Off for every note of channel 1, over and over,
    # flat out with running status (2 bytes each), while the pads play. With running status
    # on DIN OUT too the echo alone just fits the wire, and each strike (breaking the running
    # status) pushes the queue further; without it the echo is 1.5 times what the wire
    # carries. None of those notes was started by the echo, so past _THRU_RESERVE they are
    # dropped like anything else that starts nothing: before, they all went, filled the
    # queue, and the queue then dropped the pads' own notes (some left sounding).
    ev = [{"t": 1.0, "din_in": "80"}]
    t = 1.32
    for k in range(offs):
        ev.append({"t": round(t, 3), "din_in": "%02X 40" % (k % 128)})
        t += 2 * 0.32
    for k in range(strikes):
        ev.append({"t": round(100 + every * k, 3), "control": "pad%d" % (1 + k % 16), "press": 0.9})
    run = rel_sim.run(tmp_path, {"tail_ms": 3000, "events": sorted(ev, key=lambda e: e["t"])},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": running_status}})
    assert run.stats["din"]["dropped"] == 0
    assert run.stats["errors"] == 0
    got = passed(run, "DIN", BOOT_DIN)
    # every strike's Note On, in order, and each note's Note Off after it
    own = [m for m in got if m[0] & 0x0F == 9]
    assert [m[1] for m in own if m[0] & 0xF0 == 0x90] == [36 + k % 16 for k in range(strikes)]
    held = set()
    for m in own:
        if m[0] & 0xF0 == 0x90:
            assert m[1] not in held
            held.add(m[1])
        else:
            held.remove(m[1])
    assert held == set() and len(own) == 2 * strikes
    echo = [m for m in got if m[0] & 0x0F == 0]
    assert all(m[0] == 0x80 and m[2] == 0x40 for m in echo)
    assert run.stats["thru_dropped"] == offs - len(echo) > 0
    f = Follower()
    for ln in run.trace:
        f.feed(ln)
    assert f.sounding("DIN") == set()


def test_panic_ends_the_notes_midi_in_started_on_din(tmp_path):
    # A note from the USB host to DIN OUT and one echoed from DIN IN, neither ended: panic
    # ends both (the echo's, then the host's), then sends All Notes Off on every channel.
    ev = [
        {"t": 10, "usb_in": "09 90 3C 64"},
        {"t": 20, "din_in": "91 40 64"},
        {"t": 200, "control": "button4", "press": 1.0},
        {"t": 300, "control": "button4", "release": True},
    ]
    run = rel_sim.run(tmp_path, {"tail_ms": 100, "events": ev},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.port("DIN") == ["0.000 DIN B9 7B 00",
                               "10.000 DIN 90 3C 64",  # the host's note, passed on
                               "21.000 DIN 91 40 64",  # DIN IN's, echoed once its 3 bytes are in
                               "200.000 DIN 81 40 40",  # panic: the echo's note ends,
                               "200.960 DIN 80 3C 40",  # the host's,
                               ] + all_notes_off("DIN", 201.92)  # then All Notes Off on every channel


def test_the_host_leaving_ends_the_notes_it_started_on_din(tmp_path):
    # The USB host's note passed on to DIN OUT; the host is unplugged before its Note Off,
    # which can then never come: the controller ends the note itself, at once. DIN IN's
    # echoed note is not the host's: it stays until its own Note Off (or panic).
    ev = [
        {"t": 10, "usb_in": "09 90 3C 64"},
        {"t": 20, "din_in": "91 40 64"},
        {"t": 100, "usb": "disconnected"},
        {"t": 150, "din_in": "81 40 40"},
    ]
    run = rel_sim.run(tmp_path, {"tail_ms": 100, "events": ev},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.port("DIN") == ["0.000 DIN B9 7B 00",
                               "10.000 DIN 90 3C 64",
                               "21.000 DIN 91 40 64",
                               "101.000 DIN 80 3C 40",  # the scan after the host left
                               "151.000 DIN 81 40 40"]


def test_pedals_midi_in_holds_down_on_din_are_let_up_with_its_notes(tmp_path):
    # A sustain pedal held down by the USB host and a sostenuto by DIN IN's echo: notes
    # ended with their Note Off would still ring under them. The host leaving lets its
    # pedal up after its notes; panic lets up the echo's. A pedal already up is left alone.
    ev = [
        {"t": 5, "usb_in": "0B B0 40 7F"},
        {"t": 10, "usb_in": "09 90 3C 64"},
        {"t": 20, "din_in": "91 40 64"},
        {"t": 30, "din_in": "B1 42 7F"},
        {"t": 40, "din_in": "B2 40 7F"},
        {"t": 50, "din_in": "B2 40 00"},
        {"t": 100, "usb": "disconnected"},
        {"t": 200, "control": "button4", "press": 1.0},
        {"t": 300, "control": "button4", "release": True},
    ]
    run = rel_sim.run(tmp_path, {"tail_ms": 100, "events": ev},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.port("DIN") == ["0.000 DIN B9 7B 00",
                               "5.000 DIN B0 40 7F",
                               "10.000 DIN 90 3C 64",
                               "21.000 DIN 91 40 64",
                               "31.000 DIN B1 42 7F",
                               "41.000 DIN B2 40 7F",
                               "51.000 DIN B2 40 00",
                               "101.000 DIN 80 3C 40",  # the host left: its note,
                               "101.960 DIN B0 40 00",  # then its sustain
                               "200.000 DIN 81 40 40",  # panic: the echo's note,
                               "200.960 DIN B1 42 00",  # its sostenuto,
                               ] + all_notes_off("DIN", 201.92)  # and All Notes Off on every channel


def test_panic_with_hundreds_of_thru_notes_ends_them_all_without_dropping(tmp_path):
    # 400 notes from the USB host sounding on DIN OUT (a DAW's stuck notes): panic's Note
    # Offs are 1200 bytes, more than the DIN queue holds. They go at the wire's pace, a few
    # queued at a time, so the controller's own messages (panic's All Notes Off on each
    # channel) go out among the first, not after all of them: nothing is dropped, nothing is
    # left sounding.
    pkts = ["09 %02X %02X 64" % (0x90 | (k // 100), 10 + k % 100) for k in range(400)]
    ev = [{"t": 10 + k // 8, "usb_in": " ".join(pkts[k:k + 16])} for k in range(0, 400, 16)]
    # (the host's notes take about 390 ms of DIN wire; panic once they are all out)
    ev += [{"t": 600, "control": "button4", "press": 1.0}, {"t": 700, "control": "button4", "release": True}]
    run = rel_sim.run(tmp_path, {"tail_ms": 500, "events": ev}, config={"din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.stats["din"]["dropped"] == 0
    din = [(float(ln.split()[0]), bytes.fromhex("".join(ln.split()[2:]))) for ln in run.port("DIN")]
    ons = [m for t, m in din if m[0] & 0xF0 == 0x90]
    assert ons == [bytes.fromhex(p[3:]) for p in pkts]
    assert max(t for t, m in din if m in ons) < 600
    after = [m for t, m in din if t >= 600]
    offs = [m for m in after if m[0] & 0xF0 == 0x80]
    assert sorted(offs) == sorted(bytes([0x80 | (m[0] & 15), m[1], 0x40]) for m in ons)
    assert len(after) == 416
    assert [i for i, m in enumerate(after) if m[0] & 0xF0 == 0xB0] == list(range(3, 19))
    assert [after[i][0] & 15 for i in range(3, 19)] == [9] + [c for c in range(16) if c != 9]  # (the pads' first)


def test_ctrl_c_with_hundreds_of_thru_notes_ends_them_all(tmp_path):
    # Ctrl-C on the REPL (or mpremote taking over) while 400 notes from the USB host sound
    # on DIN OUT: their 1200 bytes of Note Offs take about 390 ms of wire, longer than the
    # 200 scans the loop once waited. The loop stops only when the wire has taken them all.
    pkts = ["09 %02X %02X 64" % (0x90 | (k // 100), 10 + k % 100) for k in range(400)]
    ev = [{"t": 10 + k // 8, "usb_in": " ".join(pkts[k:k + 16])} for k in range(0, 400, 16)]
    ev += [{"t": 600, "ctrl_c": True}]
    run = rel_sim.run(tmp_path, {"tail_ms": 100, "events": ev}, config={"din": {"running_status": False}})
    assert "midictl: stopped (Ctrl-C)" in run.log
    assert run.stats["din"]["dropped"] == 0
    din = [(float(ln.split()[0]), bytes.fromhex("".join(ln.split()[2:]))) for ln in run.port("DIN")]
    ons = [m for t, m in din if m[0] & 0xF0 == 0x90]
    assert ons == [bytes.fromhex(p[3:]) for p in pkts]
    after = [(t, m) for t, m in din if t >= 600]
    offs = [m for t, m in after if m[0] & 0xF0 == 0x80]
    assert sorted(offs) == sorted(bytes([0x80 | (m[0] & 15), m[1], 0x40]) for m in ons)
    # the All Notes Off on each channel among the first, and every byte at the wire's pace,
    # back to back
    assert [i for i, (t, m) in enumerate(after) if m[0] & 0xF0 == 0xB0] == list(range(3, 19))
    assert len(after) == 416
    assert after[0][0] == 600.0 and after[-1][0] == 600.0 + 415 * 0.96


def test_identity_request_gets_the_identity_reply_the_way_it_came(tmp_path):
    # MIDI 1.0 Identity Request (F0 7E <device> 06 01 F7) to every device (7F) or to ours
    # (0): the reply goes back to the port it came from, and the request is passed on for
    # the devices further down. To another device ID: passed on, no reply.
    ev = [{"t": 10, "usb_in": "04 F0 7E 7F 07 06 01 F7"},
          {"t": 50, "din_in": "F0 7E 00 06 01 F7"},
          {"t": 100, "usb_in": "04 F0 7E 05 07 06 01 F7"}]
    run = rel_sim.run(tmp_path, {"tail_ms": 50, "events": ev}, config={"din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.port("USB") == [BOOT_USB,
                               "10.000 USB 04 F0 7E 00", "10.000 USB 04 06 02 7D", "10.000 USB 04 4D 43 01",
                               "10.000 USB 04 00 00 01", "10.000 USB 07 00 00 F7",
                               "52.000 USB 04 F0 7E 00", "52.000 USB 07 06 01 F7"]
    assert run.port("DIN") == [BOOT_DIN,
                               "10.000 DIN F0 7E 7F 06 01 F7",
                               "52.000 DIN F0 7E 00 06 02 7D 4D 43 01 00 00 01 00 00 F7",
                               "100.000 DIN F0 7E 05 06 01 F7"]
    # the reply's software revision is the firmware's VERSION (major, minor, patch, 0)
    from midictl import VERSION
    assert [int(x) for x in VERSION.split(".")] + [0] == [0x00, 0x01, 0x00, 0x00]


SENSING = [{"t": 250 * k, "din_in": "FE"} for k in range(5)]  # a keyboard's Active Sensing, to 1000 ms


def test_active_sensing_stopping_ends_what_din_in_started(tmp_path):
    # MIDI 1.0: once a device sends Active Sensing (FE), more than 300 ms without a byte from
    # it means its cable is out. Its note, held when the cable went, ends on both ports, and
    # its sustain pedal is let up on both (on DIN OUT: the echo's, din_to_din). The last byte came in
    # the scan at 1001 ms; at 1302 it is more than 300 ms ago.
    ev = sorted(SENSING + [{"t": 100, "din_in": "90 3C 64"}, {"t": 120, "din_in": "B0 40 7F"}],
                key=lambda e: e["t"])
    run = rel_sim.run(tmp_path, {"tail_ms": 500, "events": ev},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    assert run.stats["errors"] == 0
    assert run.port("DIN")[-4:] == ["751.000 DIN FE", "1001.000 DIN FE", "1302.000 DIN 80 3C 40",
                                    "1302.960 DIN B0 40 00"]
    assert run.port("USB")[-4:] == ["751.000 USB 0F FE 00 00", "1001.000 USB 0F FE 00 00",
                                    "1302.000 USB 08 80 3C 40", "1302.000 USB 0B B0 40 00"]
    # a pedal DIN IN let up itself is not let up again
    ev += [{"t": 500, "din_in": "B0 40 00"}]
    run = rel_sim.run(tmp_path, {"tail_ms": 500, "events": sorted(ev, key=lambda e: e["t"])},
                      config={"din": {"running_status": False}})
    assert run.port("USB")[-2:] == ["1001.000 USB 0F FE 00 00", "1302.000 USB 08 80 3C 40"]


def test_active_sensing_kept_up_or_never_sent_ends_nothing(tmp_path):
    # Any byte counts, not only FE: notes every 200 ms keep a device that sent FE once alive
    # (and end themselves); a device that never sends FE is never timed out, however long
    # it is silent with a note held.
    ev = [{"t": 0, "din_in": "FE"}] + [{"t": 200 * k + 100, "din_in": "90 %02X 64" % (40 + k)} for k in range(5)] + \
        [{"t": 200 * k + 200, "din_in": "80 %02X 40" % (40 + k)} for k in range(5)]
    ev.sort(key=lambda e: e["t"])
    run = rel_sim.run(tmp_path, {"tail_ms": 250, "events": ev}, config={"din": {"running_status": False}})
    usb = [ln for ln in run.port("USB") if ln.split()[2] in ("08", "09")]
    assert len(usb) == 10 and usb[-1] == "1001.000 USB 08 80 2C 40"  # the last, its own Note Off
    # then 1300 ms of silence after a lone FE with no note held: nothing to end
    run = rel_sim.run(tmp_path, {"tail_ms": 2000, "events": [{"t": 0, "din_in": "FE"}]})
    assert run.port("USB") == [BOOT_USB, "1.000 USB 0F FE 00 00"]
    # a note and no FE: it stays, as before (its end can still come)
    run = rel_sim.run(tmp_path, {"tail_ms": 2000, "events": [{"t": 0, "din_in": "90 3C 64"}]})
    assert run.port("USB") == [BOOT_USB, "1.000 USB 09 90 3C 64"]


def test_active_sensing_lost_leaves_the_controllers_own_notes(tmp_path):
    # A note button held through the timeout: the engine holds its note, which is not DIN IN's
    # to end; DIN IN's note on the same channel ends.
    ev = sorted(SENSING + [{"t": 100, "din_in": "90 3C 64"}, {"t": 150, "control": "button2", "press": 1.0},
                           {"t": 1500, "control": "button2", "release": True}], key=lambda e: e["t"])
    run = rel_sim.run(tmp_path, {"tail_ms": 100, "events": ev},
                      config={"controls": {"button2": {"type": "note", "channel": 1, "note": 62}}})
    usb = [ln for ln in run.port("USB") if ln.split()[2] in ("08", "09")]
    assert usb == ["101.000 USB 09 90 3C 64", "150.000 USB 09 90 3E 64", "1302.000 USB 08 80 3C 40",
                   "1500.000 USB 08 80 3E 40"]


# a wheel's message on DIN IN with running status (after its status byte), at v of 0..64
_SWEEPS = {"bend": (0xE0, lambda v: "%02X %02X" % ((8192 + v * 100) & 127, (8192 + v * 100) >> 7), b"\xe0\x00\x40"),
           "modulation": (0xB0, lambda v: "01 %02X" % v, b"\xb0\x01\x00"),
           "pressure": (0xD0, lambda v: "%02X" % v, b"\xd0\x00")}


@pytest.mark.parametrize("kind", sorted(_SWEEPS))
def test_din_echo_giving_way_still_passes_a_wheel_back_at_rest(tmp_path, kind):
    # A keyboard's wheel (pitch bend, modulation) or pressure swept up and down flat out on
    # DIN IN (running status), echoed without running status (1.5 to 2 times what the wire
    # carries) while the pads play: past _THRU_RESERVE the echo's sweeps are dropped, but each
    # return to rest (bend centre, modulation or pressure zero) still goes, so the receiver
    # is never left bent, wobbling or swelling when the wheel rests. Before, the rest itself
    # could be dropped, and the synth stayed so.
    status, msg, rest = _SWEEPS[kind]
    ev = [{"t": 1.0, "din_in": "%02X" % status}]
    t = 1.32
    for _sweep in range(40):
        for k in list(range(4, 64, 4)) + list(range(64, -1, -4)):  # up, and back to rest
            ev.append({"t": round(t, 3), "din_in": msg(k)})
            t += 0.32 * len(msg(k).split())
    for k in range(130):
        ev.append({"t": round(100 + 20 * k, 3), "control": "pad%d" % (1 + k % 16), "press": 0.9})
    run = rel_sim.run(tmp_path, {"tail_ms": 3000, "events": sorted(ev, key=lambda e: e["t"])},
                      config={"thru": {"din_to_din": True}, "din": {"running_status": False}})
    assert run.stats["din"]["dropped"] == 0 and run.stats["errors"] == 0
    bends = [m for m in passed(run, "DIN", BOOT_DIN) if m[0] == status and (status != 0xB0 or m[1] == 1)]
    assert run.stats["thru_dropped"] == 40 * 32 - len(bends) > 100
    centred = [i for i, m in enumerate(bends) if m == rest]
    assert len(centred) == 40 and centred[-1] == len(bends) - 1  # every sweep's end, the last of all
