# Control names as the board layouts use them: a stem and a number (pad12, knob3, bend).
# MicroPython's dicts keep no order, so whatever iterates the controls sorts them naturally
# (pad2 before pad10) with natural_key.

_DIGITS = "0123456789"


def natural_key(name):
    """("pad", 12) for "pad12"; ("bend", 0) for "bend"."""
    stem = name.rstrip(_DIGITS)
    return (stem, int(name[len(stem):]) if len(stem) < len(name) else 0)


def number(name):
    """12 for "knob12", 0 for a name without a number."""
    return natural_key(name)[1]


def natural_sorted(names):
    """The names in natural order. MicroPython's sorted() calls a key function at every
    comparison, so the keys are computed once here and sorted as tuples."""
    return [n for _k, n in sorted([(natural_key(n), n) for n in names])]
