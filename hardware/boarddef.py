"""Board definitions (boards/<name>.json): load, check against the chip's pin functions,
and describe what each GPIO is used for.

The same JSON is read by the firmware on the board, by the simulator and by the
generators in this folder, so every rule a builder could trip over is checked here
once and the tests run it on every board.
"""
import json
import os
import re

from hardware import chips

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS_DIR = os.path.join(ROOT, "boards")

KINDS = ("piezo", "fsr", "switch", "pot", "stick", "encoder", "key")
ANALOG_KINDS = ("piezo", "fsr", "pot", "stick")
MUX_CHANNELS = {"4067": 16, "4051": 8}
MUX_SELECT_LINES = {"4067": 4, "4051": 3}
# Optional on a piezo control: "peak_hold_ms" = the bleed time constant (R x C) of a
# diode + capacitor peak hold between the pad's clamps and its mux channel or ADC pin.
PEAK_HOLD_MS = (2, 50)

# What the firmware can build (checked again there at boot, where a board beyond them
# stops the controller): the pad group plays at most 30 pads, padK in slot K-1, switch
# pads included (controls/pads.py _MAX_PADS); the knobs and the stick are read two per
# 1 ms scan, each at least 100 times a second (hw.Hardware's slow_per_scan, scanplan.py
# MIN_SLOW_HZ), so at most 20.
MAX_PADS = 30
MAX_SLOW_ANALOG = 20
MAX_MATRIX_KEYS = 30  # a key matrix: its debouncer's bits (controls/matrix.py)

# Which kinds each control family may be; the number part must run 1..N without gaps.
FAMILIES = (
    ("pad", ("piezo", "fsr", "switch")),
    ("knob", ("pot",)),
    ("enc", ("encoder",)),
    ("button", ("switch", "key")),
)
NAME_RE = re.compile(r"^(pad|knob|enc|button)([1-9][0-9]*)$")

REQUIRED = ("board", "title", "chip", "micropython", "gpio", "adc", "led", "din_out",
            "muxes", "controls", "safe_mode")
OPTIONAL = ("din_in", "micropython_build", "labels", "gpio_pads", "user_leds", "notes", "matrix")


def names():
    """Every board defined in boards/, sorted."""
    return sorted(f[:-5] for f in os.listdir(BOARDS_DIR) if f.endswith(".json"))


def load(name):
    """The parsed definition of one board; ValueError naming the known boards if absent."""
    path = os.path.join(BOARDS_DIR, name + ".json")
    if not os.path.isfile(path):
        raise ValueError("board %r is not defined; known boards: %s" % (name, ", ".join(names())))
    with open(path) as f:
        return json.load(f)


def label(board, gpio):
    """The silkscreen name of a GPIO on this board (GP<n> unless the board says otherwise)."""
    return board.get("labels", {}).get(str(gpio), "GP%d" % gpio)


def control_sort_key(name):
    """pad1..padN, knob1.., bend, enc1.., button1.. in that order."""
    order = {"pad": 0, "knob": 1, "bend": 2, "enc": 3, "button": 4}
    m = NAME_RE.match(name)
    if m:
        return (order[m.group(1)], int(m.group(2)))
    return (order.get(name, 9), 0)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_peak_hold(name, kind, value, errors):
    """The optional peak-hold stage of a piezo pad: its bleed time constant in ms."""
    if kind != "piezo":
        errors.append("control %s (%s): peak_hold_ms is only for piezo controls "
                      "(the peak-hold stage is part of a piezo pad's front end)" % (name, kind))
    elif not (_is_int(value) and PEAK_HOLD_MS[0] <= value <= PEAK_HOLD_MS[1]):
        errors.append("control %s: peak_hold_ms %r must be a whole number of ms from %d to %d "
                      "(the hold's bleed time constant R x C)" % ((name, value) + PEAK_HOLD_MS))


def _check_control_fields(name, c, errors):
    kind = c.get("kind")
    if kind not in KINDS:
        errors.append("control %s: kind %r is not one of %s" % (name, kind, ", ".join(KINDS)))
        return
    n_errors = len(errors)
    if "peak_hold_ms" in c:
        _check_peak_hold(name, kind, c["peak_hold_ms"], errors)
    if kind in ANALOG_KINDS:
        if "mux" in c or "channel" in c:
            want = {"kind", "mux", "channel"}
        else:
            want = {"kind", "adc"}
    elif kind == "switch":
        want = {"kind", "pin", "active"}
    elif kind == "key":
        want = {"kind", "matrix"}
    else:
        want = {"kind", "pins"}
    have = set(c) - {"peak_hold_ms"}
    if have != want:
        missing = sorted(want - have)
        extra = sorted(have - want)
        errors.append("control %s (%s): fields must be %s; missing %s, unexpected %s"
                      % (name, kind, sorted(want), missing, extra))
        return
    if len(errors) != n_errors:
        return
    if kind == "switch" and c["active"] not in ("low", "high"):
        errors.append("control %s: active %r must be 'low' or 'high'" % (name, c["active"]))
    if kind == "encoder":
        pins = c["pins"]
        if not (isinstance(pins, list) and len(pins) == 2 and all(_is_int(p) for p in pins)
                and pins[0] != pins[1]):
            errors.append("control %s: pins %r must be two different GPIO numbers" % (name, pins))


def _check_names(controls, errors):
    numbers = {}
    for name, c in controls.items():
        if name == "bend":
            if c.get("kind") not in ("stick", "pot"):
                errors.append("control bend: kind %r, expected stick or pot" % c.get("kind"))
            continue
        m = NAME_RE.match(name)
        if not m:
            errors.append("control %r: name must be pad<N>, knob<N>, bend, enc<N> or button<N>" % name)
            continue
        numbers.setdefault(m.group(1), []).append(int(m.group(2)))
    for family, kinds in FAMILIES:
        got = sorted(numbers.get(family, []))
        if got != list(range(1, len(got) + 1)):
            errors.append("controls %s: numbered %s, expected %s1..%s%d without gaps"
                          % (family, got, family, family, len(got)))
        for n in got:
            k = controls[family + str(n)].get("kind")
            if k not in kinds:
                errors.append("control %s%d: kind %r, expected one of %s" % (family, n, k, ", ".join(kinds)))


def _is_gpio_list(v):
    return isinstance(v, list) and all(_is_int(p) for p in v)


def _is_number_key(k):
    return isinstance(k, str) and k.isdigit() and k.isascii()


# The JSON type each field must have before its value can be checked: one line per field
# that has the wrong one, so that no later check meets a list where it expects a name
# (every JSON value gives a list of problems, never an exception).
_OBJ = ("an object", lambda v: isinstance(v, dict))
_STR = ("a string", lambda v: isinstance(v, str))
_INT = ("a whole number", _is_int)
_GPIO = ("a GPIO number", _is_int)
_GPIOS = ("a list of GPIO numbers", _is_gpio_list)
_CONTROL_FIELDS = {"kind": _STR, "mux": ("the name of a mux", lambda v: isinstance(v, str)),
                   "channel": ("a mux channel number", _is_int), "adc": ("an ADC channel number", _is_int),
                   "pin": _GPIO, "active": _STR, "pins": _GPIOS,
                   "matrix": ("a [row, column] pair", lambda v: isinstance(v, list) and len(v) == 2
                              and all(_is_int(x) for x in v))}


def _shape(board):
    errors = []

    def want(where, value, kind):
        what, ok = kind
        if not ok(value):
            errors.append("%s: %r must be %s" % (where, value, what))
            return False
        return True

    for key in ("board", "title", "chip", "micropython", "safe_mode", "micropython_build", "notes"):
        if key in board:
            want(key, board[key], _STR)
    want("gpio", board["gpio"], _GPIOS)
    if "gpio_pads" in board:
        want("gpio_pads", board["gpio_pads"], _GPIOS)
    for key in ("labels", "adc"):
        if key in board and want(key, board[key], _OBJ):
            for k, v in board[key].items():
                if not _is_number_key(k):
                    errors.append("%s: key %r must be a number in quotes, like \"26\"" % (key, k))
                else:
                    want("%s.%s" % (key, k), v, _STR if key == "labels" else _GPIO)
    if want("led", board["led"], _OBJ):
        led = board["led"]
        if "pin" in led and led["pin"] != "LED":
            want("led.pin", led["pin"], ("a GPIO number or \"LED\"", _is_int))
        for k in ("type", "power"):
            if k in led:
                want("led." + k, led[k], _STR if k == "type" else _GPIO)
    if "user_leds" in board and want("user_leds", board["user_leds"], ("a list of objects", lambda v: (
            isinstance(v, list) and all(isinstance(u, dict) for u in v)))):
        for i, u in enumerate(board["user_leds"]):
            want("user_leds[%d].pin" % i, u.get("pin"), _GPIO)
    for port, field in (("din_out", "tx"), ("din_in", "rx")):
        if port in board and want(port, board[port], _OBJ):
            for k in ("uart", field):
                if k in board[port]:
                    want("%s.%s" % (port, k), board[port][k], _INT if k == "uart" else _GPIO)
    if want("muxes", board["muxes"], _OBJ):
        for mname, m in board["muxes"].items():
            if want("mux %s" % mname, m, _OBJ):
                for k, kind in (("type", _STR), ("select", _GPIOS), ("adc", ("an ADC channel number", _is_int))):
                    if k in m:
                        want("mux %s: %s" % (mname, k), m[k], kind)
    if "matrix" in board and want("matrix", board["matrix"], _OBJ):
        for k in ("rows", "cols"):
            if k in board["matrix"]:
                want("matrix.%s" % k, board["matrix"][k], _GPIOS)
        if "diodes" in board["matrix"]:
            want("matrix.diodes", board["matrix"]["diodes"], ("true or false", lambda v: isinstance(v, bool)))
    if want("controls", board["controls"], _OBJ):
        for cname, c in board["controls"].items():
            if want("control %s" % cname, c, _OBJ):
                for k, kind in _CONTROL_FIELDS.items():
                    if k in c:
                        want("control %s: %s" % (cname, k), c[k], kind)
    return errors


def _check_limits(controls, errors):
    pads = [int(m.group(2)) for m in map(NAME_RE.match, controls) if m and m.group(1) == "pad"]
    if pads and max(pads) > MAX_PADS:
        errors.append("controls: pad%d: the firmware plays at most %d pads (pad1..pad%d)"
                      % (max(pads), MAX_PADS, MAX_PADS))
    slow = sorted((n for n, c in controls.items() if c.get("kind") in ("pot", "stick")), key=control_sort_key)
    if len(slow) > MAX_SLOW_ANALOG:
        errors.append("controls: %d pots and sticks (%s): the firmware reads at most %d, each at least "
                      "100 times a second" % (len(slow), _span(slow), MAX_SLOW_ANALOG))


def validate(board, name=None):
    """Every problem found in a board definition, as one line each ([] if none). Any JSON
    value gives a list, never an exception."""
    if not isinstance(board, dict):
        return ["a board definition must be a JSON object, got %r" % (board,)]
    errors = []
    for key in REQUIRED:
        if key not in board:
            errors.append("missing field %r" % key)
    for key in board:
        if key not in REQUIRED and key not in OPTIONAL:
            errors.append("unknown field %r" % key)
    if errors:
        return errors
    errors = _shape(board)
    if errors:
        return errors
    if name is not None and board["board"] != name:
        errors.append("field board is %r but the file is %s.json" % (board["board"], name))
    if board["chip"] not in chips.CHIPS:
        return errors + ["chip %r is not one of %s" % (board["chip"], ", ".join(sorted(chips.CHIPS)))]
    chip = chips.chip(board["chip"])
    if not re.match(r"^\d+\.\d+\.\d+$", str(board["micropython"])):
        errors.append("micropython %r must be a version like 1.23.0" % board["micropython"])

    gpio = board["gpio"]
    if len(set(gpio)) != len(gpio):
        errors.append("gpio lists a pin twice: %r" % gpio)
    for p in gpio:
        if not _is_int(p) or not 0 <= p < chip["gpio_count"]:
            errors.append("gpio %r is not a GPIO of %s (0..%d)" % (p, board["chip"], chip["gpio_count"] - 1))
    for p in board.get("gpio_pads", []):
        if p not in gpio:
            errors.append("gpio_pads lists GPIO %r, which is not in gpio" % p)
    for key in board.get("labels", {}):
        if int(key) not in gpio:
            errors.append("labels names GPIO %s, which is not in gpio" % key)

    # ADC channels: the board's map must agree with the chip's.
    adc = {}
    for key, pin in board["adc"].items():
        ch = int(key)
        if chip["adc"].get(ch) != pin:
            errors.append("adc channel %d on GPIO %r: on %s ADC%d is GPIO %r"
                          % (ch, pin, board["chip"], ch, chip["adc"].get(ch)))
        elif pin not in gpio:
            errors.append("adc channel %d: GPIO %d is not brought out (not in gpio)" % (ch, pin))
        adc[ch] = pin

    # Who uses which GPIO; shared select lines are one user ("mux select") if identical.
    users = {}

    def use(pin, who):
        if not _is_int(pin):
            errors.append("%s: %r is not a GPIO number" % (who, pin))
            return
        if pin not in gpio:
            errors.append("%s: GPIO %d is not brought out on this board" % (who, pin))
        users.setdefault(pin, []).append(who)

    adc_users = {}

    def use_adc(ch, who):
        if ch not in adc:
            errors.append("%s: ADC channel %r is not available on this board (have %s)"
                          % (who, ch, sorted(adc)))
            return
        adc_users.setdefault(ch, []).append(who)
        users.setdefault(adc[ch], []).append(who)

    for port, field, finder in (("din_out", "tx", chips.uart_of_tx), ("din_in", "rx", chips.uart_of_rx)):
        if port not in board:
            continue
        spec = board[port]
        pin, uart = spec.get(field), spec.get("uart")
        if set(spec) != {"uart", field}:
            errors.append("%s: fields must be uart and %s, got %s" % (port, field, sorted(spec)))
            continue
        can = finder(board["chip"], pin)
        if can != uart:
            errors.append("%s: GPIO %r cannot carry UART%r %s on %s (it can carry: %s)"
                          % (port, pin, uart, field.upper(), board["chip"],
                             "UART%d" % can if can is not None else "no UART " + field.upper()))
        use(pin, "%s UART%r %s" % (port, uart, field.upper()))
    if "din_in" in board and board["din_in"].get("uart") != board["din_out"].get("uart"):
        # Allowed (two UARTs), but then both UARTs are taken; nothing to check beyond pins.
        pass

    selects = {}
    for mname, m in sorted(board["muxes"].items()):
        mtype = m.get("type")
        if mtype not in MUX_CHANNELS:
            errors.append("mux %s: type %r is not one of %s" % (mname, mtype, ", ".join(MUX_CHANNELS)))
            continue
        sel = m.get("select", [])
        if len(sel) != MUX_SELECT_LINES[mtype] or len(set(sel)) != len(sel):
            errors.append("mux %s: a %s needs %d different select lines, got %r"
                          % (mname, mtype, MUX_SELECT_LINES[mtype], sel))
        key = tuple(sel)
        if key in selects:
            selects[key].append(mname)
        else:
            selects[key] = [mname]
            for i, pin in enumerate(sel):
                use(pin, "mux select S%d" % i)
        use_adc(m.get("adc"), "mux %s common" % mname)

    mx = board.get("matrix")
    if mx is not None:
        if set(mx) - {"diodes"} != {"rows", "cols"} or not set(mx) <= {"rows", "cols", "diodes"}:
            errors.append("matrix: fields must be rows, cols and optionally diodes, got %s" % sorted(mx))
            mx = None
        elif not mx["rows"] or not mx["cols"] or len(mx["rows"]) * len(mx["cols"]) > MAX_MATRIX_KEYS:
            errors.append("matrix: %d rows x %d columns: the firmware reads 1 to %d keys"
                          % (len(mx["rows"]), len(mx["cols"]), MAX_MATRIX_KEYS))
            mx = None
        else:
            for what, pins in (("row", mx["rows"]), ("column", mx["cols"])):
                for i, pin in enumerate(pins):
                    use(pin, "matrix %s %d" % (what, i))
    keys_at = {}

    controls = board["controls"]
    mux_channels = {}
    for cname in sorted(controls, key=control_sort_key):
        c = controls[cname]
        n_errors = len(errors)
        _check_control_fields(cname, c, errors)
        if len(errors) != n_errors:
            continue
        kind = c["kind"]
        if kind in ANALOG_KINDS and "mux" in c:
            m = board["muxes"].get(c["mux"])
            if m is None:
                errors.append("control %s: mux %r is not defined" % (cname, c["mux"]))
                continue
            size = MUX_CHANNELS.get(m.get("type"), 0)
            ch = c["channel"]
            if not _is_int(ch) or not 0 <= ch < size:
                errors.append("control %s: channel %r out of range 0..%d for a %s"
                              % (cname, ch, size - 1, m.get("type")))
                continue
            mux_channels.setdefault((c["mux"], ch), []).append(cname)
        elif kind in ANALOG_KINDS:
            use_adc(c["adc"], "control %s" % cname)
        elif kind == "switch":
            use(c["pin"], "control %s" % cname)
        elif kind == "key":
            r, col = c["matrix"]
            if "matrix" not in board:
                errors.append("control %s: a key needs the board's matrix (rows and cols)" % cname)
            elif mx is not None and not (0 <= r < len(mx["rows"]) and 0 <= col < len(mx["cols"])):
                errors.append("control %s: matrix [%d, %d] is outside the %d x %d matrix"
                              % (cname, r, col, len(mx["rows"]), len(mx["cols"])))
            else:
                keys_at.setdefault((r, col), []).append(cname)
        else:
            use(c["pins"][0], "control %s A" % cname)
            use(c["pins"][1], "control %s B" % cname)

    led = board["led"]
    if led.get("type") == "pin":
        if not (led.get("pin") == "LED" or _is_int(led.get("pin"))) or set(led) != {"type", "pin"}:
            errors.append("led: a pin LED needs pin (a GPIO number or \"LED\"), got %r" % led)
        elif _is_int(led["pin"]) and led["pin"] in users:
            errors.append("led: GPIO %d is also used by %s" % (led["pin"], users[led["pin"]]))
    elif led.get("type") == "neopixel":
        if not _is_int(led.get("pin")) or not set(led) <= {"type", "pin", "power"}:
            errors.append("led: a neopixel needs pin and optionally power, got %r" % led)
        for k in ("pin", "power"):
            if k in led and led[k] in users:
                errors.append("led %s: GPIO %d is also used by %s" % (k, led[k], users[led[k]]))
    else:
        errors.append("led: type %r must be pin or neopixel" % led.get("type"))
    for u in board.get("user_leds", []):
        if u.get("pin") in users:
            errors.append("user LED %s: GPIO %d is also used by %s"
                          % (u.get("color"), u["pin"], users[u["pin"]]))

    for pin, who in sorted(users.items()):
        if len(who) > 1:
            errors.append("GPIO %d used more than once: %s" % (pin, "; ".join(who)))
    for ch, who in sorted(adc_users.items()):
        if len(who) > 1:
            errors.append("ADC channel %d used more than once: %s" % (ch, "; ".join(who)))
    for (r, col), who in sorted(keys_at.items()):
        if len(who) > 1:
            errors.append("matrix [%d, %d] used more than once: %s" % (r, col, ", ".join(who)))
    for (mname, ch), who in sorted(mux_channels.items()):
        if len(who) > 1:
            errors.append("mux %s channel %d used more than once: %s" % (mname, ch, ", ".join(who)))

    _check_names(controls, errors)
    _check_limits(controls, errors)
    sm = controls.get(board["safe_mode"])
    if sm is None or sm.get("kind") != "switch":
        errors.append("safe_mode %r must name a switch control" % board["safe_mode"])
    return errors


def wiring(board):
    """The `make wiring` object (simulator spec): board, ports, muxes, controls."""
    out = {"board": board["board"], "din_out": dict(board["din_out"])}
    if "din_in" in board:
        out["din_in"] = dict(board["din_in"])
    out["muxes"] = {k: dict(v) for k, v in board["muxes"].items()}
    if "matrix" in board:
        out["matrix"] = matrix_wiring(board)
    out["controls"] = {k: dict(v) for k, v in board["controls"].items()}
    return out


# How the firmware scans a key matrix (hwsetup.py, hw.Hardware.scan_matrix): the row being
# read is driven low and the others are released (inputs held high by their pull-ups, as an
# open drain, never driven high); every column is an input
# with the internal pull-up, so a held key pulls its column low. Current flows from the
# column through the key into the row: a key's diode points that way, anode on the
# column's side, cathode (the band) on the row's.
MATRIX_ROW_ACTIVE = "low"
MATRIX_ROW_IDLE = "pull-up"  # released: an input with the internal pull-up
MATRIX_COL_PULL = "up"
MATRIX_DIODE = "1N4148"


def has_diodes(board):
    """Whether the board's key matrix has a diode per key (the firmware's default: yes)."""
    return board["matrix"].get("diodes", True)


def matrix_keys(board):
    """The key matrix as a grid: grid[row][col] is the control at that place, or None."""
    mx = board["matrix"]
    grid = [[None] * len(mx["cols"]) for _ in mx["rows"]]
    for cname, c in board["controls"].items():
        if c["kind"] == "key":
            r, col = c["matrix"]
            grid[r][col] = cname
    return grid


def matrix_wiring(board):
    """The `make wiring` object of a key matrix: the board's rows, cols and diodes, the
    levels the firmware scans with, the diodes' direction and the key at each place."""
    mx = board["matrix"]
    out = {"rows": list(mx["rows"]), "cols": list(mx["cols"]), "diodes": has_diodes(board),
           "row_active": MATRIX_ROW_ACTIVE, "row_idle": MATRIX_ROW_IDLE, "col_pull": MATRIX_COL_PULL}
    if out["diodes"]:
        out["diode_cathode"] = "row"
    out["keys"] = matrix_keys(board)
    return out


def mux_pin(mtype, channel):
    """The package pin (DIP/SOIC) of a mux channel input; from the CD74HC4067/4051 pinouts."""
    if mtype == "4067":
        # I0..I7 on pins 9..2, I8..I15 on pins 23..16.
        return 9 - channel if channel < 8 else 31 - channel
    return (13, 14, 15, 12, 1, 5, 2, 4)[channel]


MUX_SELECT_PINS = {"4067": (10, 11, 14, 13), "4051": (11, 10, 9)}
MUX_COMMON_PIN = {"4067": 1, "4051": 3}


def pin_roles(board):
    """{gpio: (function, connects_to)} for every GPIO the reference layout uses."""
    roles = {}
    d = board["din_out"]
    roles[d["tx"]] = ("UART%d TX: MIDI OUT" % d["uart"],
                      "10 ohm to DIN-5 pin 5 (TRS tip on Type A, ring on Type B)")
    if "din_in" in board:
        d = board["din_in"]
        roles[d["rx"]] = ("UART%d RX: MIDI IN" % d["uart"],
                          "optocoupler output (H11L1 pin 4), 1 kohm pull-up to 3V3")
    adc = {int(k): v for k, v in board["adc"].items()}
    by_select = {}
    for mname in sorted(board["muxes"]):
        by_select.setdefault(tuple(board["muxes"][mname]["select"]), []).append(mname)
    for sel, mnames in by_select.items():
        mtype = board["muxes"][mnames[0]]["type"]
        for i, pin in enumerate(sel):
            roles[pin] = ("mux select S%d (%s)" % (i, ", ".join(mnames)),
                          "S%d (pin %d) of each CD74HC%s listed" % (i, MUX_SELECT_PINS[mtype][i], mtype))
    controls = board["controls"]
    for mname in sorted(board["muxes"]):
        m = board["muxes"][mname]
        on = sorted((c for c in controls if controls[c].get("mux") == mname), key=control_sort_key)
        roles[adc[m["adc"]]] = ("ADC%d: mux %s common" % (m["adc"], mname),
                                "CD74HC%s pin %d (COM); channels: %s"
                                % (m["type"], MUX_COMMON_PIN[m["type"]], _span(on)))
    for cname in sorted(controls, key=control_sort_key):
        c = controls[cname]
        if c["kind"] == "piezo" and "adc" in c:
            roles[adc[c["adc"]]] = ("ADC%d: %s (%s)" % (c["adc"], cname, kind_text(c)),
                                    "hold node of the piezo front end with peak hold (pads.svg)"
                                    if "peak_hold_ms" in c else
                                    "clamp node of the piezo front end (pads.svg)")
        elif c["kind"] in ANALOG_KINDS and "adc" in c:
            roles[adc[c["adc"]]] = ("ADC%d: %s (%s)" % (c["adc"], cname, c["kind"]),
                                    "wiper of the %s, 100 nF to AGND" % c["kind"])
        elif c["kind"] == "switch":
            roles[c["pin"]] = ("%s (switch, active %s)" % (cname, c["active"]),
                               "switch to GND, internal pull-up" if c["active"] == "low"
                               else "switch to 3V3, 10 kohm pull-down")
        elif c["kind"] == "encoder":
            roles[c["pins"][0]] = ("%s A (encoder)" % cname, "encoder A, 10 kohm pull-up; C to GND")
            roles[c["pins"][1]] = ("%s B (encoder)" % cname, "encoder B, 10 kohm pull-up; C to GND")
    if "matrix" in board:
        roles.update(_matrix_roles(board))
    return roles


def _matrix_roles(board):
    """pin_roles of a key matrix's rows and columns: each names the keys on its line."""
    mx = board["matrix"]
    grid = matrix_keys(board)
    diodes = has_diodes(board)
    roles = {}
    for r, pin in enumerate(mx["rows"]):
        keys = ", ".join(k for k in grid[r] if k)
        to = "cathode (band) of the diodes of %s" if diodes else "switches of %s (no diodes)"
        roles[pin] = ("key matrix row %d (low while read, else released)" % r, to % keys if keys else "no key on this row yet")
    for col, pin in enumerate(mx["cols"]):
        keys = ", ".join(row[col] for row in grid if row[col])
        to = ("switches of %s; each switch's other side to its diode's anode" if diodes
              else "switches of %s (no diodes)")
        roles[pin] = ("key matrix column %d (in, internal pull-up)" % col,
                      to % keys if keys else "no key on this column yet")
    return roles


def kind_text(c):
    """A control's kind as the tables show it: 'piezo, peak hold 5 ms' when it has one."""
    if "peak_hold_ms" in c:
        return "%s, peak hold %d ms" % (c["kind"], c["peak_hold_ms"])
    return c["kind"]


def _span(names_sorted):
    """'pad1..pad16' for a run of one family, else the names joined."""
    if not names_sorted:
        return "none"
    if len(names_sorted) > 2:
        return "%s..%s" % (names_sorted[0], names_sorted[-1])
    return ", ".join(names_sorted)
