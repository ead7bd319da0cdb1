# A note repeat's steps, timed under MicroPython (tools/bench_fw.py runs it beside
# bench_fwchild.py, whose helpers it uses):
#
#   bench_fwrepeat.py SECONDS ROOT     us a note repeat's step adds to the scan that sends its
#                                      clock tick, with 1, 4 and 16 pads rolling, and heap
#                                      bytes allocated by those scans
#
# The reference layout with the controller's clock at 125 bpm (a tick every 20 ms) and a
# note repeat button latched at 1/32 (a step every 3 ticks, 60 ms), on the register path:
# the pads rolling are put in the roll directly (as strikes while the repeat is on leave
# them), each at velocity 100; every step then sends each one's Note On, and its Note Off
# a gate later (counted: the Note Ons and Offs sent on USB, less the ticks, halved). The
# scan of a step is compared with the scan just before it (no tick: nothing but the rest
# of the scan). A script of its own: see bench_fwpeek.py.
import gc
import sys
from array import array
from time import ticks_diff, ticks_us  # type: ignore[attr-defined]

import bench_fwchild as child

_CFG = {"clock_bpm": 125, "controls": {"button3": {"type": "note_repeat", "rate": "1/32", "latch": True}}}


def main():
    import micropython
    import uctypes

    seconds = int(sys.argv[1])
    ctl, itf = child.build(child.board(), 0, False, _CFG)
    regs = array("I", [0, 0, 0x100, 0])  # read_block's "registers": CS reads READY, RESULT 0
    ctl.hw.use_registers(uctypes.addressof(regs), uctypes.addressof(regs) + 4, uctypes.addressof(regs) + 8,
                         uctypes.addressof(regs) + 12, 0)
    for t in range(200):  # boot: the power-on All Notes Off, the filters settle
        ctl.step(t * 1000, t)
        child.host_reads(itf)
    rep = ctl.feedback[0x1001]._rep
    rep.toggle(3)  # latched, 1/32
    t = 200
    for n in (0, 1, 4, 16):
        rep.roll = (1 << n) - 1
        for i in range(n):
            rep._v[i] = 100
        extra = []
        before = 0
        alloc = 0
        steps = 0
        sent = ctl.usb.sent
        gc.collect()
        end = t + seconds * 1020  # 17 steps a "second" (the window a whole number of steps)
        while t < end:
            step = t % 60 == 20  # ticks at 20 ms + 20k (the grid from t = 0); 1/32: every third
            a = micropython.mem_total()  # type: ignore[attr-defined]
            t0 = ticks_us()
            ctl.step(t * 1000, t)
            d = ticks_diff(ticks_us(), t0)
            if step:
                alloc += micropython.mem_total() - a  # type: ignore[attr-defined]
                extra.append(d - before)
                steps += 1
            before = d
            child.host_reads(itf)
            t += 1
        rep.roll = 0
        for _ in range(60):  # (untimed) the last step's Note Offs come
            ctl.step(t * 1000, t)
            child.host_reads(itf)
            t += 1
        extra.sort()
        notes = (ctl.usb.sent - sent - (seconds * 1020 + 60) // 20) // 2  # (each tick a packet too)
        print("ROW|repeat|%d|%.2f|%.1f|%d|%d" % (n, extra[len(extra) // 2], alloc / steps, steps, notes))


main()
