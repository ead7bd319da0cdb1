"""The hardware check (firmware/midictl/hwcheck.py): on the simulated board through
`tools/sim.py --hwcheck` (the real module under the MicroPython Unix port, the board's own
boot.py before it), and on a board through tools/hwcheck.py against the fake mpremote."""
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout

from mpy import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
FAKES = os.path.join(ROOT, "host_tests", "fakes")
sys.path.insert(0, TOOLS)

import sim  # noqa: E402


def check(tmp_path, scenario, name="s.json"):
    p = tmp_path / name
    p.write_text(json.dumps(scenario))
    trace = tmp_path / "trace.txt"
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "sim.py"), "--scenario", str(p), "--hwcheck",
                        "--trace", str(trace)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert trace.read_text() == ""  # no MIDI sent: the controller does not run
    trace.unlink()
    return r.stdout.splitlines()


# every kind of input played once on the reference board (no ADC noise): the pads at rest
# read 0, pad6 struck at 0.8 (the simulator's top 0.8 x 3900 = 3120: velocity
# (3120 - 120) * 127 // 3280 = 116) with its four neighbours reading 20 % of it, struck
# again 15 ms later, pad1 at full strength (3900, past the full scale 3400), a knob turned
# end to end, a button, two encoders
PLAYED = {"events": [
    {"t": 1200, "control": "pad6", "press": 0.8},
    {"t": 1215, "control": "pad6", "press": 0.5},
    {"t": 1400, "control": "pad1", "press": 1.0},
    {"t": 1600, "control": "knob3", "position": 1.0, "ramp_ms": 100},
    {"t": 1800, "control": "button2", "press": 1.0},
    {"t": 1900, "control": "button2", "release": True},
    {"t": 2000, "control": "enc1", "turn": 2, "over_ms": 40},
    {"t": 2300, "control": "enc2", "turn": -1}], "tail_ms": 400}

PLAYED_OUT = """hwcheck: 16 pads, 9 knobs, 4 switches, 2 encoders; hands off for the first second, then play
   1.000 s  at rest: pads read at most 0 (pad1)
   1.000 s  at rest: bend 2048, knob1 0, knob2 0, knob3 0, knob4 0, knob5 0, knob6 0, knob7 0, knob8 0
   1.200 s  pad6  peak 3120  velocity 116
   1.200 s    pad2  peak 624 = 20 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.200 s    pad5  peak 624 = 20 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.200 s    pad7  peak 624 = 20 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.200 s    pad10  peak 624 = 20 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.215 s  pad6  peak 1952  velocity 70; 15 ms after its last strike, past mask_ms 10: a new note
   1.215 s    pad2  peak 390 = 19 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.215 s    pad5  peak 390 = 19 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.215 s    pad7  peak 390 = 19 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.215 s    pad10  peak 390 = 19 % of pad6's: crosstalk, silenced (below its crosstalk_pct 35)
   1.400 s  pad1  peak 3900  velocity 127, at or above its full_scale 3400 (plays the top)
   1.400 s    pad2  peak 780 = 20 % of pad1's: crosstalk, silenced (below its crosstalk_pct 35)
   1.400 s    pad5  peak 780 = 20 % of pad1's: crosstalk, silenced (below its crosstalk_pct 35)
   1.606 s  knob3 moves (0 at rest, now 251)
   1.701 s  knob3 at its high end (4095)
   1.800 s  button2 down
   1.900 s  button2 up
   2.000 s  enc1 +2 detents
   2.300 s  enc2 -1 detents
summary after 2.701 s (pads read every 0.125 ms on average):
  pad1     1 strike, peak 3900, velocity 127; top 0.4 ms after the start at most
  pad2     rose with a louder neighbour 3 times, up to 20 % of its peak
  pad5     rose with a louder neighbour 3 times, up to 20 % of its peak
  pad6     2 strikes, peaks 1952..3120, velocities 70..116; top 0.4 ms after the start at most
  pad7     rose with a louder neighbour 2 times, up to 20 % of its peak
  pad10    rose with a louder neighbour 2 times, up to 20 % of its peak
  no strike: pad3, pad4, pad8, pad9, pad11, pad12, pad13, pad14, pad15, pad16
  knob3    0..4095
  not moved: bend, knob1, knob2, knob4, knob5, knob6, knob7, knob8
  button2  1 press
  not pressed: button1, button3, button4
  enc1     +2 detents
  enc2     -1 detents
suggested for config.json (what this check saw; review before use):
  {"controls": {"pad1": {"full_scale": 3900}}}
"""


def test_the_check_names_each_input_as_it_is_played_and_suggests_a_full_scale(tmp_path):
    assert check(tmp_path, PLAYED) == PLAYED_OUT.splitlines()


def _noisy(tmp_path, cfg):
    board = json.load(open(os.path.join(ROOT, "boards", "pico.json")))
    board["controls"]["pad3"]["kind"] = "fsr"
    (tmp_path / "board.json").write_text(json.dumps(board))
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    return board, {"board": str(tmp_path / "board.json"), "config": str(tmp_path / "cfg.json"), "seed": 3,
                   "adc_noise_lsb": 60, "events": [
                       {"t": 1100, "control": "pad3", "press": 0.6}, {"t": 1450, "control": "pad3", "release": True},
                       {"t": 1500, "control": "pad6", "press": 0.9},
                       {"t": 1600, "control": "pad9", "press": 0.3}, {"t": 1700, "control": "pad9", "press": 0.35},
                       {"t": 1800, "control": "pad9", "press": 0.3}, {"t": 1900, "control": "pad9", "press": 0.5},
                       {"t": 1906, "control": "pad9", "press": 0.3}], "tail_ms": 200}


def test_a_noisy_board_is_told_what_is_wrong_and_the_settings_suggested_quiet_it(tmp_path):
    # ADC noise of +-60 on every input: the pads rest at up to 60, half their threshold (120),
    # so after a strike they would not re-arm; pad7's crosstalk_pct 10 lets its neighbour's
    # crosstalk (19 %) play; pad3 is an FSR (its press rises over 2 ms) with a 1 ms window,
    # held; pad9 is played softly (at most 2007 of the full scale 3400), its tops 0.5 ms
    # after the start, and struck again 6 ms after a strike, within its mask
    from midictl import config

    cfg = {"controls": {"pad7": {"crosstalk_pct": 10}, "pad9": {"threshold": 100}, "pad3": {"window_ms": 1}}}
    board, scenario = _noisy(tmp_path, cfg)
    lines = check(tmp_path, scenario)
    pads = ", ".join("pad%d 60" % i for i in range(1, 17))
    knobs = ", ".join("knob%d 0..60" % i for i in range(1, 7)) + ", knob7 0..59, knob8 0..58"
    for want in (
            "   1.000 s  at or above half their threshold at rest, they would not re-arm after a strike: " + pads,
            "   1.000 s  jitter at rest (more than 32 steps: noise on the wiring or supply): bend 1989..2108, " + knobs,
            "   1.100 s  pad3  peak 1333  velocity 47, held 351 ms; still rising when its window_ms 1 closed: 2400 at "
            "1.8 ms (it plays the window's peak)",
            "   1.500 s  pad6  peak 3569  velocity 127, at or above its full_scale 3400 (plays the top)",
            "   1.500 s    pad7  peak 692 = 19 % of pad6's: plays velocity 23 (at or above its crosstalk_pct 10)",
            "   1.900 s  pad9  peak 2007  velocity 73",
            "   1.906 s  pad9  peak 1295; 6 ms after its last strike, within mask_ms 10: no new note (it bounces or rings)",
            "  pad3     1 strike, peak 1333, velocity 47; top 1.8 ms after the start at most; 1 still rising when its "
            "window closed",
            "  pad9     4 strikes, peaks 1135..2007, velocities 40..73; top 0.5 ms after the start at most"):
        assert want in lines, want
    # the threshold that keeps each pad's rest under half of it with room (2 x 60 + 20), the
    # hardest strike as the full scale where one went past it (pad6) or none came near it
    # (pad9), pad7's crosstalk limit above the share that played (19 + 5), and a window
    # that holds pad3's top (1.8 ms: 2) and, for pad9 (its tops within 0.6 ms), of 1 ms
    assert lines[-2] == "suggested for config.json (what this check saw; review before use):"
    sug = json.loads(lines[-1])
    want = {"pad%d" % i: {"threshold": 140} for i in range(1, 17)}
    want["pad3"]["window_ms"] = 2
    want["pad6"]["full_scale"] = 3569
    want["pad7"]["crosstalk_pct"] = 24
    want["pad9"].update(full_scale=2007, window_ms=1)
    assert sug == {"controls": want}
    assert list(sug["controls"]) == ["pad%d" % i for i in range(1, 17)]  # (as written: in pad order)
    # taken into the config (a valid one), the same playing: no pad too close to its rest
    # level, no crosstalk playing, pad3's press caught whole; nothing more to suggest
    for name, s in sug["controls"].items():
        cfg["controls"].setdefault(name, {}).update(s)
    config.validate(cfg, board)
    lines = check(tmp_path, _noisy(tmp_path, cfg)[1])
    assert not [ln for ln in lines if "re-arm" in ln or "plays velocity" in ln or "still rising" in ln]
    for want in ("   1.100 s  pad3  peak 2338  velocity 85, held 351 ms",
                 "   1.500 s    pad7  peak 724 = 20 % of pad6's: crosstalk, silenced (below its crosstalk_pct 24)",
                 "   1.900 s  pad9  peak 1910  velocity 120"):
        assert want in lines, want
    assert lines[-1] == "  not turned: enc1, enc2"  # (no suggestions)


def test_a_broken_config_is_one_line_and_the_default_settings_are_used(tmp_path):
    # on the board, config.json as it is there: the check says what is wrong with it and
    # goes on with the default layout's settings (threshold 120, full scale 3400)
    (tmp_path / "s.json").write_text(json.dumps({"events": [{"t": 1200, "control": "pad2", "press": 0.5}]}))
    plan, board, _cfg = sim.prepare(str(tmp_path / "s.json"))
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert sim.hwcheck(plan, board, '{"controls": {"pad2": {"threshold": 5000}}}') == 0
    lines = buf.getvalue().splitlines()
    assert lines[0] == ("hwcheck: config.json: controls.pad2.threshold: 5000 is out of range 2..4094; "
                        "the default layout's settings are used")
    assert "   1.200 s  pad2  peak 1950  velocity 70" in lines  # (1950 - 120) * 127 // 3280


CHECK_ARGS = r'''
import json
import world
w = world.World({"board": json.load(open("boards/pico.json")), "end_us": 10, "events": [], "analog": {}})
world.install(w)
from midictl import hwcheck
for s in (1, 1.9):
    try:
        hwcheck.run(s)
    except ValueError as e:
        print(e)
'''


def test_the_check_takes_two_seconds_at_least():
    r = run(["-c", CHECK_ARGS], extra_path=("tools/simboard",))
    assert (r.returncode, r.stdout) == (0, "seconds 1: at least 2 (1 at rest, then play)\n"
                                           "seconds 1.9: at least 2 (1 at rest, then play)\n"), r.stderr


# ---- on a board, through the fake mpremote (host_tests/fakes/mpremote) ----------------------


def on_board(tmp_path, board_state, *args, fail=None):
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    if not (bindir / "mpremote").exists():
        (bindir / "mpremote").symlink_to(os.path.join(FAKES, "mpremote"))
    log = tmp_path / "mpremote.log"
    if log.exists():
        log.unlink()
    env = dict(os.environ, PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""),
               FAKE_MPREMOTE_LOG=str(log), FAKE_MPREMOTE_BOARD=board_state)
    env.pop("FAKE_MPREMOTE_FAIL", None)
    if fail:
        env["FAKE_MPREMOTE_FAIL"] = fail
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "hwcheck.py")] + list(args), capture_output=True,
                       text=True, env=env, cwd=ROOT)
    calls = [json.loads(ln)["argv"] for ln in log.read_text().splitlines()] if log.exists() else []
    return r, calls


def test_on_a_board_it_runs_the_check_there_then_resets_the_board(tmp_path):
    r, calls = on_board(tmp_path, "ready", "--seconds", "45")
    assert (r.returncode, r.stderr) == (0, "")
    assert calls == [["devs"], ["connect", "/dev/ttyACM0", "exec", "from midictl import hwcheck\nhwcheck.run(45)\n"],
                     ["connect", "/dev/ttyACM0", "reset"]]
    assert r.stdout == ("checking the inputs of the board on /dev/ttyACM0 for 45 s: hands off for the first second, "
                        "then play every control (Ctrl-C ends it sooner)\n"
                        "hwcheck: 16 pads, 9 knobs, 4 switches, 2 encoders; hands off for the first second, then play\n"
                        "summary after 30.000 s (pads read every 0.250 ms on average):\n"
                        "the board is restarting its controller\n")
    r, calls = on_board(tmp_path, "ready", "--port", "/dev/ttyACM0")
    assert r.returncode == 0 and calls[0] == ["connect", "/dev/ttyACM0", "exec",
                                              "from midictl import hwcheck\nhwcheck.run(30)\n"]


def test_on_a_board_a_failure_is_one_line_and_no_reset(tmp_path):
    r, calls = on_board(tmp_path, "absent")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith("hwcheck: no MicroPython board found: ") and r.stderr.count("\n") == 1
    r, calls = on_board(tmp_path, "ready", "--port", "/dev/ttyACM9")
    assert r.returncode == 2 and calls == [["connect", "/dev/ttyACM9", "exec",
                                            "from midictl import hwcheck\nhwcheck.run(30)\n"]]
    assert r.stderr == ("hwcheck: mpremote exec failed: mpremote: failed to access /dev/ttyACM9 (it may be in use "
                        "by another program)\n")
    r, calls = on_board(tmp_path, "ready", fail="exec")
    assert r.returncode == 1 and [c[2] for c in calls[1:]] == ["exec"]  # not reset
    assert r.stderr == "hwcheck: mpremote exec failed: Timeout\n"
    # a board the firmware was never deployed to
    r, calls = on_board(tmp_path, "micropython")
    assert r.returncode == 1 and [c[2] for c in calls[1:]] == ["exec"]
    assert r.stderr == "hwcheck: the board has no midictl.hwcheck: run `make deploy` first\n"
    assert "ImportError: no module named 'midictl'" in r.stdout  # (the board's own lines, as they came)
    r, calls = on_board(tmp_path, "ready", "--seconds", "1")
    assert (r.returncode, r.stderr, calls) == (2, "hwcheck: --seconds 1: at least 2 (1 at rest, then play)\n", [])


def test_a_key_matrixs_keys_are_checked_as_switches(tmp_path):
    # two keys of the test board's 2 x 3 matrix (button5 at row 0 column 0, button9 at row 1
    # column 1), one held across the other's press
    board = os.path.join(ROOT, "host_tests", "boards", "pico_matrix.json")
    lines = check(tmp_path, {"board": board, "events": [
        {"t": 1100, "control": "button5", "press": 1.0}, {"t": 1300, "control": "button5", "release": True},
        {"t": 1200, "control": "button9", "press": 1.0}, {"t": 1250, "control": "button9", "release": True},
        {"t": 1400, "control": "button5", "press": 1.0}, {"t": 1420, "control": "button5", "release": True}],
        "tail_ms": 600})
    assert lines[0] == "hwcheck: 16 pads, 9 knobs, 10 switches, 2 encoders; hands off for the first second, then play"
    assert [ln for ln in lines if "button" in ln] == [
        "   1.100 s  button5 down", "   1.200 s  button9 down", "   1.250 s  button9 up", "   1.300 s  button5 up",
        "   1.400 s  button5 down", "   1.420 s  button5 up",
        "  button5  2 presses", "  button9  1 press",
        "  not pressed: button1, button2, button3, button4, button6, button7, button8, button10"]


# the summary of two seconds on the reference board whose pads all rest above their threshold
ALL_LEFT_OUT = [
    "summary after 2.000 s (pads read every 0.125 ms on average):",
    "  left out, at or above their threshold at rest: " + ", ".join("pad%d" % i for i in range(1, 17)),
    "  not moved: bend, knob1, knob2, knob3, knob4, knob5, knob6, knob7, knob8",
    "  not pressed: button1, button2, button3, button4",
    "  not turned: enc1, enc2"]


def test_pads_resting_at_their_threshold_are_left_out_not_flooding_the_check(tmp_path):
    # every input reading +-1700 of noise (a floating input, an unwired mux): the pads at rest
    # are above their threshold, so every read would be a strike; they are named once and
    # left out (no strike lines, no settings suggested for them)
    lines = check(tmp_path, {"adc_noise_lsb": 1700, "seed": 5, "events": [], "tail_ms": 1100})
    rest = ("pad1 1700, pad2 1700, pad3 1700, pad4 1700, pad5 1700, pad6 1699, pad7 1700, pad8 1699, pad9 1700, "
            "pad10 1700, pad11 1700, pad12 1700, pad13 1700, pad14 1699, pad15 1700, pad16 1700")
    assert lines[3] == ("   1.000 s  at or above their threshold at rest, they would play by themselves (a piezo "
                        "needs its bleed resistor; check the mux channel), and are left out of the check: " + rest)
    assert lines[5:] == ALL_LEFT_OUT


REGISTER_PATH = r'''
import json
import uctypes
from array import array
import world
b = json.load(open("boards/pico.json"))
w = world.World({"board": b, "end_us": 10 ** 9, "events": [], "analog": {}})
world.install(w)
from midictl import config, hwcheck
from midictl.hw import Hardware
hw = Hardware(b, din_out=False, din_in=False)
# the chip's path, as the benchmark runs it: the ADC and mux through registers, here four
# words where CS reads READY and RESULT 1234 (so every pad rests above its threshold)
regs = array("I", [0, 0, 0x100, 1234])
base = uctypes.addressof(regs)
hw.use_registers(base, base + 4, base + 8, base + 12, 0)
hwcheck.Check(b, config.validate({}, b), hw, print).run(2000000)
'''


def test_the_check_runs_on_the_chips_register_path():
    # what runs on a board: Hardware.sample and read_phase through the native register reads
    # (the simulator takes machine.ADC's path)
    r = run(["-c", REGISTER_PATH], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[1] == "   1.000 s  at rest: pads read at most 1234 (pad1)"
    assert lines[2] == "   1.000 s  at rest: bend 1234, " + ", ".join("knob%d 1234" % i for i in range(1, 9))
    assert lines[3].endswith("are left out of the check: " + ", ".join("pad%d 1234" % i for i in range(1, 17)))
    assert lines[4:] == ALL_LEFT_OUT


ENCODER_PINS = r'''
import json
import world
b = json.load(open("boards/pico.json"))
w = world.World({"board": b, "end_us": 10 ** 9, "events": [], "analog": {}})
world.install(w)
from midictl import config, hwcheck
from midictl.hw import Hardware
a, bp = b["controls"]["enc1"]["pins"]
c = hwcheck.Check(b, config.validate({}, b), Hardware(b, din_out=False, din_in=False), print)
c.encoders = c.encoders[:1]
g = c.enc_g  # both pins high at rest (pull-ups)
t = 0
for k in range(6):  # pin A toggling, pin B never: a broken wire on B
    g ^= 1 << a
    t += 1000
    c._encoders(g, t)
c._encoders(g, t + 300000)  # still long enough: what it saw is told
c._summary(t + 300000, 1)
'''


def test_an_encoder_whose_one_pin_never_changes_is_named():
    # its pins' levels straight into the check (the simulator's encoders are always whole)
    r = run(["-c", ENCODER_PINS], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "   0.001 s  enc1 pins changed 6 times, no whole detent (steps_per_detent 4?)"
    assert "  enc1     +0 detents; only its pin A changes: check the other's wire" in lines
