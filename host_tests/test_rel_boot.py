"""Boot on the simulated board (issue 4): safe mode, a bad config with and without
"fallback_to_default", and every board in boards/ booting and playing. boot.py and main.py
run exactly as on the board (tools/simboard/run.py's way, through rel_run.py)."""
import json
import os

import pytest

import rel_sim
import sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "boards")) if f.endswith(".json"))
SAFE = "midictl: safe mode (button1 held at power-up): controller not started, REPL free"
NOT_STARTED = "midictl: controller not started; fix the file with mpremote and reset"
FALLBACK = "midictl: playing the board's default layout instead (fallback_to_default)"

# Broken configs as they would sit on the board (config.json), with the line each must give.
BAD = [
    ({"controls": {"knob3": {"cc": 130}}}, "config.json: controls.knob3.cc: 130 is out of range 0..127"),
    ({"scan_us": 100, "fallback_to_default": False}, "config.json: scan_us: 100 is out of range 250..20000"),
    ({"controls": {"pad1": {"curve": "exp"}}},
     'config.json: controls.pad1.curve: "exp" is not one of "linear", "soft", "hard", "fixed", "table"'),
    ('{"controls": {', "config.json: not valid JSON ("),
]


def play_scenario(board_name):
    # octave up (button2), then pad1: note 36 + 12 proves a switch and a pad both play
    return {"board": board_name, "events": [
        {"t": 5, "control": "button2", "press": 1.0, "bounce_ms": 2},
        {"t": 20, "control": "button2", "release": True},
        {"t": 40, "control": "pad1", "press": 0.8}]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("boot")
    jobs = []
    for b in BOARDS:
        jobs.append(("safe", b, {"board": b, "initial": {"button1": True},
                                 "events": [{"t": 10, "control": "pad1", "press": 1.0}]}, None))
        jobs.append(("play", b, play_scenario(b), None))
    for k, (cfg, _msg) in enumerate(BAD):
        text = cfg if isinstance(cfg, str) else json.dumps(cfg)
        jobs.append(("bad%d" % k, "pico", play_scenario("pico"), text))
        if not isinstance(cfg, str) and cfg.get("fallback_to_default") is not False:
            fb = dict(cfg, fallback_to_default=True)
            jobs.append(("fallback%d" % k, "pico", play_scenario("pico"), json.dumps(fb)))

    def one(k):
        kind, board, scenario, raw = jobs[k]
        w = os.path.join(str(d), "j%d" % k)
        os.makedirs(w)
        plan, brd, cfg_text = rel_sim.prepare(w, scenario)
        return rel_sim.run_plan(plan, brd, cfg_text, config_text_raw=raw)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(one, range(len(jobs))))
    return {(j[0], j[1]): r for j, r in zip(jobs, results)}


def fw_lines(run):
    return [ln for ln in run.log.splitlines() if ln.startswith("midictl")]


@pytest.mark.parametrize("board", BOARDS)
def test_safe_mode_button_held_at_power_up(runs, board):
    run = runs[("safe", board)]
    assert fw_lines(run) == [SAFE]  # one line, and the REPL is free
    assert not run.stats["started"]  # Controller.loop never ran
    assert run.stats["ended"] == "returned"
    assert run.trace == []  # nothing played, not even the power-on All Notes Off


@pytest.mark.parametrize("board", BOARDS)
def test_every_board_boots_and_plays(runs, board):
    run = runs[("play", board)]
    assert fw_lines(run) == ["midictl: ready, 0 ms after power-on (board %s)" % board]
    assert run.stats["started"] and run.stats["errors"] == 0
    usb = [ln.split(" ", 2)[2] for ln in run.port("USB")]
    din = [ln.split(" ", 2)[2] for ln in run.port("DIN")]
    assert usb[0] == "0B B9 7B 00" and din[0] == "B9 7B 00"
    assert usb[1].startswith("09 99 30 ") and din[1].startswith("99 30 ")  # pad1, an octave up
    assert usb[2] == "08 89 30 40" and din[2] == "89 30 40"
    assert len(usb) == 3 and len(din) == 3


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_config_without_fallback_is_one_line_and_no_controller(runs, k):
    run = runs[("bad%d" % k, "pico")]
    lines = fw_lines(run)
    assert len(lines) == 2 and lines[1] == NOT_STARTED, lines
    assert lines[0].startswith("midictl: " + BAD[k][1]) and (BAD[k][1].endswith("(") or lines[0] == "midictl: " + BAD[k][1])
    assert not run.stats["started"] and run.trace == []


WITH_FALLBACK = [k for k, (c, _m) in enumerate(BAD) if isinstance(c, dict) and c.get("fallback_to_default") is not False]


@pytest.mark.parametrize("k", WITH_FALLBACK)
def test_bad_config_with_fallback_plays_the_default_layout(runs, k):
    run = runs[("fallback%d" % k, "pico")]
    assert fw_lines(run) == ["midictl: " + BAD[k][1], FALLBACK, "midictl: ready, 0 ms after power-on (board pico)"]
    usb = [ln.split(" ", 2)[2] for ln in run.port("USB")]
    assert usb[1].startswith("09 99 30 ")  # the default layout: pad1 = note 36 on channel 10


def test_simulator_refuses_the_same_bad_configs_on_the_host(tmp_path):
    # the host side (sim.prepare, like tools/config_check.py) gives the same line, for its own file name
    cfg, msg = BAD[0]
    with pytest.raises(sim.ScenarioError) as e:
        rel_sim.prepare(str(tmp_path), {"events": []}, cfg)
    assert str(e.value) == msg.replace("config.json", str(tmp_path / "config.in.json"))
