"""A SysEx longer than MIDI IN's 128-byte buffer goes on whole, in parts as it comes
(midi/parser.py): from the USB host (a patch dump from a librarian) to DIN OUT (din.py), and
from DIN IN (a synth's dump) to USB (usbout.py) and, echoed, to DIN OUT. Nothing but
real-time bytes may go between its F0 and its F7, so on DIN OUT the controller's own
messages wait for its end, and on USB they are held back and the host then sent what it
missed; a SysEx its source stops sending, cuts short or leaves by going away is closed with
an F7, and panic closes it too. End to end through the simulator, exact bytes and times."""
import json

from rel_midistream import usb_packets
from test_sim import sim
from trace_check import all_notes_off, left_sounding, messages

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
        "152.000 USB 09 99 24 74",
        "202.000 USB 08 89 24 40",
        "230.000 DIN 99 24 74",
        "230.960 DIN 89 24 40",
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
        "152.000 USB 09 99 24 74",
        "202.000 USB 08 89 24 40",
        "635.320 DIN 99 24 74",
        "636.280 DIN 89 24 40",
    ]


def test_a_dump_whose_host_goes_away_is_closed_at_once(tmp_path):
    # unplugged at 120: the F7 goes after what is queued (126 bytes, to 142.32); the pad's
    # note at 150 then goes as it would with no dump
    assert _run(tmp_path, [_usb_in(100, [OPENED]), {"t": 120, "usb": "disconnected"}] + PAD) == [
        "102.000 DIN " + _hex(DUMP[:126]) + " F7",
        "152.000 DIN 99 24 74",
        "202.000 DIN 89 24 40",
    ]


def test_a_dump_whose_last_part_comes_with_the_part_before_it_goes_whole(tmp_path):
    # 288 bytes: two parts and 36 bytes with the F7, which come in the read that completes
    # the second part (its last packets and 12 more). DIN IN's Active Sensing (echoed) comes
    # as the first part goes: there is no room in the ring to put it inside, and it goes
    # ahead of the queue, inside the dump on the wire (a real-time byte may go anywhere), at
    # 22.56, after the dump's bytes already handed to the UART (before, after the F7 at
    # 104.16). (Before that, it went inside the ring, the host was read with the ring's room
    # short of the two parts, and the dump was closed after 252 bytes, the rest dropped.)
    dump = DUMP[:287] + b"\xf7"
    lines = _din_run(tmp_path, [_usb_in(10, usb_packets(dump)), {"t": 14, "din_in": "FE"}],
                     {"thru": {"usb_to_din": True, "din_to_din": True}})
    assert [ln for ln in lines if " DIN " in ln] == [
        "12.000 DIN " + _hex(dump),
        "22.560 DIN FE",  # (12 + 33 x 0.32: behind the dump's bytes handed to the UART)
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
    # panic's All Notes Off on each channel; the rest of the dump, coming after, is dropped
    assert _run(tmp_path, [_usb_in(100, usb_packets(DUMP)), {"t": 120, "control": "button4", "press": 1.0},
                           {"t": 180, "control": "button4", "release": True}]) == [
        "102.000 DIN " + _hex(DUMP[:252]) + " F7",
    ] + all_notes_off("USB", 120) + all_notes_off("DIN", 182.96)


# -- DIN IN's dump to USB (and echoed to DIN OUT) ------------------------------------------
def _usb_part(t, part, end=False):
    """The trace's lines for one part of a SysEx on USB: 3 bytes a packet (CIN 4), the last
    1 to 3 with CIN 5, 6, 7 when it ends the SysEx."""
    out = []
    for i in range(0, len(part), 3):
        c = part[i:i + 3]
        cin = 4 + len(c) if end and i + 3 >= len(part) else 4
        out.append("%.3f USB %02X %s" % (t, cin, _hex(c + bytes(3 - len(c)))))
    return out


def _din_run(tmp_path, events, cfg=None, tail=300):
    sc = {"tail_ms": tail, "events": events}
    if cfg is not None:
        (tmp_path / "cfg.json").write_text(json.dumps(cfg))
        sc["config"] = str(tmp_path / "cfg.json")
    return [ln for ln in sim(tmp_path, sc) if float(ln.split()[0]) >= 1]


# DIN IN's 400 bytes from 100 arrive at the wire's rate: a part each 126 bytes (40.32 ms),
# each read in the scan after it is in (141, 181, 221), the last with the F7 at 228
DIN_PARTS = (_usb_part(141, DUMP[:126]) + _usb_part(181, DUMP[126:252]) + _usb_part(221, DUMP[252:378])
             + _usb_part(228, DUMP[378:], end=True))


def test_a_dump_from_din_in_goes_whole_to_usb_and_the_pads_note_is_held_back_there(tmp_path):
    # the pad struck at 150 sounds on DIN OUT at once; on USB it would cut the dump short at
    # the host: not sent, nor its Note Off (it ended before the dump did: nothing is owed)
    assert _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP)}] + PAD) == sorted(
        DIN_PARTS + ["152.000 DIN 99 24 74", "202.000 DIN 89 24 40"], key=lambda ln: float(ln.split()[0]))


def test_after_din_ins_dump_the_host_gets_the_note_off_it_missed(tmp_path):
    # struck at 120 (on USB at 122), its Note Off at 172 falls inside the dump: held back,
    # and sent (by the ending of what the host missed) right after the dump's F7
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP)}, {"t": 120, "control": "pad1", "press": 0.8},
                                {"t": 140, "control": "pad1", "release": True}])
    assert [ln for ln in lines if " USB 04 " not in ln] == [
        "122.000 USB 09 99 24 74",
        "122.000 DIN 99 24 74",
        "172.000 DIN 89 24 40",
        "228.000 USB 05 F7 00 00",
        "228.000 USB 08 89 24 40",
    ]


def test_a_dump_din_in_stops_sending_is_closed_on_usb_after_500_ms(tmp_path):
    # 200 bytes (in by 164) and no more: the first part goes at 141; 500 ms after DIN IN's
    # last byte was read, the F7 alone (CIN 5) closes it on USB
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP[:200])}], tail=700)
    assert lines == _usb_part(141, DUMP[:126]) + ["665.000 USB 05 F7 00 00"]


def test_a_dump_din_in_cuts_short_is_closed_before_what_cut_it(tmp_path):
    # a Note On after 200 bytes of it: the F7 first, then the note
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP[:200]) + " 91 40 64"}])
    assert lines == _usb_part(141, DUMP[:126]) + ["165.000 USB 05 F7 00 00", "165.000 USB 09 91 40 64"]


def test_real_time_bytes_inside_din_ins_dump_go_to_usb_as_they_come(tmp_path):
    # a clock byte after 150 of its bytes (in by 148.32) goes at once, between the first
    # part's packets and the second's; the parts after it come 0.32 ms later (181 still,
    # then 222 and 229)
    clock = DUMP[:150] + b"\xf8" + DUMP[150:]
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(clock)}])
    assert lines == (_usb_part(141, DUMP[:126]) + ["149.000 USB 0F F8 00 00"] + _usb_part(181, DUMP[126:252])
                     + _usb_part(222, DUMP[252:378]) + _usb_part(229, DUMP[378:], end=True))


def test_din_ins_dump_echoed_to_din_out_goes_whole_there_too(tmp_path):
    # din_to_din: on DIN OUT from its first part (141), back to back
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP)}], cfg={"thru": {"din_to_din": True}})
    assert [ln for ln in lines if " DIN " in ln] == ["141.000 DIN " + _hex(DUMP)]
    assert [ln for ln in lines if " USB " in ln] == DIN_PARTS


# 1000 bytes: 320 ms on the DIN wire
LONG = bytes([0xF0]) + bytes((i * 7) & 0x7F for i in range(998)) + bytes([0xF7])


def test_a_dump_echoed_to_din_out_keeps_its_place_in_the_trace_however_long_it_takes(tmp_path):
    # On DIN OUT from its first part (141) to its F7 (461): its line, stamped 141, is complete
    # only then, after the USB lines of the parts that came meanwhile (eight, 126 bytes each
    # but the last): the simulator writes none of those before it (before, those of 262 on
    # went to the file first once its backlog of lines was full, and the trace was out of
    # time order; sim() checks it is not)
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(LONG)}], cfg={"thru": {"din_to_din": True}}, tail=400)
    assert [ln for ln in lines if " DIN " in ln] == ["141.000 DIN " + _hex(LONG)]
    at = (141, 181, 221, 262, 302, 342, 383, 420)
    assert [ln for ln in lines if " USB " in ln] == [
        ln for k, t in enumerate(at) for ln in _usb_part(t, LONG[126 * k:126 * (k + 1)], end=k == 7)]


def test_active_sensing_lost_in_the_middle_of_din_ins_dump_closes_it(tmp_path):
    # DIN IN sends Active Sensing, then 200 bytes of a dump and falls silent: 300 ms after
    # its last byte its cable counts as pulled out (before the 500 ms a stalled SysEx
    # waits): the F7 on USB then
    lines = _din_run(tmp_path, [{"t": 90, "din_in": "FE"}, {"t": 100, "din_in": _hex(DUMP[:200])}], tail=600)
    assert [ln for ln in lines if "USB 04" not in ln] == ["91.000 USB 0F FE 00 00", "465.000 USB 05 F7 00 00"]


def test_panic_closes_din_ins_dump_on_usb_and_the_rest_of_it_is_dropped(tmp_path):
    # panic at 150: the F7 alone on USB, then panic's All Notes Off on each channel, the pads'
    # first (on DIN OUT with the running status of the power-on one); DIN IN's parts after it
    # (181, 221, 228) belong to a SysEx already closed there
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP)}, {"t": 150, "control": "button4", "press": 1.0},
                                {"t": 200, "control": "button4", "release": True}])
    assert lines == _usb_part(141, DUMP[:126]) + [
        "150.000 USB 05 F7 00 00"] + all_notes_off("USB", 150) + all_notes_off("DIN", 150, running=True)


def test_a_host_back_in_the_middle_of_din_ins_dump_gets_none_of_the_rest(tmp_path):
    # unplugged at 150 and back at 200: what comes of the dump after that is not sent to it
    # (it would start with no F0)
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP)}, {"t": 150, "usb": "disconnected"},
                                {"t": 200, "usb": "connected"}])
    assert lines == _usb_part(141, DUMP[:126])


def test_a_clock_byte_inside_din_ins_dump_does_not_cut_its_echo(tmp_path):
    # DIN IN puts a clock byte in its dump right after the first part (MIDI 1.0 allows
    # real-time bytes anywhere): with the first part still in DIN OUT's SysEx ring there is
    # no room to put it inside the ring, so it goes ahead of DIN OUT's queue, inside the dump
    # on the wire after the bytes already handed to the UART (before, after the F7, at
    # 269.36), and the dump goes whole. (Before that, it was taken as DIN IN cutting its dump
    # short: closed after 126 bytes, the rest dropped.)
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(DUMP[:127] + b"\xf8" + DUMP[127:])}],
                     {"thru": {"din_to_din": True}})
    assert [ln for ln in lines if " DIN " in ln] == [
        "141.000 DIN " + _hex(DUMP),
        "150.600 DIN F8",  # (141 + 30 x 0.32: behind the dump's bytes handed to the UART)
    ]


def test_a_message_din_in_sends_right_after_its_dump_waits_for_room_at_the_host(tmp_path):
    # 377 bytes from 99.5: its last part (125 bytes, 42 packets, the F7 at 220.14) is read
    # at 221 with the Program Change after it (in by 220.78); the host is owed the Note Offs
    # of the 16 pads struck before the dump and ended during it, and the 8 knobs turned
    # meanwhile: the part and those fill its buffer (64 packets), the last two knobs go
    # at 222, as it reads. The Program Change and the Note On after it wait in the read
    # buffer until the host has room and is owed nothing (223), and both go. (Before, the
    # Program Change found the buffer full and was dropped for the host.)
    dump = bytes([0xF0]) + BODY[:375] + bytes([0xF7])
    events = [{"t": 99.5, "din_in": _hex(dump + bytes((0xC1, 0x05, 0x91, 0x40, 0x64)))}]
    events += [{"t": 103 + 2 * k, "control": "pad%d" % (k + 1), "press": 0.8} for k in range(16)]
    events += [{"t": 150 + k, "control": "knob%d" % (k + 1), "position": 0.9, "ramp_ms": 20} for k in range(8)]
    lines = _din_run(tmp_path, sorted(events, key=lambda e: e["t"]))
    after = [ln for ln in lines if float(ln.split()[0]) >= 221 and " USB " in ln]
    assert after[:41] == _usb_part(221, dump[252:])[:41]
    assert after[41:42 + 16 + 8 + 2] == (
        _usb_part(221, dump[252:], end=True)[41:]
        + ["221.000 USB 08 89 %02X 40" % n for n in range(0x24, 0x34)]  # the pads' Note Offs
        + ["221.000 USB 0B B0 %02X 71" % c for c in range(0x46, 0x4C)]  # the knobs' values
        + ["222.000 USB 0B B0 4C 71", "222.000 USB 0B B0 4D 71",
           "223.000 USB 0C C1 05 00", "223.000 USB 09 91 40 64"])


def test_a_dump_din_in_starts_while_the_hosts_buffer_is_full_waits_for_room_and_goes_whole(tmp_path):
    # DIN IN's 40 notes reach the host, then end while it is away (145 to 239.5): back, it is
    # sent their 40 Note Offs (240), 24 still in its buffer when DIN IN's dump from 200 has
    # its first part (in by 240.32): no room for its 42 packets at 241, so the bytes wait in
    # the read buffer until the host has read some more, and the dump goes whole from 242.
    # (Before, that part found the buffer full: the whole dump was lost to the host.)
    ons = b"".join(bytes((0x92, 0x20 + i, 0x64)) for i in range(40))
    offs = b"".join(bytes((0x82, 0x20 + i, 0x40)) for i in range(40))
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(ons)}, {"t": 145, "usb": "disconnected"},
                                {"t": 150, "din_in": _hex(offs)}, {"t": 200, "din_in": _hex(DUMP)},
                                {"t": 239.5, "usb": "connected"}])
    assert [ln for ln in lines if float(ln.split()[0]) >= 200] == (
        ["240.000 USB 08 82 %02X 40" % (0x20 + i) for i in range(40)]
        + _usb_part(242, DUMP[:126]) + _usb_part(281, DUMP[126:252]) + _usb_part(321, DUMP[252:378])
        + _usb_part(328, DUMP[378:], end=True))


def test_a_dump_a_host_left_unfinished_when_it_went_is_closed_after_its_last_byte(tmp_path):
    # The host sends a 150-byte dump at 100 and the start of a 400-byte one at 101, then is
    # unplugged at 110. The first goes whole to DIN OUT from 102 (the host's reads wait
    # while its first part fills DIN OUT's SysEx ring); 64 packets of the second were in the
    # port's RX buffer, unread, when the host went: they are read as DIN OUT has room, its
    # first part goes from 150, and with the last of them read, the host's ending: the dump
    # closed with its F7 at once. The pad struck at 150 sounds after it (190.64). (Before,
    # the ending came when the host was seen gone, with that dump not yet begun there: opened
    # after, it held the wire until the stall closed it, 500 ms later: the pad's note at 683.)
    d1 = bytes([0xF0]) + BODY[:148] + bytes([0xF7])
    d2 = bytes([0xF0]) + bytes((i * 5) & 0x7F for i in range(398)) + bytes([0xF7])
    lines = _din_run(tmp_path, [_usb_in(100, usb_packets(d1)), _usb_in(101, usb_packets(d2)),
                                {"t": 110, "usb": "disconnected"}, {"t": 150, "control": "pad1", "press": 0.8}],
                     tail=600)
    assert [ln for ln in lines if " DIN " in ln] == [
        "102.000 DIN " + _hex(d1), "150.000 DIN " + _hex(d2[:126] + b"\xf7"),
        "190.640 DIN 99 24 74", "202.000 DIN 89 24 40"]


def test_a_dump_from_the_host_goes_whole_while_din_ins_echo_queues_behind_it(tmp_path):
    # The host's 1000 bytes from 100 (on DIN OUT 102 to 422) while DIN IN, echoed, sends a
    # CC every ms from 105 to 404 (CC 20, 21, 22 in turn, values 0..127): all of those wait
    # behind the dump. The echo gives way while less than 448 bytes of the 1 KB queue are
    # free (the marker and 144 CCs of 4 bytes), so that the host's reads (256 free) go on and
    # the dump with them; once its last part is read (at 351), at 192 as usual: from the
    # 247th CC on it is queued again. Before, the CCs stopped the host's reads, the dump
    # waited 500 ms for the rest and was closed at 757 bytes, and the CCs went at 837.
    cc = ["B0 %02X %02X" % (20 + (k >> 7), k & 127) for k in range(300)]
    lines = _din_run(tmp_path, [_usb_in(100, usb_packets(LONG))] + [
        {"t": 105 + k, "din_in": m} for k, m in enumerate(cc)], cfg={"thru": {"usb_to_din": True, "din_to_din": True}})
    kept = list(range(144)) + list(range(246, 300))
    assert [ln for ln in lines if " DIN " in ln] == ["102.000 DIN " + _hex(LONG), "422.000 DIN " + cc[0]] + [
        "%.3f DIN %s" % (422.96 + 0.64 * (i - 1), cc[k][3:]) for i, k in enumerate(kept) if i]


def _hits(n):
    # n pad hits from 110 ms, one every 1.5 ms (each pad every 24 ms), each 1 ms long
    return [e for i in range(n) for e in ({"t": 110 + 1.5 * i, "control": "pad%d" % (i % 16 + 1), "press": 0.8},
                                          {"t": 111 + 1.5 * i, "control": "pad%d" % (i % 16 + 1), "release": True})]


def _back_to_back(t, msgs):
    # DIN OUT's lines for msgs sent back to back from t ms (running status: a repeated
    # status is left out)
    out, last = [], None
    for m in msgs:
        out.append("%.3f DIN %s" % (t, _hex(m[1:] if m[0] == last else m)))
        t += 0.32 * (2 if m[0] == last else 3)
        last = m[0]
    return out


def test_a_dump_from_the_host_goes_whole_while_the_pads_fill_the_queue_behind_it(tmp_path):
    # 100 pad hits (each pad every 24 ms) while the host's 1000 bytes take DIN OUT (102 to
    # 422): their 200 notes fill 800 of the queue's 1024 bytes behind the dump. The host's
    # reads go on as the queue fills (fewer packets a read: what may follow the dump's end
    # must fit), so the dump goes whole, and the notes right after it, back to back, as USB
    # had them. Before, the reads stopped once less than 256 bytes were free: the dump
    # stalled, was closed at 631 bytes 500 ms later, and the notes waited till 796.
    events = [_usb_in(100, usb_packets(LONG))]
    lines = _din_run(tmp_path, sorted(events + _hits(100), key=lambda e: e["t"]), tail=400)
    want = ["102.000 DIN " + _hex(LONG)] + _back_to_back(422.0, [m for _t, m in messages(lines, "USB")])
    assert len(want) == 201
    assert [ln for ln in lines if " DIN " in ln] == want


def test_a_dump_from_the_host_is_closed_once_the_pads_fill_the_queue_behind_it(tmp_path):
    # 160 hits in 240 ms: 320 notes, more than the queue holds behind the dump. The first
    # that finds no room for it closes the dump (756 of its bytes and an F7, the wire's at
    # 344.24), so the notes go from then on. Those that found no room are dropped: Note Ons
    # once less than 128 bytes would be left, kept for the Note Offs of notes DIN OUT has
    # (those of notes it never had are dropped with them), so nothing is left sounding.
    # Before, the dump stalled and was closed 500 ms later, 631 bytes long, the notes
    # waited till 796 and 65 of them were dropped.
    events = [_usb_in(100, usb_packets(LONG))]
    lines = _din_run(tmp_path, sorted(events + _hits(160), key=lambda e: e["t"]), tail=400)
    din = [ln for ln in lines if " DIN " in ln]
    assert din[:2] == ["102.000 DIN " + _hex(LONG[:756]) + " F7", "344.240 DIN 99 24 74"]
    went, usb = messages(lines, "DIN")[1:], messages(lines, "USB")
    assert (len(went), len(usb), left_sounding(went)) == (256, 320, set())
    i = 0
    for _t, m in went:  # each one USB had, in USB's order
        while usb[i][1] != m:
            i += 1
        i += 1


def test_real_time_bytes_inside_a_stalled_dump_do_not_hold_it_open(tmp_path):
    # As above, with DIN IN's Active Sensing echoed every 100 ms: each FE goes inside the
    # open dump, and the dump is still closed at 635 (500 ms after the UART had the last of
    # its bytes). Before, each FE restarted the wait: closed at 1202, after the sixth FE.
    sensing = [{"t": 200 + 100 * k, "din_in": "FE"} for k in range(6)]
    lines = _din_run(tmp_path, sorted([_usb_in(100, [OPENED])] + PAD + sensing, key=lambda e: e["t"]),
                     cfg={"thru": {"din_to_din": True}}, tail=800)
    assert [ln for ln in lines if " DIN " in ln] == ["102.000 DIN " + _hex(DUMP[:126]) + " F7"] + [
        "%d.000 DIN FE" % (201 + 100 * k) for k in range(5)] + [
        "635.320 DIN 99 24 74", "636.280 DIN 89 24 40", "701.000 DIN FE"]


def test_the_controllers_own_active_sensing_goes_inside_a_stalled_dump(tmp_path):
    # din.active_sensing: the host's dump stalls after 201 bytes (on the wire until 142.32);
    # 250 ms later DIN OUT's FE goes inside it (a real-time byte: MIDI 1.0 allows it there),
    # so a receiver watching for it does not take the silence for a pulled cable; the dump is
    # still closed at 635 (the FE does not count as more of it), and the next FE comes 250 ms
    # after pad1's Note Off left the wire (637.24)
    lines = _din_run(tmp_path, sorted([_usb_in(100, [OPENED])] + PAD, key=lambda e: e["t"]),
                     cfg={"din": {"active_sensing": True}}, tail=800)
    assert [ln for ln in lines if " DIN " in ln] == ["102.000 DIN " + _hex(DUMP[:126]) + " F7", "393.000 DIN FE",
                                                     "635.320 DIN 99 24 74", "636.280 DIN 89 24 40", "888.000 DIN FE"]


def test_a_dump_from_the_host_goes_on_while_the_queue_behind_it_has_only_the_room_kept_for_note_offs(tmp_path):
    # 116 hits (232 notes, 928 bytes) behind the host's dump, and the host's own note right
    # after its F7: the queue's last 128 bytes are kept for Note Offs, so from about 95 free
    # bytes on, a read that could bring the host's note must wait; the dump's own packets
    # are still read, one a scan (its bytes go to its ring, nothing after them: 3 bytes a
    # ms, the wire takes 3.125, so its end reaches the wire at 428.76, not 422), so it goes
    # whole and the host's note after it, behind the pads' notes. Before, the read of the
    # dump's last part brought the host's Note On too and it was dropped for want of room (in
    # between, the dump stalled and was closed at 757 bytes 500 ms later).
    events = [_usb_in(100, usb_packets(LONG) + usb_packets(bytes.fromhex("91 3C 64"))),
              _usb_in(600, usb_packets(bytes.fromhex("81 3C 40")))]
    lines = _din_run(tmp_path, sorted(events + _hits(116), key=lambda e: e["t"]), tail=400)
    want = ["102.000 DIN " + _hex(LONG)] + _back_to_back(428.76, [m for _t, m in messages(lines, "USB")] + [
        bytes.fromhex("91 3C 64"), bytes.fromhex("81 3C 40")])
    assert len(want) == 235
    assert [ln for ln in lines if " DIN " in ln] == want


def test_a_dump_from_the_host_waits_for_din_ins_echoed_dump_to_end_and_goes_whole_after_it(tmp_path):
    # DIN IN's 1000 bytes from 100, echoed (din_to_din): on DIN OUT from 141 to its F7 at
    # 461.080 (its parts come at the wire's own pace: gaps of 80 us in all between them,
    # where a host's Note On queued behind it goes too). The host's 400 bytes come at 150:
    # its first packet, F0, waits in the host's buffer (the USB stack NAKs the rest) until
    # DIN IN's last part, with the F7, is read at 420; then read at 16 packets a scan, its
    # first part is complete at 422 and the dump goes on DIN OUT right after DIN IN's,
    # whole. Before, DIN OUT had room for one SysEx in parts at a time and the host's was
    # dropped there. (A host's dump that starts first still has DIN IN's echo dropped: DIN
    # IN cannot be held back, and its dump has no room to wait in.)
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(LONG)}, _usb_in(150, usb_packets(DUMP))],
                     cfg={"thru": {"din_to_din": True}}, tail=700)
    assert [ln for ln in lines if " DIN " in ln] == ["141.000 DIN " + _hex(LONG), "461.080 DIN " + _hex(DUMP)]


def test_a_dump_the_host_began_just_before_din_ins_echo_opened_waits_for_it_too(tmp_path):
    # The host's dump at 140: its first 16 packets read then, a part of it in the parser, none
    # passed on yet, when DIN IN's first part opens DIN IN's echo at 141 (DIN IN is read
    # first in a scan). The rest of the host's waits for DIN IN's F7 (read at 420) and the
    # dump goes whole right after DIN IN's. Before, the read went on and the host's first
    # part, complete at 142, was dropped on DIN OUT, and the dump with it (found by fuzzing
    # dumps from both sides).
    lines = _din_run(tmp_path, [{"t": 100, "din_in": _hex(LONG)}, _usb_in(140, usb_packets(DUMP))],
                     cfg={"thru": {"din_to_din": True}}, tail=700)
    assert [ln for ln in lines if " DIN " in ln] == ["141.000 DIN " + _hex(LONG), "461.080 DIN " + _hex(DUMP)]
