# Native helpers for the encoder's few byte loops. MicroPython compiles these with its
# viper emitter (machine code, no interpreter per byte); CPython, which runs the same
# encoder in the host tests, gets the plain-Python twins below.

import sys

try:
    import micropython

    if sys.implementation.name != "micropython":
        # a stand-in micropython module under CPython (Blinka's, or a bench's) whose viper
        # decorator would pass the function through, ptr8 and all
        raise ImportError

    @micropython.viper
    def or_bytes(buf, n: int) -> int:  # pyright: ignore[reportRedeclaration]
        """A value with bit 7 set exactly when a byte of buf[0:n] is >= 0x80 (here the OR
        of them all): a SysEx payload is valid when it is below 0x80."""
        p = ptr8(buf)
        acc = 0
        i = 0
        while i < n:
            acc |= p[i]
            i += 1
        return acc

except (ImportError, AttributeError, SyntaxError):  # CPython (Blinka's micropython shim refuses viper)

    def or_bytes(buf, n):
        # Not the same number as the viper OR, but the same answer to the only question
        # asked of it (is any byte >= 0x80?), at C speed in CPython.
        return max(memoryview(buf)[:n]) if n else 0
