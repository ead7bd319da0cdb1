"""Benchmark of one steady-state controls step of the reference layout (16 pads, one
knob read, the bend stick, 2 encoders, 4 buttons), timed under the MicroPython Unix port.

run() -> str: Markdown lines for `make bench`. The layout and its step come from
host_tests/dual/test_ctl_workload.py (the same workload the allocation test locks the
heap on). The chip estimate assumes interpreted MicroPython on a 125 MHz RP2040 is ~100x
slower than the Unix port on the host.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 20000
CHIP_FACTOR = 100

_CHILD = """
import time
from test_ctl_signals import CountSink
from test_ctl_workload import RefLayout

def timed(hit, move):
    lay = RefLayout(CountSink())
    step = lay.step
    best = None
    for rep in range(5):
        t0 = time.ticks_us()
        for t in range(1000, 1000 + %d):
            step(t, hit, move)
        dt = time.ticks_diff(time.ticks_us(), t0)
        if best is None or dt < best:
            best = dt
    # the loop and the call itself, without the work
    t0 = time.ticks_us()
    for t in range(1000, 1000 + %d):
        pass
    return best, time.ticks_diff(time.ticks_us(), t0)

for name, hit, move in (("idle", False, False), ("busy", True, True)):
    best, loop = timed(hit, move)
    print(name, best, loop)
"""


def _micropython():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    return here if os.path.exists(here) else "micropython"


def measure(steps=STEPS):
    """-> {"idle": us_per_step, "busy": us_per_step} under the MicroPython Unix port."""
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([os.path.join(ROOT, "firmware"), os.path.join(ROOT, "host_tests", "dual")])
    r = subprocess.run([_micropython(), "-X", "heapsize=4M", "-c", _CHILD % (steps, steps)],
                       capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError("micropython failed: " + (r.stderr or r.stdout).strip())
    out = {}
    for line in r.stdout.splitlines():
        name, best, loop = line.split()
        out[name] = max(0, int(best) - int(loop)) / steps
    return out


def run():
    m = measure()
    lines = [
        "### Controls step (reference layout: 16 pads, 1 knob read, stick, 2 encoders, 4 buttons)",
        "",
        "| state | us per step (MicroPython Unix port) | RP2040 estimate (x%d) |" % CHIP_FACTOR,
        "|---|---|---|",
    ]
    for name, label in (("idle", "idle"), ("busy", "pad strike + knob move in progress")):
        us = m[name]
        lines.append("| %s | %.2f | %.0f us |" % (label, us, us * CHIP_FACTOR))
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
