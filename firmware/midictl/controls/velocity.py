# Velocity curves, precomputed at boot into a 128-entry bytearray: strike strength as
# an index 0..127 (the pad scales its peak to that) -> Note On velocity 1..127.
#
# Kinds (names as in the config file):
#   linear  out = in
#   soft    concave, y = 127 - (127 - x)^2 / 127: light strikes already come out loud
#   hard    convex,  y = x^2 / 127: needs a firm strike for high velocities
#   fixed   every strike gives `velocity`
#   table   the user's list of 2..128 velocities, evenly spread over the strike range
#           0..127 (first entry at strike 0, last at strike 127) and interpolated
#           linearly in between; so 128 entries are used as they are.
# The shaped kinds' 0..127 output is then scaled into velocity_min..velocity_max
# (rounded); a table holds velocities already, so its entries are only clamped into it.
# A Note On velocity of 0 would mean Note Off (MIDI 1.0 spec, Note On): velocity_min is
# at least 1, so no entry of the table is ever 0.

KINDS = ("linear", "soft", "hard", "fixed", "table")


def _shape(kind, x):
    if kind == "linear":
        return x
    if kind == "soft":
        return 127 - ((127 - x) * (127 - x) + 63) // 127
    return (x * x + 63) // 127  # hard


def _interpolate(table, x):
    # position of x on the table's own axis, in 1/127ths of a table step
    last = len(table) - 1
    pos = x * last
    i = pos // 127
    frac = pos - i * 127
    if i >= last:
        return table[last]
    a = table[i]
    b = table[i + 1]
    return a + ((b - a) * frac + (63 if b >= a else -63)) // 127


def make_curve(kind="linear", velocity_min=1, velocity_max=127, velocity=100, table=None):
    """-> bytearray(128): strike index -> velocity 1..127."""
    if kind not in KINDS:
        raise ValueError("curve %r is not one of %s" % (kind, ", ".join(KINDS)))
    if velocity_min < 1 or velocity_min > 127:
        raise ValueError("velocity_min %r out of range 1..127" % (velocity_min,))
    if velocity_max < velocity_min or velocity_max > 127:
        raise ValueError("velocity_max %r out of range %d..127" % (velocity_max, velocity_min))
    out = bytearray(128)
    if kind == "fixed":
        if velocity < 1 or velocity > 127:
            raise ValueError("velocity %r out of range 1..127" % (velocity,))
        for x in range(128):
            out[x] = velocity
        return out
    if kind == "table":
        if table is None or len(table) < 2 or len(table) > 128:
            n = None if table is None else len(table)
            raise ValueError("table length %r out of range 2..128" % (n,))
        for i in range(len(table)):
            v = table[i]
            if v < 1 or v > 127:
                raise ValueError("table[%d] %r out of range 1..127" % (i, v))
    span = velocity_max - velocity_min
    for x in range(128):
        if kind == "table":
            # table entries are velocities already: keep them, clamp into min..max
            y = _interpolate(table, x)
            out[x] = min(velocity_max, max(velocity_min, y))
        else:
            y = _shape(kind, x)
            out[x] = velocity_min + (y * span + 63) // 127
    return out
