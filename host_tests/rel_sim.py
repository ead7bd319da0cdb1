"""The reliability suite's way into the simulator (CPython side).

A scenario dict goes through tools/sim.py's own checker and compiler (sim.prepare), then the
real firmware boots under the MicroPython Unix port on tools/simboard through
host_tests/rel_run.py, which is tools/simboard/run.py plus test-only hooks (UART faults, an
exception in the scan, heap and scan-rate samples) and a streamed trace.

    r = run(tmp_path, {"events": [...]}, config={...}, hooks={"uart_raise": [[t0, t1]]})
    r.trace   the trace as the simulator contract writes it ("12.000 USB 09 99 24 65")
    r.log     what the firmware printed, then the simulator's own "sim:" lines
    r.stats   counters from the runner (scans, errors, din/usb figures, samples, ...)
"""
import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "host_tests", "rel_run.py")
LOOP_ERROR = "error in the scan loop"


class Run:
    def __init__(self, trace, log, stats, plan):
        self.trace = trace
        self.log = log
        self.stats = stats
        self.plan = plan

    def port(self, name):
        return [ln for ln in self.trace if ln.split()[1] == name]


def prepare(workdir, scenario, config=None):
    """Write the scenario (and its config) into workdir; return sim.prepare's (plan, board, cfg_text)."""
    s = dict(scenario)
    if config is not None:
        cpath = os.path.join(workdir, "config.in.json")
        with open(cpath, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        s["config"] = cpath
    spath = os.path.join(workdir, "scenario.json")
    with open(spath, "w") as f:
        f.write(json.dumps(s))  # (json.dump streams through the slow Python encoder)
    return sim.prepare(spath)


def run_plan(plan, board, cfg_text, hooks=None, heapsize="16M", timeout=600, config_text_raw=None, plan_extra=None,
             follow=None, on_start=None):
    """Boot the firmware on a compiled plan. cfg_text goes to the board's config.json as is;
    plan_extra overrides plan fields (e.g. {"usb_initial": False}: no host from power-on);
    follow: a trace_check.Follower that reads the trace as it is parsed, none of it kept;
    on_start(process): told the MicroPython process once it runs (to end it early).
    The trace is read while the simulator writes it, so a long run's checks keep pace."""
    plan = dict(plan)
    plan.update(plan_extra or {})
    plan["rel"] = hooks or {}
    with tempfile.TemporaryDirectory(prefix="midictl-rel-") as fs:
        with open(os.path.join(fs, "board.json"), "w") as f:
            json.dump(board, f)
        text = config_text_raw if config_text_raw is not None else cfg_text
        if text is not None:
            with open(os.path.join(fs, "config.json"), "w") as f:
                f.write(text)
        plan_path = os.path.join(fs, "..plan.json")
        with open(plan_path, "w") as f:
            f.write(json.dumps(plan))  # (json.dump streams through the slow Python encoder)
        out = os.path.join(fs, "..trace.txt")
        env = dict(os.environ)
        env["MICROPYPATH"] = ":".join(os.path.join(ROOT, p) for p in ("tools/simboard", "firmware", "host_tests"))
        trace = []

        def take(lines):
            for ln in lines:
                if ln.strip():
                    if follow is not None:
                        follow.feed(ln)
                    else:
                        trace.append(ln)

        with open(os.path.join(fs, "..stdout"), "w+") as so, open(os.path.join(fs, "..stderr"), "w+") as se:
            proc = subprocess.Popen([sim.micropython_binary(), "-X", "heapsize=" + heapsize, RUNNER, plan_path, out,
                                     os.path.join(ROOT, "firmware")], cwd=fs, env=env, stdout=so, stderr=se)
            if on_start is not None:
                on_start(proc)
            deadline = time.monotonic() + timeout
            pos = 0
            rest = ""
            while True:
                if follow is None:  # nothing to keep pace with: read it all at the end
                    try:
                        proc.wait(timeout=timeout)
                    except subprocess.TimeoutExpired:
                        pass
                ended = proc.poll() is not None
                if os.path.exists(out):
                    with open(out) as f:
                        f.seek(pos)
                        got = f.read()
                        pos = f.tell()
                    lines = (rest + got).split("\n")
                    rest = lines.pop()  # not a whole line yet
                    take(lines)
                if ended:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise subprocess.TimeoutExpired(proc.args, timeout)
                try:
                    proc.wait(timeout=0.5)  # back at once when it ends
                except subprocess.TimeoutExpired:
                    pass
            take([rest])
            so.seek(0)
            se.seek(0)
            stdout, stderr = so.read(), se.read()
        if proc.returncode != 0 or not os.path.exists(out + ".stats"):
            raise AssertionError("the firmware crashed in the simulator:\n" + stdout[-4000:] + stderr[-4000:])
        with open(out + ".stats") as f:
            stats = json.load(f)
    log = stdout + "".join("sim: %s\n" % ln for ln in stats["log"])
    return Run(trace, log, stats, plan)


def run(workdir, scenario, config=None, hooks=None, **kw):
    plan, board, cfg_text = prepare(str(workdir), scenario, config)
    return run_plan(plan, board, cfg_text, hooks, **kw)


def run_many(workdir, jobs, workers=2):
    """jobs: list of (scenario, config, hooks); each in its own MicroPython process, `workers` at a time."""
    def one(k):
        s, c, h = jobs[k]
        d = os.path.join(str(workdir), "job%d" % k)
        os.makedirs(d, exist_ok=True)
        return run(d, s, c, h)

    with ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(one, range(len(jobs))))
