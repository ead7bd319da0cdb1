"""A SysEx from the USB host longer than MIDI IN's 128-byte buffer (a patch dump from a
librarian) goes on to DIN OUT whole, in parts as it comes (midi/parser.py, din.py): nothing
but real-time bytes may go on the wire between its F0 and its F7, so the controller's own
messages wait for its end; a SysEx the host stops sending, cuts short or leaves by going
away is closed with an F7, and panic closes it too. End to end through the simulator,
exact bytes and times."""
from rel_midistream import usb_packets
from test_sim import sim

BODY = bytes((i * 7) & 0x7F for i in range(398))
DUMP = bytes([0xF0]) + BODY + bytes([0xF7])  # 400 bytes: four parts
# its first 200 bytes, no end (CIN 4 packets only)
OPENED = b"".join(bytes([0x04]) + DUMP[i:i + 3] for i in range(0, 201, 3))
PAD = [{"t": 150, "control": "pad1", "press": 0.8}, {"t": 170, "control": "pad1", "release": True}]


def _hex(b):
    return b.hex(" ").upper()


def _run(tmp_path, events, tail=300):
    lines = sim(tmp_path, {"tail_ms": tail, "events": events})
    return [ln for ln in lines if float(ln.split()[0]) >= 1]


def _usb_in(t, pkts):
    return {"t": t, "usb_in": b"".join(pkts).hex(" ")}


def test_a_dump_from_the_host_goes_whole_to_din_and_the_pads_note_waits_for_its_end(tmp_path):
    # 400 bytes (1 + 133 packets) at 100: its first part is complete in the third read (16
    # packets a scan), at 102; it takes the wire for 128 ms. The pad struck at 150 sounds
    # on USB at once, on DIN right after the F7 (230.000 = 102 + 400 x 0.32).
    assert _run(tmp_path, [_usb_in(100, usb_packets(DUMP))] + PAD) == [
        "102.000 DIN " + _hex(DUMP),
        "153.000 USB 09 99 24 59",
        "203.000 USB 08 89 24 00",
        "230.000 DIN 99 24 59",
        "230.960 DIN 89 24 00",
    ]


def test_real_time_bytes_inside_the_dump_keep_going(tmp_path):
    # a clock byte before its first part is complete goes before it; one after, inside it,
    # as soon as the part before it is on the wire (MIDI 1.0 allows real-time bytes there)
    clock = bytes.fromhex("0F F8 00 00")
    pk = usb_packets(DUMP)
    assert _run(tmp_path, [_usb_in(100, pk[:10] + [clock] + pk[10:60] + [clock] + pk[60:])]) == [
        "100.000 DIN F8",
        "102.000 DIN " + _hex(DUMP),  # (the trace gives a real-time byte inside it a line of its own)
        "142.320 DIN F8",  # after the first part's 126 bytes
    ]


def test_a_dump_the_host_stops_sending_is_closed_after_500_ms(tmp_path):
    # the host sends 200 of its bytes and no more: the first part (126) goes; the UART has
    # all of it by 135, and at 635, with nothing more come, the F7 closes it (the 74 bytes
    # of an unfinished part are dropped); the pad's note struck at 150 goes right after it
    assert _run(tmp_path, [_usb_in(100, [OPENED])] + PAD, tail=800) == [
        "102.000 DIN " + _hex(DUMP[:126]) + " F7",
        "153.000 USB 09 99 24 59",
        "203.000 USB 08 89 24 00",
        "635.320 DIN 99 24 59",
        "636.280 DIN 89 24 00",
    ]


def test_a_dump_whose_host_goes_away_is_closed_at_once(tmp_path):
    # unplugged at 120: the F7 goes after what is queued (126 bytes, to 142.32); the pad's
    # note at 150 then goes as it would with no dump
    assert _run(tmp_path, [_usb_in(100, [OPENED]), {"t": 120, "usb": "disconnected"}] + PAD) == [
        "102.000 DIN " + _hex(DUMP[:126]) + " F7",
        "153.000 DIN 99 24 59",
        "203.000 DIN 89 24 00",
    ]


def test_a_dump_the_host_cuts_short_with_a_note_is_closed_before_the_note(tmp_path):
    # a Note On in the middle of a SysEx cuts it short (MIDI 1.0): the F7 closes what went
    # of it, and the note follows at once
    assert _run(tmp_path, [{"t": 100, "usb_in": OPENED.hex(" ") + " 09 91 40 64"}]) == [
        "102.000 DIN " + _hex(DUMP[:126]) + " F7",
        "142.640 DIN 91 40 64",
    ]


def test_panic_closes_a_dump_and_its_all_notes_off_follow_what_was_queued(tmp_path):
    # panic at 120: two parts are queued (252 bytes, to 182.64): the F7 after them, then
    # panic's All Notes Off; the rest of the dump, coming after, is dropped
    assert _run(tmp_path, [_usb_in(100, usb_packets(DUMP)), {"t": 120, "control": "button4", "press": 1.0},
                           {"t": 180, "control": "button4", "release": True}]) == [
        "102.000 DIN " + _hex(DUMP[:252]) + " F7",
        "120.000 USB 0B B9 7B 00",
        "182.960 DIN B9 7B 00",
    ]
