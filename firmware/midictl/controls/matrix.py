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
        raw = self._raw
        cols = self.cols
        bits = 0
        for r in range(self.rows):
            bits |= raw[r] << (r * cols)
        if not self.diodes:
            frozen = 0
            for r1 in range(self.rows - 1):
                a = raw[r1]
                if a & (a - 1) == 0:
                    continue  # fewer than two keys on this row: no rectangle from it
                for r2 in range(r1 + 1, self.rows):
                    c = a & raw[r2]
                    if c & (c - 1):
                        frozen |= (c << (r1 * cols)) | (c << (r2 * cols))
            self.ghost = frozen
            if frozen:
                st = self._deb.state
                bits = (bits & ~frozen) | (st & frozen)
        return self._deb.update(bits, now)

    @property
    def state(self):
        return self._deb.state
