"""Play the simulated board from the computer keyboard (make sim SIMFLAGS=--interactive).

The real firmware runs live under the MicroPython Unix port (tools/simboard, "live" plan):
simulated time follows the wall clock, each key becomes a physical action (a pad strike, a
knob turn...) compiled by the same scenario compiler as `make sim`, and every message the
firmware sends is shown in the monitor view as it happens (and sent to a host MIDI port
with --play).

Keys (pads laid out like a 4x4 drum grid, pad1 bottom left):
    1 2 3 4      pad13..pad16        lower case: medium strike, upper case: hard strike
    q w e r      pad9..pad12
    a s d f      pad5..pad8
    z x c v      pad1..pad4
    [ ]          knob down / up (1/16 of its travel)     - =  choose the knob
    , . /        pitch stick down / up / back to centre
    < >          encoder 1 one detent counter-clockwise / clockwise
    o p          octave down / up (button1, button2)
    h            shift (button3) held / released
    space        panic (button4)
    Esc or Ctrl-D   quit
"""
import json
import os
import select
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import sim  # noqa: E402

PAD_KEYS = "zxcvasdfqwer1234"
LOUD = {"Z": "z", "X": "x", "C": "c", "V": "v", "A": "a", "S": "s", "D": "d", "F": "f",
        "Q": "q", "W": "w", "E": "e", "R": "r", "!": "1", "@": "2", "#": "3", "$": "4"}
HELP = __doc__.split("Keys", 1)[1]


class Player:
    """Turns keys into scenario actions with the simulator's own compiler."""

    def __init__(self, board, cfg, write):
        self.board = board
        self.write = write
        self.c = sim.Compiler({"events": []}, "(keyboard)", board, cfg)
        self.c.compile()
        self.c.events = []
        self.controls = board["controls"]
        self.knobs = sorted([n for n, w in self.controls.items() if w["kind"] == "pot"], key=_num)
        self.knob = 0
        self.pos = {}
        self.shift = False
        self.t0 = None
        self.n = 0

    def now_ms(self):
        return (time.monotonic() - self.t0) * 1000 + 3 if self.t0 is not None else 0

    def act(self, **e):
        name = e.get("control")
        if name is not None and name not in self.controls:
            return "(no %s on this board)" % name
        e["t"] = self.now_ms()
        before = len(self.c.events)
        self.c.event(self.n, e, e["t"] * 1000.0, True)
        self.n += 1
        new = [[x[0], *x[2:]] for x in self.c.events[before:]]
        horizon = e["t"] * 1000 - 1000000
        for src in self.c.analog.values():
            if src[0] in ("piezo", "piezo_hold"):
                src[1][:] = [h for h in src[1] if h[0] > horizon]
                src[1].sort()
        self.write(json.dumps({"events": new, "analog": self.c.analog}) + "\n")
        return None

    def key(self, ch):
        if ch in LOUD or ch in PAD_KEYS:
            i = PAD_KEYS.index(LOUD.get(ch, ch))
            return self.act(control="pad%d" % (i + 1), press=1.0 if ch in LOUD else 0.6)
        if ch in "[]" and self.knobs:
            name = self.knobs[self.knob]
            p = self.pos.get(name, 0.0)
            p = min(1.0, max(0.0, p + (1 / 16 if ch == "]" else -1 / 16)))
            self.pos[name] = p
            return self.act(control=name, position=round(p, 4), ramp_ms=40)
        if ch in "-=" and self.knobs:
            self.knob = (self.knob + (1 if ch == "=" else -1)) % len(self.knobs)
            return "knob: %s" % self.knobs[self.knob]
        if ch in ",./":
            return self.act(control="bend", position={",": 0.0, ".": 1.0, "/": 0.5}[ch], ramp_ms=60)
        if ch in "<>":
            return self.act(control="enc1", turn=1 if ch == ">" else -1)
        if ch in "op":
            b = "button1" if ch == "o" else "button2"
            self.act(control=b, press=1.0)
            time.sleep(0.03)
            return self.act(control=b, release=True)
        if ch == "h":
            self.shift = not self.shift
            return self.act(control="button3", **({"press": 1.0} if self.shift else {"release": True}))
        if ch == " ":
            self.act(control="button4", press=1.0)
            time.sleep(0.03)
            return self.act(control="button4", release=True)
        return None


def _num(name):
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 0


def main(args):
    board = sim.load_board(sim.DEFAULT_BOARD, "--interactive")
    cfg = sim.fwconfig.validate({}, board)
    plan = sim.Compiler({"events": []}, "(keyboard)", board, cfg).compile()
    plan["live"] = True
    plan["end_us"] = 1 << 40
    out_port = None
    if args.play is not None:
        import hostmidi

        try:
            out_port = hostmidi.open_output(args.play or None)
        except hostmidi.NoMidiSystem as e:
            print(e, file=sys.stderr)
            return 4
    import tempfile

    fs = tempfile.mkdtemp(prefix="midictl-live-")
    with open(os.path.join(fs, "board.json"), "w") as f:
        json.dump(board, f)
    plan_path = os.path.join(fs, "plan.json")
    with open(plan_path, "w") as f:
        json.dump(plan, f)
    env = dict(os.environ)
    env["MICROPYPATH"] = os.path.join(ROOT, "tools", "simboard") + ":" + os.path.join(ROOT, "firmware")
    proc = subprocess.Popen([sim.micropython_binary(), "-X", "heapsize=8M", os.path.join(ROOT, "tools", "simboard", "run.py"),
                             plan_path, os.path.join(fs, "trace.txt"), os.path.join(ROOT, "firmware")],
                            cwd=fs, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    player = Player(board, cfg, lambda s: (proc.stdin.write(s), proc.stdin.flush()))
    ready = threading.Event()
    running = {}

    def reader():
        for line in proc.stdout:
            line = line.rstrip("\n")
            parts = line.split()
            if len(parts) >= 3 and parts[1] in ("DIN", "USB") and parts[0][:1].isdigit():
                print(sim.monitor_lines([line], running)[0], flush=True)
                if out_port is not None and parts[1] == "USB":
                    msg = sim._usb_msg(bytes.fromhex("".join(parts[2:])))
                    if msg:
                        out_port.send(__import__("mido").Message.from_bytes(list(msg)))
            else:
                print("# " + line, flush=True)
                if "ready" in line:
                    player.t0 = time.monotonic()
                    ready.set()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    print(HELP.strip("\n"), flush=True)
    ready.wait(10)
    tty = sys.stdin.isatty()
    old = None
    if tty:
        import termios
        import tty as ttymod

        old = termios.tcgetattr(sys.stdin)
        ttymod.setcbreak(sys.stdin.fileno())
    try:
        while proc.poll() is None:
            r, _w, _x = select.select([sys.stdin], [], [], 0.1)
            if not r:
                continue
            ch = os.read(sys.stdin.fileno(), 1).decode("latin-1")
            if ch in ("", "\x1b", "\x04"):
                break
            note = player.key(ch)
            if note:
                print("# " + note, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        if old is not None:
            import termios

            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, old)
        time.sleep(0.3)  # let the last messages out
        try:
            proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        th.join(2)
    return 0
