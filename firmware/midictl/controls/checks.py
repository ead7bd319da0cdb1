# The controls' argument checks: every constructor (and the pads' boot-time set_pad) calls
# these before it keeps anything. They run at boot, so they live apart from the code the
# scan loop runs: startup.unload_boot_modules() drops this module after boot, and a control
# built later imports it again. Each refusal is a ValueError naming the parameter, the bad
# value and the allowed range.

# pad kinds and pressure modes, in the order of pads.py's constants
PAD_KINDS = ("none", "piezo", "fsr", "switch")
PRESSURE = ("off", "poly", "channel")
MODE_ACTIONS = ("octave_up", "octave_down", "transpose_up", "transpose_down", "shift", "panic", "fixed_velocity")
ENCODINGS = ("twos_complement", "offset", "sign_magnitude")


def _range(name, v, lo, hi):
    if v < lo or v > hi:
        raise ValueError("%s %r out of range %d..%d" % (name, v, lo, hi))


def _one_of(name, v, choices):
    if v not in choices:
        raise ValueError("%s %r is not one of %s" % (name, v, ", ".join(choices)))


# -- adcfilter.py, knob.py, stick.py ----------------------------------------------------------


def edges(deadzone, hysteresis):
    _range("deadzone", deadzone, 0, 1000)
    _range("hysteresis", hysteresis, 1, 256)


KNOB_KINDS = ("cc", "cc14", "nrpn", "channel_pressure")  # in the order of knob.py's constants
_KNOB_NUMBER_MAX = (127, 31, 16383, 0)


def knob(kind, channel, number, min, max, top):
    """Knob's arguments (top: the most its kind's value can be, from its index) -> (the kind's
    index in KNOB_KINDS, max: top when None)."""
    _one_of("kind", kind, KNOB_KINDS)
    k = KNOB_KINDS.index(kind)
    _range("channel", channel, 0, 15)
    _range("number", number, 0, _KNOB_NUMBER_MAX[k])
    if max is None:
        max = top[k]
    _range("max", max, 0, top[k])
    _range("min", min, 0, max - 1)
    return k, max


def stick(channel, centre_deadzone, deadzone, hysteresis, centre):
    _range("channel", channel, 0, 15)
    _range("centre_deadzone", centre_deadzone, 0, 1000)
    edges(deadzone, hysteresis)
    _range("centre", centre, deadzone + centre_deadzone + 1, 4095 - deadzone - centre_deadzone - 1)


# -- pads.py ---------------------------------------------------------------------------------


def pad_group(count, max_pads, window_ms, mask_ms, full_scale, crosstalk_pct, pressure_ms):
    _range("count", count, 1, max_pads)
    _range("window_ms", window_ms, 1, 10)
    _range("mask_ms", mask_ms, window_ms, 250)
    _range("full_scale", full_scale, 2, 4095)
    _range("crosstalk_pct", crosstalk_pct, 0, 100)
    _range("pressure_ms", pressure_ms, 1, 1000)


def neighbours(neighbours, count):
    _range("neighbours length", len(neighbours), count, count)


def pad(count, full_scale, i, kind, channel, note, curve, threshold, gate_ms, pressure, velocity, hold_ms=0,
        mask_ms=10, window_ms=2, crosstalk_pct=35):
    """set_pad's arguments; -> the kind's index in PAD_KINDS."""
    _range("pad", i, 0, count - 1)
    _one_of("kind", kind, PAD_KINDS)
    _range("full_scale", full_scale, 3, 4095)
    _range("channel", channel, 0, 15)
    _range("note", note, 0, 127)
    _range("threshold", threshold, 2, full_scale - 1)
    _range("gate_ms", gate_ms, 1, 5000)
    _range("window_ms", window_ms, 1, 10)
    _range("mask_ms", mask_ms, window_ms, 250)  # (a byte a pad)
    _range("crosstalk_pct", crosstalk_pct, 0, 100)
    _one_of("pressure", pressure, PRESSURE)
    _range("velocity", velocity, 1, 127)
    if hold_ms:
        if kind != "piezo":
            raise ValueError("hold_ms %r: only a piezo pad has a peak hold" % (hold_ms,))
        if not isinstance(hold_ms, int):
            raise ValueError("hold_ms %r is not a whole number of ms" % (hold_ms,))
        _range("hold_ms", hold_ms, 2, 50)
    if kind in ("piezo", "fsr"):
        n = None if curve is None else len(curve)
        if n != 128:
            raise ValueError("curve length %r out of range 128..128" % (n,))
    return PAD_KINDS.index(kind)


# -- buttons.py ------------------------------------------------------------------------------


def layered(channel, number, shift, name):
    _range("channel", channel, 0, 15)
    _range(name, number, 0, 127)
    if shift is not None:
        _range("channel", shift[0], 0, 15)
        _range(name, shift[1], 0, 127)


def cc_button(channel, number, value, off_value, shift):
    layered(channel, number, shift, "cc")
    _range("value", value, 0, 127)
    _range("off_value", off_value, 0, 127)


def note_button(channel, note, velocity, shift):
    layered(channel, note, shift, "note")
    _range("velocity", velocity, 1, 127)


def programs(channel, program, bank):
    _range("channel", channel, 0, 15)
    _range("program", program, 0, 127)
    if bank is not None:
        _range("bank", bank, 0, 16383)


def program_button(program, step):
    if program is None and step == 0:
        raise ValueError("step %r out of range -127..-1 or 1..127 (or give a program)" % (step,))
    if program is not None:
        _range("program", program, 0, 127)
    _range("step", step, -127, 127)


def mode_button(action, step, sink):
    """-> the action's index in MODE_ACTIONS."""
    _one_of("action", action, MODE_ACTIONS)
    if action == "fixed_velocity":
        _range("velocity", step, 1, 127)  # (its velocity, passed as the step)
    else:
        _range("step", step, 1, 24)
    if action == "panic" and sink is None:
        raise ValueError("sink %r out of range (panic needs a sink)" % (sink,))
    return MODE_ACTIONS.index(action)


# -- modes.py --------------------------------------------------------------------------------


def modes(octave_range):
    _range("octave_range", octave_range, 0, 10)


def notes(lo_note, hi_note):
    if lo_note < 0 or hi_note > 127 or lo_note > hi_note:
        raise ValueError("notes %r..%r out of range 0..127" % (lo_note, hi_note))


# -- encoder.py ------------------------------------------------------------------------------


def quadrature(steps_per_detent):
    if steps_per_detent not in (1, 2, 4):
        raise ValueError("steps_per_detent %r out of range 1, 2, 4" % (steps_per_detent,))


def encoder_cc(channel, number, encoding, min, max, value, shift, accel):
    """-> the encoding's index in ENCODINGS."""
    _range("channel", channel, 0, 15)
    _range("number", number, 0, 127)
    _one_of("encoding", encoding, ENCODINGS)
    if max < 0 or max > 127 or min < 0 or min >= max:
        raise ValueError("min..max %r..%r out of range 0..127" % (min, max))
    _range("value", value, min, max)
    if shift is not None:
        if shift[0] < 0 or shift[0] > 15 or shift[1] < 0 or shift[1] > 127:
            raise ValueError("shift %r out of range (0..15, 0..127)" % (shift,))
    if accel:
        last = 0
        for ms, f in accel:
            if ms <= last or ms > 255 or f < 1 or f > 63:
                raise ValueError("accel %r out of range: ms rising 1..255, factor 1..63" % (accel,))
            last = ms
    return ENCODINGS.index(encoding)


# -- debounce.py -----------------------------------------------------------------------------


def lockout(lockout_ms):
    _range("lockout_ms", lockout_ms, 1, 100)


def bit_debouncer(count, max_bits, lockout_ms):
    _range("count", count, 1, max_bits)
    lockout(lockout_ms)


def low_mask(low_mask, all):
    _range("low_mask", low_mask, 0, all)
