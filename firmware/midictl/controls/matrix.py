# Key/button matrix: rows driven one at a time, columns read, debounced per key.
#
# Per scan the hw layer drives each row active in turn and calls row(r, column_levels);
# then update(now_ms) returns the mask of keys that changed (bit r * cols + c, at most 30
# keys per matrix: the bitmap stays a small int) and `state` holds the debounced keys.
#
# Ghosting: with a diode in series with every key, current cannot flow backwards through
# a pressed key, so any combination of keys reads correctly (diodes=True, the default).
# Without diodes, three pressed keys on the corners of a rectangle connect the fourth
# corner's row and column, and it reads as pressed (a phantom). The matrix cannot tell
# which of the four is the phantom, so: whenever two rows share two or more pressed
# columns, the keys on those rows and columns keep their previous debounced state (no
# new press, no release) until the rectangle is broken. Keys elsewhere work normally.

from midictl.controls.debounce import BitDebouncer


class KeyMatrix:
    def __init__(self, rows, cols, diodes=True, lockout_ms=6, active_low=True):
        if rows < 1 or cols < 1 or rows * cols > 30:
            raise ValueError("rows x cols %r x %r out of range 1..30 keys" % (rows, cols))
        self.rows = rows
        self.cols = cols
        self.diodes = diodes
        self._colmask = (1 << cols) - 1
        self._invert = self._colmask if active_low else 0
        self._raw = bytearray(rows)
        self._deb = BitDebouncer(rows * cols, lockout_ms, active_low=False)
        self.ghost = 0  # keys frozen by the last update (bitmap), for diagnostics

    def row(self, r, levels):
        """Column levels read while row r was driven (bit c = column c)."""
        self._raw[r] = (levels ^ self._invert) & self._colmask

    def update(self, now):
        # (In steps of few locals, counted with while: a frame of more than 11 slots comes
        # from the heap on every call, see engine.py's Engine._out; this runs every other scan.)
        bits = 0
        r = 0
        while r < self.rows:
            bits |= self._raw[r] << (r * self.cols)
            r += 1
        if not self.diodes:
            bits = self._unghost(bits)
        return self._deb.update(bits, now)

    def _unghost(self, bits):
        frozen = 0
        r = 0
        while r < self.rows - 1:
            a = self._raw[r]
            if a & (a - 1):  # two keys or more on this row: a rectangle may start here
                frozen |= self._rectangles(r, a)
            r += 1
        self.ghost = frozen
        if frozen:
            bits = (bits & ~frozen) | (self._deb.state & frozen)
        return bits

    def _rectangles(self, r1, a):
        # the keys of the rectangles row r1 (pressed columns a) makes with the rows below it
        frozen = 0
        r2 = r1 + 1
        while r2 < self.rows:
            c = a & self._raw[r2]
            if c & (c - 1):
                frozen |= (c << (r1 * self.cols)) | (c << (r2 * self.cols))
            r2 += 1
        return frozen

    @property
    def state(self):
        return self._deb.state
