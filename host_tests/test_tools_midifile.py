"""tools/midifile.py: files written here, read back by mido itself and by read_smf."""
import mido

import midifile


def h(text):
    return bytes.fromhex(text)


EVENTS = [
    (0.0, h("99 24 65")),
    (0.75, h("B0 46 40")),
    (1.0, h("F8")),                    # real-time: no SMF form, skipped
    (500.0, h("89 24 00")),
    (250.0, h("E0 00 50")),            # out of order on purpose: sorted by time
    (1000.0, h("F0 7E 7F 06 01 F7")),
    (1200.0, h("90 3C")),              # cut short: skipped
    (1500.0, h("99 24 00")),           # note on velocity 0 kept as written
]


def test_ticks_at_120_bpm_480_ppq():
    assert midifile.ms_to_ticks(0) == 0
    assert midifile.ms_to_ticks(500) == 480      # one beat
    assert midifile.ms_to_ticks(1) == 1          # 0.96 rounds to 1
    assert midifile.ms_to_ticks(0.75) == 1       # 0.72
    assert midifile.ms_to_ticks(0.5) == 0        # 0.48
    assert midifile.ms_to_ticks(1000.5) == 960   # 960.48
    assert midifile.ticks_to_ms(480) == 500.0
    try:
        midifile.ms_to_ticks(-1)
    except ValueError as e:
        assert str(e) == "t_ms: -1 is negative; times start at 0"
    else:
        raise AssertionError("negative time accepted")


def test_type0_read_by_mido(tmp_path):
    path = str(tmp_path / "rec.mid")
    assert midifile.write_smf(path, EVENTS) == 2
    mid = mido.MidiFile(path)
    assert mid.type == 0 and mid.ticks_per_beat == 480 and len(mid.tracks) == 1
    track = mid.tracks[0]
    assert track[0] == mido.MetaMessage("set_tempo", tempo=500000, time=0)
    got = [(m.time, m.bytes()) for m in track[1:] if not m.is_meta]
    assert got == [
        (0, [0x99, 0x24, 0x65]),
        (1, [0xB0, 0x46, 0x40]),
        (239, [0xE0, 0x00, 0x50]),     # 240 ticks absolute
        (240, [0x89, 0x24, 0x00]),     # 480
        (480, [0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7]),   # 960
        (480, [0x99, 0x24, 0x00]),     # 1440
    ]
    # mido's own clock agrees: seconds from ticks through the tempo event
    assert [round(m.time, 6) for m in mid if not m.is_meta] == [0.0, 0.001042, 0.248958, 0.25, 0.5, 0.5]


def test_type1_one_track_per_port_and_read_back(tmp_path):
    path = str(tmp_path / "ports.mid")
    events = [(0.0, "DIN", h("99 24 65")), (0.0, "USB", h("99 24 65")),
              (10.0, "DIN", h("89 24 00")), (12.5, "USB", h("89 24 00")), (13.0, "USB", h("FA"))]
    assert midifile.write_smf(path, events, file_type=1) == 1
    mid = mido.MidiFile(path)
    assert mid.type == 1 and len(mid.tracks) == 3
    assert [t.name for t in mid.tracks] == ["", "DIN", "USB"]
    assert midifile.read_smf(path) == [
        (0.0, "DIN", h("99 24 65")),
        (0.0, "USB", h("99 24 65")),
        (10.416666666666666, "DIN", h("89 24 00")),   # 10 ms -> 9.6 -> 10 ticks
        (12.5, "USB", h("89 24 00")),                 # 12 ticks exactly
    ]


def test_read_honours_tempo_changes(tmp_path):
    path = str(tmp_path / "tempo.mid")
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    mid.tracks.append(mido.MidiTrack([
        mido.Message("note_on", note=60, velocity=1, time=96),        # 500 ms at 120 bpm
        mido.MetaMessage("set_tempo", tempo=1000000, time=0),         # 60 bpm from here
        mido.Message("note_off", note=60, velocity=0, time=48),       # +500 ms
    ]))
    mid.save(path)
    assert midifile.read_smf(path) == [(500.0, "", h("90 3C 01")), (1000.0, "", h("80 3C 00"))]


def test_bad_arguments(tmp_path):
    for args, text in (
        (([(0.0, h("F8"))], 2), "file_type: 2; allowed 0 or 1"),
        (([(0.0,)],), "events[0]: (0.0,); expected (t_ms, message) or (t_ms, port, message)"),
    ):
        try:
            midifile.write_smf(str(tmp_path / "x.mid"), *args)
        except ValueError as e:
            assert str(e) == text
        else:
            raise AssertionError("accepted %r" % (args,))
