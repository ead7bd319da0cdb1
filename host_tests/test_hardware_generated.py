"""hardware/generate.py: the committed drawings and tables are what the generator makes
now (byte for byte), the output is deterministic, and the per-board tables and diagrams
follow the board definitions."""
import copy
import csv
import io
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from hardware import boarddef, generate, tables, wiringdiagram  # noqa: E402

HW = os.path.join(ROOT, "hardware")
_CACHE = {}


def outputs():
    if "out" not in _CACHE:
        _CACHE["out"] = generate.outputs()
    return _CACHE["out"]


def committed_generated_files():
    found = set()
    for sub in ("schematics", "boards"):
        for dirpath, _, files in os.walk(os.path.join(HW, sub)):
            for f in files:
                found.add(os.path.relpath(os.path.join(dirpath, f), HW).replace(os.sep, "/"))
    found.add("bom.csv")
    return found


def test_committed_files_are_up_to_date():
    with tempfile.TemporaryDirectory() as tmp:
        written = generate.write(tmp)
        assert set(written) == committed_generated_files(), "stale or missing files: run make hardware"
        for rel in written:
            with open(os.path.join(tmp, rel), "rb") as f:
                fresh = f.read()
            with open(os.path.join(HW, rel), "rb") as f:
                assert f.read() == fresh, "%s is out of date: run make hardware" % rel


def test_generation_is_deterministic_and_svgs_carry_no_ids_or_dates():
    again = generate.outputs()
    assert again == outputs()
    for rel, data in outputs().items():
        if rel.endswith(".svg"):
            text = data.decode()
            assert text.startswith("<svg") and text.endswith("</svg>\n"), rel
            assert 'id="' not in text and not re.search(r"20\d\d-\d\d-\d\d", text), rel


def svg_texts(data):
    return re.findall(r">([^<>]+)</tspan>", data.decode())


def test_schematics_show_the_part_values():
    out = outputs()
    want = {
        "midi_out_din.svg": ["RA 33 Ω 5% ½ W", "RC 10 Ω 5% ¼ W", "4 (source)", "5 (sink)", "2 (shield)"],
        "midi_out_trs.svg": ["Tip = DIN 5", "Ring = DIN 4", "Tip = DIN 4", "Ring = DIN 5", "33 Ω ½ W", "10 Ω"],
        "midi_in.svg": ["R1 220 Ω", "D1 1N4148", "R2 1 kΩ", "C1 100 nF", "PC900V"],
        "pads.svg": ["1 MΩ", "4.7 kΩ", "10 kΩ", "FSR", "(single)", "10 nF", "C0G/X7R", "470 kΩ", "HOLD",
                     '"peak_hold_ms": 5'],
        "knobs_mux.svg": ["100 nF", "COM", "S3", "knob8 wiper"],
        "pitch_stick.svg": ["1 kΩ", "100 nF"],
        "encoders.svg": ["10 kΩ", "10 nF (opt.)"],
        "button_matrix.svg": ["1N4148", "SW9"],
    }
    for fname, parts in want.items():
        texts = svg_texts(out["schematics/" + fname])
        for part in parts:
            assert any(part in t for t in texts), (fname, part)
    # The peak hold's series diode is the single BAT54, drawn apart from the BAT54S clamps.
    pads = svg_texts(out["schematics/pads.svg"])
    assert pads.count("BAT54") == 1 and pads.count("BAT54S") == 4
    # Type A: tip is the sink (pin 5); Type B: tip is the source (pin 4), per MMA RP-054.
    # Each jack is drawn pins first, then its name.
    trs = " ".join(svg_texts(out["schematics/midi_out_trs.svg"]))
    assert trs.index("Tip = DIN 5") < trs.index("Type A") < trs.index("Tip = DIN 4") < trs.index("Type B")


def expected_roles(board):
    """Independent of boarddef.pin_roles: {gpio: text the Function column must contain}."""
    want = {board["din_out"]["tx"]: "UART%d TX" % board["din_out"]["uart"],
            board["din_in"]["rx"]: "UART%d RX" % board["din_in"]["uart"]}
    adc = {int(k): v for k, v in board["adc"].items()}
    for mname, m in board["muxes"].items():
        for i, pin in enumerate(m["select"]):
            want[pin] = "mux select S%d" % i
        want[adc[m["adc"]]] = "ADC%d: mux %s" % (m["adc"], mname)
    for cname, c in board["controls"].items():
        if "adc" in c:
            want[adc[c["adc"]]] = "ADC%d: %s" % (c["adc"], cname)
        if "pin" in c:
            want[c["pin"]] = cname
        for p, ab in zip(c.get("pins", []), "AB"):
            want[p] = "%s %s" % (cname, ab)
    mx = board.get("matrix", {})
    for i, pin in enumerate(mx.get("rows", [])):
        want[pin] = "key matrix row %d (low while read, else released)" % i
    for i, pin in enumerate(mx.get("cols", [])):
        want[pin] = "key matrix column %d (in, internal pull-up)" % i
    return want


def parse_pinout(md):
    used, muxrows = {}, []
    section = None
    for line in md.splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| ") and not line.startswith("| GPIO") and not line.startswith("| Mux"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if section == "Pins used":
                used[int(cells[0])] = (cells[1], cells[2])
            elif section == "Multiplexer channels":
                muxrows.append((cells[0], int(cells[2]), int(cells[3]), cells[4]))
    return used, muxrows


def test_pinout_tables_match_the_board_definitions():
    for name in boarddef.names():
        board = boarddef.load(name)
        with open(os.path.join(HW, "boards", name, "pinout.md")) as f:
            used, muxrows = parse_pinout(f.read())
        want = expected_roles(board)
        assert sorted(used) == sorted(want), name
        for gpio, text in want.items():
            label, func = used[gpio]
            assert func.startswith(text), (name, gpio, func, text)
            assert label == board.get("labels", {}).get(str(gpio), "GP%d" % gpio), (name, gpio)
        wanted_mux = sorted((c["mux"], c["channel"], cname) for cname, c in board["controls"].items() if "mux" in c)
        assert sorted((m, ch, c) for m, ch, _, c in muxrows) == wanted_mux, name
        for m, ch, chip_pin, _ in muxrows:
            # CD74HC4067 datasheet: I0..I7 on pins 9..2, I8..I15 on pins 23..16.
            assert chip_pin == ([9, 8, 7, 6, 5, 4, 3, 2] + list(range(23, 15, -1)))[ch], (name, m, ch)


def test_wiring_diagram_shows_every_used_gpio():
    for name in boarddef.names():
        board = boarddef.load(name)
        texts = svg_texts(outputs()["boards/%s/wiring.svg" % name])
        shown = sorted(int(m.group(1)) for t in texts for m in [re.search(r"GPIO(\d+)$", t)] if m)
        assert shown == sorted(expected_roles(board)), name


def test_moving_a_pin_in_the_board_moves_it_in_table_and_drawing():
    board = copy.deepcopy(boarddef.load("pico"))
    board["controls"]["button4"]["pin"] = 22
    assert boarddef.validate(board, "pico") == []
    used, _ = parse_pinout(tables.pinout_md(board))
    assert used[22] == ("GP22", "button4 (switch, active low)") and 9 not in used
    texts = svg_texts(wiringdiagram.diagram(board).get_imagedata("svg"))
    assert "GP22  GPIO22" in texts and "GP9  GPIO9" not in texts


def test_pinout_names_the_pads_with_a_peak_hold():
    board = copy.deepcopy(boarddef.load("pico"))
    board["controls"]["pad1"]["peak_hold_ms"] = 5
    board["controls"].pop("bend")
    board["controls"]["pad16"] = {"kind": "piezo", "adc": 2, "peak_hold_ms": 10}
    assert boarddef.validate(board, "pico") == []
    md = tables.pinout_md(board)
    assert "| m0 | CD74HC4067 | 0 | 9 | pad1 | piezo, peak hold 5 ms |" in md
    assert "| m0 | CD74HC4067 | 1 | 8 | pad2 | piezo |" in md
    used, _ = parse_pinout(md)
    assert used[28] == ("GP28", "ADC2: pad16 (piezo, peak hold 10 ms)")
    assert "| hold node of the piezo front end with peak hold (pads.svg) |" in md


def bom(name):
    rows = list(csv.reader(io.StringIO(outputs()["boards/%s/bom.csv" % name].decode())))
    assert rows[0] == ["reference", "quantity", "part", "value or part number", "notes"]
    return {(r[2], r[3]): int(r[1]) for r in rows[1:]}


def test_bill_of_materials_counts_follow_the_layout():
    pico = bom("pico")
    assert pico[("piezo disc", "27 mm brass piezo element")] == 16
    assert pico[("potentiometer", "10 kΩ linear (B10K)")] == 8
    assert pico[("rotary encoder", "EC11, 20 or 24 detents")] == 2
    assert pico[("push button", "6 mm tactile switch")] == 4
    assert pico[("16-channel analog mux", "CD74HC4067 (SOIC-24 breakout or DIP)")] == 2
    assert pico[("resistor", "33 Ω ½ W")] == 1 and pico[("resistor", "10 Ω")] == 1
    assert pico[("optocoupler, 3.3 V capable", "H11L1 or PC900V")] == 1
    xiao = bom("xiao_rp2040")
    assert ("rotary encoder", "EC11, 20 or 24 detents") not in xiao
    assert xiao[("push button", "6 mm tactile switch")] == 2
    assert outputs()["bom.csv"] == outputs()["boards/pico/bom.csv"]


def test_bleed_resistor_is_the_nearest_e12_value_to_tau_over_10nF():
    # tau / 10 nF: 5 ms -> 500 kΩ, between 470 k and 560 k; nearer 470 k on either scale.
    assert tables.bleed_resistor_ohms(5) == 470000
    assert tables.bleed_resistor_ohms(10) == 1000000 and tables.bleed_resistor_ohms(4.7) == 470000
    assert tables.bleed_resistor_ohms(7) == 680000 and tables.bleed_resistor_ohms(15) == 1500000
    assert tables.bleed_resistor_ohms(50) == 4700000
    # 200 kΩ sits halfway between 180 k and 220 k in ohms; the E series is spaced by ratio,
    # and 220/200 = 1.10 < 200/180 = 1.11.
    assert tables.bleed_resistor_ohms(2) == 220000
    assert tables.bleed_resistor_ohms(5, hold_farads=4.7e-9) == 1000000
    e12 = (10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82)
    for tau in range(2, 51):
        r = tables.bleed_resistor_ohms(tau)
        mant = r // 10 ** (len(str(r)) - 2)
        assert mant in e12 and r % 10 ** (len(str(r)) - 2) == 0, (tau, r)
        want = tau * 1e-3 / 10e-9
        # Neighbouring E12 values are at most 1.222 apart (18 -> 22, 27 -> 33, 82 -> 100),
        # so the nearest one is within sqrt(1.222) = 1.106 of the target.
        assert max(r / want, want / r) <= 1.106, (tau, r)
    assert [tables.ohms_text(r) for r in (470000, 1000000, 2200000, 4700, 33)] == \
        ["470 kΩ", "1 MΩ", "2.2 MΩ", "4.7 kΩ", "33 Ω"]


def test_bill_of_materials_adds_the_peak_hold_parts_only_for_pads_that_declare_it():
    board = copy.deepcopy(boarddef.load("pico"))

    def rows(b):
        out = {}
        for _, qty, part, value, _ in tables.bom_rows(b):
            out[(part, value)] = out.get((part, value), 0) + qty
        return out

    plain = rows(board)
    assert not [k for k in plain if "BAT54 " in k[1] or k[1] in ("470 kΩ", "10 nF C0G or X7R ceramic")]
    for i in range(1, 10):
        board["controls"]["pad%d" % i]["peak_hold_ms"] = 5
    board["controls"]["pad10"]["peak_hold_ms"] = 10
    board["controls"]["pad11"]["peak_hold_ms"] = 20
    board["controls"]["pad12"]["peak_hold_ms"] = 21
    assert boarddef.validate(board, "pico") == []
    held = rows(board)
    assert held[("Schottky diode", "BAT54 (single, SOT-23)")] == 12
    assert held[("capacitor", "10 nF C0G or X7R ceramic")] == 12
    assert held[("resistor", "470 kΩ")] == 9
    assert held[("resistor", "1 MΩ")] == 16 + 1  # the 16 piezo loads and pad10's bleed
    assert held[("resistor", "2.2 MΩ")] == 2
    # Every pad keeps its plain front end; nothing else changes.
    assert held[("piezo disc", "27 mm brass piezo element")] == 16
    assert held[("dual Schottky (series pair)", "BAT54S (SOT-23)")] == 16
    extra = {k: held[k] - plain.get(k, 0) for k in held if held[k] != plain.get(k, 0)}
    assert extra == {("Schottky diode", "BAT54 (single, SOT-23)"): 12,
                     ("capacitor", "10 nF C0G or X7R ceramic"): 12,
                     ("resistor", "470 kΩ"): 9, ("resistor", "1 MΩ"): 1, ("resistor", "2.2 MΩ"): 2}
    notes = {r[3]: r[4] for r in tables.bom_rows(board) if r[4].startswith("peak hold bleed")}
    assert notes["2.2 MΩ"].endswith("(peak_hold_ms 20, 21)")
    assert notes["470 kΩ"].endswith("(peak_hold_ms 5)")
    # The committed BOMs: no reference board declares a peak hold.
    assert ("Schottky diode", "BAT54 (single, SOT-23)") not in bom("pico")


def test_generator_refuses_an_invalid_board(monkeypatch):
    real = boarddef.load

    def bad_load(name):
        b = real(name)
        if name == "kb2040":
            b["din_out"]["tx"] = 2
        return b

    monkeypatch.setattr(boarddef, "load", bad_load)
    try:
        generate.outputs()
    except ValueError as e:
        assert str(e).startswith("boards/kb2040.json: din_out: GPIO 2 cannot carry UART0 TX")
    else:
        raise AssertionError("an invalid board was drawn")


# -- key matrix boards ------------------------------------------------------------------------
# No reference board has a key matrix yet; the simulator's test board has a 2 x 3 one (rows
# GPIO 14-15, columns GPIO 16-18, button5..button10, diodes).

def matrix_board():
    import json

    with open(os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")) as f:
        board = json.load(f)
    assert boarddef.validate(board, "pico_matrix") == []
    return board


def matrix_without_diodes():
    """The test board with no diodes and an empty place: row 1, column 1 (button9 gone,
    button10 renamed button9 so the buttons stay numbered without gaps)."""
    board = matrix_board()
    board["matrix"]["diodes"] = False
    del board["controls"]["button9"]
    board["controls"]["button9"] = board["controls"].pop("button10")
    assert boarddef.validate(board, "pico_matrix") == []
    return board


def section(md, title):
    """The lines of one '## title' section of a pinout, up to the next section."""
    lines = md.splitlines()
    start = lines.index("## " + title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start + 1:end]


def test_pinout_gives_each_matrix_line_its_gpio_pull_and_keys():
    board = matrix_board()
    md = tables.pinout_md(board)
    used, _ = parse_pinout(md)
    want = expected_roles(board)
    assert sorted(used) == sorted(want)
    for gpio, text in want.items():
        assert used[gpio][1].startswith(text), (gpio, used[gpio], text)
    assert {g: used[g] for g in range(14, 19)} == {
        14: ("GP14", "key matrix row 0 (low while read, else released)"),
        15: ("GP15", "key matrix row 1 (low while read, else released)"),
        16: ("GP16", "key matrix column 0 (in, internal pull-up)"),
        17: ("GP17", "key matrix column 1 (in, internal pull-up)"),
        18: ("GP18", "key matrix column 2 (in, internal pull-up)")}
    assert "| 14 | GP14 | key matrix row 0 (low while read, else released) | cathode (band) of the diodes of " \
        "button5, button6, button7 |" in md
    assert "| 18 | GP18 | key matrix column 2 (in, internal pull-up) | switches of button7, button10; " \
        "each switch's other side to its diode's anode |" in md
    assert section(md, "Free pins") == ["", "GPIO 19 (GP19), GPIO 20 (GP20), GPIO 21 (GP21), GPIO 22 (GP22)", ""]


def test_pinout_places_every_key_with_its_diode():
    md = tables.pinout_md(matrix_board())
    assert section(md, "Key matrix") == [
        "",
        "- 2 rows x 3 columns, 6 keys; a 1N4148 diode in series with each key (`\"diodes\": true`).",
        "- Rows: the firmware drives one row low at a time and reads every column; the other rows are "
        "released (inputs with the internal pull-up), never driven high.",
        "- Columns: inputs with the internal pull-up; a column reads low while a key on the driven row is held.",
        "- Each key: column, switch, diode anode, diode cathode (band), row. A diode the wrong way round "
        "leaves its key dead.",
        "",
        "| Row | Column 0: GPIO 16 (GP16) | Column 1: GPIO 17 (GP17) | Column 2: GPIO 18 (GP18) |",
        "|---|---|---|---|",
        "| Row 0: GPIO 14 (GP14) | button5 | button6 | button7 |",
        "| Row 1: GPIO 15 (GP15) | button8 | button9 | button10 |",
        "",
        "| Key | Row | Row GPIO | Column | Column GPIO | Diode |",
        "|---|---:|---:|---:|---:|---|",
        "| button5 | 0 | 14 | 0 | 16 | 1N4148, cathode (band) to GPIO 14 |",
        "| button6 | 0 | 14 | 1 | 17 | 1N4148, cathode (band) to GPIO 14 |",
        "| button7 | 0 | 14 | 2 | 18 | 1N4148, cathode (band) to GPIO 14 |",
        "| button8 | 1 | 15 | 0 | 16 | 1N4148, cathode (band) to GPIO 15 |",
        "| button9 | 1 | 15 | 1 | 17 | 1N4148, cathode (band) to GPIO 15 |",
        "| button10 | 1 | 15 | 2 | 18 | 1N4148, cathode (band) to GPIO 15 |",
        ""]
    # The section sits between the mux channels and the notes; a board without a matrix has none.
    assert md.index("## Multiplexer channels") < md.index("## Key matrix") < md.index("## Notes")
    assert "Key matrix" not in tables.pinout_md(boarddef.load("pico"))


def test_pinout_of_a_matrix_without_diodes_warns_and_shows_the_empty_place():
    md = tables.pinout_md(matrix_without_diodes())
    used, _ = parse_pinout(md)
    assert [used[g][1] for g in range(14, 19)] == [
        "key matrix row 0 (low while read, else released)", "key matrix row 1 (low while read, else released)",
        "key matrix column 0 (in, internal pull-up)", "key matrix column 1 (in, internal pull-up)",
        "key matrix column 2 (in, internal pull-up)"]
    assert "| 15 | GP15 | key matrix row 1 (low while read, else released) | switches of button8, button9 (no diodes) |" in md
    assert "| 17 | GP17 | key matrix column 1 (in, internal pull-up) | switches of button6 (no diodes) |" in md
    assert section(md, "Key matrix") == [
        "",
        "- 2 rows x 3 columns, 5 keys; no diodes (`\"diodes\": false`).",
        "- Rows: the firmware drives one row low at a time and reads every column; the other rows are "
        "released (inputs with the internal pull-up), never driven high.",
        "- Columns: inputs with the internal pull-up; a column reads low while a key on the driven row is held.",
        "- Each key: switch straight from its column to its row. Three keys held on the corners of a "
        "rectangle make the fourth read as held; the firmware then holds the keys of that rectangle as "
        "they were until one is let go.",
        "- Keys held together never join two driven outputs (the rows not being read are released), so "
        "fitting the diodes later is only for the phantom keys above.",
        "",
        "| Row | Column 0: GPIO 16 (GP16) | Column 1: GPIO 17 (GP17) | Column 2: GPIO 18 (GP18) |",
        "|---|---|---|---|",
        "| Row 0: GPIO 14 (GP14) | button5 | button6 | button7 |",
        "| Row 1: GPIO 15 (GP15) | button8 | no key | button9 |",
        "",
        "| Key | Row | Row GPIO | Column | Column GPIO | Diode |",
        "|---|---:|---:|---:|---:|---|",
        "| button5 | 0 | 14 | 0 | 16 | none |",
        "| button6 | 0 | 14 | 1 | 17 | none |",
        "| button7 | 0 | 14 | 2 | 18 | none |",
        "| button8 | 1 | 15 | 0 | 16 | none |",
        "| button9 | 1 | 15 | 2 | 18 | none |",
        ""]
    # A line with no key on it yet is still wired, and says so.
    board = matrix_without_diodes()
    board["controls"].pop("button6")
    board["controls"]["button6"] = board["controls"].pop("button9")
    board["controls"]["button6"]["matrix"] = [1, 2]
    assert boarddef.validate(board, "pico_matrix") == []
    used, _ = parse_pinout(tables.pinout_md(board))
    assert used[17] == ("GP17", "key matrix column 1 (in, internal pull-up)")
    assert boarddef.pin_roles(board)[17][1] == "no key on this column yet"


def test_bill_of_materials_counts_the_keys_and_their_diodes():
    def rows(board):
        return [r for r in tables.bom_rows(board) if r[2].endswith("(key matrix)")]

    assert rows(matrix_board()) == [
        ("SW..", 6, "push button (key matrix)", "6 mm tactile switch", "from its column to its diode's anode"),
        ("D..", 6, "diode (key matrix)", "1N4148", "one per key, cathode (band) to the key's row")]
    assert rows(matrix_without_diodes()) == [
        ("SW..", 5, "push button (key matrix)", "6 mm tactile switch", "from its column to its row (no diodes)")]
    # The board's own switches keep their row, after which the matrix's come.
    names = [r[2] for r in tables.bom_rows(matrix_board())]
    assert names.index("push button") + 1 == names.index("push button (key matrix)")
    assert rows(boarddef.load("pico")) == []


def svg_placed_texts(data):
    """(x, y, text) of every text line of an SVG (y grows downwards)."""
    out = []
    for m in re.finditer(r'<text x="([-\d.]+)" y="([-\d.]+)"[^>]*>(.*?)</text>', data.decode(), re.S):
        for line in re.findall(r">([^<>]+)</tspan>", m.group(3)):
            out.append((float(m.group(1)), float(m.group(2)), line))
    return out


def diode_triangles(data):
    """Each diode symbol's triangle as (apex x, apex y, base y): the two base corners share a y."""
    out = []
    for pts in re.findall(r'<polygon points="([^"]+)"', data.decode()):
        p = [tuple(float(v) for v in xy.split(",")) for xy in pts.split()]
        assert len(p) == 3 and p[0][1] == p[2][1], pts
        out.append((p[1][0], p[1][1], p[0][1]))
    return out


def drawn_matrix(data):
    """From a wiring diagram: the row labels top to bottom, the column labels left to right
    (each its pin, "column N" and "(in, pull-up)"), and {key: [row, col]} of every key drawn,
    found from where its name sits: between its column's line and the next, above its row's."""
    texts = svg_placed_texts(data)
    rows = sorted((y, t) for _, y, t in texts if t.startswith("GP") and ": row " in t)
    cols = sorted((x, (texts[i - 1][2], t, texts[i + 1][2])) for i, (x, _, t) in enumerate(texts)
                  if t.startswith("column "))
    places = {}
    for x, y, t in texts:
        if re.match(r"^button\d+$", t) and x > cols[0][0]:
            places[t] = [min(i for i, (ry, _) in enumerate(rows) if ry > y),
                         max(i for i, (cx, _) in enumerate(cols) if cx < x)]
    return [t for _, t in rows], [c for _, c in cols], places, [y for y, _ in rows]


def notes_text(data):
    """The notes under a drawing as one line (wrapped lines joined)."""
    return " ".join(t.replace("\u00a0", "").strip() for t in svg_texts(data))


def test_wiring_diagram_draws_each_key_where_it_sits_with_its_diode_toward_the_row():
    board = matrix_board()
    data = wiringdiagram.diagram(board).get_imagedata("svg")
    lines = svg_texts(data)
    for g in range(14, 19):  # in the board's pin list, like every other used GPIO
        assert "GP%d  GPIO%d" % (g, g) in lines
    assert "Key matrix (2 x 3, a 1N4148 per key)" in lines
    rows, cols, places, row_y = drawn_matrix(data)
    assert rows == ["GP14  GPIO14: row 0 (low while read)", "GP15  GPIO15: row 1 (low while read)"]
    assert cols == [("GP16  GPIO16", "column 0", "(in, pull-up)"), ("GP17  GPIO17", "column 1", "(in, pull-up)"),
                    ("GP18  GPIO18", "column 2", "(in, pull-up)")]
    assert places == {n: c["matrix"] for n, c in board["controls"].items() if c["kind"] == "key"}
    # One diode per key, each triangle pointing down onto its row: cathode (band) on the row.
    tri = diode_triangles(data)
    assert len(tri) == 6 and lines.count("1N4148") == 6
    assert all(apex_y > base_y for _, apex_y, base_y in tri)
    assert sorted(min(i for i, ry in enumerate(row_y) if ry > ay) for _, ay, _ in tri) == [0, 0, 0, 1, 1, 1]
    assert all(0 < min(ry - ay for ry in row_y if ry > ay) < 10 for _, ay, _ in tri)  # the apex on the line
    notes = notes_text(data)
    assert ("Key matrix: the firmware drives one row low at a time and reads every column, an input with the "
            "internal pull-up: a held key on the driven row pulls its column low. The other rows are released "
            "(inputs with the pull-up), never driven high.") in notes
    assert ("Each key runs column, switch, 1N4148 anode, cathode (band), row: the band toward the row. A diode "
            "the wrong way round leaves its key dead.") in notes


def test_wiring_diagram_of_a_matrix_without_diodes_leaves_the_empty_place_empty():
    board = matrix_without_diodes()
    data = wiringdiagram.diagram(board).get_imagedata("svg")
    lines = svg_texts(data)
    assert "Key matrix (2 x 3, no diodes)" in lines
    assert diode_triangles(data) == [] and "1N4148" not in lines
    _, _, places, _ = drawn_matrix(data)
    assert places == {"button5": [0, 0], "button6": [0, 1], "button7": [0, 2], "button8": [1, 0], "button9": [1, 2]}
    assert ("No diodes: three keys held on the corners of a rectangle make the fourth read as held, and the "
            "firmware holds those keys as they were until one is let go: fit the diodes if chords matter. "
            "Keys held together never join two driven outputs: the rows not being read are released.") in \
        notes_text(data)


FIRMWARE_SCAN = r'''
import json, sys
sys.path.insert(0, "tools/simboard")
import world
import machine
b = json.load(open("host_tests/boards/pico_matrix.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
made = {}
Pin = machine.Pin


class Recorded(Pin):  # how the firmware sets each pin up: the last mode, pull and level asked
    def __init__(self, id, mode=-1, pull=-1, value=None, **kw):
        made[id] = (mode, pull, value)
        super().__init__(id, mode, pull, value, **kw)


machine.Pin = Recorded
from midictl.hw import Hardware
hw = Hardware(b)
mx = b["matrix"]
for g in mx["rows"] + mx["cols"]:
    mode, pull, value = made[g]
    print(g, {Pin.OUT: "out", Pin.IN: "in"}[mode], {Pin.PULL_UP: "up", Pin.PULL_DOWN: "down"}.get(pull, "none"),
          value)


class Keys:  # the column levels the firmware hands on for each row
    def row(self, r, levels):
        print("row", r, "columns", bin(levels))


read = w.gpio_in


def gpio_in():  # which rows are driven, and how, whenever the firmware reads the columns
    print("read, driven", [(g, (w.out_bits >> g) & 1) for g in mx["rows"] if (w.oe_bits >> g) & 1])
    return read()


w.gpio_in = gpio_in
w.keys_down[1 * 3 + 2] = 1  # the key at row 1, column 2 held
hw.scan_matrix(Keys())
print("after", [g for g in mx["rows"] if (w.oe_bits >> g) & 1])
'''


def test_the_matrix_the_generators_describe_is_the_one_the_firmware_scans():
    # The firmware itself (hwsetup, Hardware.scan_matrix) under the MicroPython Unix port on
    # the simulated board: rows released (inputs with the pull-up), the one being read the only one
    # driven, and low; columns inputs
    # with the pull-up. So a held key's current runs from its column into its row, and its
    # diode's cathode goes on the row, as the pinout, the drawing and `make wiring` say.
    from mpy import run

    r = run(["-c", FIRMWARE_SCAN], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "14 in up None", "15 in up None", "16 in up None", "17 in up None", "18 in up None",
        "read, driven [(14, 0)]", "row 0 columns 0b111",
        "read, driven [(15, 0)]", "row 1 columns 0b11", "after []"]
    mw = boarddef.matrix_wiring(matrix_board())
    assert (mw["row_active"], mw["row_idle"], mw["col_pull"], mw["diode_cathode"]) == ("low", "pull-up", "up", "row")
