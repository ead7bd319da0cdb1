# The controller config: what each control sends, which ports are on, how DIN behaves.
#
# The file is JSON (config.json on the board). Everything not given takes the default of the
# board's reference layout. Unknown fields are errors, never ignored: a typo must not silently
# change what the instrument plays. One validator serves the board (at boot) and the host
# (tools/config_check.py, the simulator), so both give the same one-line message:
#
#     config.json: controls.knob3.cc: 130 is out of range 0..127
#
# Runs at boot only (a cold path): it may allocate.

import json

from midictl.names import natural_sorted, number


class ConfigError(ValueError):
    pass


# What each physical kind may be asked to send ("type"), and the fields each type takes.
PAD_KINDS = ("piezo", "fsr", "switch")
KIND_TYPES = {
    "piezo": ("note", "none"),
    "fsr": ("note", "none"),
    "switch": ("note", "cc_momentary", "cc_toggle", "program", "program_up", "program_down",
               "octave_up", "octave_down", "transpose_up", "transpose_down", "shift", "panic", "fixed_velocity",
               "transport", "tap_tempo", "note_repeat", "none"),
    "pot": ("cc", "cc14", "nrpn", "channel_pressure", "bend", "none"),
    "stick": ("bend", "cc", "cc14", "nrpn", "none"),
    "encoder": ("cc_relative", "cc_absolute", "none"),
}
# A key of a diode matrix (board "matrix": rows driven, columns read) plays like a switch.
KIND_TYPES["key"] = KIND_TYPES["switch"]

CURVES = ("linear", "soft", "hard", "fixed", "table")
ENCODINGS = ("twos_complement", "offset", "sign_magnitude")
PRESSURE = ("off", "poly", "channel")
NOTE_OFF_MODES = ("note_off", "note_on_zero")

# A pad's full scale by default (controls/pads.py, set_pad's full_scale: its sensitivity): a
# strike's peak from the threshold up to it spans the velocities, so a pad's threshold is
# 2..its full scale - 1 (a threshold of 1 would take the ADC's noise floor for strikes).
PAD_FULL_SCALE = 3400

# field: (kind of value, low, high or choices). "ch" is a channel as users count it, 1..16.
_FIELDS = {
    "type": ("str", None, None),
    "channel": ("int", 1, 16),
    "note": ("int", 0, 127),
    "cc": ("int", 0, 127),
    "cc14": ("int", 0, 31),
    "param": ("int", 0, 16383),
    "program": ("int", 0, 127),
    "bank": ("int", 0, 16383),
    "velocity": ("int", 1, 127),
    "curve": ("choice", CURVES, None),
    "table": ("table", None, None),
    "velocity_min": ("int", 1, 127),
    "velocity_max": ("int", 1, 127),
    "threshold": ("int", 2, 4094),
    "full_scale": ("int", 3, 4095),
    "gate_ms": ("int", 1, 5000),
    "window_ms": ("int", 1, 10),
    "mask_ms": ("int", 2, 250),
    "crosstalk_pct": ("int", 0, 100),
    "pressure": ("choice", PRESSURE, None),
    "min": ("int", 0, 16383),
    "max": ("int", 0, 16383),
    "invert": ("bool", None, None),
    "takeover": ("bool", None, None),
    "deadzone": ("int", 0, 1000),
    "centre_deadzone": ("int", 0, 1000),
    "encoding": ("choice", ENCODINGS, None),
    "accel": ("bool", None, None),
    "steps_per_detent": ("choice", (1, 2, 4), None),
    "value": ("int", 0, 127),
    "off_value": ("int", 0, 127),
    "step": ("int", 1, 24),
    # a transport button's (controls/transport.py's ACTIONS), split from one string: written
    # out, each short name would be one more name interned for good at every boot
    "action": ("choice", tuple("start stop continue start_stop record".split()), None),
    "mmc": ("bool", None, None),
    "device": ("int", 0, 127),
    # a note repeat button's step, in the same way: 1/4 note to 1/32 note, t: triplets
    # (controls/repeat.py's TICKS: clock ticks a step)
    "rate": ("choice", tuple("1/4 1/8 1/8t 1/16 1/16t 1/32 1/32t".split()), None),
    "latch": ("bool", None, None),
    "swing": ("int", 50, 75),
    "shift": ("mapping", None, None),
}

# Which fields each type takes, and their defaults (None: required from the defaults layer).
_TYPE_FIELDS = {
    "note": {"channel": 10, "note": 36, "velocity": 100, "curve": "linear", "table": None,
             "velocity_min": 1, "velocity_max": 127, "threshold": 120,
             "full_scale": PAD_FULL_SCALE, "gate_ms": 50, "window_ms": 2, "mask_ms": 10, "crosstalk_pct": 35,
             "pressure": "off"},
    "cc_momentary": {"channel": 1, "cc": 80, "value": 127, "off_value": 0},
    "cc_toggle": {"channel": 1, "cc": 80, "value": 127, "off_value": 0},
    "program": {"channel": 1, "program": 0, "bank": None},
    "program_up": {"channel": 1},
    "program_down": {"channel": 1},
    "octave_up": {},
    "fixed_velocity": {"velocity": 127},
    "octave_down": {},
    "transpose_up": {"step": 1},
    "transpose_down": {"step": 1},
    "shift": {},
    "panic": {},
    "transport": {"action": _FIELDS["action"][1][3], "mmc": False, "device": 127},  # (start_stop)
    "tap_tempo": {},
    "note_repeat": {"rate": _FIELDS["rate"][1][3], "latch": False, "swing": 50},  # (1/16)
    "none": {},
    "cc": {"channel": 1, "cc": 70, "min": 0, "max": 127, "invert": False, "takeover": False,
           "deadzone": 24},
    "cc14": {"channel": 1, "cc14": 1, "min": 0, "max": 16383, "invert": False, "takeover": False,
             "deadzone": 24},
    "nrpn": {"channel": 1, "param": 0, "min": 0, "max": 16383, "invert": False, "takeover": False,
             "deadzone": 24},
    "channel_pressure": {"channel": 1, "min": 0, "max": 127, "invert": False, "deadzone": 24},
    "bend": {"channel": 1, "centre_deadzone": 80, "deadzone": 24, "invert": False},
    "cc_relative": {"channel": 1, "cc": 78, "encoding": "twos_complement", "accel": False,
                    "steps_per_detent": 4},
    "cc_absolute": {"channel": 1, "cc": 78, "min": 0, "max": 127, "accel": False,
                    "steps_per_detent": 4},
}

# A note button (a switch that is not a pad, or a matrix key) plays its note at one velocity
# (build.py's NoteButton: channel, note, velocity), and so does a pad wired as a switch: the
# other pads' fields (curve, table, the velocity range, threshold, full_scale, gate_ms, window_ms,
# mask_ms, crosstalk_pct, pressure) would do nothing there, so they are not taken, and the
# validated mapping does not hold them either.
_NOTE_BUTTON_FIELDS = {f: _TYPE_FIELDS["note"][f] for f in ("channel", "note", "velocity")}

# Fields whose null means what leaving them out means: a program button's bank (no Bank
# Select) and a pad's table (none). The validated config holds None there, so a config
# written from it (make stage, make deploy CONFIG=) must read back.
_NULL_IS_ABSENT = ("bank", "table")

# What a shift mapping (the second layer, while the shift button is held) may set, by the
# control's type: it sends the same type as its control (the build makes the shift layer
# of the control's type); a knob's or a stick's is a whole second mapping, an encoder's or
# a button's another channel and number (their shift layer is only that: the rest is the
# control's). The other types, and pads (one note each, struck not held), have none.
_SHIFT_FIELDS = {
    "cc": None, "cc14": None, "nrpn": None, "channel_pressure": None, "bend": None,  # None: all
    "cc_relative": ("channel", "cc"), "cc_absolute": ("channel", "cc"),
    "cc_momentary": ("channel", "cc"), "cc_toggle": ("channel", "cc"),
    "note": ("channel", "note"),
}
_HAVE_SHIFT = "pots, sticks, encoders, and note and CC buttons have one"

_GLOBAL_DEFAULTS = {
    "din": {"enabled": True, "running_status": True, "refresh_every": 0, "refresh_idle_ms": 1000,
            "active_sensing": False},
    "usb": {"enabled": True, "name": "midictl"},
    "thru": {"din_to_usb": True, "usb_to_din": True, "din_to_din": False, "drop_echoes": False},
    "note_off": "note_off",
    "report_pots_at_boot": False,
    "scan_us": 1000,
    "safe_mode": None,
    "fallback_to_default": False,
    "watchdog_ms": 2000,
    "octave_range": 4,
    "clock_bpm": 0,
}

# The shortest watchdog: the time nothing may go without a feed. The scan loop feeds it
# every scan (at most 20 ms, scan_us), the keep-alive timer every quarter of the timeout
# while the loop is not running (boot, the REPL); but the timer's callback waits for what
# holds the interpreter or the interrupts: a flash sector erase while mpremote copies a
# file (up to 400 ms on the boards' QSPI flash, interrupts off), a garbage collection, a
# fault report printed to a slow USB serial console. 1000 ms is 50 of the slowest scans,
# and a stall of up to 750 ms when the keeper's feed falls due still leaves it in time; a
# hung board is back within a second.
WATCHDOG_MIN_MS = 1000

_GLOBAL_LIMITS = {
    "refresh_every": (0, 1000),
    "refresh_idle_ms": (0, 60000),
    "scan_us": (250, 20000),
    "watchdog_ms": (WATCHDOG_MIN_MS, 8300),  # or 0: off
    "octave_range": (0, 8),
    "clock_bpm": (20, 300),  # or 0: no clock
}

_DEFAULT_BUTTONS = ("octave_down", "octave_up", "shift", "panic")


def default_mapping(name, kind):
    """The reference layout's mapping for one control (shared/spec/simulator.md)."""
    n = number(name)
    if kind in PAD_KINDS and name.startswith("pad"):
        return {"type": "note", "channel": 10, "note": min(127, 35 + n)}
    if kind in ("switch", "key"):
        if 1 <= n <= len(_DEFAULT_BUTTONS):
            return {"type": _DEFAULT_BUTTONS[n - 1]}
        return {"type": "cc_momentary", "channel": 1, "cc": min(119, 80 + n)}
    if kind == "stick" or name == "bend":
        return {"type": "bend", "channel": 1}
    if kind == "pot":
        m = {"type": "cc", "channel": 1, "cc": min(119, 69 + n)}
        if n <= 8:
            m["shift"] = {"cc": 101 + n}
        return m
    if kind == "encoder":
        return {"type": "cc_relative", "channel": 1, "cc": min(119, 77 + n)}
    return {"type": "none"}


def default_config(board):
    """The board's default layout as a complete config dict."""
    controls = {}
    for name, wiring in board["controls"].items():
        controls[name] = default_mapping(name, wiring["kind"])
    cfg = {}
    for k, v in _GLOBAL_DEFAULTS.items():
        cfg[k] = dict(v) if isinstance(v, dict) else v
    cfg["safe_mode"] = board.get("safe_mode")
    cfg["controls"] = controls
    return cfg


def _fail(source, path, msg):
    raise ConfigError("%s: %s: %s" % (source, path, msg))


# A bad value is quoted in the message as JSON, the same text under CPython (the host tools)
# and MicroPython (the board): MicroPython's json.dumps writes non-ASCII characters as they
# are, escapes control characters its own way and orders an object's fields by hash, so
# strings and objects are written here, in CPython's json.dumps spelling with its keys
# sorted; numbers, true, false and null read the same from either json.dumps.
# (Each character and its letter after a backslash, from one string: fourteen short strings
# written out would each be a name interned for good at every boot.)
_ESCAPES = {s[i]: "\\" + s[i + 7] for s in ('"\\\n\r\t\b\f"\\nrtbf',) for i in range(7)}


def _show(v):
    if isinstance(v, str):
        out = ['"']
        for c in v:
            o = ord(c)
            if c in _ESCAPES:
                out.append(_ESCAPES[c])
            elif 32 <= o < 127:
                out.append(c)
            elif o > 0xFFFF:  # outside the BMP: a UTF-16 surrogate pair, as JSON spells it
                o -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 | (o >> 10), 0xDC00 | (o & 0x3FF)))
            else:
                out.append("\\u%04x" % o)
        out.append('"')
        return "".join(out)
    if isinstance(v, list):
        return "[" + ", ".join([_show(x) for x in v]) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join([_show(k) + ": " + _show(v[k]) for k in sorted(v)]) + "}"
    return json.dumps(v)


def _one_of(v, choices):
    for c in choices:
        if type(v) is type(c) and v == c:
            return True
    return False


def _check_value(source, path, field, v):
    if v is None and field in _NULL_IS_ABSENT:
        return
    spec = _FIELDS[field]
    t = spec[0]
    if t == "int":
        if not isinstance(v, int) or isinstance(v, bool):
            _fail(source, path, "%s is not a whole number (allowed %d..%d)" % (_show(v), spec[1], spec[2]))
        if v < spec[1] or v > spec[2]:
            _fail(source, path, "%d is out of range %d..%d" % (v, spec[1], spec[2]))
    elif t == "bool":
        if not isinstance(v, bool):
            _fail(source, path, "%s is not true or false" % _show(v))
    elif t == "choice":
        # of the choices' own type: 4.0 == 4 and True == 1, but a float or a bool where the
        # firmware takes an int breaks it later (an encoder's interrupt shifts by it)
        if not _one_of(v, spec[1]):
            _fail(source, path, "%s is not one of %s" % (_show(v), ", ".join(_show(c) for c in spec[1])))
    elif t == "table":
        if v is None:
            return
        if not isinstance(v, list) or len(v) < 2 or len(v) > 128:
            _fail(source, path, "must be a list of 2..128 velocities (1..127), evenly spread over the strike range")
        for i, x in enumerate(v):
            if not isinstance(x, int) or isinstance(x, bool) or x < 1 or x > 127:
                _fail(source, "%s[%d]" % (path, i), "%s is not a velocity 1..127" % _show(x))


def _check_mapping(source, path, name, kind, given, base, allow_shift):
    if not isinstance(given, dict):
        _fail(source, path, "must be an object like {\"type\": ...}, not %s" % _show(given))
    if not allow_shift and "type" in given and not _one_of(given["type"], (base["type"],)):
        _fail(source, path + ".type", "%s is not the type of its control, %s (a shift mapping sends the same type)"
              % (_show(given["type"]), _show(base["type"])))
    t = given.get("type", base.get("type"))
    allowed = KIND_TYPES[kind]
    if t not in allowed:
        _fail(source, path + ".type", ("%s is not a type an %s can send (allowed: %s)" if kind in ("encoder", "fsr")
                                       else "%s is not a type a %s can send (allowed: %s)")
              % (_show(t), kind, ", ".join(allowed)))
    out = {"type": t}
    # one velocity: a note button, and a pad wired as a switch (nothing to measure a strike by);
    # as _complete() has it
    note_button = t == "note" and kind in ("switch", "key")
    switch_pad = note_button and kind == "switch" and name.startswith("pad")
    fields = _NOTE_BUTTON_FIELDS if note_button else _TYPE_FIELDS[t]
    same_type = base.get("type") == t
    for f, d in fields.items():
        if f in given:
            v = given[f]
        elif same_type and f in base:
            v = base[f]
        else:
            v = d
        out[f] = v
    # in name order: MicroPython's dicts keep no file order, and with two faults both
    # interpreters must name the same one
    for f in sorted(given):
        v = given[f]
        if f == "type":
            continue
        fp = path + "." + f
        if f == "shift":
            if not allow_shift:
                _fail(source, fp, "a shift mapping cannot have its own shift")
            continue
        if f not in _FIELDS:
            _fail(source, fp, "unknown field (fields for type %s: %s)"
                  % (_show(t), ", ".join(sorted(fields)) or "none"))
        if note_button and f in _TYPE_FIELDS["note"] and f not in fields:
            if switch_pad:
                _fail(source, fp, "a piezo or FSR pad's field; a switch pad plays one velocity and takes %s"
                      % ", ".join(sorted(fields)))
            if allow_shift:  # (in a shift mapping the rule below names what it may set)
                _fail(source, fp, "a pad's field; a note button takes %s (and shift)" % ", ".join(sorted(fields)))
        elif f not in fields:
            _fail(source, fp, "not a field of type %s (fields: %s)" % (_show(t), ", ".join(sorted(fields)) or "none"))
        # (a field it repeats with its control's own value sets nothing: a validated config,
        # which holds the layer whole, reads back, as make stage writes it for the board)
        if not allow_shift and _SHIFT_FIELDS[t] is not None and f not in _SHIFT_FIELDS[t] and \
                not (f in base and _same(v, base[f])):
            _fail(source, fp, "a shift mapping of type %s sets only %s (the rest is its control's)"
                  % (_show(t), ", ".join(_SHIFT_FIELDS[t])))
        _check_value(source, fp, f, v)
    if "curve" in out and out["curve"] == "table" and not out.get("table"):
        _fail(source, path + ".table", "curve \"table\" needs a table of velocities")
    if "velocity_min" in out and out["velocity_min"] > out["velocity_max"]:
        _fail(source, path + ".velocity_min", "%d is above velocity_max %d" % (out["velocity_min"], out["velocity_max"]))
    if "full_scale" in out and out["threshold"] >= out["full_scale"]:
        f = "threshold"  # (joined as above: ".threshold" would be one more name interned for good)
        _fail(source, path + "." + f, "%d must be below full_scale %d" % (out["threshold"], out["full_scale"]))
    if "window_ms" in out and out["mask_ms"] < out["window_ms"]:
        f = "mask_ms"  # (as above) the mask runs from the strike's start: it covers its window
        _fail(source, path + "." + f, "%d must be at least window_ms %d" % (out["mask_ms"], out["window_ms"]))
    if "min" in out:
        top = 127 if t in ("cc", "channel_pressure", "cc_absolute") else 16383
        for f in ("min", "max"):
            if out[f] > top:
                _fail(source, path + "." + f, "%d is out of range 0..%d" % (out[f], top))
        if out["min"] >= out["max"]:
            _fail(source, path + ".min", "%d must be below max %d" % (out["min"], out["max"]))
    if t == "transport" and out["action"] == _FIELDS["action"][1][4] and not out["mmc"]:  # (record)
        f = "action"  # (as above)
        _fail(source, path + "." + f, "\"record\" needs mmc true (MIDI's real-time messages have no record)")
    if t == "note_repeat" and out["swing"] != 50 and not _FIELDS["rate"][1].index(out["rate"]) & 1:
        f = "swing"  # (as above) 1/4 and the triplets: no pairs of steps in a beat to swing
        _fail(source, path + "." + f, "%d needs a rate of 1/8, 1/16 or 1/32" % out["swing"])
    if t == "program" and out.get("bank") is not None:
        _check_value(source, path + ".bank", "bank", out["bank"])
    if allow_shift:
        sh = given.get("shift", base.get("shift") if same_type else None)
        if sh is not None:
            if kind in ("piezo", "fsr") or (kind == "switch" and name.startswith("pad") and t == "note"):
                _fail(source, path + ".shift", "a pad has no shift mapping (%s)" % _HAVE_SHIFT)
            if t not in _SHIFT_FIELDS:
                _fail(source, path + ".shift", "type %s has no shift mapping (%s)" % (_show(t), _HAVE_SHIFT))
            out["shift"] = _check_mapping(source, path + ".shift", name, kind, sh, out, False)
    return out


def _same(a, b):
    """a == b with the same JSON types all the way down (1 is not true, 100 not 100.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for k in a:
            if k not in b or not _same(a[k], b[k]):
                return False
        return True
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        for i in range(len(a)):
            if not _same(a[i], b[i]):
                return False
        return True
    return a == b


def _complete(m, kind):
    t = m["type"]
    # (a note on a switch or a key plays one velocity: see _NOTE_BUTTON_FIELDS)
    out = dict(_NOTE_BUTTON_FIELDS if t == "note" and kind in ("switch", "key") else _TYPE_FIELDS[t])
    for f, v in m.items():
        if f != "shift":
            out[f] = v
    if "shift" in m:
        sh = dict(out)
        for f, v in m["shift"].items():
            sh[f] = v
        out["shift"] = sh
    return out


def _check_section(source, key, given, defaults):
    if not isinstance(given, dict):
        _fail(source, key, "must be an object, not %s" % _show(given))
    out = dict(defaults)
    for f in sorted(given):  # name order, as in _check_mapping
        v = given[f]
        fp = key + "." + f
        if f not in defaults:
            _fail(source, fp, "unknown field (fields: %s)" % ", ".join(sorted(defaults)))
        d = defaults[f]
        if isinstance(d, bool):
            if not isinstance(v, bool):
                _fail(source, fp, "%s is not true or false" % _show(v))
        elif isinstance(d, str):  # a name for a USB string descriptor
            if not isinstance(v, str) or not 1 <= len(v) <= 32 or not all(32 <= ord(c) <= 126 for c in v):
                _fail(source, fp, "%s is not a name of 1 to 32 printable ASCII characters" % _show(v))
        elif isinstance(d, int):
            lo, hi = _GLOBAL_LIMITS[f]
            if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi:
                _fail(source, fp, "%s is out of range %d..%d" % (_show(v), lo, hi))
        out[f] = v
    return out


def validate(cfg, board, source="config.json"):
    """Check a config dict against a board; return the complete, normalized config."""
    if not isinstance(cfg, dict):
        _fail(source, "(top)", "the config must be a JSON object, not %s" % _show(cfg))
    out = default_config(board)
    defaults = dict(out)
    for k in sorted(cfg):  # name order, as in _check_mapping
        v = cfg[k]
        if k == "controls":
            continue
        if k not in _GLOBAL_DEFAULTS:
            _fail(source, k, "unknown field (top-level fields: %s)" % ", ".join(sorted(list(_GLOBAL_DEFAULTS) + ["controls"])))
        d = defaults[k]
        if isinstance(_GLOBAL_DEFAULTS[k], dict):
            out[k] = _check_section(source, k, v, d)
        elif k == "note_off":
            if not _one_of(v, NOTE_OFF_MODES):
                _fail(source, k, "%s is not one of %s" % (_show(v), ", ".join(_show(m) for m in NOTE_OFF_MODES)))
            out[k] = v
        elif k == "safe_mode":
            # a name, or null (none): anything else (a list, an object) is no key to look up
            if v is not None and (not isinstance(v, str) or v not in board["controls"]
                                  or board["controls"][v]["kind"] != "switch"):
                _fail(source, k, "%s is not a switch of board %s" % (_show(v), board["board"]))
            out[k] = v
        elif isinstance(_GLOBAL_DEFAULTS[k], bool):
            if not isinstance(v, bool):
                _fail(source, k, "%s is not true or false" % _show(v))
            out[k] = v
        elif k == "watchdog_ms" or k == "clock_bpm":
            lo, hi = _GLOBAL_LIMITS[k]
            if not isinstance(v, int) or isinstance(v, bool) or (v != 0 and (v < lo or v > hi)):
                _fail(source, k, "%s is out of range %d..%d (or 0: off)" % (_show(v), lo, hi))
            out[k] = v
        else:
            lo, hi = _GLOBAL_LIMITS[k]
            if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi:
                _fail(source, k, "%s is out of range %d..%d" % (_show(v), lo, hi))
            out[k] = v
    controls = cfg.get("controls", {})
    if not isinstance(controls, dict):
        _fail(source, "controls", "must be an object mapping control names to mappings")
    result = {}
    # every name is checked, in natural order (pad2 before pad10): with faults in two controls
    # the board (whose dicts keep no file order) names the same one as the host
    for name in control_names(board):
        wiring = board["controls"][name]
        base = out["controls"][name]
        given = controls.get(name)
        if given is None:
            # Not in the file: the reference mapping, complete with its type's defaults.
            # It is valid by construction, so boot does not pay for checking it again.
            result[name] = _complete(base, wiring["kind"])
            continue
        full = _complete(base, wiring["kind"])
        if _same(given, full):
            # The reference mapping written out in full (a config.json from `make stage`
            # or `make deploy CONFIG=` holds every control so): valid by construction too.
            result[name] = full
        else:
            result[name] = _check_mapping(source, "controls." + name, name, wiring["kind"], given, base, True)
    for name in sorted(controls):
        if name not in board["controls"]:
            _fail(source, "controls." + name, "board %s has no control named %s (it has %s)"
                  % (board["board"], _show(name), _names(board)))
    # with no clock_bpm, a tap tempo button sets the tempo of a note repeat's own clock
    if not out["clock_bpm"] and not any(result[n]["type"] == "note_repeat" for n in result):
        for name in control_names(board):
            if result[name]["type"] == "tap_tempo":
                _fail(source, "controls." + name + ".type",
                      "\"tap_tempo\" sets the clock's tempo: it needs clock_bpm (the tempo at power-on, "
                      "20..300) or a note_repeat button (its own clock's)")
    out["controls"] = result
    return out


# What the validator and the build take from each control of a board file: its kind, and
# the fields that wire it (their values are the hardware set-up's to check).
_WIRING = {"switch": ("pin",), "encoder": ("pins",), "key": ("matrix",)}


def check_board(board, source="board.json"):
    """The board file as far as the config and the build read it, at boot: a broken one is
    one line naming the file and the field (hardware/boarddef.py checks the whole file on
    the host, with the chip's pins)."""
    controls = board["controls"]
    if not isinstance(controls, dict):
        _fail(source, "controls", "must be an object mapping control names to their wiring")
    kinds = ("piezo", "fsr", "switch", "pot", "stick", "encoder", "key")  # KIND_TYPES's, in a fixed order
    for name in control_names(board):
        w = controls[name]
        path = "controls." + name
        if not isinstance(w, dict):
            _fail(source, path, "must be an object like {\"kind\": ...}, not %s" % _show(w))
        if "kind" not in w:
            _fail(source, path + ".kind", "missing (one of %s)" % ", ".join(kinds))
        kind = w["kind"]
        if not _one_of(kind, kinds):
            _fail(source, path + ".kind", "%s is not one of %s" % (_show(kind), ", ".join(kinds)))
        if kind == "key" and not isinstance(board.get("matrix"), dict):
            _fail(source, path + ".kind", "a key needs the board's \"matrix\" (its rows and columns)")
        need = _WIRING.get(kind) or (("mux", "channel") if "mux" in w or "channel" in w else ("adc",))
        for f in need:
            if f not in w:
                _fail(source, path + "." + f, "missing (a control of kind %s is wired by %s)" % (kind, ", ".join(need)))
    sm = board.get("safe_mode")
    if sm is not None and (not isinstance(sm, str) or sm not in controls or controls[sm]["kind"] != "switch"):
        _fail(source, "safe_mode", "%s is not a switch of this board" % _show(sm))


def control_names(board):
    """Control names in a stable, natural order (pad2 before pad10). MicroPython's dicts
    keep no insertion order, so anything that iterates controls goes through this."""
    return natural_sorted(board["controls"])


def _names(board):
    names = control_names(board)
    if len(names) > 6:
        return ", ".join(names[:3]) + ", ... " + names[-1]
    return ", ".join(names)


def parse(text, board, source="config.json"):
    """Parse JSON text and validate it; JSON syntax errors become one-line ConfigErrors."""
    try:
        cfg = json.loads(text)
    except ValueError as e:
        raise ConfigError("%s: not valid JSON (%s)" % (source, e))
    return validate(cfg, board, source)


def load(path, board):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError("%s: cannot be read (missing?)" % path)
    return parse(text, board, path)
