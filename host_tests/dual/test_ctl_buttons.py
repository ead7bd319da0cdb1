from dualtest import no_alloc, raises
from test_ctl_signals import Rec

from midictl.controls.buttons import ModeButton, dispatch
from midictl.controls.layered import CCButton, NoteButton
from midictl.controls.program import ProgramButton, Programs
from midictl.controls.debounce import BitDebouncer
from midictl.controls.modes import Modes


def test_momentary_and_toggle_cc():
    rec = Rec()
    m = CCButton(rec, 0, 80)
    t = CCButton(rec, 1, 81, value=100, off_value=5, toggle=True)
    for b in (m, t, m, t):
        b.press()
        b.release()
    assert rec.ev == [(0, "cc", 0, 80, 127), (0, "cc", 0, 80, 0), (0, "cc", 1, 81, 100),
                      (0, "cc", 0, 80, 127), (0, "cc", 0, 80, 0), (0, "cc", 1, 81, 5)]


def test_shift_layer_release_uses_the_pressed_mapping():
    modes = Modes()
    rec = Rec()
    shift = ModeButton(modes, "shift")
    n = NoteButton(rec, 0, 60, 90, modes=modes, shift=(3, 72))
    c = CCButton(rec, 0, 20, modes=modes, shift=(0, 21))
    plain = NoteButton(rec, 5, 40, modes=modes)  # no second mapping: same in both layers
    n.press()
    shift.press()  # layer changes while the note is held
    n.release()  # -> Note Off of note 60 on channel 0
    c.press()
    shift.release()
    c.release()  # -> CC 21 off, what it pressed
    plain.press()
    plain.release()
    assert rec.ev == [(0, "on", 0, 60, 90), (0, "off", 0, 60, 64), (0, "cc", 0, 21, 127),
                      (0, "cc", 0, 21, 0), (0, "on", 5, 40, 100), (0, "off", 5, 40, 64)]
    shift.press()
    n.press()
    n.release()
    assert rec.ev[-2:] == [(0, "on", 3, 72, 90), (0, "off", 3, 72, 64)]


def test_toggle_state_per_layer():
    modes = Modes()
    rec = Rec()
    t = CCButton(rec, 0, 30, toggle=True, modes=modes, shift=(0, 31))
    t.press()
    modes.shift = True
    t.press()
    t.press()
    modes.shift = False
    t.press()
    assert rec.values() == [127, 127, 0, 0] and [e[3] for e in rec.ev] == [30, 31, 31, 30]


def test_program_fixed_bank_and_up_down():
    rec = Rec()
    p = Programs(rec, 2, program=126)
    up = ProgramButton(p, step=1)
    down = ProgramButton(p, step=-1)
    fixed = ProgramButton(p, program=5)
    up.press()
    up.press()  # stops at 127: nothing sent
    fixed.press()
    down.press()
    assert rec.ev == [(0, "pc", 2, 127), (0, "pc", 2, 5), (0, "pc", 2, 4)]
    rec = Rec()
    bp = Programs(rec, 0, program=127, bank=300, wrap=True)
    ProgramButton(bp, step=1).press()
    assert rec.ev == [(0, "bank_pc", 0, 300, 0)]


def test_program_buttons_share_the_channels_program_and_bank_and_take_midi_in():
    rec = Rec()
    p = Programs(rec, 0)  # build.py: one per channel, no bank of its own
    up = ProgramButton(p, step=1)
    down = ProgramButton(p, step=-1)
    in_bank = ProgramButton(p, program=5, bank=2)
    plain = ProgramButton(p, program=9, bank=None)
    up.press()
    in_bank.press()
    up.press()  # on from 5, in bank 2
    plain.press()
    down.press()  # on from 9, no Bank Select
    assert rec.ev == [(0, "pc", 0, 1), (0, "bank_pc", 0, 2, 5), (0, "bank_pc", 0, 2, 6), (0, "pc", 0, 9),
                      (0, "pc", 0, 8)]
    # a Program Change from MIDI IN: the current program, nothing sent
    assert no_alloc(lambda: p.program_change(64)) is None
    up.press()
    assert rec.ev[-1] == (0, "pc", 0, 65) and len(rec.ev) == 6
    # no Bank Select of its own (the plain program last): MIDI IN's is the receiver's affair
    assert no_alloc(lambda: p.feedback(0, 1, None)) is False
    p.program_change(3)
    up.press()
    assert rec.ev[-1] == (0, "pc", 0, 4)
    # in a bank: MIDI IN's Bank Select (MSB 1, then LSB 4: bank 132) comes with its next
    # Program Change, and up goes on in it
    in_bank.press()
    assert no_alloc(lambda: p.feedback(0, 1, None)) is False
    assert no_alloc(lambda: p.feedback(32, 4, None)) is False
    up.press()  # before that Program Change: still bank 2 (and it spends the one held)
    p.program_change(20)
    up.press()
    assert rec.ev[-3:] == [(0, "bank_pc", 0, 2, 5), (0, "bank_pc", 0, 2, 6), (0, "bank_pc", 0, 2, 21)]
    p.feedback(32, 4, None)  # the LSB alone: the MSB stays the bank's (bank 2: MSB 0)
    p.program_change(30)
    down.press()
    assert rec.ev[-1] == (0, "bank_pc", 0, 4, 29)
    assert str(raises(ValueError, ProgramButton, p, 5, 0, 16384)) == "bank 16384 out of range 0..16383"


def test_octave_transpose_panic_buttons():
    modes = Modes(octave_range=2)
    modes.cover(36, 51)
    rec = Rec()
    ou = ModeButton(modes, "octave_up")
    od = ModeButton(modes, "octave_down")
    tu = ModeButton(modes, "transpose_up", step=5)
    td = ModeButton(modes, "transpose_down")
    for b in (ou, ou, ou, tu, td, od):
        b.press()
        b.release()
    assert (modes.octave, modes.transpose, modes.offset) == (1, 4, 16)
    ModeButton(modes, "panic", sink=rec).press()
    assert rec.ev == [(0, "panic")]


def test_a_fixed_velocity_button_turns_the_pads_fixed_velocity_on_and_off():
    modes = Modes()
    fv = ModeButton(modes, "fixed_velocity", 110)
    seen = []
    for _ in range(3):
        fv.press()
        seen.append(modes.velocity)
        fv.release()  # (a toggle: releasing changes nothing)
        seen.append(modes.velocity)
    assert seen == [110, 110, 0, 0, 110, 110]
    for v in (0, 128):
        assert str(raises(ValueError, ModeButton, modes, "fixed_velocity", v)) == "velocity %d out of range 1..127" % v
    assert str(raises(ValueError, ModeButton, modes, "transpose_up", 25)) == "step 25 out of range 1..24"


def test_dispatch_from_debounced_bits_no_alloc():
    rec = Rec()
    bs = [CCButton(rec, 0, 80 + i) for i in range(4)]
    deb = BitDebouncer(4)
    levels = [0b1111] * 5 + [0b1101] * 20 + [0b1111] * 20  # button 2 (bit 1), active low

    def run():
        for t in range(len(levels)):
            ch = deb.update(levels[t], t)
            if ch:
                dispatch(bs, ch, deb.state, t)

    run()
    assert [(e[3], e[4]) for e in rec.ev] == [(81, 127), (81, 0)]
    null = _Null()
    for b in bs:
        b._sink = null
    no_alloc(run)
    assert null.n == 2


class _Null:
    def __init__(self):
        self.n = 0

    def cc(self, ch, n, v):
        self.n += 1


def test_bad_parameters():
    r = Rec()
    assert "cc 128 out of range 0..127" in str(raises(ValueError, CCButton, r, 0, 128))
    assert "velocity 0 out of range 1..127" in str(raises(ValueError, NoteButton, r, 0, 60, 0))
    assert "bank 16384 out of range 0..16383" in str(raises(ValueError, Programs, r, 0, 0, 16384))
    assert "action 'jump'" in str(raises(ValueError, ModeButton, Modes(), "jump"))
    assert "octave_range 11 out of range 0..10" in str(raises(ValueError, Modes, 11))
