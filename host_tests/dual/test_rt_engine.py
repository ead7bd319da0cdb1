from dualtest import no_alloc
from midictl.engine import Engine
from rtfakes import Recorder


def _eng(**kw):
    r = Recorder()
    return Engine([r], **kw), r


def test_note_on_off_bytes_and_keys():
    e, r = _eng()
    e.note_on(9, 36, 100)
    e.note_off(9, 36, 64)
    assert r.msgs == [(b"\x99\x24\x64", 0), (b"\x89\x24\x40", 0)]


def test_note_off_as_note_on_zero():
    e, r = _eng(note_off_as_note_on=True)
    e.note_on(0, 60, 1)
    e.note_off(0, 60, 64)
    assert r.msgs[1] == (b"\x90\x3c\x00", 0)


def test_shared_note_ends_with_last_holder():
    e, r = _eng()
    e.note_on(9, 36, 100)
    e.note_on(9, 36, 90)
    e.note_off(9, 36, 64)
    assert len(r.msgs) == 2  # second Note On went out, no Note Off yet
    e.note_off(9, 36, 64)
    assert r.msgs[-1] == (b"\x89\x24\x40", 0)
    assert e.nsounding == 0


def test_note_off_for_a_note_never_sent_is_not_sent():
    e, r = _eng()
    e.note_off(3, 40, 64)
    assert r.msgs == []


def test_continuous_controllers_carry_coalescing_keys():
    e, r = _eng()
    e.cc(0, 70, 5)
    e.bend(0, 8192)
    e.channel_pressure(2, 9)
    e.poly_pressure(9, 36, 7)
    e.nrpn(1, 300, 1000)
    e.cc14(0, 1, 16383)
    e.program(0, 5)
    keys = [k for _m, k in r.msgs]
    assert keys == [(0xB0 << 7) | 70, 0xE0 << 7, 0xD2 << 7, (0xA9 << 7) | 36, (1 << 20) | (1 << 14) | 300,
                    (0xB0 << 7) | 1, 0]
    assert r.msgs[1][0] == b"\xe0\x00\x40"
    assert r.msgs[4][0] == b"\xb1\x63\x02\xb1\x62\x2c\xb1\x06\x07\xb1\x26\x68"
    assert r.msgs[5][0] == b"\xb0\x01\x7f\xb0\x21\x7f"


def _all_off(*first):
    # panic's All Notes Off: the channels played first, then the others
    return [(bytes([0xB0 | ch, 0x7B, 0]), 0) for ch in list(first) + [c for c in range(16) if c not in first]]


def test_panic_ends_exactly_the_sounding_notes_then_all_notes_off():
    e, r = _eng()
    e.note_channels = 1 << 9
    e.note_on(9, 36, 100)
    e.note_on(0, 60, 100)
    e.note_on(9, 38, 100)
    e.note_off(9, 38, 64)
    del r.msgs[:]
    e.panic()
    # then All Notes Off on every channel, those it played first: what no table holds ends too
    # (a note from before a power cut)
    assert r.msgs == [(b"\x80\x3c\x40", 0), (b"\x89\x24\x40", 0)] + _all_off(0, 9)
    assert e.nsounding == 0
    del r.msgs[:]
    e.note_off(9, 36, 64)  # the pad is released after the panic: nothing more to end
    assert r.msgs == []


def _holds(e, ch, note):
    # holders of a note, from the engine's table: its first 16 bytes are each channel's
    # row number (from 1; 0: none), then come the rows of 128 counts
    r = e.sounding[ch]
    return e.sounding[16 + (r - 1) * 128 + note] if r else 0


def test_trimmed_table_keeps_rows_for_note_channels_and_grows_for_another():
    e, r = _eng()
    e.note_channels = (1 << 9) | (1 << 2)
    e.trim(e.note_channels)
    assert len(e.sounding) == 16 + 2 * 128  # channels 3 and 10 only

    def play():
        e.note_on(9, 36, 100)
        e.note_on(9, 36, 90)  # a second holder of the same note
        e.note_on(2, 127, 5)

    e.ports = [_Null()]  # the recorder allocates: a port that keeps nothing, while locked
    no_alloc(play)  # the channels the controls play on need nothing new
    e.ports = [r]
    assert (_holds(e, 9, 36), _holds(e, 2, 127), _holds(e, 2, 36), _holds(e, 5, 36)) == (2, 1, 0, 0)
    e.note_on(5, 0, 1)  # another channel (a script's note): tracked in a row of its own
    assert len(e.sounding) == 16 + 3 * 128 and _holds(e, 5, 0) == 1 and e.nsounding == 3
    e.note_off(7, 60, 64)  # a channel never played: nothing to end, nothing added
    assert len(e.sounding) == 16 + 3 * 128
    del r.msgs[:]
    e.panic()
    assert r.msgs == [(b"\x82\x7f\x40", 0), (b"\x85\x00\x40", 0), (b"\x89\x24\x40", 0)] + _all_off(2, 5, 9)
    assert e.nsounding == 0 and bytes(e.sounding[16:]) == bytes(3 * 128)
    assert list(e.sounding[:16]) == [0, 0, 1, 0, 0, 3] + [0] * 3 + [2] + [0] * 6  # rows: 3, 10, then 6


class _Null:
    def send(self, msg, n, key):
        pass


def test_engine_hot_path_allocates_nothing():
    e = Engine([_Null(), _Null()])

    def run():
        for i in range(300):
            n = i & 127
            e.note_on(9, n, 100)
            e.cc(0, 70, n)
            e.bend(0, i * 50)
            e.note_off(9, n, 64)

    no_alloc(run)
    assert e.nsounding == 0

