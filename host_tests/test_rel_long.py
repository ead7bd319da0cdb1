"""Long run (issue 7): a simulated hour of dense playing, with no growth of the heap in use
and no loss of scan rate, and at the end nothing left sounding.

Two seeded performances, one MicroPython process each, side by side:
  - the default config (seed 21) for REL_LONG_S simulated seconds, default 3600: one
    continuous hour;
  - the note-button config (seed 22) with the MIDI clock and a note repeat (held, swung)
    for REL_LONG_NOTE_S, default 600: ten minutes.
Every 10 s of simulated time the runner collects garbage and records the heap in use and the
scan count; the trace is checked line by line while it is written.

An hour of simulation takes about 4 minutes of one core. So that it runs while the rest of
the suite does, conftest.py starts both performances in the background as soon as pytest has
collected this module, and moves this module's test to the end of the run, where it waits
for them. The plan of an hour of dense playing takes ~145 MB of the simulator's MicroPython
heap, and the runner keeps twice the plan file's size (~60 MB) free in front of it
(rel_run.load_plan): the heap is sized 16 MB + SECONDS/15 MB.

`make soak` is longer: two continuous simulated hours of the default config and a full hour
of the note-button config (about 15 minutes on two cores):

    REL_LONG_S=7200 REL_LONG_NOTE_S=3600 .venv/bin/python -m pytest -q host_tests/test_rel_long.py
"""
import json
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import rel_perform
import rel_sim
from test_rel_stuck import NOTE_BUTTON
from trace_check import Follower

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = int(os.environ.get("REL_LONG_S", "3600"))
NOTE_SECONDS = int(os.environ.get("REL_LONG_NOTE_S", "600"))
# the note buttons' config with the MIDI clock and a held note repeat, swung, in place of
# the octave button: the clock's ticks all along, rolls while it is held
NOTE_REPEAT = dict(NOTE_BUTTON, clock_bpm=140, controls=dict(
    NOTE_BUTTON["controls"], button2={"type": "note_repeat", "rate": "1/16", "swing": 58}))
JOBS = [(21, None, SECONDS), (22, NOTE_REPEAT, NOTE_SECONDS)]  # seed, config, simulated seconds
SAMPLE_US = 10000000
GAP_MS = 10  # a new action every 10 ms on average: pads, chords, buttons, knobs, encoders
# The heap figure carries the simulator's own last 100 ms of trace lines (+-12 KB of noise);
# a leak of one byte per scan would add 600,000 bytes in 10 minutes, 3,600,000 in an hour.
LEAK_BYTES = 16384


class Background:
    """The two performances, started once (start() is idempotent) on two threads, each
    driving its MicroPython process; stop() ends whatever still runs (the session ending
    early must not wait for an hour of simulation)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.futures = None
        self.procs = []
        self.stopped = False
        self.dir = None
        self.ex = None

    def start(self):
        with self.lock:
            if self.futures is not None:
                return
            self.dir = tempfile.mkdtemp(prefix="midictl-long-")
            self.ex = ThreadPoolExecutor(max_workers=len(JOBS))
            self.futures = [self.ex.submit(self._one, k) for k in range(len(JOBS))]

    def _started(self, proc):
        with self.lock:
            self.procs.append(proc)
            if self.stopped:
                proc.kill()

    def _one(self, k):
        seed, cfg, seconds = JOBS[k]
        with open(os.path.join(ROOT, "boards", "pico.json")) as f:
            board = json.load(f)
        p = rel_perform.Performer(board, seed, mean_gap_ms=GAP_MS)
        p.play(seconds * 1000 // GAP_MS)
        w = os.path.join(self.dir, "run%d" % k)
        os.makedirs(w)
        follow = Follower()
        plan, brd, cfg_text = rel_sim.prepare(w, {"seed": seed, "tail_ms": 500, "events": p.events}, cfg)
        if self.stopped:
            raise RuntimeError("stopped before it started")
        r = rel_sim.run_plan(plan, brd, cfg_text, {"sample_every_us": SAMPLE_US},
                             heapsize="%dM" % (16 + seconds // 15), timeout=seconds + 600, follow=follow,
                             on_start=self._started)
        r.end_us = plan["end_us"]  # the performance's random gaps make it end near, not at, `seconds`
        return r, follow

    def results(self):
        self.start()
        return [f.result() for f in self.futures]

    def stop(self):
        with self.lock:
            self.stopped = True
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
        if self.ex is not None:
            self.ex.shutdown(wait=True, cancel_futures=True)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


BACKGROUND = Background()


@pytest.fixture(scope="module")
def runs():
    return BACKGROUND.results()


@pytest.mark.parametrize("k", [0, 1], ids=["default", "note-button"])
def test_long_dense_run_keeps_heap_and_scan_rate(runs, k):
    run, follow = runs[k]
    seconds = JOBS[k][2]
    st = run.stats
    assert st["ended"] == "end" and st["errors"] == 0, run.log[-2000:]
    assert rel_sim.LOOP_ERROR not in run.log
    assert st["din"]["dropped"] == 0 and st["nsounding"] == 0
    assert st["uart_blocked_us"] == 0
    samples = st["samples"]
    # a sample every 10 s up to the end of the performance
    assert len(samples) >= run.end_us // SAMPLE_US - 1 and run.end_us > seconds * 900000
    for t_us, _heap, scans, errors, _pend, _drop in samples:
        assert scans == t_us // 1000 + 1, (t_us, scans)  # not one scan lost
        assert errors == 0
    heap = [s[1] for s in samples[2:]]  # after the first 20 s (every path taken once)
    third = max(1, len(heap) // 3)
    early = sum(heap[:third]) / third
    late = sum(heap[-third:]) / third
    assert late - early < LEAK_BYTES, (early, late)
    assert max(heap) - min(heap) < 4 * LEAK_BYTES, heap
    # dense playing all the way, every byte valid, nothing left sounding on either port
    assert follow.lines > seconds * 500
    assert follow.note_ons["DIN"] > seconds * 10
    assert follow.sounding("DIN") == set() and follow.sounding("USB") == set()
