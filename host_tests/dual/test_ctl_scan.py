from dualtest import no_alloc, raises

from midictl.controls.matrix import KeyMatrix
from midictl.controls.mux import Mux
from midictl.scanplan import ScanPlan


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


def _pico():
    import json

    try:
        f = open("boards/pico.json")
    except OSError:
        f = open("../../boards/pico.json")
    with f:
        return json.loads(f.read())


def test_pico_reference_plan_pads_every_scan_knobs_round_robin():
    plan = ScanPlan(_pico(), slow_per_scan=2)
    # 8 knobs + the stick, two per scan: 5 phases, each read at 200 Hz; pads at indexes 0..15
    assert plan.phases == 5 and plan.slow_hz == 200 and plan.npads == 16
    assert plan.index["pad1"] == 0 and plan.index["pad16"] == 15
    assert plan.index["bend"] == 16 and plan.index["knob1"] == 17 and plan.index["knob8"] == 24
    assert plan.groups == [[10, 11, 12, 13]]
    seen = []
    for ph in range(5):
        entries = range(plan.start[ph], plan.end[ph])
        dests = [plan.dest[j] for j in entries]
        assert sorted(d for d in dests if d < 16) == list(range(16))
        slow = [d for d in dests if d >= 16]
        assert slow == sorted(plan.slow_in[ph]) or sorted(slow) == sorted(plan.slow_in[ph])
        seen += slow
        # a knob on m1 rides on the pad's channel selection: the entry right before it is
        # the pad with the same select value on the same bus
        for j in entries:
            if plan.dest[j] >= 17:
                assert plan.select[j - 1] == plan.select[j] and plan.group[j - 1] == plan.group[j]
    assert sorted(seen) == list(range(16, 25))
    s, c = plan.masks(0, 5)
    assert s == (1 << 10) | (1 << 12) and c == (1 << 11) | (1 << 13)


def test_plan_direct_inputs_and_rate_limit():
    board = {"board": "t", "muxes": {"m": {"type": "4051", "select": [1, 2, 3], "adc": 0}},
             "controls": {"knob%d" % (k + 1): {"kind": "pot", "mux": "m", "channel": k % 8} for k in range(12)}}
    e = raises(ValueError, ScanPlan, board, 1)
    assert "knob rate 83 Hz out of range 100.." in str(e)
    board["controls"] = {"knob1": {"kind": "pot", "mux": "m", "channel": 8}}
    assert "knob1: mux channel 8 out of range 0..7" in str(raises(ValueError, ScanPlan, board, 1))
    direct = {"board": "t", "controls": {"bend": {"kind": "stick", "adc": 2}}}
    plan = ScanPlan(direct, 1)
    assert plan.phases == 1 and plan.group[0] == 0xFFFF and plan.adc[0] == 2
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

    assert no_alloc(run) == 1 and mx.state == 1
    assert "rows x cols 5 x 7" in str(raises(ValueError, KeyMatrix, 5, 7))
