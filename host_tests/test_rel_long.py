"""Long run (issue 7): dense playing for a long simulated stretch, with no growth of the heap
in use and no loss of scan rate, and at the end nothing left sounding.

Two seeded performances of REL_LONG_S simulated seconds each (default 240: eight simulated
minutes in all) run side by side, one MicroPython process each; about 60 s on two cores.
Every 10 s the runner collects garbage and records the heap in use and the scan count.

A full simulated hour per run, opt-in (`make soak`; about 7 minutes on two cores; the plan of an hour of
dense playing takes ~115 MB of the simulator's MicroPython heap, which is sized 16 MB +
SECONDS/25 MB):

    REL_LONG_S=3600 .venv/bin/python -m pytest -q host_tests/test_rel_long.py
"""
import json
import os

import pytest

import rel_perform
import rel_sim
from test_rel_stuck import NOTE_BUTTON
from trace_check import Follower

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = int(os.environ.get("REL_LONG_S", "240"))
SAMPLE_US = 10000000
GAP_MS = 10  # a new action every 10 ms on average: pads, chords, buttons, knobs, encoders
# The heap figure carries the simulator's own last 100 ms of trace lines (+-12 KB of noise);
# a leak of one byte per scan would add 240,000 bytes in 4 minutes.
LEAK_BYTES = 16384


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    with open(os.path.join(ROOT, "boards", "pico.json")) as f:
        board = json.load(f)
    d = tmp_path_factory.mktemp("long")
    jobs = [(21, None), (22, NOTE_BUTTON)]

    def one(k):
        seed, cfg = jobs[k]
        p = rel_perform.Performer(board, seed, mean_gap_ms=GAP_MS)
        p.play(SECONDS * 1000 // GAP_MS)
        w = os.path.join(str(d), "run%d" % k)
        os.makedirs(w)
        follow = Follower()
        plan, brd, cfg_text = rel_sim.prepare(w, {"seed": seed, "tail_ms": 500, "events": p.events}, cfg)
        r = rel_sim.run_plan(plan, brd, cfg_text, {"sample_every_us": SAMPLE_US},
                             heapsize="%dM" % (16 + SECONDS // 25), timeout=SECONDS + 600, follow=follow)
        r.end_us = plan["end_us"]  # the performance's random gaps make it end near, not at, SECONDS
        return r, follow

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as ex:
        return list(ex.map(one, range(len(jobs))))


@pytest.mark.parametrize("k", [0, 1], ids=["default", "note-button"])
def test_long_dense_run_keeps_heap_and_scan_rate(runs, k):
    run, follow = runs[k]
    st = run.stats
    assert st["ended"] == "end" and st["errors"] == 0, run.log[-2000:]
    assert rel_sim.LOOP_ERROR not in run.log
    assert st["din"]["dropped"] == 0 and st["nsounding"] == 0
    assert st["uart_blocked_us"] == 0
    samples = st["samples"]
    # a sample every 10 s up to the end of the performance
    assert len(samples) >= run.end_us // SAMPLE_US - 1 and run.end_us > SECONDS * 900000
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
    assert follow.lines > SECONDS * 500
    assert follow.note_ons["DIN"] > SECONDS * 10
    assert follow.sounding("DIN") == set() and follow.sounding("USB") == set()
