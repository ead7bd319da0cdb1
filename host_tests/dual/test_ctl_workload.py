from dualtest import no_alloc
# The reference layout's controls driven like the scan loop drives them: 16 pads in one
# array, 8 knobs (one read per scan, round-robin), the bend stick, 2 encoders, 4 buttons.
# Used by the allocation test below and by tools/bench_controls.py (timing).
from array import array

from test_ctl_signals import CountSink, piezo_level

from midictl.controls.buttons import ModeButton, dispatch
from midictl.controls.layered import CCButton
from midictl.controls.debounce import BitDebouncer
from midictl.controls.encoder import EncoderCC, Quadrature
from midictl.controls.knob import Knob
from midictl.controls.modes import Modes
from midictl.controls.pads import PadGroup
from midictl.controls.stick import Stick
from midictl.controls.velocity import make_curve

_CW = ((1, 0), (1, 1), (0, 1), (0, 0))


class RefLayout:
    def __init__(self, sink):
        self.sink = sink
        self.modes = Modes()
        curve = make_curve("linear")
        self.pads = PadGroup(sink, 16, modes=self.modes)
        for i in range(16):
            self.pads.set_pad(i, "piezo", 9, 36 + i, curve)
        self.knobs = [Knob(sink, 0, 70 + i) for i in range(8)]
        self.stick = Stick(sink, 0)
        self.quads = [Quadrature(), Quadrature()]
        self.encs = [EncoderCC(sink, self.quads[0], 0, 78), EncoderCC(sink, self.quads[1], 0, 79)]
        self.deb = BitDebouncer(4)
        self.buttons = [ModeButton(self.modes, "octave_down"), ModeButton(self.modes, "octave_up"),
                        ModeButton(self.modes, "shift"), CCButton(sink, 0, 80)]
        self.pad_samples = array("H", [0] * 16)
        self.knob_samples = array("H", [0] * 8)
        # a strike on pad 6 repeating every 100 scans, a knob ramping over 2000 ADC steps
        self.hit = array("H", [piezo_level(t - 0.3, 0.7) for t in range(100)])
        self.phase = 0
        for t in range(40):  # prime the filters (boot)
            self.step(t, False, False)

    def step(self, now, hit, move):
        """One scan's worth of control work. hit/move: a strike and a knob turn in
        progress. Allocates nothing."""
        ps = self.pad_samples
        ph = self.phase
        self.phase = ph + 1 if ph < 99 else 0
        if hit:
            ps[5] = self.hit[ph]
        self.pads.scan(ps, now)
        k = now & 7
        if move and k == 3:
            self.knob_samples[3] = (self.knob_samples[3] + 16) & 2047
        self.knobs[k].update(self.knob_samples[k])
        self.stick.update(2048)
        if move and ph == 50:
            q = self.quads[0]
            for i in range(4):
                q.edge(_CW[i][0], _CW[i][1])
        self.encs[0].update(now)
        self.encs[1].update(now)
        ch = self.deb.update(7 if move and ph >= 90 else 15, now)
        if ch:
            dispatch(self.buttons, ch, self.deb.state, now)


def test_reference_layout_steady_state_allocates_nothing():
    sink = CountSink()
    lay = RefLayout(sink)
    n0 = sink.n

    def run():
        for t in range(1000, 1400):
            lay.step(t, True, True)

    no_alloc(run)
    # 4 Note Ons and 3 Note Offs (the 4th still gated), 21 CC steps of knob 4, 4
    # detents of enc1, button 4 pressed and released 4 times
    assert sink.n - n0 == 4 + 3 + 21 + 4 + 8
    assert lay.pads.on == 1 << 5 and lay.quads[0].take() == 0


def test_reference_layout_idle_sends_nothing():
    sink = CountSink()
    lay = RefLayout(sink)
    n0 = sink.n

    def run():
        for t in range(1000, 1400):
            lay.step(t, False, False)

    no_alloc(run)
    assert sink.n == n0
