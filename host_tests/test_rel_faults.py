"""Output faults through the whole firmware on the simulated board (issue 7): the USB host
absent from power-on, leaving and coming back mid-performance; the DIN wire saturated for
10 s; UART writes raising; an exception inside the scan loop. In every case the firmware
keeps scanning at its rate, loses no Note On/Off on DIN, and leaves nothing sounding."""
import json
import os
import random

import pytest

import rel_sim
from trace_check import all_notes_off, check_trace, is_note_on, left_sounding, messages, notes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "boards", "pico.json")) as _f:
    PICO = json.load(_f)


def healthy(run, errors=0):
    check_trace(run.trace)
    st = run.stats
    assert st["ended"] == "end", run.log[-2000:]
    assert st["errors"] == errors, run.log[-3000:]
    if not errors:
        assert rel_sim.LOOP_ERROR not in run.log
    assert st["din"]["dropped"] == 0
    assert st["nsounding"] == 0
    for port in ("DIN", "USB"):
        assert left_sounding(messages(run.trace, port)) == set(), port


def note_list(run, port, t_from=None, t_to=None):
    return [m for t, m in notes(messages(run.trace, port))
            if (t_from is None or t >= t_from) and (t_to is None or t < t_to)]


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


# -- USB host ----------------------------------------------------------------------------------------


def test_usb_reconnect_at_every_phase_of_the_scan_and_the_frame(tmp_path):
    # The host leaves and returns at 12 different offsets from the 1 ms USB frame while a
    # knob sends and pads play, with 250 us scans (4 scans a frame). The packets waiting in
    # the TX buffer when the host left are stale: the firmware drops them when it notices
    # the host is back. That must never pull bytes out from under a transfer already
    # submitted (Buffer.finish_read asserts, in the stock usb-device code too), which
    # used to fault the scan loop -- and its recovery sent a panic, cutting held notes.
    ev = [{"t": 0, "control": "knob1", "position": 1.0, "ramp_ms": 400}]
    for k in range(12):
        t = 10 + 20 * k
        ev.append({"t": t - 1, "control": "pad%d" % (1 + k), "press": 0.8})
        ev.append({"t": round(t + k * 0.083, 3), "usb": "disconnected"})
        ev.append({"t": round(t + 5 + k * 0.07, 3), "usb": "connected"})
    run = rel_sim.run(tmp_path, {"events": ev}, config={"scan_us": 250})
    healthy(run)
    assert run.stats["usb"]["reconnects"] == 13
    # no panic: nothing but the power-on All Notes Off on DIN
    assert [m for _t, m in messages(run.trace, "DIN") if m[0] == 0xB9] == [bytes([0xB9, 123, 0])]


def test_a_host_that_stops_reading_is_not_waited_for_and_gets_no_backlog(tmp_path):
    # A USB host that stays but stops reading (120 to 400 ms) while a knob sweeps and DIN
    # IN plays a note every 10 ms, echoed to DIN OUT: once the host has left the transfer
    # in flight unread 20 ms (141) the port takes nothing more. DIN IN's notes go on time on
    # DIN OUT, not held back for the host (no use: it does not read), and are dropped for
    # it; when it reads again it gets the knob's values up to 140 (what its buffer held),
    # then the knob and DIN IN's notes as they come. (Its buffer would otherwise have filled
    # with a sweep and notes 200 ms old, and DIN IN's been held 20 ms for nothing.)
    ev = [{"t": 100, "control": "knob1", "position": 0.9, "ramp_ms": 200},
          {"t": 300, "control": "knob1", "position": 0.1, "ramp_ms": 200}]
    ev += [{"t": 150 + 10 * i, "din_in": "91 %02X 64 81 %02X 40" % (0x30 + i, 0x30 + i)} for i in range(30)]
    run = rel_sim.run(tmp_path, {"tail_ms": 300, "events": sorted(ev, key=lambda e: e["t"])},
                      config={"thru": {"din_to_din": True}}, hooks={"usb_unread": [[120000, 400000]]})
    healthy(run)

    def played(t, i):
        return [(t, bytes((0x91, 0x30 + i, 0x64))), (t + 1, bytes((0x81, 0x30 + i, 0x40)))]

    din = []
    for i in range(30):
        din += played(151 + 10 * i, i)
    assert [(round(t, 2), m) for t, m in notes(messages(run.trace, "DIN"))] == din
    usb = []
    for i in range(25, 30):  # none while the host does not read
        usb += played(151 + 10 * i, i)
    assert [(round(t, 2), m) for t, m in notes(messages(run.trace, "USB"))] == usb
    assert [ln for ln in run.trace if " USB " in ln and 120 <= float(ln.split()[0]) < 401] == [
        "120.000 USB 0B B0 46 05", "125.000 USB 0B B0 46 09", "130.000 USB 0B B0 46 0B",
        "135.000 USB 0B B0 46 0F", "140.000 USB 0B B0 46 11", "400.000 USB 0B B0 46 44"]


def test_a_host_that_stops_reading_then_reads_again_is_sent_the_note_offs_it_missed(tmp_path):
    # The host stays but reads nothing from 100 to 300 ms while eight knobs sweep and a pad
    # is struck every 5 ms from 120: the port takes nothing from 122 (the transfer in flight
    # unread 20 ms), after the Note On of the strike at 120 (at 122, its scan's), whose Note
    # Off (its gate ends at 172) is dropped for the host with the rest. From 300 it reads
    # what its buffer held, 16 packets a frame; at 303, all read, it is sent what it missed,
    # as a host coming back: that Note Off and where the seven knobs it missed the last of
    # are. (Before, that note sounded on the host for good.)
    ev = [{"t": 90 + k, "control": "knob%d" % (k + 1), "position": 0.9, "ramp_ms": 40} for k in range(8)]
    ev += [{"t": 240, "control": "knob1", "position": 0.1, "ramp_ms": 150}]
    ev += [{"t": t, "control": "pad%d" % ((t // 5) % 16 + 1), "press": 0.8} for t in range(120, 200, 5)]
    run = rel_sim.run(tmp_path, {"tail_ms": 300, "events": sorted(ev, key=lambda e: e["t"])},
                      hooks={"usb_unread": [[100000, 300000]]})
    healthy(run)
    assert run.stats["usb"]["reconnects"] == 1  # (power-on's: the host never left)
    assert [ln for ln in run.trace if " USB " in ln and 300 <= float(ln.split()[0]) < 305] == [
        "300.000 USB 0B B0 46 4F",  # (knob1, written as the host's first read made room)
        "303.000 USB 08 89 2C 40",
    ] + ["303.000 USB 0B B0 %02X 72" % c for c in range(0x47, 0x4E)]


def test_a_host_that_stops_reading_with_its_last_note_in_flight_gets_its_note_off(tmp_path):
    # A pad's Note On goes in the transfer of the scan at 99; the host stops reading at 99.5
    # and nothing else is played: its Note Off (149) is dropped, the port taking nothing
    # since 120. When the host reads again (300) it gets the Note On, and at once the Note
    # Off it missed, though the controller has sent nothing since. (Before, with nothing
    # written meanwhile, what it missed waited for the controller's next message: the
    # note sounded until then.)
    run = rel_sim.run(tmp_path, {"tail_ms": 300, "events": [{"t": 97, "control": "pad1", "press": 0.8}]},
                      hooks={"usb_unread": [[99500, 300000]]})
    healthy(run)
    assert [ln for ln in run.trace if " USB " in ln and float(ln.split()[0]) >= 1] == [
        "99.000 USB 09 99 24 74", "300.000 USB 08 89 24 40"]


def test_usb_host_absent_from_power_on_then_plugged_in(tmp_path):
    # No host at power-on (plan "usb_initial": false); pads play; the host arrives at 500 ms
    # while pads 1, 3 and 4 sound. The host sees nothing before it is there, then the
    # first-sight All Notes Off on the pads' channel, then exactly what DIN plays.
    ev = [{"t": 10 + 40 * k, "control": "pad%d" % (1 + k % 4), "press": 0.7} for k in range(25)]
    ev.append({"t": 482, "control": "pad3", "press": 0.9})
    ev.append({"t": 500, "usb": "connected"})
    run = rel_sim.run(tmp_path, {"events": ev}, plan_extra={"usb_initial": False})
    healthy(run)
    usb = run.port("USB")
    assert usb[0] == "500.000 USB 0B B9 7B 00"
    assert run.stats["usb"]["reconnects"] == 1
    # notes begun before the host came: their Note Offs alone reach it, which is harmless
    assert usb[1:3] == ["502.000 USB 08 89 27 40", "532.000 USB 09 99 25 65"]
    # pad3's note (struck at 482, on at 484) ends with its 50 ms gate: pad2's crosstalk at 530
    # neither masks pad3 nor holds its note longer
    assert "535.000 USB 08 89 26 40" in usb and "542.000 USB 08 89 24 40" in usb
    assert note_list(run, "USB", t_from=500) == note_list(run, "DIN", t_from=500)
    assert len(note_list(run, "USB", t_from=500)) == 27  # 12 pads struck after 500 ms, 3 earlier Offs


@pytest.mark.parametrize("count", [80, 200])
def test_usb_host_back_owed_more_note_offs_than_the_tx_buffer_holds(tmp_path, count):
    # DIN IN (a multitimbral sequencer) holds `count` notes over 8 channels, passed to USB;
    # the host leaves, their Note Offs come on DIN meanwhile (lost for USB), and the host
    # comes back owed more Note Offs than the 64 packets the TX buffer holds. The first 64
    # go at the scan that notices it; then, as the host takes 16 packets a frame, 16 more a
    # scan, in order of channel and note, until every one is out.
    ev = [{"t": 1 + k, "din_in": "%02X %02X 64" % (0x90 | (k % 8), 30 + k // 8)} for k in range(count)]
    ev.append({"t": count + 11, "usb": "disconnected"})
    ev += [{"t": count + 21 + k, "din_in": "%02X %02X 40" % (0x80 | (k % 8), 30 + k // 8)} for k in range(count)]
    back = 2 * count + 31
    ev.append({"t": back, "usb": "connected"})
    run = rel_sim.run(tmp_path, {"tail_ms": 50, "events": ev})
    healthy(run)
    owed = sorted((k % 8, 30 + k // 8) for k in range(count))
    assert [line for line in run.port("USB") if float(line.split()[0]) >= back] == [
        "%.3f USB 08 8%X %02X 40" % (back + (0 if i < 64 else 1 + (i - 64) // 16), ch, note)
        for i, (ch, note) in enumerate(owed)]
    st = run.stats["usb"]
    assert st["dropped"] == count and st["reconnects"] == 2  # only the Note Offs sent while it was away
    assert st["sent"] == 1 + 2 * count  # the power-on All Notes Off, the Note Ons, the Note Offs owed


# -- the DIN wire saturated ---------------------------------------------------------------------------


def sweeping_knobs_and_pads(rng, ms, with_stick=True):
    """All 8 knobs sweeping end to end without pause (ramps of 30..150 ms), the stick too,
    while pads play singles and chords every 15..60 ms; then each knob parks at 0.1*k."""
    ev = []
    for k in range(8):
        t, pos = 5.0 * k, 0.0
        while t < ms:
            ramp = rng.randint(30, 150)
            pos = 1.0 - pos
            ev.append({"t": round(t, 3), "control": "knob%d" % (k + 1), "position": pos, "ramp_ms": ramp})
            t += ramp
    t = 2.0
    while with_stick and t < ms:
        ramp = rng.randint(40, 200)
        ev.append({"t": round(t, 3), "control": "bend", "position": round(rng.random(), 3), "ramp_ms": ramp})
        t += ramp
    t = 3.0
    while t < ms:
        for name in rng.sample(["pad%d" % i for i in range(1, 17)], rng.choice((1, 1, 2, 3))):
            ev.append({"t": round(t, 3), "control": name, "press": round(rng.uniform(0.3, 1.0), 3)})
        t += rng.uniform(15, 60)
    park = [round(0.1 * (k + 1), 3) for k in range(8)]
    for k in range(8):
        ev.append({"t": ms + k, "control": "knob%d" % (k + 1), "position": park[k]})
    if with_stick:
        ev.append({"t": ms, "control": "bend", "position": 0.5})
    return ev, park


def din_note_lines(run):
    """(start time, bytes on the wire) of each DIN Note On/Off line."""
    out = []
    status = 0
    for ln in run.port("DIN"):
        t, _p, *hx = ln.split()
        data = bytes.fromhex("".join(hx))
        if 0x80 <= data[0] < 0xF0:
            status = data[0]
        elif data[0] >= 0xF0 and data[0] < 0xF8:
            status = 0
        if data[0] < 0xF8 and status & 0xF0 in (0x80, 0x90):
            out.append((float(t), len(data)))
    return out


def scan_rate_kept(run):
    samples = run.stats["samples"]
    assert len(samples) >= 3
    for t_us, _heap, scans, _err, _pend, _drop in samples:
        assert scans == t_us // 1000 + 1, (t_us, scans)  # a scan every 1000 us, none skipped


@pytest.fixture(scope="module")
def saturated(tmp_path_factory):
    rng = random.Random(3)
    ev, park = sweeping_knobs_and_pads(rng, 10000)
    rng = random.Random(4)
    ev2, _park = sweeping_knobs_and_pads(rng, 3000)
    # UART.write raising: short glitches, a 300 ms outage, and a burst of 1 ms faults
    windows = [[500000, 500400], [1000000, 1300000]] + [[2000000 + 3000 * k, 2001000 + 3000 * k] for k in range(50)]
    d = tmp_path_factory.mktemp("saturated")
    runs = rel_sim.run_many(d, [({"events": ev, "tail_ms": 300}, None, {"sample_every_us": 1000000}),
                                ({"events": ev2, "tail_ms": 300}, None,
                                 {"sample_every_us": 500000, "uart_raise": windows})])
    return runs[0], park, runs[1]


def test_saturated_wire_loses_no_note_and_delays_none(saturated):
    run, park, _ = saturated
    healthy(run)
    din_bytes = sum(len(ln.split()) - 2 for ln in run.port("DIN") if float(ln.split()[0]) < 10000)
    assert din_bytes * 0.32 > 9000  # the wire was busy more than 90 % of the 10 s
    assert run.stats["din"]["coalesced"] > 1000  # knob values were replaced while waiting
    # every Note On/Off the host got also went out on DIN, same bytes, same order
    usb_notes = notes(messages(run.trace, "USB"))
    din_notes = notes(messages(run.trace, "DIN"))
    assert [m for _t, m in din_notes] == [m for _t, m in usb_notes]
    assert sum(1 for _t, m in usb_notes if is_note_on(m)) > 250
    # timing: the USB packet is handed over in the scan that made the note. On DIN a note may
    # wait for notes ahead of it (a chord is serial on the wire), but knob traffic may delay
    # it by less than 2 ms beyond that.
    prev_end = -1.0
    worst = 0.0
    for (d, n), (u, _m) in zip(din_note_lines(run), usb_notes):
        ideal = max(u, prev_end)
        worst = max(worst, d - ideal)
        prev_end = d + 0.32 * n
    assert worst < 2.0, worst
    # the final knob values reach DIN, equal to what USB got, where the knobs were parked
    din = messages(run.trace, "DIN")
    usb = messages(run.trace, "USB")
    for k, pos in enumerate(park):
        last_din = [m[2] for _t, m in din if m[:2] == bytes([0xB0, 70 + k])][-1]
        last_usb = [m[2] for _t, m in usb if m[:2] == bytes([0xB0, 70 + k])][-1]
        assert last_din == last_usb and abs(last_din - pos * 127) <= 1.5, (k, last_din, last_usb)
    bends = [m for _t, m in din if m[0] == 0xE0]
    assert bends[-1] == bytes([0xE0, 0x00, 0x40])  # the stick back at centre
    scan_rate_kept(run)
    assert run.stats["uart_blocked_us"] == 0  # UART.write never waited: the scan never stalled


def test_uart_write_raising_loses_nothing_and_keeps_the_scan_rate(saturated):
    _, _, run = saturated
    healthy(run)
    st = run.stats
    assert st["uart_raised"] > 50 and st["din"]["write_errors"] == st["uart_raised"]
    usb_notes = [m for _t, m in notes(messages(run.trace, "USB"))]
    din_notes = [m for _t, m in notes(messages(run.trace, "DIN"))]
    assert din_notes == usb_notes and len(usb_notes) > 100
    # nothing went out during the 300 ms outage; what waited went out right after it
    din_t = [float(ln.split()[0]) for ln in run.port("DIN")]
    assert not [t for t in din_t if 1000 <= t < 1300]
    assert min(t for t in din_t if t >= 1300) < 1302
    scan_rate_kept(run)


# -- an exception inside the scan loop ------------------------------------------------------------


def test_fault_in_the_scan_releases_notes_and_playing_goes_on(tmp_path):
    # pad1 sounds (gate 50 ms) when the pad scan raises at 20 ms: the loop reports it,
    # releases what sounds (Note Off, then All Notes Off on every channel) and scans on;
    # pad2 at 40 ms plays normally. Four more faults within the same second are counted
    # but not printed again (one report a second at most).
    ev = [{"t": 10, "control": "pad1", "press": 0.8}, {"t": 40, "control": "pad2", "press": 0.8},
          {"t": 1500, "control": "pad3", "press": 0.8}]
    faults = [20000, 200000, 300000, 400000, 500000, 1400000]
    run = rel_sim.run(tmp_path, {"events": ev}, hooks={"fault_at": faults, "sample_every_us": 500000})
    healthy(run, errors=6)
    assert run.stats["faults"] == 6
    assert run.log.count(rel_sim.LOOP_ERROR) == 2  # at 20 ms and at 1400 ms
    assert "midictl: error in the scan loop (1 so far):" in run.log
    assert "midictl: error in the scan loop (6 so far):" in run.log
    assert "InjectedFault: injected fault in the pad scan" in run.log
    usb = run.port("USB")
    assert usb[:20] == ["0.000 USB 0B B9 7B 00",
                        "12.000 USB 09 99 24 74",
                        "20.000 USB 08 89 24 40"] + all_notes_off("USB", 20) + [  # released by the recovery
                        "42.000 USB 09 99 25 74"]
    # DIN carries the release at the next scan's pump
    assert run.port("DIN")[2:19] == ["21.000 DIN 89 24 40"] + all_notes_off("DIN", 21.96)
    assert usb[-2:] == ["1502.000 USB 09 99 26 74", "1552.000 USB 08 89 26 40"]
    # a fault costs one scan period of waiting, and the loop resynchronises
    assert run.stats["scans"] >= run.stats["rel_us"] // 1000 - 6


@pytest.mark.parametrize("config", [{"din": {"enabled": False}}, {"thru": {"din_to_usb": False}, "din": {"enabled": False}}])
def test_knobs_play_on_usb_alone_when_din_is_off(tmp_path, config):
    # With no DIN port the knobs' native path has no DIN slot to write: it must send on USB
    # exactly what it sends there with DIN on. (Its "no slot" mark was -1 in an array of
    # 32-bit ints, which a native load reads back as 4294967295 on a 64-bit build: every
    # knob move raised in the scan loop of the simulator.)
    sc = {"tail_ms": 100, "events": [{"t": 300, "control": "knob1", "position": 1.0, "ramp_ms": 100}]}
    (tmp_path / "off").mkdir()
    (tmp_path / "on").mkdir()
    off = rel_sim.run(str(tmp_path / "off"), sc, config=config)
    on = rel_sim.run(str(tmp_path / "on"), sc)
    assert off.stats["errors"] == on.stats["errors"] == 0
    assert off.port("DIN") == []
    knob = [ln for ln in on.port("USB") if " 0B B0 46 " in ln]
    # (the fader is at its top at 400: 127 follows at 425, 25 ms later; 70 before the filter
    # pulled toward an end from inside its dead zone)
    assert len(knob) == 22 and knob[-1] == "425.000 USB 0B B0 46 7F"
    assert [ln for ln in off.port("USB") if " 0B B0 46 " in ln] == knob


def _outage(tmp_path, din_in, hits_from, outage):
    # DIN IN's events (echoed to DIN OUT), 150 pad hits 1.5 ms apart from hits_from, the UART
    # failing for outage (ms): the run, checked and ended with nothing sounding; DIN's messages
    ev = list(din_in)
    for k in range(150):
        pad = "pad%d" % (k % 16 + 1)
        ev += [{"t": hits_from + 1.5 * k, "control": pad, "press": 0.8},
               {"t": hits_from + 1 + 1.5 * k, "control": pad, "release": True}]
    run = rel_sim.run(tmp_path, {"events": sorted(ev, key=lambda e: e["t"]), "tail_ms": 1000},
                      {"thru": {"din_to_din": True}}, {"uart_raise": [[outage[0] * 1000, outage[1] * 1000]]})
    check_trace(run.trace)
    assert (run.stats["ended"], run.stats["errors"], run.stats["nsounding"]) == ("end", 0, 0)
    din = messages(run.trace, "DIN")
    assert left_sounding(din) == set() and left_sounding(messages(run.trace, "USB")) == set()
    return run, din


def test_a_queue_filled_during_a_uart_outage_keeps_room_for_the_note_offs(tmp_path):
    # DIN IN's note (echoed) sounds from 101 when the UART fails from 150 to 600 ms, while
    # 150 pad hits (300 notes: 1200 bytes) come for a queue of 1024. Note Ons are dropped
    # once less than 128 bytes would be left: the rest is kept for the Note Offs of the notes
    # DIN OUT has, so DIN IN's Note Off at 500 goes, last, at 820.8, and no pad's note is
    # left sounding either. Before, the pads' notes took the queue to its last byte: the
    # echo's Note Off (and 16 pads' ones) were dropped and sounded for good.
    run, din = _outage(tmp_path, [{"t": 100, "din_in": "90 3C 64"}, {"t": 500, "din_in": "80 3C 40"}],
                       160, (150, 600))
    assert [(t, m.hex(" ")) for t, m in din if m[0] & 15 == 0 and m[0] < 0xA0] == [(101.0, "90 3c 64"), (820.8, "80 3c 40")]
    assert (len(notes(din)), len(notes(messages(run.trace, "USB"))), run.stats["din"]["dropped"]) == (242, 302, 60)


def test_a_queue_filled_during_a_uart_outage_keeps_room_for_48_note_offs(tmp_path):
    # DIN IN holds a 48-note chord (echoed to DIN OUT from 101 to 132) when the UART fails
    # from 200 to 650 ms, while 150 pad hits come; DIN IN lets the chord go at 500. The room
    # the queue keeps for Note Offs grows with the notes sounding on DIN OUT (64 with the
    # pads': 292 bytes), so all 48 Note Offs go after the outage (832.4 to 862.8) and nothing
    # is left sounding. Before, the room was 128 bytes, 32 Note Offs, the pads' own among
    # them: 32 of the chord's notes sounded for good.
    on = "90 " + " ".join("%02X 64" % (36 + i) for i in range(48))
    off = "80 " + " ".join("%02X 40" % (36 + i) for i in range(48))
    run, din = _outage(tmp_path, [{"t": 100, "din_in": on}, {"t": 500, "din_in": off}], 210, (200, 650))
    chord = [(t, m[0], m[1]) for t, m in din if m[0] & 15 == 0 and m[0] < 0xA0]
    assert [(s, n) for t, s, n in chord] == [(0x90, 36 + i) for i in range(48)] + [(0x80, 36 + i) for i in range(48)]
    assert (chord[0][0], chord[47][0]) == (101.0, 132.0)
    assert [t for t, s, n in chord[48:]] == [832.4] + [round(833.36 + 0.64 * i, 2) for i in range(47)]  # (running status)
    assert (len(notes(din)), len(notes(messages(run.trace, "USB"))), run.stats["din"]["dropped"]) == (296, 396, 100)
