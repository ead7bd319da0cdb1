from dualtest import raises
from test_ctl_signals import no_alloc0

from midictl.controls.matrix import KeyMatrix
from midictl.controls.mux import DIRECT, KNOB, Mux, ScanPlan


def test_4067_select_masks():
    m = Mux("4067", [10, 11, 12, 13], 0)
    assert m.channels == 16
    assert m.set_masks[0] == 0 and m.clr_masks[0] == 0b1111 << 10
    assert m.set_masks[5] == (1 << 10) | (1 << 12) and m.clr_masks[5] == (1 << 11) | (1 << 13)
    assert m.set_masks[15] == 0b1111 << 10 and m.clr_masks[15] == 0
    for c in range(16):
        assert m.set_masks[c] | m.clr_masks[c] == m.mask and m.set_masks[c] & m.clr_masks[c] == 0


def test_4051_select_masks():
    m = Mux("4051", [2, 7, 3], 1)
    assert m.channels == 8
    assert [m.set_masks[c] for c in range(8)] == [0, 4, 128, 132, 8, 12, 136, 140]


def test_pico_reference_plan_pads_every_scan_knobs_round_robin():
    m0 = Mux("4067", [10, 11, 12, 13], 0)
    m1 = Mux("4067", [10, 11, 12, 13], 1)  # same select lines as m0
    pads = [(0, c, 0) for c in range(16)]
    knobs = [(1, c, 1) for c in range(8)]
    plan = ScanPlan([m0, m1], pads, knobs)
    assert plan.phases == 8 and plan.knob_hz == 125
    assert list(plan.group_of) == [0, 0]
    for ph in range(8):
        ops = plan.ops[ph]
        assert len(ops) == 17 * 4
        targets = [ops[i + 3] for i in range(0, len(ops), 4)]
        assert sorted(t for t in targets if t < KNOB) == list(range(16))
        assert [t for t in targets if t >= KNOB] == [KNOB | ph]
        # the knob rides on the pad's channel selection: ops sorted by (group, channel)
        k = targets.index(KNOB | ph) * 4
        assert ops[k:k + 3] == bytearray([0, ph, 1]) and ops[k - 4:k - 1] == bytearray([0, ph, 0])


def test_plan_direct_inputs_and_rate_limit():
    plan = ScanPlan([], [], [(None, 0, 2)] * 4, knobs_per_scan=2)
    assert plan.phases == 2 and bytes(plan.ops[1][:4]) == bytes([DIRECT, 0, 2, KNOB | 2])
    m = Mux("4051", [1, 2, 3], 0)
    e = raises(ValueError, ScanPlan, [m], [], [(0, c % 8, 0) for c in range(12)], 1)
    assert "knob rate 83 Hz out of range 100.." in str(e)
    assert "channel 8 out of range 0..7" in str(raises(ValueError, ScanPlan, [m], [(0, 8, 0)], []))
    assert "mux type '4052'" in str(raises(ValueError, Mux, "4052", [1, 2], 0))


def _scan(mx, pressed, now):
    # hw stand-in: drive each row, read columns (active low), as wired with or without diodes
    for r in range(mx.rows):
        cols = 0
        for (pr, pc) in pressed:
            if pr == r:
                cols |= 1 << pc
        if not mx.diodes:
            # without diodes current also flows row r -> key (r, c) -> column c -> key (r2, c)
            # -> row r2 -> key (r2, c2) -> column c2: a phantom at (r, c2)
            for (r1, c1) in pressed:
                if r1 != r and cols & (1 << c1):
                    for (r2, c2) in pressed:
                        if r2 == r1:
                            cols |= 1 << c2
        mx.row(r, ~cols & ((1 << mx.cols) - 1))
    return mx.update(now)


def test_matrix_with_diodes_reads_any_chord():
    mx = KeyMatrix(4, 4)
    keys = [(0, 0), (0, 1), (1, 0)]
    assert _scan(mx, keys, 0) == 0b10011
    assert mx.state == 0b10011
    assert _scan(mx, [], 10) == 0b10011 and mx.state == 0


def test_matrix_without_diodes_ignores_the_phantom():
    mx = KeyMatrix(4, 4, diodes=False)
    _scan(mx, [(0, 0), (0, 1)], 0)
    assert mx.state == 0b11
    # third corner of the rectangle: (1, 0) pressed makes (1, 1) read pressed too
    ch = _scan(mx, [(0, 0), (0, 1), (1, 0)], 10)
    assert ch == 0 and mx.state == 0b11 and mx.ghost == 0b110011
    # keys away from the rectangle still work meanwhile
    ch = _scan(mx, [(0, 0), (0, 1), (1, 0), (3, 3)], 20)
    assert ch == 1 << 15
    # rectangle broken: the real third key is read
    ch = _scan(mx, [(0, 0), (1, 0), (3, 3)], 30)
    assert mx.state == (1 << 0) | (1 << 4) | (1 << 15) and mx.ghost == 0


def test_matrix_debounced_per_key_no_alloc():
    mx = KeyMatrix(2, 3)

    def run():
        c = 0
        for t in range(30):
            lv = 0b110 if t % 2 == 0 or t > 20 else 0b111  # key (0,0) chatters, then holds
            mx.row(0, lv)
            mx.row(1, 0b111)
            c |= mx.update(t)
        return c

    assert no_alloc0(run) == 1 and mx.state == 1
    assert "rows x cols 5 x 7" in str(raises(ValueError, KeyMatrix, 5, 7))
