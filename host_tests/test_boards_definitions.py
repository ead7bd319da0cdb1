"""Board definitions (boards/*.json) against the chips' pin functions and the makers'
pinouts. A second, independent implementation of the pin rules runs beside
hardware.boarddef.validate(), and every rule of validate() is shown to fire on a
definition broken on purpose."""
import copy
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from hardware import boarddef, chips  # noqa: E402

BOARDS = ("feather_rp2040", "kb2040", "pico", "pico2", "pico_w", "rp2040_zero", "xiao_rp2040")
REFERENCE = ["pad%d" % i for i in range(1, 17)] + ["knob%d" % i for i in range(1, 9)] + \
    ["bend", "enc1", "enc2", "button1", "button2", "button3", "button4"]


def all_boards():
    return [(n, boarddef.load(n)) for n in boarddef.names()]


def test_the_expected_boards_are_defined():
    assert tuple(boarddef.names()) == BOARDS


def test_every_board_passes_validation():
    for name, board in all_boards():
        assert boarddef.validate(board, name) == [], name
        assert board["board"] == name


def _tx_ok_micropython(chip, uart, pin):
    # Oracle: MicroPython ports/rp2/machine_uart.c IS_VALID_TX (RP2350 accepts the aux pins).
    periph = (((pin + 4) & 8) >> 3) == uart
    return periph and ((pin & 1) == 0 if chip == "rp2350" else (pin & 3) == 0)


def _rx_ok_micropython(chip, uart, pin):
    periph = (((pin + 4) & 8) >> 3) == uart
    return periph and ((pin & 1) == 1 if chip == "rp2350" else (pin & 3) == 1)


def test_chip_uart_tables_agree_with_micropython_pin_rule():
    for name in chips.CHIPS:
        for uart in (0, 1):
            tx = {p for p in range(30) if _tx_ok_micropython(name, uart, p)}
            rx = {p for p in range(30) if _rx_ok_micropython(name, uart, p)}
            assert set(chips.CHIPS[name]["uart_tx"][uart]) == tx, (name, uart)
            assert set(chips.CHIPS[name]["uart_rx"][uart]) == rx, (name, uart)
    # The brief's RP2040 list, spelled out.
    assert set(chips.CHIPS["rp2040"]["uart_tx"][0]) == {0, 12, 16, 28}
    assert set(chips.CHIPS["rp2040"]["uart_rx"][1]) == {5, 9, 21, 25}
    for name in chips.CHIPS:
        assert chips.CHIPS[name]["adc"] == {0: 26, 1: 27, 2: 28, 3: 29}


def _uses(board):
    """Independent of boarddef: [(gpio, who)] digital uses and [(adc channel, who)]."""
    digital, analog = [], []
    digital.append((board["din_out"]["tx"], "tx"))
    if "din_in" in board:
        digital.append((board["din_in"]["rx"], "rx"))
    seen_selects = []
    for mname, m in board["muxes"].items():
        if m["select"] not in seen_selects:
            seen_selects.append(m["select"])
            digital += [(p, "select") for p in m["select"]]
        analog.append((m["adc"], mname))
    for cname, c in board["controls"].items():
        if "adc" in c:
            analog.append((c["adc"], cname))
        if "pin" in c:
            digital.append((c["pin"], cname))
        for p in c.get("pins", []):
            digital.append((p, cname))
    return digital, analog


def test_pin_rules_checked_independently():
    for name, board in all_boards():
        chip = chips.CHIPS[board["chip"]]
        digital, analog = _uses(board)
        pins = [p for p, _ in digital]
        assert len(pins) == len(set(pins)), (name, sorted(pins))
        channels = [ch for ch, _ in analog]
        assert len(channels) == len(set(channels)), name
        adc_gpio = [chip["adc"][ch] for ch in channels]
        assert all(str(ch) in board["adc"] for ch in channels), name
        assert not set(adc_gpio) & set(pins), name
        for p in pins + adc_gpio:
            assert p in board["gpio"], (name, p)
        # Mux select lines that overlap must be the very same list.
        sels = [m["select"] for m in board["muxes"].values()]
        for a in sels:
            for b in sels:
                assert a == b or not set(a) & set(b), name
        assert board["din_out"]["tx"] in chip["uart_tx"][board["din_out"]["uart"]], name
        assert board["din_in"]["rx"] in chip["uart_rx"][board["din_in"]["uart"]], name
        led = board["led"]
        for k in ("pin", "power"):
            if isinstance(led.get(k), int):
                assert led[k] not in pins + adc_gpio, name


def test_control_names_kinds_and_fields():
    fields = {"piezo": ({"mux", "channel"}, {"adc"}), "fsr": ({"mux", "channel"}, {"adc"}),
              "pot": ({"mux", "channel"}, {"adc"}), "stick": ({"mux", "channel"}, {"adc"}),
              "switch": ({"pin", "active"},), "encoder": ({"pins"},)}
    for name, board in all_boards():
        numbers = {}
        for cname, c in board["controls"].items():
            kind = c["kind"]
            optional = {"kind", "peak_hold_ms"} if kind == "piezo" else {"kind"}
            assert set(c) - optional in fields[kind], (name, cname)
            if "peak_hold_ms" in c:
                assert type(c["peak_hold_ms"]) is int and 2 <= c["peak_hold_ms"] <= 50, (name, cname)
            if cname != "bend":
                m = re.match(r"^(pad|knob|enc|button)([1-9]\d*)$", cname)
                assert m, (name, cname)
                numbers.setdefault(m.group(1), []).append(int(m.group(2)))
        for fam, got in numbers.items():
            assert sorted(got) == list(range(1, len(got) + 1)), (name, fam)
        assert board["controls"][board["safe_mode"]]["kind"] == "switch", name


def test_board_facts_from_the_makers_pinouts():
    b = dict(all_boards())
    pico_header = list(range(23)) + [26, 27, 28]
    assert b["pico"]["gpio"] == pico_header and b["pico"]["led"] == {"type": "pin", "pin": 25}
    assert b["pico_w"]["gpio"] == pico_header and b["pico_w"]["led"] == {"type": "pin", "pin": "LED"}
    assert not {23, 24, 25, 29} & set(b["pico_w"]["gpio"])
    assert b["pico2"]["chip"] == "rp2350" and b["pico2"]["gpio"] == pico_header
    assert b["pico2"]["led"] == {"type": "pin", "pin": 25} and b["pico2"]["micropython"] == "1.24.0"
    assert b["kb2040"]["gpio"] == list(range(11)) + [18, 19, 20, 26, 27, 28, 29]
    assert b["kb2040"]["led"] == {"type": "neopixel", "pin": 17}
    assert b["feather_rp2040"]["led"] == {"type": "neopixel", "pin": 16}
    assert b["feather_rp2040"]["labels"]["6"] == "D4" and b["feather_rp2040"]["labels"]["9"] == "D9"
    assert sorted(b["xiao_rp2040"]["gpio"]) == [0, 1, 2, 3, 4, 6, 7, 26, 27, 28, 29]
    assert b["xiao_rp2040"]["led"] == {"type": "neopixel", "pin": 12, "power": 11}
    assert {u["pin"] for u in b["xiao_rp2040"]["user_leds"]} == {16, 17, 25}
    assert b["rp2040_zero"]["led"] == {"type": "neopixel", "pin": 16}
    assert 16 not in b["rp2040_zero"]["gpio"] and len(b["rp2040_zero"]["gpio"]) == 29


def test_dropped_controls_are_documented():
    readme = open(os.path.join(ROOT, "boards", "README.md")).read()
    for name, board in all_boards():
        dropped = [c for c in REFERENCE if c not in board["controls"]]
        for c in dropped:
            assert re.search(r"\b%s\b" % c, board["notes"]), (name, c)
        if dropped:
            row = [line for line in readme.splitlines() if line.startswith("| `%s`" % name)]
            assert row and all(re.search(r"\b%s\b" % c, row[0]) for c in dropped), name
    assert [c for c in REFERENCE if c not in dict(all_boards())["xiao_rp2040"]["controls"]] == \
        ["enc1", "enc2", "button3", "button4"]


def broken(mutate, base="pico"):
    board = copy.deepcopy(boarddef.load(base))
    mutate(board)
    return boarddef.validate(board, base)


def has(errors, text):
    return any(text in e for e in errors)


def test_validate_rejects_uart_pins_the_chip_cannot_route():
    e = broken(lambda b: b["din_out"].update(tx=2))
    assert has(e, "din_out: GPIO 2 cannot carry UART0 TX on rp2040 (it can carry: no UART TX)")
    e = broken(lambda b: b["din_out"].update(tx=4))
    assert has(e, "din_out: GPIO 4 cannot carry UART0 TX on rp2040 (it can carry: UART1)")
    e = broken(lambda b: b["din_in"].update(rx=14))
    assert has(e, "din_in: GPIO 14 cannot carry UART0 RX")
    # GPIO 14 is UART0 TX only through RP2350's UART_AUX function (F11).
    def move(b):
        b["din_out"]["tx"] = 14
        b["din_in"]["rx"] = 15

    assert broken(move, "pico2") == []
    assert has(broken(move, "pico"), "din_out: GPIO 14 cannot carry UART0 TX")


def test_validate_rejects_pins_used_twice_or_not_brought_out():
    e = broken(lambda b: b["controls"]["button1"].update(pin=10))
    assert has(e, "GPIO 10 used more than once: mux select S0; control button1")
    e = broken(lambda b: b["controls"]["button2"].update(pin=23))
    assert has(e, "control button2: GPIO 23 is not brought out on this board")
    e = broken(lambda b: b["muxes"]["m1"].update(select=[10, 11, 12, 14]))
    assert has(e, "GPIO 10 used more than once")
    e = broken(lambda b: b["controls"]["enc1"].update(pins=[2, 2]))
    assert has(e, "control enc1: pins [2, 2] must be two different GPIO numbers")
    e = broken(lambda b: b["controls"]["button1"].update(pin=12), "xiao_rp2040")
    assert has(e, "not brought out")
    e = broken(lambda b: b.update(led={"type": "pin", "pin": 6}))
    assert has(e, "led: GPIO 6 is also used by ['control button1']")


def test_validate_rejects_adc_misuse():
    e = broken(lambda b: b["adc"].update({"0": 25}))
    assert has(e, "adc channel 0 on GPIO 25: on rp2040 ADC0 is GPIO 26")
    e = broken(lambda b: b["controls"]["bend"].update(adc=3))
    assert has(e, "control bend: ADC channel 3 is not available on this board (have [0, 1, 2])")
    e = broken(lambda b: b["controls"]["bend"].update(adc=1))
    assert has(e, "ADC channel 1 used more than once: mux m1 common; control bend")
    e = broken(lambda b: b["controls"]["button1"].update(pin=28))
    assert has(e, "GPIO 28 used more than once: control bend; control button1")


def test_validate_rejects_bad_controls_and_names():
    e = broken(lambda b: b["controls"]["pad1"].pop("channel"))
    assert has(e, "control pad1 (piezo): fields must be ['channel', 'kind', 'mux']; missing ['channel']")
    e = broken(lambda b: b["controls"]["pad2"].update(kind="drum"))
    assert has(e, "control pad2: kind 'drum' is not one of piezo, fsr, switch, pot, stick, encoder, key")
    e = broken(lambda b: b["controls"]["pad3"].update(channel=16))
    assert has(e, "control pad3: channel 16 out of range 0..15 for a 4067")
    e = broken(lambda b: b["controls"]["pad4"].update(channel=0))
    assert has(e, "mux m0 channel 0 used more than once: pad1, pad4")
    e = broken(lambda b: b["controls"].update(pad18=b["controls"].pop("pad16")))
    assert has(e, "controls pad: numbered [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18], "
                  "expected pad1..pad16 without gaps")
    e = broken(lambda b: b["controls"].update(knobA=b["controls"].pop("knob8")))
    assert has(e, "control 'knobA': name must be pad<N>, knob<N>, bend, enc<N> or button<N>")
    e = broken(lambda b: b["controls"]["knob1"].update(kind="piezo"))
    assert has(e, "control knob1: kind 'piezo', expected one of pot")
    e = broken(lambda b: b["controls"]["button1"].update(active="down"))
    assert has(e, "control button1: active 'down' must be 'low' or 'high'")
    e = broken(lambda b: b.update(safe_mode="knob1"))
    assert has(e, "safe_mode 'knob1' must name a switch control")
    e = broken(lambda b: b.pop("din_out"))
    assert e == ["missing field 'din_out'"]
    e = broken(lambda b: b.update(colour="red"))
    assert e == ["unknown field 'colour'"]


def test_peak_hold_is_an_optional_piezo_field():
    def hold(b):
        for i in range(1, 11):
            b["controls"]["pad%d" % i]["peak_hold_ms"] = 5
        b["controls"]["pad11"]["peak_hold_ms"] = 2
        b["controls"]["pad12"]["peak_hold_ms"] = 50

    assert broken(hold) == []
    # A piezo wired straight to an ADC pin may have it too (pico: ADC2 is the stick's).
    def direct(b):
        b["controls"].pop("bend")
        b["controls"]["pad16"] = {"kind": "piezo", "adc": 2, "peak_hold_ms": 10}

    assert broken(direct) == []


def test_validate_rejects_bad_peak_hold_values():
    for value, shown in ((1, "1"), (51, "51"), (0, "0"), (-5, "-5"), (4.7, "4.7"), (5.0, "5.0"),
                         ("5", "'5'"), (True, "True"), (None, "None"), ([5], "[5]")):
        e = broken(lambda b, v=value: b["controls"]["pad3"].update(peak_hold_ms=v))
        assert e == ["control pad3: peak_hold_ms %s must be a whole number of ms from 2 to 50 "
                     "(the hold's bleed time constant R x C)" % shown], value

    def direct(b):
        b["controls"].pop("bend")
        b["controls"]["pad16"] = {"kind": "piezo", "adc": 2, "peak_hold_ms": 100}

    assert broken(direct) == ["control pad16: peak_hold_ms 100 must be a whole number of ms from 2 "
                              "to 50 (the hold's bleed time constant R x C)"]


def test_validate_rejects_peak_hold_on_other_kinds():
    def fsr(b):
        b["controls"]["pad1"] = {"kind": "fsr", "mux": "m0", "channel": 0, "peak_hold_ms": 5}

    for mutate, cname, kind in (
            (fsr, "pad1", "fsr"),
            (lambda b: b["controls"]["knob2"].update(peak_hold_ms=5), "knob2", "pot"),
            (lambda b: b["controls"]["bend"].update(peak_hold_ms=5), "bend", "stick"),
            (lambda b: b["controls"]["button2"].update(peak_hold_ms=5), "button2", "switch"),
            (lambda b: b["controls"]["enc1"].update(peak_hold_ms=5), "enc1", "encoder")):
        assert broken(mutate) == ["control %s (%s): peak_hold_ms is only for piezo controls "
                                  "(the peak-hold stage is part of a piezo pad's front end)"
                                  % (cname, kind)], cname
    # The field check still runs beside it: a stray field is reported as well.
    e = broken(lambda b: b["controls"]["knob2"].update(peak_hold_ms=5, pin=3))
    assert e == ["control knob2 (pot): peak_hold_ms is only for piezo controls "
                 "(the peak-hold stage is part of a piezo pad's front end)",
                 "control knob2 (pot): fields must be ['channel', 'kind', 'mux']; missing [], "
                 "unexpected ['pin']"]


def test_validate_rejects_bad_muxes_and_chip():
    e = broken(lambda b: b["muxes"]["m0"].update(type="4052"))
    assert has(e, "mux m0: type '4052' is not one of 4067, 4051")
    e = broken(lambda b: b["muxes"]["m1"].update(type="4051"))
    assert has(e, "mux m1: a 4051 needs 3 different select lines, got [10, 11, 12, 13]")
    e = broken(lambda b: b.update(chip="rp2354"))
    assert has(e, "chip 'rp2354' is not one of rp2040, rp2350")
    e = broken(lambda b: b["gpio"].append(30))
    assert has(e, "gpio 30 is not a GPIO of rp2040 (0..29)")


def test_unknown_board_names_the_known_ones():
    try:
        boarddef.load("pico3")
    except ValueError as e:
        assert str(e) == "board 'pico3' is not defined; known boards: " + ", ".join(BOARDS)
    else:
        raise AssertionError("no error for an unknown board")


def _paths(value, path=()):
    """Every place in a JSON value: (path, value) for it and everything inside it."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _replaced(board, path, value):
    b = copy.deepcopy(board)
    if not path:
        return value
    node = b
    for k in path[:-1]:
        node = node[k]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return b


_DELETE = object()
ODD_VALUES = (_DELETE, None, True, False, 0, -1, 2.0, 2 ** 40, "", "x", "LED", [], [2], [10, 11, 12, 13], {},
              {"type": "pin"}, {"kind": "pot"})


def test_validate_gives_lines_for_any_json_value_and_never_raises():
    # Every value, field and list element of a real board replaced by (or deleted for) each
    # odd JSON value: validate() returns its one-line problems, it does not crash (it did
    # on `mux: [...]`, `led: null`, `select: 10`, `adc: []`, ... found by fuzzing).
    for base in ("pico", "xiao_rp2040"):
        board = boarddef.load(base)
        for path, _old in _paths(board):
            for value in ODD_VALUES:
                if value is _DELETE and not path:
                    continue
                b = _replaced(board, path, value)
                try:
                    errors = boarddef.validate(b, base)
                except Exception as e:  # pragma: no cover - the failure message is the point
                    raise AssertionError("validate raised %r on %s = %r" % (e, list(path), value))
                assert isinstance(errors, list) and all(isinstance(e, str) and "\n" not in e for e in errors)


def test_validate_names_the_field_that_has_the_wrong_json_type():
    assert broken(lambda b: b["controls"]["knob1"].update(mux=["m1"])) == [
        "control knob1: mux: ['m1'] must be the name of a mux"]
    assert broken(lambda b: b["muxes"]["m0"].update(select=10)) == [
        "mux m0: select: 10 must be a list of GPIO numbers"]
    assert broken(lambda b: b.update(led=None)) == ["led: None must be an object"]
    assert broken(lambda b: b.update(adc=[])) == ["adc: [] must be an object"]
    assert broken(lambda b: b["adc"].update({"two": 28})) == ["adc: key 'two' must be a number in quotes, like \"26\""]
    assert broken(lambda b: b["controls"].update(knob3={"mux": "m1", "channel": 2}))[0] == (
        "control knob3: kind None is not one of piezo, fsr, switch, pot, stick, encoder, key")
    assert broken(lambda b: b["controls"].update(pad1=None)) == ["control pad1: None must be an object"]
    assert broken(lambda b: b.update(safe_mode=["button1"])) == ["safe_mode: ['button1'] must be a string"]
    assert boarddef.validate([], "pico") == ["a board definition must be a JSON object, got []"]


def test_validate_refuses_a_float_or_bool_where_a_channel_or_pin_goes():
    # 2.0 == 2 in Python, so `2.0 in adc` let a float ADC channel through; the firmware
    # indexes tables with it and cannot build the board.
    assert broken(lambda b: b["controls"]["bend"].update(adc=2.0)) == [
        "control bend: adc: 2.0 must be an ADC channel number"]
    assert broken(lambda b: b["muxes"]["m1"].update(adc=True)) == [
        "mux m1: adc: True must be an ADC channel number"]
    assert broken(lambda b: b["controls"]["button1"].update(pin=6.0)) == [
        "control button1: pin: 6.0 must be a GPIO number"]
    assert broken(lambda b: b["din_out"].update(uart=False)) == ["din_out.uart: False must be a whole number"]


def _more_pads(b, n):
    # pads 17..n on further 4067s sharing m0's select lines (pico: ADC2 is the stick's)
    b["controls"].pop("bend")
    b["muxes"]["m2"] = {"type": "4067", "select": [10, 11, 12, 13], "adc": 2}
    for i in range(17, n + 1):
        b["controls"]["pad%d" % i] = {"kind": "piezo", "mux": "m2", "channel": i - 17}


def test_validate_refuses_more_pads_than_the_firmware_plays():
    assert broken(lambda b: _more_pads(b, 30)) == []
    assert broken(lambda b: _more_pads(b, 31)) == ["controls: pad31: the firmware plays at most 30 pads (pad1..pad30)"]
    assert broken(lambda b: _more_pads(b, 32)) == ["controls: pad32: the firmware plays at most 30 pads (pad1..pad30)"]


def _more_knobs(b, n):
    b["controls"].pop("bend")
    b["muxes"]["m2"] = {"type": "4067", "select": [10, 11, 12, 13], "adc": 2}
    for i in range(9, n + 1):
        b["controls"]["knob%d" % i] = {"kind": "pot", "mux": "m2", "channel": i - 9}


def test_validate_refuses_more_pots_and_sticks_than_the_scan_reads():
    # two a scan, each at least 100 times a second: 20 (the firmware: "knob rate 90 Hz out
    # of range 100..", and no controller, with 21)
    assert broken(lambda b: _more_knobs(b, 20)) == []
    assert broken(lambda b: _more_knobs(b, 21)) == [
        "controls: 21 pots and sticks (knob1..knob21): the firmware reads at most 20, each at least 100 "
        "times a second"]


def test_a_key_matrix_board_passes_and_its_rules_fire():
    # boards/README.md's "matrix": the firmware plays it, so the board check (which the
    # tools run first) accepts it; the simulator's test board has one
    import json

    with open(os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")) as f:
        base = json.load(f)
    assert boarddef.validate(base, "pico_matrix") == []

    def mx(mutate):
        b = copy.deepcopy(base)
        mutate(b)
        return boarddef.validate(b, "pico_matrix")

    assert mx(lambda b: b["controls"]["button6"].update(matrix=[0, 0])) == [
        "matrix [0, 0] used more than once: button5, button6"]
    assert mx(lambda b: b["controls"]["button6"].update(matrix=[2, 0])) == [
        "control button6: matrix [2, 0] is outside the 2 x 3 matrix"]
    assert mx(lambda b: b["matrix"].update(rows=list(range(14, 24)) + [3])) == [
        "matrix: 11 rows x 3 columns: the firmware reads 1 to 30 keys"]
    assert mx(lambda b: b["matrix"].update(rows=[14, 6])) == [
        "GPIO 6 used more than once: matrix row 1; control button1"]
    assert mx(lambda b: b.pop("matrix")) == ["control %s: a key needs the board's matrix (rows and cols)" % n
                                             for n in ("button5", "button6", "button7", "button8", "button9",
                                                       "button10")]
    assert mx(lambda b: b["matrix"].update(diodes="yes")) == ["matrix.diodes: 'yes' must be true or false"]
