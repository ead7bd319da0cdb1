"""Encoder benchmark: midictl.midi.encode vs adafruit_midi vs mido.

One run measures both interpreters: the MicroPython Unix port (ours and
adafruit_midi, in a subprocess; mido does not run there) and CPython (all three).
Times are microseconds per message with the bare loop's own cost subtracted;
heap bytes per message are MicroPython's micropython.mem_total() growth over a batch of
calls: every byte taken from the heap, freed or not (an interpreted call's frame too, when
it is too big for the C stack), in the heap's blocks.

What each side does per message, the least it takes to get the wire bytes:
  ours           encode.<fn>(buf, 0, ...) into a preallocated bytearray
  adafruit_midi  construct the message object and call __bytes__() (what MIDI.send
                 does; bytes(obj) does not call __bytes__ under MicroPython)
  mido           mido.Message(...).bytes()
A 14-bit CC is two Control Change messages for the libraries that lack it.

    python tools/bench_encode.py        # prints the Markdown table
    tools/bench.py calls run() -> str
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
CASES = ("Note On", "CC", "Pitch Bend", "14-bit CC", "SysEx 32 B")
# Under MicroPython a case's three runs follow one another within some 20 ms, and on this kind
# of machine a disturbance now and then outlasts them all (a Note On at 0.53 us in one
# process, 0.30 in the others, whatever the heap's layout): the bench runs in MPY_RUNS
# processes, and each figure is the least of theirs, as within a process.
MPY_RUNS = 3

# Runs unchanged under both interpreters: `clock()` returns microseconds.
_BENCH = r'''
import gc
import sys

from midictl.midi import encode as e
from adafruit_midi.note_on import NoteOn
from adafruit_midi.control_change import ControlChange
from adafruit_midi.pitch_bend import PitchBend
from adafruit_midi.system_exclusive import SystemExclusive

MPY = sys.implementation.name == "micropython"
if MPY:
    import time
    def clock():
        return time.ticks_us()
    def elapsed(t0, t1):
        return time.ticks_diff(t1, t0)
else:
    import time
    def clock():
        return time.perf_counter_ns() // 1000
    def elapsed(t0, t1):
        return t1 - t0

buf = bytearray(64)
payload = bytearray(range(32))
mid = bytes(payload[:1])
data = bytes(payload[1:])


def ours_note(n):
    f = e.note_on
    for i in range(n):
        f(buf, 0, 3, 60, 100)


def ours_cc(n):
    f = e.control_change
    for i in range(n):
        f(buf, 0, 3, 74, 100)


def ours_bend(n):
    f = e.pitch_bend
    for i in range(n):
        f(buf, 0, 3, 12000)


def ours_cc14(n):
    f = e.control_change_14bit
    for i in range(n):
        f(buf, 0, 3, 1, 12000)


def ours_sysex(n):
    f = e.sysex
    for i in range(n):
        f(buf, 0, payload)


def ada_note(n):
    for i in range(n):
        NoteOn(60, 100, channel=3).__bytes__()


def ada_cc(n):
    for i in range(n):
        ControlChange(74, 100, channel=3).__bytes__()


def ada_bend(n):
    for i in range(n):
        PitchBend(12000, channel=3).__bytes__()


def ada_cc14(n):
    for i in range(n):
        ControlChange(1, 12000 >> 7, channel=3).__bytes__()
        ControlChange(33, 12000 & 127, channel=3).__bytes__()


def ada_sysex(n):
    for i in range(n):
        SystemExclusive(mid, data).__bytes__()


def empty(n):
    for i in range(n):
        pass


def per_call_us(fn, n):
    best = None
    for _ in range(3):  # best of three: the least disturbed run
        t0 = clock()
        fn(n)
        t = elapsed(t0, clock())
        if best is None or t < best:
            best = t
    return best / n


def heap_per_call(fn, n):
    # every byte taken from the heap, freed or not (a call's frame too, when it is too big for
    # the C stack: see firmware/ARCHITECTURE.md, Conventions)
    if not MPY:
        return -1
    import micropython

    gc.collect()
    a = micropython.mem_total()
    fn(n)
    b = micropython.mem_total()
    return (b - a) / n


N = NCALLS
base = per_call_us(empty, N)
pairs = (("Note On", ours_note, ada_note), ("CC", ours_cc, ada_cc), ("Pitch Bend", ours_bend, ada_bend),
         ("14-bit CC", ours_cc14, ada_cc14), ("SysEx 32 B", ours_sysex, ada_sysex))
for name, ours, ada in pairs:
    o = per_call_us(ours, N) - base
    a = per_call_us(ada, N) - base
    print("ROW|%s|%.3f|%.3f|%.1f|%.1f" % (name, o, a, heap_per_call(ours, 1000), heap_per_call(ada, 1000)))
'''


def _stage_adafruit(tmp):
    """A copy of just adafruit_midi's files, importable by both interpreters."""
    import adafruit_midi

    src = os.path.dirname(adafruit_midi.__file__)
    dst = os.path.join(tmp, "adafruit_midi")
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    # Beyond itself adafruit_midi imports only `typing`, inside try/except ImportError,
    # so MicroPython needs no stubs.
    return tmp


def _micropython():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    return here if os.path.exists(here) else shutil.which("micropython")


def _parse(out):
    rows = {}
    for line in out.splitlines():
        if line.startswith("ROW|"):
            _, name, o, a, ho, ha = line.split("|")
            rows[name] = (float(o), float(a), float(ho), float(ha))
    return rows


def _mido_us(n):
    import mido

    payload = list(range(32))

    def cc(control, value):
        return mido.Message("control_change", channel=3, control=control, value=value).bytes()

    cases = {
        "Note On": lambda: mido.Message("note_on", channel=3, note=60, velocity=100).bytes(),
        "CC": lambda: mido.Message("control_change", channel=3, control=74, value=100).bytes(),
        "Pitch Bend": lambda: mido.Message("pitchwheel", channel=3, pitch=12000 - 8192).bytes(),
        "14-bit CC": lambda: (cc(1, 12000 >> 7), cc(33, 12000 & 127)),
        "SysEx 32 B": lambda: mido.Message("sysex", data=payload).bytes(),
    }
    res = {}
    for name, fn in cases.items():
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            for _i in range(n):
                fn()
            t = (time.perf_counter() - t0) * 1e6 / n
            best = t if best is None or t < best else best
        res[name] = best
    return res


def measure(n_mpy=20000, n_cpy=20000):
    """Returns {"mpy": rows, "cpy": rows, "mido": {...}}; rows[name] =
    (ours_us, adafruit_us, ours_heap_B, adafruit_heap_B)."""
    with tempfile.TemporaryDirectory() as tmp:
        _stage_adafruit(tmp)
        script = os.path.join(tmp, "bench_encode_run.py")
        env = dict(os.environ, MICROPYPATH=FIRMWARE + ":" + tmp)
        runs = []
        with open(script, "w") as f:
            f.write(_BENCH.replace("NCALLS", "%d" % n_mpy))
        for _ in range(MPY_RUNS):
            r = subprocess.run([_micropython(), "-X", "heapsize=16M", script], capture_output=True, text=True,
                               env=env, timeout=600)
            if r.returncode:
                raise RuntimeError("micropython bench failed:\n" + r.stdout + r.stderr)
            runs.append(_parse(r.stdout))
        # each figure the least of the processes' (the heap figures are the same in each)
        mpy = {name: tuple(min(run[name][k] for run in runs) for k in range(4)) for name in CASES}
        with open(script, "w") as f:
            f.write(_BENCH.replace("NCALLS", "%d" % n_cpy))
        env = dict(os.environ, PYTHONPATH=FIRMWARE + os.pathsep + tmp)
        r = subprocess.run([sys.executable, script], capture_output=True, text=True, env=env, timeout=600)
        if r.returncode:
            raise RuntimeError("cpython bench failed:\n" + r.stdout + r.stderr)
        cpy = _parse(r.stdout)
    return {"mpy": mpy, "cpy": cpy, "mido": _mido_us(n_cpy // 4)}


def _fmt(x):
    return "%.2f" % x


def table(res):
    lines = [
        "| message | interpreter | ours µs | adafruit_midi µs | mido µs | adafruit / ours "
        "| ours heap B/msg | adafruit heap B/msg |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CASES:
        o, a, ho, ha = res["mpy"][name]
        lines.append("| %s | MicroPython %s | %s | %s | n/a | %.1fx | %d | %d |"
                     % (name, _mpy_version(), _fmt(o), _fmt(a), a / o, round(ho), round(ha)))
    for name in CASES:
        o, a, _ho, _ha = res["cpy"][name]
        lines.append("| %s | CPython %d.%d | %s | %s | %s | %.1fx | - | - |"
                     % (name, sys.version_info[0], sys.version_info[1], _fmt(o), _fmt(a),
                        _fmt(res["mido"][name]), a / o))
    return "\n".join(lines)


_VERSION = []


def _mpy_version():
    if not _VERSION:
        code = "import sys; print('%d.%d' % sys.implementation.version[:2])"
        r = subprocess.run([_micropython(), "-c", code], capture_output=True, text=True, timeout=60)
        _VERSION.append(r.stdout.strip() or "?")
    return _VERSION[0]


def run():
    """The Markdown table, for tools/bench.py."""
    return table(measure())


if __name__ == "__main__":
    print(run())
