# The reads between scans, timed under MicroPython (tools/bench_fw.py runs it beside
# bench_fwchild.py, whose helpers it uses):
#
#   bench_fwpeek.py READS REPS PAD ROOT    us per read of one pad collecting a strike's
#                                          peak, and per mid-period read of every idle piezo
#                                          pad, on the register path, and heap bytes per read
#
# A script of its own, not a run of bench_fwchild.py: every name in that file is interned
# before the memory row's baseline, and one more there moves where the firmware's names
# and their text fall in the interpreter's tables after it (0.4 to 0.7 KB on the ROMFS
# row when this code sat in it).
import gc
import sys
from array import array
from time import ticks_diff, ticks_us  # type: ignore[attr-defined]

import bench_fwchild as child


def _time(peak, sample, w, n, reps, clock):
    """Best of reps runs of n reads of the pads of bitmap w as the loop makes them
    (peak(sample(w), w, now), inline: a call more would be timed too): us a read (the
    clock's cost taken off), and heap bytes a read."""
    import micropython

    a = micropython.mem_total()  # type: ignore[attr-defined]
    for _ in range(n):
        peak(sample(w), w, 0)
    alloc = micropython.mem_total() - a  # type: ignore[attr-defined]
    best = None
    for _ in range(reps):
        gc.collect()
        total = 0
        for _ in range(n):
            t0 = ticks_us()
            peak(sample(w), w, 0)
            total += ticks_diff(ticks_us(), t0)
        if best is None or total < best:
            best = total
    return best / n - clock, alloc / n


def run(ctl, n, reps, clock):
    """Between scans (Controller._run), the pads collecting a strike's peak are read again
    every 0.125 ms, and at mid-period every idle piezo pad: us a read, as the loop makes it
    (hw.sample, then PadGroup.peak), on the register path, and heap bytes a read, for one
    pad collecting its peak (put in that state directly, as the crossing scan of a strike
    leaves it), then for the mid-period read with nothing struck. Prints
    ROW|peek|<us>|<heap B> and ROW|mid|<us>|<heap B>|<pads read>."""
    pads = ctl.pads
    hw = ctl.hw
    pads._pb[5 * 13] = 1  # pad 6 collecting its peak (its state, the first of its 13 bytes: pads._WINDOW)
    pads._active |= 1 << 5
    w = pads.pending(0)
    if w != 1 << 5:
        raise RuntimeError("PadGroup.pending(0) is not the one pad collecting a peak: %r" % w)
    peak = pads.peak
    sample = hw.sample
    us, alloc = _time(peak, sample, w, n, reps, clock)
    print("ROW|peek|%.3f|%.3f" % (us, alloc))
    pads._pb[5 * 13] = 0  # pads._IDLE
    pads._active &= ~(1 << 5)
    a = pads.pending(1)
    if pads.pending(0) or not a:
        raise RuntimeError("PadGroup.pending(1) is not the idle piezo pads alone: %r" % a)
    us, alloc = _time(peak, sample, a, n, reps, clock)
    if pads._active:
        raise RuntimeError("the mid-period read struck a pad: %r" % pads._active)
    print("ROW|mid|%.3f|%.3f|%d" % (us, alloc, bin(a).count("1")))


def main():
    _pad = bytearray(int(sys.argv[3]))  # noqa: F841  (kept: the objects below at other addresses)
    n = int(sys.argv[1])
    reps = int(sys.argv[2])
    import uctypes

    ctl, itf = child.build(child.board(), 0, False)
    regs = array("I", [0, 0, 0x100, 0])  # read_block's "registers": CS reads READY, RESULT 0
    base = uctypes.addressof(regs)
    ctl.hw.use_registers(base, base + 4, base + 8, base + 12, 0)
    for t in range(200):  # boot: the power-on All Notes Off, the filters settle
        ctl.step(t * 1000, t)
        child.host_reads(itf)
    loop = None  # the clock's own cost
    for _ in range(reps):
        total = 0
        for _ in range(n):
            t0 = ticks_us()
            total += ticks_diff(ticks_us(), t0)
        if loop is None or total < loop:
            loop = total
    run(ctl, n, reps, loop / n)


main()
