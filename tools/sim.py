#!/usr/bin/env python3
"""Run the real firmware on a simulated board: scenario in, trace out.

    make sim                                   # the bundled demo, monitor view on stdout
    make sim SCENARIO=s.json TRACE=trace.txt   # write the trace (shared/spec/simulator.md)
    python tools/sim.py --scenario s.json [--trace t.txt] [--record out.mid] [--play [PORT]] [--quiet]
    python tools/sim.py --interactive          # computer keys play the controls

This host side only checks the scenario and turns it into pin and ADC timelines (the
"plan"); the firmware itself runs, unchanged, under the MicroPython Unix port against the
fake `machine`/`usb.device` modules in tools/simboard/. A bad scenario or config is one
line on stderr naming the file, the event (or config field) and the problem, and so is a
config or board the firmware itself refuses at boot (its own line, with the files named as
the user has them) or a board its watchdog resets: exit status 2, and no trace file.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from midictl import config as fwconfig  # noqa: E402  the firmware's own validator

DEMO = os.path.join(ROOT, "tools", "scenarios", "demo.json")
DEFAULT_BOARD = "pico"
PIEZO_SCALE = 3900  # full-strength strike, in 12-bit ADC steps (firmware/ARCHITECTURE.md)
FSR_RISE_US = 2000
DETENT_US = 1000  # an encoder turned as fast as it allows: 4 transitions a millisecond
GRID_COLS = 4
TOP_FIELDS = {"board", "config", "seed", "adc_noise_lsb", "tail_ms", "events", "initial"}
ACTIONS = ("press", "release", "position", "turn", "usb", "din_in", "usb_in", "ctrl_c")
_EVENT_FIELDS = {"t", "control", "ramp_ms", "over_ms", "bounce_ms"} | set(ACTIONS)
_PADS = ("switch", "key", "piezo", "fsr")
_FITS = {"press": _PADS, "release": _PADS, "position": ("pot", "stick"), "turn": ("encoder",)}  # action -> control kinds


class ScenarioError(Exception):
    pass


class FirmwareStopped(RuntimeError):
    """The firmware did not start the controller (it refused the board or the config), or
    the board reset by its watchdog: one line for the user, and what the firmware printed."""

    def __init__(self, line, log):
        RuntimeError.__init__(self, line)
        self.log = log


def micropython_binary():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(here):
        return here
    from shutil import which

    return which("micropython") or "micropython"


def load_board(name, where, base=None):
    """A board of boards/ by name, or (an extension of the spec) a board definition file
    named by a path ending in .json, relative to the scenario."""
    if isinstance(name, str) and name.endswith(".json"):
        path = name if os.path.isabs(name) or base is None else os.path.join(base, name)
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise ScenarioError("%s: board file %s cannot be read (%s)" % (where, json.dumps(name), e))
    path = os.path.join(ROOT, "boards", "%s.json" % name)
    if not isinstance(name, str) or not os.path.exists(path):
        known = sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "boards")) if f.endswith(".json"))
        raise ScenarioError("%s: board %s is not in boards/ (known: %s)" % (where, json.dumps(name), ", ".join(known)))
    with open(path) as f:
        return json.load(f)


def _ringing_us(src):
    # how long a strike keeps a pad's level up: the bare pulse rings for 20 ms; behind a
    # peak hold (["piezo_hold", hits, tau_us]) it takes about ten time constants to fall
    return max(20000, 10 * src[2]) if src[0] == "piezo_hold" else 20000


class Compiler:
    """Turns a scenario dict into the plan world.py plays."""

    def __init__(self, scenario, path, board, cfg):
        self.s = scenario
        self.path = path
        self.board = board
        self.cfg = cfg
        self.controls = board["controls"]
        self.rng = random.Random(scenario.get("seed", 1))
        self.events = []  # (t_us, order, kind, ...)
        self.analog = {}  # key -> ["pl", points] / ["piezo", hits]
        self.initial_levels = {}
        self.end_us = 0
        self._din_in_end = 0  # when the last byte given to DIN IN so far is in (one wire)
        self._order = 0
        self._pressed = {}  # switch control -> bool
        self._enc_phase = {}  # encoder -> quadrature phase 0..3
        self._neighbours = {}  # pad -> the piezo pads next to it on the grid

    # -- helpers -----------------------------------------------------------------------------------
    def fail(self, i, msg):
        raise ScenarioError("%s: event %d: %s" % (self.path, i, msg))

    def add(self, t_us, *ev):
        self._order += 1
        self.events.append((int(round(t_us)), self._order) + ev)

    def analog_key(self, name):
        w = self.controls[name]
        if "mux" in w:
            return "mux:%s:%d" % (w["mux"], w["channel"])
        return "adc:%d" % w["adc"]

    @staticmethod
    def interp(points, t):
        # points are in time order (move() keeps them so); a new move asks near the end, so
        # search from there: an hour of knob moves is tens of thousands of points
        if t <= points[0][0]:
            return points[0][1]
        for i in range(len(points) - 1, 0, -1):
            t0, v0 = points[i - 1]
            t1, v1 = points[i]
            if t0 <= t < t1:
                return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
            if t >= t1:
                break
        return points[-1][1]

    def move(self, name, t_us, target, ramp_us):
        pts = self.analog[self.analog_key(name)][1]
        cur = self.interp(pts, t_us)
        while len(pts) > 1 and pts[-1][0] > t_us:
            pts.pop()
        pts.append([t_us, cur])
        pts.append([t_us + ramp_us, target])
        return t_us + ramp_us

    # -- the plan ----------------------------------------------------------------------------------
    def compile(self):
        s = self.s
        for k in s:
            if k not in TOP_FIELDS:
                raise ScenarioError("%s: unknown field %s (fields: %s)"
                                    % (self.path, json.dumps(k), ", ".join(sorted(TOP_FIELDS))))
        noise = s.get("adc_noise_lsb", 0)
        if not isinstance(noise, int) or isinstance(noise, bool) or not 0 <= noise <= 2048:
            raise ScenarioError("%s: adc_noise_lsb: %s is not a whole number of ADC steps 0..2048"
                                % (self.path, json.dumps(noise)))
        tail = s.get("tail_ms", 200)
        if not _is_num(tail) or tail < 0:
            raise ScenarioError("%s: tail_ms: %s must be a number of ms >= 0" % (self.path, json.dumps(tail)))
        seed = s.get("seed", 1)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ScenarioError("%s: seed: %s must be a whole number" % (self.path, json.dumps(seed)))
        # resting positions
        rest = {}
        for name, w in self.controls.items():
            if w["kind"] in ("pot", "stick"):
                rest[name] = 0.5 if w["kind"] == "stick" else 0.0
        initial = s.get("initial", {})
        if not isinstance(initial, dict):
            raise ScenarioError("%s: initial: must be an object like {\"knob3\": 0.4}" % self.path)
        held = set()
        for name, v in initial.items():
            kind = self.controls.get(name, {}).get("kind")
            if kind == "switch":
                # An extension of the spec: a switch held from power-on (safe mode, say).
                if not isinstance(v, bool):
                    raise ScenarioError("%s: initial.%s: %s must be true (held from power-on) or false"
                                        % (self.path, name, json.dumps(v)))
                if v:
                    held.add(name)
                continue
            if name not in rest:
                raise ScenarioError("%s: initial: %s is not a pot, fader, stick or switch of board %s"
                                    % (self.path, json.dumps(name), self.board["board"]))
            if not _is_num(v) or not 0 <= v <= 1:
                raise ScenarioError("%s: initial.%s: %s is out of range 0..1" % (self.path, name, json.dumps(v)))
            rest[name] = v
        for name, w in self.controls.items():
            kind = w["kind"]
            if kind in ("pot", "stick", "fsr"):
                v = rest.get(name, 0.0) * 4095 if kind != "fsr" else 0.0
                self.analog[self.analog_key(name)] = ["pl", [[-1, v]]]
            elif kind == "piezo" and w.get("peak_hold_ms"):
                # a peak-hold front end (hardware/BUILD.md): the ADC reads the hold capacitor
                self.analog[self.analog_key(name)] = ["piezo_hold", [], w["peak_hold_ms"] * 1000]
            elif kind == "piezo":
                self.analog[self.analog_key(name)] = ["piezo", []]
            elif kind == "switch":
                low = w.get("active", "low") == "low"
                pressed = name in held
                self.initial_levels[w["pin"]] = (0 if pressed else 1) if low else (1 if pressed else 0)
                self._pressed[name] = pressed
            elif kind == "encoder":
                for p in w["pins"]:
                    self.initial_levels[p] = 0
                self._enc_phase[name] = 0
        events = s.get("events")
        if not isinstance(events, list):
            raise ScenarioError("%s: events: must be a list of events" % self.path)
        order = []
        for i, e in enumerate(events):
            if not isinstance(e, dict):
                self.fail(i, "must be an object like {\"t\": 0, \"control\": \"pad1\", \"press\": 0.8}")
            t = e.get("t")
            if not _is_num(t):
                self.fail(i, "t %s must be a number of ms" % json.dumps(t))
            if t < 0:
                self.fail(i, "t %s is negative" % json.dumps(t))
            order.append((t, i, e))
        order.sort(key=lambda x: (x[0], x[1]))
        usb_on = self.cfg["usb"]["enabled"]
        connected = usb_on
        for t, i, e in order:
            end = self.event(i, e, t * 1000.0, connected)
            if e.get("usb") in ("connected", "disconnected"):
                connected = e["usb"] == "connected"
            self.end_us = max(self.end_us, end)
        self.end_us += tail * 1000
        self.events.sort(key=lambda x: (x[0], x[1]))
        analog = {}
        for k, p in self.analog.items():
            if p[0] in ("piezo", "piezo_hold"):
                p[1].sort()
                # in the plan flat, [t0, a0, t1, a1, ...]: an hour of strikes is ~800,000
                # hits, and one small list per hit is what the simulator's collector walks
                analog[k] = [p[0], [x for hit in p[1] for x in hit]] + p[2:]
            else:
                analog[k] = p
        return {
            "board": self.board,
            "seed": seed,
            "adc_noise_lsb": noise,
            "end_us": int(round(self.end_us)),
            "events": [[e[0], *e[2:]] for e in self.events],
            "analog": analog,
            "initial_levels": {str(k): v for k, v in self.initial_levels.items()},
            "usb_initial": bool(usb_on),
            # held from power-on: the firmware skips the controller on purpose (run.py)
            "safe_mode_held": self.cfg.get("safe_mode") in held,
        }

    def event(self, i, e, t_us, connected):
        acts = [a for a in ACTIONS if a in e]
        for k in e:
            if k not in _EVENT_FIELDS:
                self.fail(i, "unknown field %s" % json.dumps(k))
        if len(acts) != 1:
            self.fail(i, "needs exactly one action (%s), has %s" % (", ".join(ACTIONS), ", ".join(acts) or "none"))
        act = acts[0]
        if act == "ctrl_c":
            # An extension of the spec: Ctrl-C arriving on the USB serial REPL.
            if e["ctrl_c"] is not True or "control" in e:
                self.fail(i, "ctrl_c must be true and takes no control")
            self.add(t_us, "ctrl_c")
            return t_us
        if act in ("usb", "din_in", "usb_in"):
            if "control" in e:
                self.fail(i, "%s does not take a control" % act)
            return self.port_event(i, e, act, t_us, connected)
        name = e.get("control")
        if name is None:
            self.fail(i, "%s needs a control" % act)
        if name not in self.controls:
            self.fail(i, "control %s is not on board %s (it has %s)"
                      % (json.dumps(name), self.board["board"], _names(self.controls)))
        kind = self.controls[name]["kind"]
        if kind not in _FITS[act]:
            hint = {"switch": "press/release", "key": "press/release", "piezo": "press", "fsr": "press/release",
                    "pot": "position",
                    "stick": "position", "encoder": "turn"}.get(kind, "?")
            self.fail(i, "%s is a %s: it takes %s, not %s" % (name, kind, hint, act))
        for k, ok in (("ramp_ms", act == "position"), ("over_ms", act == "turn"),
                      # Any pad or button may bounce; only a contact (switch, key) shows it --
                      # a piezo or FSR has none, so there the field changes nothing.
                      ("bounce_ms", act in ("press", "release"))):
            if k in e:
                if not ok:
                    self.fail(i, "%s does not apply to %s of a %s" % (k, act, kind))
                if not _is_num(e[k]) or e[k] < 0 or e[k] > 10000:
                    self.fail(i, "%s %s is out of range 0..10000" % (k, json.dumps(e[k])))
        if act == "press":
            v = e["press"]
            if not _is_num(v) or not 0 < v <= 1:
                self.fail(i, "press %s is out of range (0..1], the strike strength" % json.dumps(v))
            return self.press(name, kind, t_us, v, e.get("bounce_ms", 0) * 1000.0)
        if act == "release":
            if e["release"] is not True:
                self.fail(i, "release must be true")
            return self.release(name, kind, t_us, e.get("bounce_ms", 0) * 1000.0)
        if act == "position":
            v = e["position"]
            if not _is_num(v) or not 0 <= v <= 1:
                self.fail(i, "position %s is out of range 0..1" % json.dumps(v))
            return self.move(name, t_us, v * 4095, e.get("ramp_ms", 0) * 1000.0)
        n = e["turn"]
        if not isinstance(n, int) or isinstance(n, bool) or n == 0 or abs(n) > 10000:
            self.fail(i, "turn %s must be a whole number of detents, not 0 (+ clockwise)" % json.dumps(n))
        return self.turn(name, t_us, n, e.get("over_ms", None))

    def press(self, name, kind, t_us, v, bounce_us):
        if kind == "piezo":
            a = round(v * PIEZO_SCALE)
            src = self.analog[self.analog_key(name)]
            src[1].append([int(t_us), a])
            end = t_us + _ringing_us(src)
            for other in self.neighbours(name):
                src = self.analog[self.analog_key(other)]
                src[1].append([int(t_us), round(a * 0.2)])
                end = max(end, t_us + _ringing_us(src))
            return end
        if kind == "fsr":
            return self.move(name, t_us, v * PIEZO_SCALE, FSR_RISE_US)
        return self.switch(name, t_us, True, bounce_us)

    def release(self, name, kind, t_us, bounce_us):
        if kind == "piezo":
            return t_us  # a piezo has no sustained level: nothing changes physically
        if kind == "fsr":
            return self.move(name, t_us, 0.0, FSR_RISE_US)
        return self.switch(name, t_us, False, bounce_us)

    def switch(self, name, t_us, pressed, bounce_us):
        w = self.controls[name]
        if w["kind"] == "key":
            # a matrix key: its contact (closed = 1) at matrix position r * columns + c
            r, c = w["matrix"]
            where = ("key", r * len(self.board["matrix"]["cols"]) + c)
            level = 1 if pressed else 0
        else:
            low = w.get("active", "low") == "low"
            level = (0 if low else 1) if pressed else (1 if low else 0)
            where = ("pin", w["pin"])
        times = [t_us]
        cur = t_us
        while bounce_us > 0:
            cur += self.rng.uniform(50, 1000)
            if cur >= t_us + bounce_us:
                break
            times.append(cur)
        for k, tt in enumerate(times):
            self.add(tt, where[0], where[1], level if k % 2 == 0 else 1 - level)
        if len(times) % 2 == 0:
            self.add(t_us + bounce_us, where[0], where[1], level)
        self._pressed[name] = pressed
        return t_us + bounce_us

    def turn(self, name, t_us, n, over_ms):
        a, b = self.controls[name]["pins"]
        steps = 4 * abs(n)
        total = DETENT_US * abs(n) if over_ms is None else over_ms * 1000.0
        dt = total / steps
        seq = ((0, 0), (1, 0), (1, 1), (0, 1))  # clockwise: A leads B
        ph = self._enc_phase[name]
        d = 1 if n > 0 else -1
        for k in range(steps):
            old = seq[ph]
            ph = (ph + d) % 4
            new = seq[ph]
            tt = t_us + k * dt
            if old[0] != new[0]:
                self.add(tt, "pin", a, new[0])
            if old[1] != new[1]:
                self.add(tt, "pin", b, new[1])
        self._enc_phase[name] = ph
        return t_us + total

    def neighbours(self, name):
        # asked once per strike (an hour of playing: hundreds of thousands), found once per pad
        got = self._neighbours.get(name)
        if got is None:
            got = self._neighbours[name] = self._find_neighbours(name)
        return got

    def _find_neighbours(self, name):
        if not name.startswith("pad"):
            return []
        k = int(name[3:]) - 1
        r, c = divmod(k, GRID_COLS)
        out = []
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= cc < GRID_COLS and rr >= 0:
                other = "pad%d" % (rr * GRID_COLS + cc + 1)
                if other in self.controls and self.controls[other]["kind"] == "piezo":
                    out.append(other)
        return out

    def port_event(self, i, e, act, t_us, connected):
        v = e[act]
        if act == "usb":
            if v not in ("connected", "disconnected"):
                self.fail(i, "usb %s must be \"connected\" or \"disconnected\"" % json.dumps(v))
            if not self.cfg["usb"]["enabled"]:
                self.fail(i, "USB MIDI is switched off in the config (usb.enabled)")
            self.add(t_us, "usb", v)
            return t_us
        if not isinstance(v, str):
            self.fail(i, "%s must be hex bytes like \"90 3C 64\"" % act)
        try:
            data = bytes.fromhex(v)
        except ValueError:
            self.fail(i, "%s %s is not hex bytes like \"90 3C 64\"" % (act, json.dumps(v)))
        if not data:
            self.fail(i, "%s has no bytes" % act)
        if act == "din_in":
            if not self.board.get("din_in"):
                self.fail(i, "board %s has no DIN IN port" % self.board["board"])
            self.add(t_us, "din_in", list(data))
            # DIN IN is one wire: bytes given while earlier ones are still coming follow them
            self._din_in_end = max(self._din_in_end, t_us) + 320 * len(data)
            return self._din_in_end
        if not self.cfg["usb"]["enabled"]:
            self.fail(i, "USB MIDI is switched off in the config (usb.enabled)")
        if not connected:
            self.fail(i, "usb_in while the USB host is disconnected")
        if len(data) % 4:
            self.fail(i, "usb_in needs whole 4-byte USB-MIDI event packets, got %d bytes" % len(data))
        for k in range(0, len(data), 4):
            self.add(t_us, "usb_in", list(data[k:k + 4]))
        return t_us


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _names(controls):
    names = list(controls)
    return ", ".join(names[:4] + ["..."] + names[-1:]) if len(names) > 6 else ", ".join(names)


def prepare(scenario_path):
    """Read and check a scenario; return (plan, board, config text or None)."""
    try:
        with open(scenario_path) as f:
            text = f.read()
    except OSError as e:
        raise ScenarioError("%s: cannot be read (%s)" % (scenario_path, e.strerror))
    try:
        s = json.loads(text)
    except ValueError as e:
        raise ScenarioError("%s: not valid JSON (%s)" % (scenario_path, e))
    if not isinstance(s, dict):
        raise ScenarioError("%s: a scenario is a JSON object with \"events\"" % scenario_path)
    board = load_board(s.get("board", DEFAULT_BOARD), scenario_path + ": board",
                       os.path.dirname(os.path.abspath(scenario_path)))
    cfg_text = None
    cfg_name = "config.json"
    if "config" in s:
        cpath = s["config"]
        if not isinstance(cpath, str):
            raise ScenarioError("%s: config: must be a path to a config file" % scenario_path)
        if not os.path.isabs(cpath) and not os.path.exists(cpath):
            cpath = os.path.join(os.path.dirname(os.path.abspath(scenario_path)), cpath)
        try:
            with open(cpath) as f:
                cfg_text = f.read()
        except OSError:
            raise ScenarioError("%s: config: %s cannot be read" % (scenario_path, s["config"]))
        cfg_name = s["config"]
    bname = s.get("board", DEFAULT_BOARD)
    try:
        # the board as the firmware checks it at boot (a control without its kind is one
        # line naming the file and the field, not a traceback from the validator)
        fwconfig.check_board(board, bname if bname.endswith(".json") else "boards/%s.json" % bname)
        cfg = fwconfig.parse(cfg_text, board, cfg_name) if cfg_text is not None else fwconfig.validate({}, board)
    except fwconfig.ConfigError as e:
        raise ScenarioError(str(e))
    plan = Compiler(s, scenario_path, board, cfg).compile()
    # which of the user's files the board's board.json and config.json are, for a line
    # about them from the firmware
    b = s.get("board", DEFAULT_BOARD)
    plan["sources"] = {"scenario": scenario_path, "board.json": b if b.endswith(".json") else "boards/%s.json" % b,
                       "config.json": cfg_name if cfg_text is not None else None}
    return plan, board, cfg_text


def run_firmware(plan, board, cfg_text, timeout=600, firmware=None, frozen=None):
    """Boot the firmware under MicroPython on the simulated board; return (trace lines, log).
    FirmwareStopped when it did not start the controller or its watchdog reset the board
    (firmware: another folder's boot.py and main.py, for tests; frozen: the path of a
    MicroPython with the midictl package frozen in, tools/mpbuild.py's, which runs it
    instead of firmware/midictl: the package the board's frozen build would run)."""
    with tempfile.TemporaryDirectory(prefix="midictl-sim-") as fs:
        with open(os.path.join(fs, "board.json"), "w") as f:
            json.dump(board, f)
        if cfg_text is not None:
            with open(os.path.join(fs, "config.json"), "w") as f:
                f.write(cfg_text)
        plan_path = os.path.join(fs, "..plan.json")
        with open(plan_path, "w") as f:
            f.write(json.dumps(plan))  # (json.dump streams through the slow Python encoder)
        out = os.path.join(fs, "..trace.txt")
        env = dict(os.environ)
        env["MICROPYPATH"] = os.path.join(ROOT, "tools", "simboard") + ":" + (
            ".frozen" if frozen else os.path.join(ROOT, "firmware"))
        r = subprocess.run([frozen or micropython_binary(), "-X", "heapsize=8M",
                            os.path.join(ROOT, "tools", "simboard", "run.py"),
                            plan_path, out, firmware or os.path.join(ROOT, "firmware")],
                           cwd=fs, env=env, capture_output=True, text=True, timeout=timeout)
        if r.returncode in (_NOT_STARTED, _WATCHDOG):
            raise FirmwareStopped(_stopped_line(r.returncode, r.stdout, r.stderr, plan.get("sources", {})), r.stdout)
        if r.returncode != 0:
            raise RuntimeError("the firmware crashed in the simulator:\n" + r.stdout + r.stderr)
        with open(out) as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
        return lines, r.stdout


_NOT_STARTED = 4  # tools/simboard/run.py's exit status: the controller was not started
_WATCHDOG = 5  # the board reset by its watchdog
_FW_FILE_LINE = re.compile(r"^midictl(?: boot)?: ((board|config)\.json): (.*)$")


def _stopped_line(status, stdout, stderr, sources):
    """The one line for a run whose controller did not start or whose board reset by its
    watchdog: the firmware's own line naming the file and the field, with the board's
    board.json and config.json shown as the files they came from."""
    scenario = sources.get("scenario", "scenario")
    if status == _WATCHDOG:
        why = stderr.strip().splitlines()[-1] if stderr.strip() else "the board was reset by its watchdog"
        return "%s: watchdog_ms: %s" % (sources.get("config.json") or scenario, why)
    said = [ln for ln in stdout.splitlines() if ln.strip() and not ln.startswith("sim: ")]
    for ln in said:
        m = _FW_FILE_LINE.match(ln)
        if m:
            return "%s: %s" % (sources.get(m.group(1)) or m.group(1), m.group(3))
    if said:
        return "%s: the firmware did not start the controller: %s" % (scenario, said[0])
    return "%s: the firmware did not start the controller" % scenario


def monitor_lines(trace, running=None):
    """The human view of a trace: one monitor line per message. `running` keeps the DIN
    running status between calls (live mode)."""
    import midiview

    if running is None:
        running = {}
    out = []
    for line in trace:
        t, port, *hx = line.split()
        data = bytes.fromhex("".join(hx))
        if port == "USB":
            # The same columns as DIN: what the packet carries (the trace keeps the packet).
            # (A SysEx's packets, CIN 4 to 7, carry parts of it: shown as packets; a part
            # that starts with a data byte is no message of its own.)
            msg = _usb_msg(data)
            if msg and not 4 <= (data[0] & 15) <= 7 and (msg[0] >= 0xF8 or 0x80 <= msg[0] < 0xF0):
                out.append(midiview.format_line(float(t), port, msg))
            else:
                out.append(midiview.format_usb_line(float(t), port, data))
            continue
        out.append(midiview.format_line(float(t), port, midiview.din_line_message(data, running, port)))
    return out


def messages_of(trace, port="USB"):
    """(t_ms, full message bytes) per line of one port, for .mid files and MIDI output."""
    import midiview

    res = []
    if port == "USB":
        for line in trace:
            t, p, *hx = line.split()
            if p == "USB":
                pkt = bytes.fromhex("".join(hx))
                msg = midiview.usb_message(pkt) if hasattr(midiview, "usb_message") else _usb_msg(pkt)
                if msg:
                    res.append((float(t), msg))
    return res


def _usb_msg(pkt):
    from midictl.midi import usb

    n = usb.cin_length(pkt[0] & 15)
    return bytes(pkt[1:1 + n]) if n else b""


def play(trace, port_name):
    import time

    import hostmidi

    out = hostmidi.open_output(port_name)
    t_start = time.monotonic()
    for t_ms, msg in messages_of(trace):
        delay = t_start + t_ms / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.send_bytes(msg) if hasattr(out, "send_bytes") else out.send(__import__("mido").Message.from_bytes(list(msg)))


def _no_trace(path):
    # A failed run leaves no trace file, not even an old one that could be mistaken for its own.
    if path and os.path.exists(path):
        os.remove(path)


# The hardware check on the simulated board: the board's boot.py, then instead of main.py's
# controller the check, for the scenario's length (at least 2 s: 1 s at rest, then play;
# the scenario's t = 0 is the check's start). Its lines are what the board's REPL shows.
HWCHECK_MAIN = """
import world
from midictl import hwcheck

w = world.current
hwcheck.run(us=w.end_us - 1000, ready=w.ready)
"""


def hwcheck(plan, board, cfg_text, trace=None):
    """Print the check's lines; the MIDI trace (none, if all is well) goes to `trace`."""
    plan = dict(plan, end_us=max(plan["end_us"], 2000000) + 1000)
    with tempfile.TemporaryDirectory(prefix="midictl-hwcheck-") as fw:
        shutil.copy(os.path.join(ROOT, "firmware", "boot.py"), fw)
        with open(os.path.join(fw, "main.py"), "w") as f:
            f.write(HWCHECK_MAIN)
        try:
            lines, log = run_firmware(plan, board, cfg_text, firmware=fw)
        except (FirmwareStopped, RuntimeError) as e:
            print(str(e).rstrip(), file=sys.stderr)
            return 3
    if trace is not None:
        trace.extend(lines)
    for line in log.splitlines():
        if not line.startswith("sim: "):
            print(line)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the firmware on a simulated board (shared/spec/simulator.md).")
    ap.add_argument("--scenario", help="scenario JSON (default: the bundled demo)")
    ap.add_argument("--trace", help="write the trace here")
    ap.add_argument("--record", metavar="OUT.mid", help="write what was played to a Standard MIDI File")
    ap.add_argument("--play", nargs="?", const="", metavar="PORT", help="send the messages to a host MIDI output port")
    ap.add_argument("--interactive", action="store_true", help="computer keys play the controls")
    ap.add_argument("--quiet", action="store_true", help="no monitor view on stdout")
    ap.add_argument("--frozen", action="store_true",
                    help="run the firmware frozen into a MicroPython built from source (tools/mpbuild.py, make frozen)")
    ap.add_argument("--hwcheck", action="store_true",
                    help="run the hardware check (midictl.hwcheck) instead of the controller: its lines on stdout")
    a = ap.parse_args(argv)
    if a.interactive:
        import siminteractive

        return siminteractive.main(a)
    path = a.scenario or DEMO
    try:
        plan, board, cfg_text = prepare(path)
    except ScenarioError as e:
        print(e, file=sys.stderr)
        _no_trace(a.trace)
        return 2
    if a.hwcheck:
        trace = []
        rc = hwcheck(plan, board, cfg_text, trace)
        if a.trace and rc == 0:
            with open(a.trace, "w") as f:
                f.write("".join(line + "\n" for line in trace))  # (the check sends no MIDI)
        else:
            _no_trace(a.trace)
        return rc
    frozen = None
    if a.frozen:
        import mpbuild

        try:
            frozen = mpbuild.build_unix()
        except mpbuild.BuildError as e:
            print("mpbuild: %s" % e, file=sys.stderr)
            _no_trace(a.trace)
            return 3
    try:
        trace, log = run_firmware(plan, board, cfg_text, frozen=frozen)
    except FirmwareStopped as e:
        # what the board's console showed, then the one line (a config or board it cannot
        # build, or a watchdog reset): no trace, as for any failed run
        if not a.quiet:
            for line in e.log.splitlines():
                print("#", line)
        print(e, file=sys.stderr)
        _no_trace(a.trace)
        return 2
    except RuntimeError as e:
        print(str(e).rstrip(), file=sys.stderr)
        _no_trace(a.trace)
        return 3
    if a.trace:
        with open(a.trace, "w") as f:
            f.write("".join(line + "\n" for line in trace))
    if not a.quiet:
        for line in log.splitlines():
            print("#", line)
        for line in monitor_lines(trace):
            print(line)
    if a.record:
        import midifile

        midifile.write_smf(a.record, messages_of(trace))
    if a.play is not None:
        import hostmidi

        try:
            play(trace, a.play or None)
        except hostmidi.NoMidiSystem as e:
            print(e, file=sys.stderr)
            return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
