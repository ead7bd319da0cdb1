"""Seeded random performances for the simulator (scenario "events" lists).

A performance is dense, overlapping playing on every kind of control a board has: pad hits
and chords at random strengths, buttons (octave, shift, panic, note buttons) pressed with
contact bounce and held for random times, knobs and the stick moved or swept, encoders
turned, and the USB host unplugged and plugged back. It ends with everything released, the
USB host connected, and a quiet tail, so "nothing left sounding" can be judged on the trace.
"""
import random

# Relative weights of the actions (chords and USB gaps count their events separately).
WEIGHTS = (("pad", 34), ("chord", 5), ("button", 20), ("knob", 20), ("stick", 5), ("encoder", 12), ("usb", 1))
_KINDS = [k for k, _w in WEIGHTS]
_WEIGHTS = [w for _k, w in WEIGHTS]


def _r3(x):
    return round(x, 3)


class Performer:
    def __init__(self, board, seed, mean_gap_ms=2.5, usb=True, bounce_max_ms=5.0):
        self.rng = random.Random(seed)
        self.mean_gap = mean_gap_ms
        self.usb = usb
        self.bounce_max = bounce_max_ms
        ctl = board["controls"]
        names = sorted(ctl)
        self.pads = [n for n in names if n.startswith("pad") and ctl[n]["kind"] in ("piezo", "fsr", "switch")]
        self.switches = [n for n in names if ctl[n]["kind"] == "switch" and n not in self.pads]
        self.knobs = [n for n in names if ctl[n]["kind"] == "pot"]
        self.sticks = [n for n in names if ctl[n]["kind"] == "stick"]
        self.encoders = [n for n in names if ctl[n]["kind"] == "encoder"]
        self.fsr = {n for n in self.pads if ctl[n]["kind"] in ("fsr", "switch")}
        self.held = {}  # switch or held pad -> earliest release time (ms)
        self.busy = {}  # encoder -> end of its current turn
        self.usb_back = None  # time the host returns, while unplugged
        self.events = []

    def _press(self, t, name):
        bounce = _r3(self.rng.uniform(0, self.bounce_max)) if self.rng.random() < 0.6 else 0
        e = {"t": _r3(t), "control": name, "press": 1.0}
        if bounce:
            e["bounce_ms"] = bounce
        self.events.append(e)
        # a release must not start before the press has settled (its bounce included)
        self.held[name] = t + bounce + self.rng.choice((0.5, 3, 10, 40, 150, 600))

    def _release(self, t, name):
        bounce = _r3(self.rng.uniform(0, self.bounce_max)) if self.rng.random() < 0.5 else 0
        e = {"t": _r3(t), "control": name, "release": True}
        if bounce:
            e["bounce_ms"] = bounce
        self.events.append(e)
        # the next press waits for this release to settle
        self.held.pop(name)
        self.busy[name] = t + bounce + 0.5

    def action(self, t):
        rng = self.rng
        if self.usb_back is not None and t >= self.usb_back:
            self.events.append({"t": _r3(t), "usb": "connected"})
            self.usb_back = None
            return
        kind = rng.choices(_KINDS, weights=_WEIGHTS)[0]
        if kind in ("pad", "chord") and self.pads:
            for name in rng.sample(self.pads, 1 if kind == "pad" else min(len(self.pads), rng.randint(2, 4))):
                if name in self.fsr:
                    self._switch(t, name)
                else:
                    self.events.append({"t": _r3(t), "control": name, "press": _r3(rng.uniform(0.03, 1.0))})
        elif kind == "button" and self.switches:
            self._switch(t, rng.choice(self.switches))
        elif kind == "knob" and self.knobs:
            self._move(t, rng.choice(self.knobs))
        elif kind == "stick" and self.sticks:
            self._move(t, rng.choice(self.sticks))
        elif kind == "encoder" and self.encoders:
            name = rng.choice(self.encoders)
            if self.busy.get(name, -1) <= t:
                n = rng.choice((-4, -2, -1, 1, 1, 2, 3))
                over = rng.choice((None, 0, 5, 20, 60))
                e = {"t": _r3(t), "control": name, "turn": n}
                if over is not None:
                    e["over_ms"] = over
                self.events.append(e)
                self.busy[name] = t + (abs(n) if over is None else over) + 0.01
        elif kind == "usb" and self.usb and self.usb_back is None:
            self.events.append({"t": _r3(t), "usb": "disconnected"})
            self.usb_back = t + rng.choice((1, 5, 30, 120, 400))

    def _switch(self, t, name):
        if name in self.held:
            if t >= self.held[name]:
                self._release(t, name)
        elif self.busy.get(name, -1) <= t:
            self._press(t, name)

    def _move(self, t, name):
        rng = self.rng
        e = {"t": _r3(t), "control": name, "position": _r3(rng.random())}
        if rng.random() < 0.7:
            e["ramp_ms"] = rng.choice((1, 10, 40, 150, 500))
        self.events.append(e)

    def play(self, n_actions, t=0.0):
        """At least n_actions events from time t (ms); then everything released. -> end time."""
        while len(self.events) < n_actions:
            t += self.rng.expovariate(1.0 / self.mean_gap)
            self.action(t)
        t += 1
        for name in sorted(self.held):
            t = max(t, self.held[name])
            self._release(t, name)
        if self.usb_back is not None:
            self.events.append({"t": _r3(max(t, self.usb_back)), "usb": "connected"})
            t = max(t, self.usb_back)
            self.usb_back = None
        return t


def scenario(board, seed, n_actions, board_name=None, tail_ms=600, **kw):
    p = Performer(board, seed, **kw)
    p.play(n_actions)
    s = {"seed": seed, "tail_ms": tail_ms, "adc_noise_lsb": 4, "events": p.events}
    if board_name:
        s["board"] = board_name
    return s
