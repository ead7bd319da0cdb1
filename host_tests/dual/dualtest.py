"""Helpers for tests that run under both CPython and the MicroPython Unix port.

Only what both interpreters have: no pytest, no hypothesis, no f-string tricks.
"""
import sys

MICROPYTHON = sys.implementation.name == "micropython"


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exception it raised; fail if it raised nothing
    or something else. Tests then assert on str(exc)."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("expected %s from %r%r" % (exc_type.__name__, fn, args))


def no_alloc(fn, *args):
    """Run fn with the heap locked under MicroPython: any allocation raises
    MemoryError and fails the test. Under CPython it just runs fn."""
    if MICROPYTHON:
        import micropython
        # Call without *args when there are none: a star-call builds its argument array
        # on the heap under MicroPython, which would fail every locked test.
        micropython.heap_lock()
        try:
            if args:
                return fn(*args)
            return fn()
        finally:
            micropython.heap_unlock()
    return fn(*args)


def hexs(buf, n=None):
    """Bytes as ' 90 3C 64' style text for readable assertions."""
    if n is None:
        n = len(buf)
    return " ".join("%02X" % buf[i] for i in range(n))
