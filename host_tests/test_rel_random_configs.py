"""Random configs (issue 7's reliability suite, for the players who configure): seeded random
valid configs -- every control given a random type its kind takes, with shift layers,
banks, pressure, takeover, inverted ranges, relative encodings, thru on or off, running
status, Note Off as velocity 0, a fast or slow scan, a MIDI clock -- on the reference
board, on it with a key matrix, on each other board's default layout, and with some pads
made FSRs, each played by a random performance (pads, chords, buttons and keys with
bounce, knobs, encoders, the USB host leaving, and on every third seed also staying but not
reading for a while) with MIDI IN traffic on DIN and from the USB
host (notes that end, controllers, bends, programs, clocks, Active Sensing, dumps up to
1000 bytes on DIN and 2500 from the host, its transport's Start, Continue and Stop). Played
by the real firmware on the simulated board.

Checked: every byte either port carried is valid MIDI and the trace is in time order
(check_trace), the scan loop never failed, after everything is released and MIDI IN's
notes have ended nothing is left sounding on either port, and MIDI IN's channel messages
passed on are all there, in order: every one from the host on DIN OUT, every one DIN IN
carried while the host was there on USB."""
import json
import os
import random

import pytest

import rel_perform
import rel_sim
from rel_midistream import usb_packets
from midictl import config as C
from trace_check import check_trace, is_note_off, is_note_on, left_sounding, messages

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the reference board (odd seeds: with a key matrix), then each other board's layout
OTHER_BOARDS = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "boards")) if f.endswith(".json") and f != "pico.json")
SEEDS = range(8 + len(OTHER_BOARDS))
ACTIONS = 2500


def _channel(rng):
    return rng.choice((1, 1, 2, 3, 10, 16))


def _mapping(rng, name, kind):
    t = rng.choice(C.KIND_TYPES[kind])
    m = {"type": t}
    if t == "note":
        m.update(channel=_channel(rng), note=rng.randint(0, 127))
        if kind == "switch" and not name.startswith("pad") or kind == "key":
            m["velocity"] = rng.randint(1, 127)
            if rng.random() < 0.5:
                m["shift"] = {"channel": _channel(rng), "note": rng.randint(0, 127)}
        else:
            if rng.random() < 0.3:
                m["curve"] = rng.choice(("linear", "soft", "hard", "fixed"))
            if kind == "fsr" and rng.random() < 0.5:
                m["pressure"] = rng.choice(C.PRESSURE)
            if rng.random() < 0.3:  # a retrigger mask and a sensitivity of its own
                m["mask_ms"] = rng.randint(2, 60)
            if rng.random() < 0.3:
                m["full_scale"] = rng.randint(400, 4095)
            if rng.random() < 0.3:
                m["crosstalk_pct"] = rng.randint(0, 100)
            if rng.random() < 0.3:  # a peak window of its own, inside its mask
                m["window_ms"] = rng.randint(1, min(10, m.get("mask_ms", 10)))
    elif t in ("cc_momentary", "cc_toggle"):
        m.update(channel=_channel(rng), cc=rng.choice((1, 7, 64, 66, 80, 81, 119, 120, 123)))
        if rng.random() < 0.5:
            m["shift"] = {"channel": _channel(rng), "cc": rng.randint(0, 127)}
    elif t == "program":
        m.update(channel=_channel(rng), program=rng.randint(0, 127))
        if rng.random() < 0.5:
            m["bank"] = rng.randint(0, 16383)
    elif t in ("program_up", "program_down"):
        m["channel"] = _channel(rng)
    elif t in ("transpose_up", "transpose_down"):
        m["step"] = rng.randint(1, 24)
    elif t == "transport":
        m["action"] = rng.choice(("start", "stop", "continue", "start_stop", "record"))
        m["mmc"] = m["action"] == "record" or rng.random() < 0.5
        if m["mmc"] and rng.random() < 0.5:
            m["device"] = rng.randint(0, 127)
    elif t == "note_repeat":
        m["rate"] = rng.choice(("1/4", "1/8", "1/8t", "1/16", "1/16t", "1/32", "1/32t"))
        m["latch"] = rng.random() < 0.5
        if m["rate"] in ("1/8", "1/16", "1/32") and rng.random() < 0.5:
            m["swing"] = rng.randint(50, 75)
    elif t in ("cc", "cc14", "nrpn", "channel_pressure", "bend"):
        m["channel"] = _channel(rng)
        if t == "cc":
            m["cc"] = rng.choice((1, 7, 11, 64, 66, 70, 74, 100))
        elif t == "cc14":
            m["cc14"] = rng.randint(0, 31)
        elif t == "nrpn":
            m["param"] = rng.randint(0, 16383)
        if t != "bend" and rng.random() < 0.3:
            m["takeover"] = True
        if rng.random() < 0.2:
            m["invert"] = True
        if kind == "pot" and rng.random() < 0.4:
            m["shift"] = {"type": t, "channel": _channel(rng)}
            if t == "cc":
                m["shift"]["cc"] = rng.randint(0, 119)
    elif t in ("cc_relative", "cc_absolute"):
        m.update(channel=_channel(rng), cc=rng.randint(0, 119), accel=rng.random() < 0.5)
        if t == "cc_relative":
            m["encoding"] = rng.choice(C.ENCODINGS)
        if rng.random() < 0.5:
            m["shift"] = {"channel": _channel(rng), "cc": rng.randint(0, 119)}
    return m


def _config(rng, board):
    cfg = {"controls": {name: _mapping(rng, name, w["kind"])
                        for name, w in sorted(board["controls"].items()) if rng.random() < 0.5}}
    if rng.random() < 0.5:
        cfg["note_off"] = "note_on_zero"
    if rng.random() < 0.3:
        cfg["report_pots_at_boot"] = True
    if rng.random() < 0.6:
        cfg["thru"] = {k: rng.random() < 0.5 for k in ("din_to_usb", "usb_to_din", "din_to_din", "drop_echoes")}
    if rng.random() < 0.3:
        cfg["din"] = {"running_status": rng.random() < 0.5, "refresh_every": rng.choice((0, 10, 100)),
                      "active_sensing": rng.random() < 0.5}
    if rng.random() < 0.3:
        cfg["scan_us"] = rng.choice((250, 500, 2000))
    if rng.random() < 0.3:
        cfg["octave_range"] = rng.randint(0, 8)
    types = [m["type"] for m in cfg["controls"].values()]
    # (a tap tempo button sets clock_bpm's tempo, or with none a note repeat's own clock's)
    if rng.random() < 0.3 or "tap_tempo" in types and "note_repeat" not in types:
        cfg["clock_bpm"] = rng.randint(20, 300)
    return cfg


def _din_in(rng, end_ms):
    # DIN IN's traffic: every note it starts it ends, within 400 ms, now and then a chord
    ev = []
    t = rng.uniform(0, 500)
    while t < end_ms - 500:
        c = rng.randrange(16)
        k = rng.random()
        if k < 0.02:  # a big chord (DIN OUT's queue keeps room for all its Note Offs)
            t2 = round(t + rng.uniform(5, 400), 1)
            for n in rng.sample(range(128), rng.randint(8, 48)):
                ev.append({"t": round(t, 1), "din_in": "%02X %02X %02X" % (0x90 | c, n, rng.randint(1, 127))})
                ev.append({"t": t2, "din_in": "%02X %02X 40" % (0x80 | c, n)})
        elif k < 0.5:
            n = rng.randrange(128)
            ev.append({"t": round(t, 1), "din_in": "%02X %02X %02X" % (0x90 | c, n, rng.randint(1, 127))})
            ev.append({"t": round(t + rng.uniform(5, 400), 1), "din_in": "%02X %02X 40" % (0x80 | c, n)})
        elif k < 0.75:
            ev.append({"t": round(t, 1), "din_in": "%02X %02X %02X" % (
                0xB0 | c, rng.choice((1, 7, 64, 66, 74, 6, 38, 99, 98)), rng.randrange(128))})
        elif k < 0.85:
            ev.append({"t": round(t, 1), "din_in": "%02X %02X %02X" % (0xE0 | c, rng.randrange(128), rng.randrange(128))})
        elif k < 0.9:
            ev.append({"t": round(t, 1), "din_in": "F0 7D " + " ".join(
                "%02X" % rng.randrange(128) for _ in range(rng.randint(1, 1000))) + " F7"})
        elif k < 0.95:
            ev.append({"t": round(t, 1), "din_in": "FE"})
        else:
            ev.append({"t": round(t, 1), "din_in": "%02X %02X" % (0xC0 | c, rng.randrange(128))})
        t += rng.expovariate(1 / 40.0)
    return ev


def _connected(events, unread=()):
    """The times (ms) the USB host is there, as (from, to) pairs; with `unread`, the
    rel_run hook's windows (us) in which it stays but does not read, less those (and 30 ms
    after each: what waited for it goes, then what it missed)."""
    spans = []
    since = 0.0
    for e in events:
        if e.get("usb") == "disconnected" and since is not None:
            spans.append((since, e["t"]))
            since = None
        elif e.get("usb") == "connected" and since is None:
            since = e["t"]
    if since is not None:
        spans.append((since, float("inf")))
    for a, b in unread:
        a, b = a / 1000.0 - 5, b / 1000.0 + 30
        spans = [(s, f) for s0, f0 in spans for s, f in ((s0, min(f0, a)), (max(s0, b), f0)) if s < f]
    return spans


def _hex(packets):
    return " ".join(b.hex(" ").upper() for b in packets)


def _usb_in(rng, events, end_ms):
    # The host's traffic, only while it is there: notes that end (both within one stay),
    # controllers (pedals, RPN/NRPN selects and data among them), bends, dumps, clocks.
    spans = _connected(events)

    def there(a, b):  # with room for the rounding of the times to 0.1 ms
        return any(s + 0.1 < a and b < e - 0.1 for s, e in spans)

    ev = []
    t = rng.uniform(0, 300)
    while t < end_ms - 500:
        c = rng.randrange(16)
        k = rng.random()
        if k < 0.5:
            n = rng.randrange(128)
            t2 = t + rng.uniform(5, 300)
            if there(t, t2):
                ev.append({"t": round(t, 1), "usb_in": _hex(usb_packets(bytes((0x90 | c, n, rng.randint(1, 127)))))})
                ev.append({"t": round(t2, 1), "usb_in": _hex(usb_packets(bytes((0x80 | c, n, 64))))})
        elif there(t, t):
            if k < 0.8:
                m = (0xB0 | c, rng.choice((1, 7, 64, 66, 74, 6, 38, 99, 98, 101, 100)), rng.randrange(128))
            elif k < 0.9:
                m = (0xE0 | c, rng.randrange(128), rng.randrange(128))
            elif k < 0.95:  # a dump, now and then a long one (DIN OUT's queue fills behind it)
                n = rng.randint(0, 300) if rng.random() < 0.8 else rng.randint(300, 2500)
                m = (0xF0, 0x7D) + tuple(rng.randrange(128) for _ in range(n)) + (0xF7,)
            else:  # a clock, or the host's transport starting or stopping (transport buttons follow it)
                m = (rng.choice((0xF8, 0xF8, 0xFA, 0xFB, 0xFC)),)
            ev.append({"t": round(t, 1), "usb_in": _hex(usb_packets(bytes(m)))})
        t += rng.expovariate(1 / 50.0)
    return ev


def _job(seed, workdir):
    rng = random.Random(seed)
    with open(os.path.join(ROOT, "boards", "pico.json")) as f:
        board = json.load(f)
    if seed >= 8:  # the other boards' layouts
        with open(os.path.join(ROOT, "boards", OTHER_BOARDS[seed - 8] + ".json")) as f:
            board = json.load(f)
    elif seed % 2:  # the odd seeds: the reference board with a key matrix
        with open(os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")) as f:
            board = json.load(f)
    pads = [n for n in sorted(board["controls"]) if board["controls"][n]["kind"] == "piezo"]
    if seed % 4 >= 2 and pads:  # and some pads FSRs (pressure, held notes)
        for n in rng.sample(pads, rng.randint(1, min(8, len(pads)))):
            board["controls"][n]["kind"] = "fsr"
    for _ in range(50):  # a config the firmware takes (shift layers need a shift button, ...)
        cfg = _config(rng, board)
        try:
            full = C.validate(json.loads(json.dumps(cfg)), board)
            break
        except C.ConfigError:
            pass
    else:
        raise AssertionError("seed %d: no valid config in 50 tries" % seed)
    p = rel_perform.Performer(board, seed)
    p.switches += [n for n in sorted(board["controls"]) if board["controls"][n]["kind"] == "key"]
    end = p.play(ACTIONS)
    if any(m["type"] == "note_repeat" and m["latch"] for m in cfg["controls"].values()):
        # A latched note repeat may be left on, rolling a piezo pad for good, as it should:
        # the player ends it with panic (or a latch button pressed again; which press that
        # takes depends on which presses the debouncer saw), so that nothing is left sounding
        panic = sorted(n for n, m in full["controls"].items() if m["type"] == "panic")
        if panic:
            p.events += [{"t": end + 5, "control": panic[0], "press": 1.0},
                         {"t": end + 60, "control": panic[0], "release": True}]
            end += 60
        else:
            for m in cfg["controls"].values():
                if m["type"] == "note_repeat":
                    m["latch"] = False
    bpath = os.path.join(str(workdir), "board%d.json" % seed)
    with open(bpath, "w") as f:
        json.dump(board, f)
    events = sorted(p.events + _din_in(rng, end) + _usb_in(rng, p.events, end), key=lambda e: e["t"])
    hooks = None
    if seed % 3 == 1:  # the host stays but stops reading, now and then (5 ms to 1 s)
        unread = []
        t = rng.uniform(100, 2000)
        while t < end - 1500:
            d = rng.choice((5, 30, 200, 1000))
            unread.append([round(t * 1000), round((t + d) * 1000)])
            t += d + rng.uniform(200, 3000)
        hooks = {"usb_unread": unread}
    return {"seed": seed, "tail_ms": 600, "adc_noise_lsb": 4, "board": bpath, "events": events}, cfg, hooks


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("random_configs")
    jobs = [_job(seed, d) for seed in SEEDS]
    return list(zip(jobs, rel_sim.run_many(d, jobs)))


@pytest.mark.parametrize("k", range(len(SEEDS)))
def test_any_config_plays_valid_midi_and_leaves_nothing_sounding(runs, k):
    (scenario, cfg, hooks), run = runs[k]
    check_trace(run.trace)
    assert rel_sim.LOOP_ERROR not in run.log, run.log[-3000:]
    st = run.stats
    assert st["ended"] == "end" and st["errors"] == 0, (st, cfg)
    assert st["nsounding"] == 0, cfg
    din = messages(run.trace, "DIN")
    usb = messages(run.trace, "USB")
    assert left_sounding(din) == set(), cfg
    assert left_sounding(usb) == set(), cfg
    # it really played: notes (the controller's own or DIN IN's) on at least one port
    assert sum(1 for _t, m in din + usb if is_note_on(m)) > 100, cfg
    # and lost none of MIDI IN's channel messages: each one (a Note Off as either form)
    # comes out on the other port, in the order it came in, among the controller's own
    thru = cfg.get("thru", {})
    if thru.get("drop_echoes"):
        return
    events = scenario["events"]
    if thru.get("usb_to_din", True):
        came = [(e["t"], bytes.fromhex(e["usb_in"])) for e in events if "usb_in" in e]
        came = [(t, p[1:1 + (2 if p[0] & 15 in (0xC, 0xD) else 3)]) for t, p in came if p[0] & 15 in range(8, 15)]
        _in_order(came, din, "the host", "DIN OUT")
    if thru.get("din_to_usb", True):
        spans = _connected(events, (hooks or {}).get("usb_unread", ()))
        came = []
        wire = 0.0  # DIN IN's bytes follow each other on the wire, 0.32 ms each
        for e in events:
            if "din_in" in e:
                m = bytes.fromhex(e["din_in"])
                start = max(wire, e["t"])
                wire = start + 0.32 * len(m)
                # in and passed on while the host was there (a frame either side)
                if m[0] < 0xF0 and any(s + 5 < start and wire + 5 < f for s, f in spans):
                    came.append((e["t"], m))
        _in_order(came, usb, "DIN IN", "USB")


def _same(m):
    return ("off", m[0] & 15, m[1]) if is_note_off(m) else bytes(m)


def _in_order(came, went, source, port):
    assert len(came) > 10, (source, len(came))  # the check below checks something
    out = [_same(m) for _t, m in went if m[0] < 0xF0]
    i = 0
    for t, m in came:
        want = _same(m)
        while i < len(out) and out[i] != want:
            i += 1
        assert i < len(out), "%s's %s (given at %.1f ms) is not on %s, or not in order" % (source, m.hex(" "), t, port)
        i += 1


def test_the_in_order_check_can_fail():
    went = [(1.0, bytes((0x90, 60, 100))), (2.0, bytes((0xB0, 7, 1))), (3.0, bytes((0x90, 60, 0)))]
    came = [(0.5, bytes((0x90, 60, 100))), (0.6, bytes((0x80, 60, 64)))] * 6
    with pytest.raises(AssertionError, match="not on DIN OUT"):
        _in_order(came, went * 5 + [(9.0, bytes((0xB0, 7, 1)))], "the host", "DIN OUT")
    # all there but one out of order: an off before its on uses up the pair after it
    with pytest.raises(AssertionError, match="or not in order"):
        _in_order([(0.1, bytes((0x80, 60, 64)))] + came[:11], went * 6, "the host", "DIN OUT")
    _in_order(came, went * 6, "the host", "DIN OUT")  # 90 3c 00 is the 80 3c 40 it was given


def test_the_hosts_spans_leave_out_its_unread_windows():
    events = [{"t": 100.0, "usb": "disconnected"}, {"t": 300.0, "usb": "connected"}]
    assert _connected(events) == [(0.0, 100.0), (300.0, float("inf"))]
    # unread from 50 to 60 ms and from 400 ms to 1 s: out, with 5 ms before and 30 after
    assert _connected(events, [[50000, 60000], [400000, 1000000]]) == [
        (0.0, 45.0), (90.0, 100.0), (300.0, 395.0), (1030.0, float("inf"))]
