"""tools/wiring.py (`make wiring`): the default layout's wiring as JSON, run as the CLI."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from hardware import boarddef  # noqa: E402

WIRING = os.path.join(ROOT, "tools", "wiring.py")


def run(*args):
    return subprocess.run([sys.executable, WIRING] + list(args), capture_output=True, text=True, timeout=60)


def test_pico_wiring_is_the_reference_layout():
    r = run("--board", "pico")
    assert r.returncode == 0 and r.stderr == ""
    expected = {
        "board": "pico",
        "din_out": {"uart": 0, "tx": 0},
        "din_in": {"uart": 0, "rx": 1},
        "muxes": {"m0": {"type": "4067", "select": [10, 11, 12, 13], "adc": 0},
                  "m1": {"type": "4067", "select": [10, 11, 12, 13], "adc": 1}},
        "controls": {},
    }
    for i in range(16):
        expected["controls"]["pad%d" % (i + 1)] = {"kind": "piezo", "mux": "m0", "channel": i}
    for i in range(8):
        expected["controls"]["knob%d" % (i + 1)] = {"kind": "pot", "mux": "m1", "channel": i}
    expected["controls"]["bend"] = {"kind": "stick", "adc": 2}
    expected["controls"]["enc1"] = {"kind": "encoder", "pins": [2, 3]}
    expected["controls"]["enc2"] = {"kind": "encoder", "pins": [4, 5]}
    for i, pin in enumerate((6, 7, 8, 9)):
        expected["controls"]["button%d" % (i + 1)] = {"kind": "switch", "pin": pin, "active": "low"}
    got = json.loads(r.stdout)
    assert got == expected
    assert list(got) == ["board", "din_out", "din_in", "muxes", "controls"]
    assert list(got["controls"])[:3] == ["pad1", "pad2", "pad3"]
    # One mux or control per line, so it reads as a table.
    assert '    "pad1": {"kind": "piezo", "mux": "m0", "channel": 0},\n' in r.stdout
    assert r.stdout.endswith("}\n")


def test_every_board_wiring_is_its_definition():
    for name in boarddef.names():
        r = run("--board", name)
        assert r.returncode == 0, (name, r.stderr)
        got = json.loads(r.stdout)
        board = boarddef.load(name)
        assert got["board"] == name
        for key in ("din_out", "din_in", "muxes", "controls"):
            assert got[key] == board[key], (name, key)


def test_unknown_board_is_one_line_on_stderr_and_exit_2():
    r = run("--board", "pico9")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == ("wiring: unknown board 'pico9'; known boards: feather_rp2040, kb2040, pico, "
                        "pico2, pico_w, rp2040_zero, xiao_rp2040\n")


def test_a_board_without_midi_in_omits_din_in():
    board = boarddef.load("xiao_rp2040")
    del board["din_in"]
    assert boarddef.validate(board, "xiao_rp2040") == []
    assert "din_in" not in boarddef.wiring(board)


def test_a_broken_board_is_one_line_naming_its_file_and_exit_1(monkeypatch, capsys, tmp_path):
    # wiring.py once crashed on these (a TypeError inside the board check)
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import wiring

    board = boarddef.load("pico")
    board["board"] = "badmux"
    board["controls"]["knob1"]["mux"] = ["m1"]
    (tmp_path / "badmux.json").write_text(json.dumps(board))
    board = boarddef.load("pico")
    board["board"] = "badsel"
    board["muxes"]["m0"]["select"] = 10
    (tmp_path / "badsel.json").write_text(json.dumps(board))
    monkeypatch.setattr(boarddef, "BOARDS_DIR", str(tmp_path))
    assert wiring.main(["--board", "badmux"]) == 1
    assert capsys.readouterr() == ("", "wiring: boards/badmux.json: control knob1: mux: ['m1'] must be the name "
                                       "of a mux\n")
    assert wiring.main(["--board", "badsel"]) == 1
    assert capsys.readouterr() == ("", "wiring: boards/badsel.json: mux m0: select: 10 must be a list of GPIO "
                                       "numbers\n")


def _matrix_board(tmp_path, monkeypatch, mutate=None):
    """`make wiring` of the simulator's key matrix test board, copied into a boards folder
    of its own (and changed by mutate first)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import wiring

    with open(os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")) as f:
        board = json.load(f)
    if mutate:
        mutate(board)
    (tmp_path / "pico_matrix.json").write_text(json.dumps(board))
    monkeypatch.setattr(boarddef, "BOARDS_DIR", str(tmp_path))
    return wiring, board


def test_a_key_matrix_board_prints_its_rows_columns_scan_diodes_and_keys(monkeypatch, capsys, tmp_path):
    wiring, board = _matrix_board(tmp_path, monkeypatch)
    assert wiring.main(["--board", "pico_matrix"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    # The matrix between the muxes and the controls, one field and one row of keys a line.
    assert ('    "m1": {"type": "4067", "select": [10, 11, 12, 13], "adc": 1}\n'
            '  },\n'
            '  "matrix": {\n'
            '    "rows": [14, 15],\n'
            '    "cols": [16, 17, 18],\n'
            '    "diodes": true,\n'
            '    "row_active": "low",\n'
            '    "row_idle": "pull-up",\n'
            '    "col_pull": "up",\n'
            '    "diode_cathode": "row",\n'
            '    "keys": [\n'
            '      ["button5", "button6", "button7"],\n'
            '      ["button8", "button9", "button10"]\n'
            '    ]\n'
            '  },\n'
            '  "controls": {\n') in out
    got = json.loads(out)
    assert list(got) == ["board", "din_out", "din_in", "muxes", "matrix", "controls"]
    assert got["controls"] == board["controls"]
    assert '    "button10": {"kind": "key", "matrix": [1, 2]}\n' in out
    # every key of the controls sits in "keys" where its "matrix" place says
    for name, c in board["controls"].items():
        if c["kind"] == "key":
            r, col = c["matrix"]
            assert got["matrix"]["keys"][r][col] == name


def test_a_key_matrix_without_diodes_or_with_an_empty_place(monkeypatch, capsys, tmp_path):
    def mutate(b):
        b["matrix"]["diodes"] = False
        del b["controls"]["button9"]
        b["controls"]["button9"] = b["controls"].pop("button10")

    wiring, _ = _matrix_board(tmp_path, monkeypatch, mutate)
    assert wiring.main(["--board", "pico_matrix"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["matrix"] == {"rows": [14, 15], "cols": [16, 17, 18], "diodes": False, "row_active": "low",
                             "row_idle": "pull-up", "col_pull": "up", "keys": [["button5", "button6", "button7"],
                                                        ["button8", None, "button9"]]}


def test_a_key_matrix_that_leaves_diodes_out_has_them(monkeypatch, capsys, tmp_path):
    # the firmware's default (build.py: KeyMatrix(..., mx.get("diodes", True), ...))
    wiring, _ = _matrix_board(tmp_path, monkeypatch, lambda b: b["matrix"].pop("diodes"))
    assert wiring.main(["--board", "pico_matrix"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["matrix"]["diodes"] is True and got["matrix"]["diode_cathode"] == "row"
