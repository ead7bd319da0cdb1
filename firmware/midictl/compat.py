# What MicroPython has and CPython lacks, in one place, so every other module runs
# unchanged under both. On the board this module only re-exports `time`'s ticks.
import sys
import time

# The interpreted twins of the native functions (ARCHITECTURE.md, "Native code and its
# twins"): what CPython runs, and what the host tests compare the native code against
# under the MicroPython Unix port. The board never calls them, so under MicroPython they
# are defined only when a test has asked for them before importing the firmware, by
# putting an entry named "_midictl_twins" in sys.modules, as they do.
TWINS = sys.implementation.name != "micropython" or "_midictl_twins" in sys.modules
del sys  # (nothing else here needs it: the names below take its slot in the globals)

# MicroPython ticks wrap at 2**30 (TICKS_PERIOD in extmod/modtime.c); the CPython
# shims wrap at the same period so wrap-around bugs show up in host tests too.
_TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

if hasattr(time, "ticks_ms"):
    # getattr: CPython's type stubs for `time` do not know MicroPython's ticks.
    ticks_ms = getattr(time, "ticks_ms")
    ticks_us = getattr(time, "ticks_us")
    ticks_diff = getattr(time, "ticks_diff")
    ticks_add = getattr(time, "ticks_add")
    sleep_us = getattr(time, "sleep_us")
else:
    _offset = [0]

    def ticks_ms():
        return (int(time.monotonic() * 1000) + _offset[0]) & _TICKS_MAX

    def ticks_us():
        return (int(time.monotonic() * 1000000) + _offset[0] * 1000) & _TICKS_MAX

    def ticks_diff(a, b):
        return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF

    def ticks_add(a, delta):
        return (a + delta) & _TICKS_MAX

    def sleep_us(n):
        time.sleep(n / 1000000)


# MicroPython fills a dict's hash table completely before it grows it (py/map.c), and a
# name looked up in a full table and not found there probes every slot: a builtin such
# as len() used in a module's code is looked for in the module's globals first. With 37
# names, encode.py's table was exactly full and a SysEx took 40% longer. room(g) grows a
# module's globals by one table size when they are exactly full: len(g) is then one of
# the sizes the table steps through, from the one slot a new module starts with (no
# module here deletes its names, so that is the table's size).
_FULL = (1, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127)


def room(g):
    if len(g) in _FULL:
        g["_room"] = None
