"""The firmware's own costs on the host: the whole scan step, the USB output path and the
heap after boot, measured by tools/bench_fwchild.py (tools/bench_fwmem.py the heap) under
the MicroPython Unix port and under CPython (the step and USB path; the heap only means
something under MicroPython).

    measure(steps, msgs, reps) -> {"mpy": {...}, "cpy": {...}}
      ["step"]["idle"|"busy"] = (us per step, heap bytes per step, events, DIN bytes, scans)
      ["done"]["idle"|"busy"] = us per step of the USB transfer completions the host's reads
                run between steps (the firmware's callback chaining the next transfer)
      ["usb"]["port"|"engine"|"engine_off"|"stock"] = (us per message, heap bytes per message)
      ["mem"] = (heap bytes after boot, of which the code that stays loaded) (MicroPython only):
                the firmware's .mpy files (as `make deploy` stages them) imported from the
                filesystem, as on a stock build
      ["mem_rom"] = the same with the firmware imported from a ROMFS image (`make deploy ROMFS=1`):
                its bytecode runs in place from flash
      ["mem_frozen"] = the same with the firmware frozen into the interpreter (measure(frozen=)):
                its bytecode, constants and names in the program image
      ["names"] = (names interned in all after boot from the ROMFS image, how many the qstr pools
                made hold, entries of the next pool) (MicroPython only)
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = os.path.join(ROOT, "tools", "bench_fwchild.py")
# the reads between scans (a script of its own: see its header)
PEEK = os.path.join(ROOT, "tools", "bench_fwpeek.py")
# a note repeat's steps (the same)
REPEAT = os.path.join(ROOT, "tools", "bench_fwrepeat.py")
# the heap after boot (the same, and short: see its header)
MEM = os.path.join(ROOT, "tools", "bench_fwmem.py")
PATHS = [os.path.join(ROOT, "firmware"), os.path.join(ROOT, "tools", "simboard"), os.path.join(ROOT, "tools")]


def micropython():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    return here if os.path.exists(here) else "micropython"


def _run(interp, args, firmware=None, script=CHILD, prog=None):
    """firmware: a folder holding the midictl package to import instead of firmware/'s
    (".frozen": the modules frozen into `prog`, a MicroPython of tools/mpbuild.py's)."""
    env = dict(os.environ)
    if interp == "mpy":
        env["MICROPYPATH"] = ":".join([firmware or PATHS[0]] + PATHS[1:])
        cmd = [prog or micropython(), "-X", "heapsize=32M", script]
    else:
        env["PYTHONPATH"] = os.pathsep.join(PATHS)
        cmd = [sys.executable, script]
    r = subprocess.run(cmd + [str(a) for a in args] + [ROOT], capture_output=True, text=True, env=env,
                       timeout=600, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError("%s %s failed:\n%s%s" % (interp, " ".join(map(str, args)), r.stdout, r.stderr))
    # (and MicroPython's own "qstr pool: n_pool=5, n_qstr=357, ..." as a row of its numbers)
    return [ln.split("|")[1:] if ln.startswith("ROW|") else ["qstr"] + [x.split("=")[1] for x in ln[11:].split(", ")]
            for ln in r.stdout.splitlines() if ln.startswith(("ROW|", "qstr pool: "))]


def mpy_tree():
    """The firmware compiled for this machine as `make deploy` stages it for a board: .mpy
    files named by their place on the board (x64 native code for the viper helpers, as
    tools/bench_boot.py does); returns the folder (kept for the rest of this process)."""
    import atexit
    import shutil
    import tempfile

    import bench_boot

    d = tempfile.mkdtemp(prefix="midictl-mpy-bench-")
    atexit.register(shutil.rmtree, d, True)
    bench_boot.compile_tree(d)
    return d


def romfs_image():
    """The firmware compiled for this machine (x64 native code, as tools/bench_boot.py does)
    in a ROMFS image built the way `make deploy ROMFS=1` builds the board's; returns its path
    (a file kept for the rest of this process)."""
    import atexit
    import shutil
    import tempfile

    import bench_boot
    import deploy

    d = tempfile.mkdtemp(prefix="midictl-romfs-bench-")
    atexit.register(shutil.rmtree, d, True)
    bench_boot.compile_tree(os.path.join(d, "fw"))
    path = os.path.join(d, "midictl.romfs")
    with open(path, "wb") as f:
        f.write(deploy.romfs_image(os.path.join(d, "fw")))
    return path


# The busy step's time moves by a few tenths of a us from one run to the next on this kind
# of machine, more than the best-of-reps inside one process evens out (each process has
# its own heap layout, and the machine its own moods). So under MicroPython the step is
# timed in several processes, each first allocating this many bytes and keeping them (its
# objects at other addresses), and the median is the figure, with the range beside it;
# every run must play the same events and bytes.
LAYOUTS = (0, 160, 416, 928, 1952)


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def measure(steps=20000, msgs=20000, reps=3, layouts=LAYOUTS, frozen=None):
    """frozen: the path of a MicroPython with the firmware frozen in (tools/mpbuild.py unix),
    for ["mem_frozen"]."""
    out = {}
    for interp in ("mpy", "cpy"):
        res = {"step": {}, "usb": {}, "mem": -1, "spread": {}, "layouts": 1}
        per = {}
        scans = []
        pads = layouts if interp == "mpy" else (0,)
        for pad in pads:
            for row in _run(interp, ["step", steps, reps, pad]):
                if row[0] == "note_scan":  # the scans deciding a strike, each one's time in order;
                    # and each one's time to its first UART write
                    scans.append(([int(x) for x in row[1].split(",")], [int(x) for x in row[2].split(",")]))
                    continue
                _, name, us, alloc, events, din, nscans, done = row
                per.setdefault(name, []).append((float(us), float(alloc), int(events), int(din), int(nscans)))
                res.setdefault("done", {}).setdefault(name, []).append(float(done))
        if interp == "mpy":  # a pad read again between scans: us, heap B (one run per layout)
            peeks = [_run(interp, [steps, reps, pad], script=PEEK) for pad in pads]
            res["peek"] = (_median([float(x[0][1]) for x in peeks]), max(float(x[0][2]) for x in peeks))
            res["mid"] = (_median([float(x[1][1]) for x in peeks]), max(float(x[1][2]) for x in peeks),
                          int(peeks[0][1][3]))
            # pads rolling -> (us added to the step's scan, heap B a step, steps, notes)
            res["repeat"] = {int(r[1]): (float(r[2]), float(r[3]), int(r[4]), int(r[5]))
                             for r in _run(interp, [max(1, steps // 4000)], script=REPEAT)}
        for name, rows in per.items():
            if len({r[2:] for r in rows}) != 1:
                raise RuntimeError("the %s step played differently in different heap layouts: %s" % (name, rows))
            us = [r[0] for r in rows]
            res["step"][name] = (_median(us), max(r[1] for r in rows)) + rows[0][2:]
            res["spread"][name] = (min(us), max(us))
            res["done"][name] = _median(res["done"][name])
        res["layouts"] = len(pads)
        if scans:
            # A single scan timed once on this machine is now and then several times its cost
            # (the system taking the core away meanwhile). Every layout's run decides the same
            # strikes in the same scans, so each scan's least time over the runs is its own
            # cost; the median and the maximum are over those.
            if len({len(t) for t, _ in scans}) != 1:
                raise RuntimeError("the layouts' runs decided different numbers of strikes: %s"
                                   % [len(t) for t, _ in scans])
            took = sorted(min(t[i] for t, _ in scans) for i in range(len(scans[0][0])))
            wrote = sorted(min(w[i] for _, w in scans) for i in range(len(scans[0][1])))
            res["note_scan"] = (_median(took), took[-1], len(took), len(scans))
            res["note_din"] = (_median(wrote), wrote[-1])
        for row in _run(interp, ["usb", msgs, reps]):
            _, name, us, alloc = row
            res["usb"][name] = (float(us), float(alloc))
        if interp == "mpy":
            (_, total, modules), names = _run(interp, [], mpy_tree(), script=MEM)
            res["mem"] = (int(total), int(modules))
            (_, total, modules), names = _run(interp, [romfs_image()], script=MEM)
            # the names interned in all after boot, and how many the pools made hold
            # (20, 40, ... each twice the one before: MicroPython's qstr pools)
            n, pools = int(names[2]), int(names[1])
            res["names"] = (n, sum(20 << i for i in range(pools)), 20 << pools)
            res["mem_rom"] = (int(total), int(modules))
            if frozen:
                # (the same script, no argument: a line more in it moves the rows above, as its
                # header says; with only .frozen and the simulator's folders on the path, the
                # midictl it imports can only be the interpreter's own)
                (_, total, modules), _names = _run(interp, [], ".frozen", script=MEM, prog=frozen)
                res["mem_frozen"] = (int(total), int(modules))
        out[interp] = res
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(measure(4000, 4000, 2), indent=1))
