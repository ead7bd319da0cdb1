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
    assert r.returncode == 4, r.stderr  # run.py: the controller was not started (sim.py says so in one line)
    assert r.stdout.splitlines() == ["midictl: board.json: cannot set up the board: bad TX pin",
                                     "sim: firmware returned to the REPL at 0.000 ms",
                                     # armed by boot.py, fed by its timer: the REPL stays up
                                     "sim: watchdog (2000 ms) fed by a timer"]


def test_missing_board_file_is_one_line(tmp_path):
    r = boot(tmp_path, pico())
    os.remove(tmp_path / "board.json")
    r = subprocess.run(r.args, cwd=str(tmp_path), env=dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard")
                       + ":" + os.path.join(ROOT, "firmware")), capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines()[:2] == [
        "midictl: board.json: missing: copy boards/<your board>.json there (make deploy does)",
        "midictl: controller not started; fix the file with mpremote and reset"]


BOOT_ONLY = r'''
import json, sys
import world
b = json.load(open("board.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
exec(open(sys.argv[1] + "/boot.py").read(), {"__name__": "__main__"})
# a soft reset in mpremote's raw REPL runs boot.py but not main.py: the watchdog is armed
# and only the keep-alive timer feeds it
live = [t for t in w.timers if t.callback is not None]
print("wdt", w.wdt_timeout, "timers", len(live), "period", live[0].period if live else None)
fed = w.wdt_fed
live[0].callback(live[0])
w.now += 1000
live[0].callback(live[0])
print("fed", w.wdt_fed > fed or w.wdt_fed == w.now)
'''


def test_boot_arms_the_watchdog_and_a_timer_feeds_it_until_the_loop_runs(tmp_path):
    (tmp_path / "board.json").write_text(json.dumps(pico()))
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    r = subprocess.run([micropython_binary(), "-c", BOOT_ONLY, os.path.join(ROOT, "firmware")], cwd=str(tmp_path),
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["wdt 2000 timers 1 period 500", "fed True"]


def test_a_config_without_watchdog_arms_none(tmp_path):
    (tmp_path / "board.json").write_text(json.dumps(pico()))
    (tmp_path / "config.json").write_text('{"watchdog_ms": 0}')
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    r = subprocess.run([micropython_binary(), "-c", BOOT_ONLY.split("# a soft reset")[0] + "print('wdt', w.wdt_timeout)\n",
                        os.path.join(ROOT, "firmware")], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.stdout.strip() == "wdt 0", r.stdout + r.stderr


def test_the_usb_device_is_named_as_the_config_says(tmp_path):
    # The product string is what a DAW shows for the MIDI port: "midictl" unless the config
    # names it (two controllers on one computer), not MicroPython's "Board in FS mode".
    (tmp_path / "board.json").write_text(json.dumps(pico()))
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    script = BOOT_ONLY.split("# a soft reset")[0] + "import usb.device\nprint(usb.device.get().strings)\n"
    names = []
    for cfg in (None, '{"usb": {"name": "Drum pads 2"}}'):
        if cfg is not None:
            (tmp_path / "config.json").write_text(cfg)
        r = subprocess.run([micropython_binary(), "-c", script, os.path.join(ROOT, "firmware")], cwd=str(tmp_path),
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        names.append(r.stdout.strip())
    assert names == ["{'product_str': 'midictl'}", "{'product_str': 'Drum pads 2'}"]


KEEPER = r'''
import json
import world
b = json.load(open("board.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
from midictl import hw
for ms in (1, 60, 400, 1000, 2000, 8300):
    hw.arm_watchdog(ms)
    live = [t for t in w.timers if t.callback is not None]
    print(ms, len(live), live[0].period)
'''


def test_the_keep_alive_timer_feeds_four_times_a_timeout_however_short(tmp_path):
    # its period had a floor of 100 ms: a 50 ms watchdog reset the board before a feed
    (tmp_path / "board.json").write_text(json.dumps(pico()))
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    r = subprocess.run([micropython_binary(), "-c", KEEPER], cwd=str(tmp_path), env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["1 1 1", "60 1 15", "400 1 100", "1000 1 250", "2000 1 500", "8300 1 2075"]


BOOT_AND_MAIN = r'''
import json, sys
import world
b = json.load(open("board.json"))
w = world.World({"board": b, "end_us": 10, "events": [], "analog": {}})
world.install(w)
for name in ("boot.py", "main.py"):
    exec(open(sys.argv[1] + "/" + name).read(), {"__name__": "__main__"})
print("timers", sorted([t.period for t in w.timers if t.callback is not None]))
'''


def _boot_and_main(tmp_path, board):
    (tmp_path / "board.json").write_text(json.dumps(board))
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware"))
    r = subprocess.run([micropython_binary(), "-c", BOOT_AND_MAIN, os.path.join(ROOT, "firmware")], cwd=str(tmp_path),
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.splitlines()


def test_a_broken_board_file_is_one_line_naming_the_field_and_blinks(tmp_path):
    # a control without its kind: the validator's KeyError escaped ("midictl boot: kind",
    # then "midictl: None") and the LED stayed dark
    not_started = "midictl: controller not started; fix the file with mpremote and reset"
    blink = "timers [100]"  # the error pattern's timer; no watchdog armed, so no keeper
    b = pico()
    del b["controls"]["knob3"]["kind"]
    assert _boot_and_main(tmp_path, b) == [
        "midictl: board.json: controls.knob3.kind: missing (one of piezo, fsr, switch, pot, stick, encoder, key)",
        not_started, blink]
    for change, line in (
            (lambda b: b["controls"]["knob3"].update(kind="knob"),
             'controls.knob3.kind: "knob" is not one of piezo, fsr, switch, pot, stick, encoder, key'),
            (lambda b: b["controls"].update(knob3=7), "controls.knob3: must be an object like {\"kind\": ...}, not 7"),
            (lambda b: b["controls"]["button2"].pop("pin"),
             "controls.button2.pin: missing (a control of kind switch is wired by pin)"),
            (lambda b: b["controls"]["knob3"].pop("channel"),
             "controls.knob3.channel: missing (a control of kind pot is wired by mux, channel)"),
            (lambda b: b["controls"]["bend"].pop("adc"), "controls.bend.adc: missing (a control of kind stick is wired by adc)"),
            (lambda b: b["controls"]["button2"].update(kind="key"),
             "controls.button2.kind: a key needs the board's \"matrix\" (its rows and columns)"),
            (lambda b: b.update(safe_mode=["button1"]), 'safe_mode: ["button1"] is not a switch of this board'),
            (lambda b: b.update(safe_mode="knob1"), 'safe_mode: "knob1" is not a switch of this board'),
            (lambda b: b.update(controls=[]), "controls: must be an object mapping control names to their wiring")):
        b = pico()
        change(b)
        assert _boot_and_main(tmp_path, b) == ["midictl: board.json: " + line, not_started, blink], line
    # a broken LED entry too: the line, no traceback, no blink
    b = pico()
    del b["controls"]["knob3"]["kind"]
    b["led"] = {"type": "pin"}
    assert _boot_and_main(tmp_path, b)[1:] == [not_started, "timers []"]
