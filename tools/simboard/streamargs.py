# The arguments of MicroPython's stream write (py/stream.c), which machine.UART has on the
# rp2 port: write(buf) writes all of buf, write(buf, n) at most its first n bytes, and
# write(buf, offset, n) at most n bytes from offset (an offset past the end: none). The
# firmware's DIN OUT writes with a length and an offset rather than keeping a memoryview of
# each length. The simulator's UART and the tests' stand-ins for it read the arguments with
# these two, which allocate nothing (several run in a scan with the heap locked).


def offset(buf, a=None, b=None):
    """Where the bytes written start."""
    if b is None:
        return 0
    return a if a < len(buf) else len(buf)


def count(buf, a=None, b=None):
    """How many bytes are written."""
    n = len(buf)
    if b is not None:
        n -= a if a < n else n
        return b if b < n else n
    return a if a is not None and a < n else n
