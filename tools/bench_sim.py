"""Latency and wire use measured through the whole firmware in the simulator (tools/sim.py:
the real boot.py/main.py under the MicroPython Unix port, simulated time).

    latency(strikes, flood, seed, config) -> dict
                                            pad strikes at random times, optionally while all
                                            8 knobs sweep (DIN saturated) or with a config
    clock(strikes, seed, bpm) -> dict       the controller's MIDI clock on DIN while the
                                            strikes play and all 8 knobs sweep
    wire(scenario=DEMO) -> dict             DIN bytes with and without running status

A strike's Note On is found on USB (its trace time is when the packet reaches the USB stack,
which happens inside the scan that decided the note, so that time is the deciding scan's)
and then on DIN (when its first byte starts on the wire). Times are simulated ms; the
firmware's computation takes no simulated time, so these are the design's latencies (scan
period, peak window, DIN queue), not CPU time.
"""
import json
import os
import random
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import midiview  # noqa: E402
import sim  # noqa: E402

PAD_CHANNEL = 9  # the reference layout: pads on MIDI channel 10, notes 36..51
FIRST_NOTE = 36
SPACING_MS = 50  # one strike per slot: the pad has re-armed and no neighbour rings


def strike_events(n, rng):
    """n strikes, one at a random time in each 50 ms slot (at least 20 ms apart), on a random
    pad with a random strength. -> (events, [(t_ms, note)])"""
    events = []
    hits = []
    for i in range(n):
        t = round(10 + i * SPACING_MS + rng.uniform(0, SPACING_MS - 20), 3)
        pad = rng.randint(1, 16)
        events.append({"t": t, "control": "pad%d" % pad, "press": round(rng.uniform(0.3, 1.0), 2)})
        hits.append((t, FIRST_NOTE + pad - 1))
    return events, hits


def sweep_events(end_ms):
    """All 8 knobs sweeping end to end, each at its own speed, until end_ms."""
    events = []
    for k in range(1, 9):
        ramp = 200 + 17 * k
        t = 0.0
        pos = 1.0
        while t < end_ms:
            events.append({"t": round(t, 3), "control": "knob%d" % k, "position": pos, "ramp_ms": ramp})
            t += ramp
            pos = 1.0 - pos
    return events


def run(scenario, config=None):
    """Run a scenario dict through tools/sim.py (with a config dict: as its config.json);
    -> trace lines."""
    with tempfile.TemporaryDirectory(prefix="midictl-bench-") as tmp:
        if config is not None:
            scenario = dict(scenario, config=os.path.join(tmp, "config.json"))
            with open(scenario["config"], "w") as f:
                json.dump(config, f)
        path = os.path.join(tmp, "scenario.json")
        with open(path, "w") as f:
            json.dump(scenario, f)
        plan, board, cfg_text = sim.prepare(path)
        trace, _log = sim.run_firmware(plan, board, cfg_text)
    return trace


def parse(trace):
    """-> (DIN [(t, full message bytes)], USB [(t, packet bytes)]), running status resolved."""
    din = []
    usb = []
    running = {}
    for line in trace:
        t, port, *hx = line.split()
        data = bytes.fromhex("".join(hx))
        if port == "USB":
            usb.append((float(t), data))
        else:
            din.append((float(t), midiview.din_line_message(data, running, port)))
    return din, usb


def _first_note_on(msgs, note, t_from, usb):
    """-> (time, velocity) of the first Note On of `note` at or after t_from, or (None, 0)."""
    for t, m in msgs:
        if t < t_from:
            continue
        if usb:
            m = m[1:]
        if m[0] == 0x90 | PAD_CHANNEL and m[1] == note and m[2]:
            return t, m[2]
    return None, 0


def latency(strikes=200, flood=False, seed=1, chunk=None, config=None):
    """Strikes in simulator runs of `chunk` strikes each (default 50, 10 in a flood: the
    simulator's MicroPython heap fragments under a flood trace longer than about a
    second), each run with its own seed; the results pooled. The same arguments play the
    same strikes: "vels" are their velocities (0: missed), to compare across configs."""
    if chunk is None:
        chunk = 10 if flood else 50
    to_usb, to_din, scan_din, vels = [], [], [], []
    missed = 0
    off_grid = 0
    wire_us = 0.0
    span_ms = 0.0
    for k in range(0, strikes, chunk):
        rng = random.Random(seed * 1000 + k)
        events, hits = strike_events(min(chunk, strikes - k), rng)
        end = hits[-1][0] + 30
        if flood:
            events = events + sweep_events(end)
        trace = run({"board": "pico", "seed": seed + k, "tail_ms": 60, "events": events}, config)
        din, usb = parse(trace)
        for t, note in hits:
            tu, v = _first_note_on(usb, note, t, True)
            td = _first_note_on(din, note, t, False)[0] if tu is not None else None
            vels.append(v if tu is not None and tu - t <= 20 else 0)
            if tu is None or td is None or tu - t > 20:
                missed += 1
                continue
            if abs(tu - round(tu)) > 1e-9:
                off_grid += 1  # not on the 1 ms scan grid: then it is not the scan's time
            to_usb.append(tu - t)
            to_din.append(td - t)
            scan_din.append(td - tu)
        # how busy the DIN wire was while the strikes played: 320 us per byte written
        for line in trace:
            t, port, *hx = line.split()
            if port == "DIN" and hits[0][0] <= float(t) <= end:
                wire_us += 320 * len(hx)
        span_ms += end - hits[0][0]
    return {"strikes": strikes, "missed": missed, "off_grid": off_grid, "flood": flood,
            "strike_usb": _stats(to_usb), "strike_din": _stats(to_din), "scan_din": _stats(scan_din),
            "din_busy": wire_us / 1000 / span_ms, "vels": vels}


def clock(strikes=200, seed=1, bpm=120, chunk=10):
    """The flood's strikes and knob sweeps again with the controller's MIDI clock on
    (clock_bpm): each tick reaches the USB stack at its time (between the scans) and starts
    on DIN when the wire lets it (knob bytes make way for it, queued notes do not). -> ticks
    on each port, the delay from its time (USB's) to DIN (median, max) and the largest
    deviation of DIN's intervals from the clock's period (ms)."""
    late, dev = [], []
    n_usb = n_din = 0
    period = 2500.0 / bpm
    for k in range(0, strikes, chunk):
        rng = random.Random(seed * 1000 + k)
        events, hits = strike_events(min(chunk, strikes - k), rng)
        events = events + sweep_events(hits[-1][0] + 30)
        trace = run({"board": "pico", "seed": seed + k, "tail_ms": 60, "events": events}, {"clock_bpm": bpm})
        usb = [float(ln.split()[0]) for ln in trace if ln.split()[1:] == ["USB", "0F", "F8", "00", "00"]]
        din = [float(ln.split()[0]) for ln in trace if ln.split()[1:] == ["DIN", "F8"]]
        n_usb += len(usb)
        n_din += len(din)
        late += [d - u for u, d in zip(usb, din)]
        dev += [abs(b - a - period) for a, b in zip(din, din[1:])]
    return {"usb": n_usb, "din": n_din, "late": _stats(late), "dev": max(dev) if dev else float("nan")}


def _stats(xs):
    if not xs:
        return (float("nan"), float("nan"))
    return (statistics.median(xs), max(xs))


def wire(scenario_path=sim.DEMO):
    """DIN bytes for a scenario with running status (the default) and without."""
    with open(scenario_path) as f:
        base = json.load(f)
    out = {}
    with tempfile.TemporaryDirectory(prefix="midictl-bench-") as tmp:
        cfg = os.path.join(tmp, "no_running_status.json")
        with open(cfg, "w") as f:
            json.dump({"din": {"running_status": False}}, f)
        for name, extra in (("running", {}), ("plain", {"config": cfg})):
            s = dict(base)
            s.update(extra)
            trace = run(s)
            lines = [ln.split() for ln in trace if ln.split()[1] == "DIN"]
            out[name] = (sum(len(ln) - 2 for ln in lines), len(lines))
    return out


if __name__ == "__main__":
    print(latency(40))
    print(latency(40, flood=True))
    print(wire())
