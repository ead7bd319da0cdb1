# Run by tools/heapmap.py (make heapmap) under its diagnostic interpreter, the Unix port with
# the firmware frozen in and the heapmap module (tools/cmod/heapmap): tools/bench_fwmem.py as
# it is, with a stand-in `gc` whose mem_alloc() also dumps the heap each time the script
# reads it, after reading it: at its baseline, with the controller built and played, and
# once the controller is let go. "DUMP" starts each dump.
import gc as _gc
import sys

import heapmap  # type: ignore[import-not-found]


def _mem_alloc():
    n = _gc.mem_alloc()  # type: ignore[attr-defined]
    print("DUMP")
    heapmap.dump()
    return n


class _GC:
    collect = staticmethod(_gc.collect)
    mem_alloc = staticmethod(_mem_alloc)


sys.modules["gc"] = _GC  # type: ignore[assignment]
sys.argv[:] = sys.argv[:1] + sys.argv[-1:]  # (bench_fwmem: the root last, no ROMFS image)
import bench_fwmem  # noqa: E402, F401  (it runs as it is imported)
