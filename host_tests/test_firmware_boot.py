"""Boot paths of the real firmware (boot.py + main.py) on the simulated board, run directly
through tools/simboard/run.py with a board.json the scenario compiler would not accept."""
import json
import os
import subprocess

from mpy import micropython_binary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def boot(tmp_path, board):
    (tmp_path / "board.json").write_text(json.dumps(board))
    plan = {"board": board, "end_us": 10000, "events": [], "analog": {}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    r = subprocess.run([micropython_binary(), os.path.join(ROOT, "tools", "simboard", "run.py"), "plan.json", "t.txt",
                        os.path.join(ROOT, "firmware")], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                       timeout=60)
    return r


def pico():
    with open(os.path.join(ROOT, "boards", "pico.json")) as f:
        return json.load(f)


def test_board_the_chip_cannot_do_is_one_line_and_leaves_the_repl(tmp_path):
    b = pico()
    b["din_out"] = {"uart": 0, "tx": 4}  # GPIO 4 carries UART1 TX, not UART0
    r = boot(tmp_path, b)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["midictl: board.json: cannot set up the board: bad TX pin",
                                     "sim: firmware returned to the REPL at 0.000 ms"]


def test_missing_board_file_is_one_line(tmp_path):
    r = boot(tmp_path, pico())
    os.remove(tmp_path / "board.json")
    r = subprocess.run(r.args, cwd=str(tmp_path), env=dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard")
                       + ":" + os.path.join(ROOT, "firmware")), capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines()[:2] == [
        "midictl: board.json: missing: copy boards/<your board>.json there (make deploy does)",
        "midictl: controller not started; fix the file with mpremote and reset"]
