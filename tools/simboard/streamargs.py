# The arguments of MicroPython's stream write (py/stream.c), which machine.UART has on the
# rp2 port: write(buf) writes all of buf, write(buf, n) at most its first n bytes, and
# write(buf, offset, n) at most n bytes from offset (an offset past the end: none). The
# numbers are taken as unsigned (a negative one is larger than any buffer). The firmware's
# DIN OUT writes with a length and an offset rather than keeping a memoryview of each
# length; the simulator's UART reads the arguments with these two, which allocate nothing.


def offset(buf, a=None, b=None):
    """Where the bytes written start."""
    if b is None:
        return 0
    n = len(buf)
    return a if 0 <= a < n else n


def count(buf, a=None, b=None):
    """How many bytes are written."""
    n = len(buf)
    most = a
    if b is not None:
        n -= offset(buf, a, b)
        most = b
    return most if most is not None and 0 <= most < n else n
