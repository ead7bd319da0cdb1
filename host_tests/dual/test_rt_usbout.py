from dualtest import no_alloc
from midictl.engine import Engine
from midictl.usbout import UsbOut
from rtfakes import Itf


def _setup(size=64, open_=True):
    itf = Itf(size, open_)
    eng = Engine([])
    usb = UsbOut(itf, eng)
    eng.ports.append(usb)
    usb.service()
    return itf, eng, usb


def test_one_packet_per_message():
    itf, eng, usb = _setup()
    eng.note_on(9, 36, 100)
    eng.cc(0, 70, 5)
    eng.bend(0, 16383)
    itf.host_reads()
    assert itf.sent == [b"\x09\x99\x24\x64", b"\x0b\xb0\x46\x05", b"\x0e\xe0\x7f\x7f"]


def test_host_absent_drops_instead_of_queueing():
    itf, eng, usb = _setup(open_=False)
    eng.note_on(9, 36, 100)
    assert itf.n == 0 and usb.dropped == 1


def test_host_not_reading_drops_for_this_port_only():
    itf, eng, usb = _setup(size=8)
    for n in range(5):
        eng.note_on(0, 60 + n, 100)
    assert usb.sent == 2 and usb.dropped == 3


def test_host_that_stops_reading_is_sent_the_note_offs_it_missed_once_it_has_read():
    itf, eng, usb = _setup(size=12)  # three packets
    eng.note_channels = 1 << 9
    itf.tx_busy = True  # a transfer in flight the host does not take
    eng.note_on(9, 36, 100)
    eng.note_on(9, 38, 100)
    eng.note_on(9, 40, 100)  # the buffer is full
    eng.note_off(9, 36, 64)  # dropped
    eng.note_off(9, 40, 64)  # dropped
    no_alloc(usb.service)  # nothing while the transfer is in flight
    assert (usb.sent, usb.dropped, itf.n) == (3, 2, 12)
    itf.host_reads()  # it reads again, all it had: no transfer in flight
    itf.tx_busy = False
    no_alloc(usb.service)
    itf.host_reads()
    # the Note Offs it missed; 38 is still held; and nothing more once they are out
    assert itf.sent == [b"\x09\x99\x24\x64", b"\x09\x99\x26\x64", b"\x09\x99\x28\x64",
                        b"\x08\x89\x24\x40", b"\x08\x89\x28\x40"]
    usb.service()
    itf.host_reads()
    assert len(itf.sent) == 5 and usb.reconnects == 1


def test_host_returning_is_left_with_nothing_sounding():
    itf, eng, usb = _setup()
    eng.note_channels = 1 << 9
    eng.note_on(9, 36, 100)  # reaches the host
    eng.note_on(9, 38, 100)  # reaches the host, still held when it comes back
    itf.host_reads()
    itf.up = False
    usb.service()
    eng.note_off(9, 36, 64)  # lost: the host is away
    eng.note_on(9, 40, 90)  # lost too
    eng.note_off(9, 40, 64)
    itf.up = True
    usb.service()
    assert itf.discards == 0  # stale data is the interface's to drop (MidiPort.on_open)
    itf.host_reads()
    # exactly the note the host missed the end of; 38 is still held, 40 never reached it
    assert itf.sent[2:] == [b"\x08\x89\x24\x40"]
    assert usb.reconnects == 2


def test_host_returning_gets_the_modulation_and_pressure_it_missed():
    itf, eng, usb = _setup()
    usb.send(bytearray(b"\xb0\x01\x64"), 3, 0)  # modulation and pressure reach the host
    usb.send(bytearray(b"\xd1\x32"), 2, 0)
    itf.host_reads()
    itf.up = False
    usb.service()
    usb.send(bytearray(b"\xb0\x01\x1e"), 3, 0)  # lost: the host is away
    usb.send(bytearray(b"\xd1\x00"), 2, 0)
    usb.send(bytearray(b"\xb0\x07\x5a"), 3, 0)  # (a volume: not owed, it holds no sound)
    usb.send(bytearray(b"\xb3\x01\x05"), 3, 0)
    itf.up = True
    usb.service()
    itf.host_reads()
    # each as it is now, modulation's channels first, then pressure's; pressure packets 2 bytes
    assert itf.sent[2:] == [b"\x0b\xb0\x01\x1e", b"\x0b\xb3\x01\x05", b"\x0d\xd1\x00\x00"]
    itf.up = False
    usb.service()
    itf.up = True
    usb.service()
    itf.host_reads()
    assert len(itf.sent) == 5  # nothing owed the next time


def _knobs(eng, usb):
    # a cc, a 14-bit cc, an nrpn knob; one on modulation and one on pressure (tracked by the
    # port's table: not among its knobs); a shift layer's cc knob; a cc knob left alone
    from midictl.build import _usb_knobs
    from midictl.controls.knob import Knob
    from midictl.controls.modes import LayerSink, Modes

    modes = Modes()
    shift = LayerSink(eng, modes, True)
    ks = [Knob(eng, 0, 74), Knob(eng, 1, 2, "cc14"), Knob(eng, 2, 300, "nrpn"), Knob(eng, 0, 1),
          Knob(eng, 0, 0, "channel_pressure"), Knob(shift, 0, 75), Knob(eng, 0, 76)]
    _usb_knobs(usb, ks)
    return ks, modes


def _port():
    itf = Itf(64, False)
    eng = Engine([])
    usb = UsbOut(itf, eng)
    eng.ports.append(usb)
    return itf, eng, usb


def test_host_returning_gets_the_knob_values_it_missed():
    itf, eng, usb = _port()
    (a, b, c, mod, prs, sh, still), modes = ks, modes = _knobs(eng, usb)
    assert usb.knobs == (a, b, c, sh, still)
    for k in ks:
        k.value = 5  # primed before the host first comes (report_pots_at_boot off): nothing sent
    itf.up = True
    usb.service()
    itf.host_reads()
    assert itf.sent == []
    for k in ks:
        k._send(10)  # all reach the host (the shift layer's knob: nowhere, its layer is off)
    itf.host_reads()
    del itf.sent[:]
    itf.up = False
    usb.service()
    a._send(80)  # lost: the host is away
    b._send(1000)
    c._send(5000)
    mod._send(30)
    prs._send(40)
    still._send(20)  # turned and back where it was: the host missed it all the same
    still._send(10)
    modes.shift = True
    sh._send(99)  # lost too, and its layer is off again when the host comes back
    modes.shift = False
    sh.value = 50  # the pot moved on meanwhile, its layer off: nothing sent (LayerSink)
    itf.up = True
    usb.service()
    itf.host_reads()
    # modulation and pressure first (the table's), then each knob whose message was dropped,
    # as it is now, in its own message: the 14-bit one MSB then LSB, the nrpn one its
    # parameter and value; the shift layer's as it last sent (what DIN OUT has of it)
    assert itf.sent == [b"\x0b\xb0\x01\x1e", b"\x0d\xd0\x28\x00", b"\x0b\xb0\x4a\x50",
                        b"\x0b\xb1\x02\x07", b"\x0b\xb1\x22\x68", b"\x0b\xb2\x63\x02",
                        b"\x0b\xb2\x62\x2c", b"\x0b\xb2\x06\x27", b"\x0b\xb2\x26\x08",
                        b"\x0b\xb0\x4b\x63", b"\x0b\xb0\x4c\x0a"]
    assert eng.params[16 + 2] == 3  # the host has the nrpn knob's parameter selected
    itf.up = False
    usb.service()
    itf.up = True
    usb.service()
    itf.host_reads()
    assert len(itf.sent) == 11  # nothing dropped the next time: nothing sent


def test_knob_values_wait_for_room_and_a_late_first_host_gets_the_reports():
    itf, eng, usb = _port()
    itf.buf = bytearray(20)  # five packets
    (a, b, c, mod, prs, sh, still), modes = _knobs(eng, usb)
    a._send(80)  # report_pots_at_boot: each knob reports once primed; these before the host came
    b._send(1000)
    c._send(5000)
    itf.up = True
    usb.service()  # a, b's two, the nrpn's first two: the buffer is full, the rest waits
    itf.host_reads()
    usb.service()  # the nrpn knob again from its start
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb0\x4a\x50", b"\x0b\xb1\x02\x07", b"\x0b\xb1\x22\x68",
                        b"\x0b\xb2\x63\x02", b"\x0b\xb2\x62\x2c", b"\x0b\xb2\x63\x02",
                        b"\x0b\xb2\x62\x2c", b"\x0b\xb2\x06\x27", b"\x0b\xb2\x26\x08"]
    assert usb._was_open is True


def test_a_knob_value_delivered_after_one_dropped_leaves_nothing_owed():
    itf, eng, usb = _port()
    itf.buf = bytearray(4)  # one packet
    (a, b, c, mod, prs, sh, still), modes = _knobs(eng, usb)
    itf.up = True
    usb.service()
    a._send(10)
    a._send(11)  # dropped: the host has not read yet
    itf.host_reads()
    a._send(12)  # delivered: the host has the latest, 11 is owed no more
    itf.host_reads()
    itf.up = False
    usb.service()
    itf.up = True
    usb.service()  # (a catch-up: nothing of the knob's)
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb0\x4a\x0a", b"\x0b\xb0\x4a\x0c"]


def test_a_program_delivered_after_one_dropped_leaves_nothing_owed():
    itf, eng, usb = _port()
    itf.buf = bytearray(4)  # one packet
    (tog, mom, ped, same, banked, plain), modes = _buttons(eng, usb)
    itf.up = True
    usb.service()
    plain.step(1)
    plain.step(1)  # dropped: the host has not read yet
    itf.host_reads()
    plain.step(1)  # delivered: program 3 is the host's, 2 is owed no more
    itf.host_reads()
    itf.up = False
    usb.service()
    itf.up = True
    usb.service()
    itf.host_reads()
    assert itf.sent == [b"\x0c\xc3\x01\x00", b"\x0c\xc3\x03\x00"]


def test_a_knob_turned_while_din_ins_sysex_passes_is_sent_after_its_end():
    itf, eng, usb = _port()
    (a, b, c, mod, prs, sh, still), modes = _knobs(eng, usb)
    itf.up = True
    usb.service()
    a._send(10)
    still._send(20)
    usb.sx_put(bytearray(b"\xf0\x7d\x01"), 3)
    a._send(11)  # dropped: it would land inside the SysEx
    usb.sx_put(bytearray(b"\x02\xf7"), 2)
    usb.sx_put(bytearray(b"\xf0\x7d\x03"), 3)  # one during which no knob moves
    usb.sx_put(bytearray(b"\xf7"), 1)
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb0\x4a\x0a", b"\x0b\xb0\x4c\x14", b"\x04\xf0\x7d\x01",
                        b"\x06\x02\xf7\x00", b"\x0b\xb0\x4a\x0b", b"\x04\xf0\x7d\x03",
                        b"\x05\xf7\x00\x00"]


def _buttons(eng, usb):
    # a CC toggle with a shift layer on another controller, a momentary one, a toggle on the
    # sustain pedal (tracked by the port's table: not among them), a toggle whose shift layer
    # sends what its main layer does; a channel's programs with a bank, another's without
    from midictl.build import _usb_knobs
    from midictl.controls.layered import CCButton
    from midictl.controls.modes import Modes
    from midictl.controls.program import Programs

    modes = Modes()
    tog = CCButton(eng, 0, 80, 127, 0, True, modes, (1, 81))
    mom = CCButton(eng, 0, 82, 100, 10, False, modes)
    ped = CCButton(eng, 0, 64, 127, 0, True, modes)
    same = CCButton(eng, 0, 83, 127, 0, True, modes, (0, 83))
    banked = Programs(eng, 2, bank=300)
    plain = Programs(eng, 3)
    # each with the key it sends with (build_controls gives a CC button one per layer, the
    # shift layer's unless it is the main layer's)
    _usb_knobs(usb, [], [(tog, 0xB0 << 7 | 80), (tog, 0xB1 << 7 | 81), (mom, 0xB0 << 7 | 82),
                         (ped, 0xB0 << 7 | 64), (same, 0xB0 << 7 | 83), (banked, 0xC2 << 7), (plain, 0xC3 << 7)])
    return (tog, mom, ped, same, banked, plain), modes


def test_host_returning_gets_the_cc_buttons_and_programs_it_missed():
    itf, eng, usb = _port()
    (tog, mom, ped, same, banked, plain), modes = _buttons(eng, usb)
    assert usb.knobs == (tog, tog, mom, same, banked, plain)
    assert list(usb.knob_keys) == [0xB0 << 7 | 80, 0xB1 << 7 | 81, 0xB0 << 7 | 82, 0xB0 << 7 | 83,
                                   0xC2 << 7, 0xC3 << 7]
    itf.up = True
    usb.service()
    mom.press()  # held down as the host leaves
    same.press()
    itf.host_reads()
    del itf.sent[:]
    itf.up = False
    usb.service()
    tog.press()  # lost: the host is away
    modes.shift = True
    tog.press()  # its shift layer's
    same.press()  # 83 off, from the shift layer (its own latch there was off: now on)
    same.press()  # and off again there: the host last had 127 from the main layer
    modes.shift = False
    mom.release()  # the host still has it held
    banked.select(12)
    plain.step(1)
    plain.step(1)
    itf.up = True
    no_alloc(usb.service)  # (the scan loop runs it: it allocates nothing)
    itf.host_reads()
    # each in its own message, as DIN OUT had it last: the toggle in both layers, the
    # momentary one let go, 83 as its shift layer last set it, the programs (the bank's Bank
    # Select first)
    assert itf.sent == [b"\x0b\xb0\x50\x7f", b"\x0b\xb1\x51\x7f", b"\x0b\xb0\x52\x0a",
                        b"\x0b\xb0\x53\x00", b"\x0b\xb2\x00\x02", b"\x0b\xb2\x20\x2c",
                        b"\x0c\xc2\x0c\x00", b"\x0c\xc3\x02\x00"]
    itf.up = False
    usb.service()
    ped.press()  # the pedal's: the port's table has it (_resync_pedals), sent first
    itf.up = True
    usb.service()
    itf.host_reads()
    assert itf.sent[8:] == [b"\x0b\xb0\x40\x7f"]


def test_a_program_waits_for_din_ins_sysex_to_end_and_for_room():
    itf, eng, usb = _port()
    itf.buf = bytearray(12)  # three packets
    (tog, mom, ped, same, banked, plain), modes = _buttons(eng, usb)
    itf.up = True
    usb.service()
    banked.select(5, 129)  # reaches the host
    itf.host_reads()
    usb.sx_put(bytearray(b"\xf0\x7d\x01"), 3)  # DIN IN's SysEx passing
    banked.select(6)  # dropped: it would land inside the SysEx
    end = bytearray(b"\x02\xf7")
    no_alloc(lambda: usb.sx_put(end, 2))  # its end: the program, as far as there is room
    itf.host_reads()
    usb.service()  # the rest, from the program's Bank Select
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb2\x00\x01", b"\x0b\xb2\x20\x01", b"\x0c\xc2\x05\x00",
                        b"\x04\xf0\x7d\x01", b"\x06\x02\xf7\x00", b"\x0b\xb2\x00\x01",
                        b"\x0b\xb2\x00\x01", b"\x0b\xb2\x20\x01", b"\x0c\xc2\x06\x00"]
    assert usb._was_open is True


def test_first_connection_sends_all_notes_off_on_note_channels():
    itf = Itf(64, False)
    eng = Engine([])
    eng.note_channels = (1 << 9) | 1
    usb = UsbOut(itf, eng)
    usb.service()
    itf.up = True
    usb.service()
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb0\x7b\x00", b"\x0b\xb9\x7b\x00"]


def test_sysex_packets():
    itf, eng, usb = _setup()
    msg = bytearray(b"\xf0\x7e\x7f\x06\x01\xf7")
    usb.send(msg, len(msg), 0)
    itf.host_reads()
    assert itf.sent == [b"\x04\xf0\x7e\x7f", b"\x07\x06\x01\xf7"]


def test_send_allocates_nothing():
    itf, eng, usb = _setup(size=4096)

    def run():
        for i in range(200):
            eng.note_on(9, i & 127, 100)
            eng.note_off(9, i & 127, 64)
            itf.n = 0
        usb.service()

    no_alloc(run)
    assert usb.sent == 400


def _missed(usb, itf, count):
    # `count` notes over 8 channels reach the host (DIN IN passed through: the engine holds
    # none of them), then the host leaves and their Note Offs are lost
    msg = bytearray(3)
    for k in range(count):
        msg[0] = 0x90 | (k & 7)
        msg[1] = 30 + (k >> 3)
        msg[2] = 100
        usb.send(msg, 3, 0)
        if itf.n == len(itf.buf):
            itf.host_reads()
    itf.host_reads()
    itf.up = False
    usb.service()
    itf.sent = []


def _offs(count):
    # the Note Offs the host is owed, in order of channel, then note
    out = []
    for ch in range(8):
        for k in range(ch, count, 8):
            out.append(bytes((0x08, 0x80 | ch, 30 + (k >> 3), 0x40)))
    return out


def test_host_back_owed_more_note_offs_than_the_buffer_holds_gets_them_all():
    # 80 missed Note Offs, a TX buffer of 64 packets (MidiPort's): what does not fit waits
    # for the host to drain the buffer, and is neither dropped nor counted as dropped
    itf, eng, usb = _setup(size=256)
    _missed(usb, itf, 80)
    dropped, sent = usb.dropped, usb.sent
    itf.up = True
    no_alloc(usb.service)
    assert itf.n == 256 and usb._was_open is None  # back, but still owed: the scan loop
    assert itf.up != usb._was_open  # keeps calling service() (its inline test)
    no_alloc(usb.service)  # the host has not read: nothing more fits, nothing is lost
    assert itf.n == 256 and usb.dropped == dropped
    itf.host_reads()
    no_alloc(usb.service)
    assert itf.n == 64 and usb._was_open is True
    itf.host_reads()
    assert itf.sent == _offs(80)
    assert usb.dropped == dropped and usb.sent == sent + 80 and usb.reconnects == 2
    assert not any(usb.sounding)
    usb.service()  # all out: nothing more to send
    itf.host_reads()
    assert len(itf.sent) == 80


def test_host_back_owed_200_note_offs_gets_them_as_the_host_reads():
    # the host reads 16 packets at a time (one full-speed transfer): 64 Note Offs go at
    # once, then 16 per read, in order
    itf, eng, usb = _setup(size=256)
    _missed(usb, itf, 200)
    itf.up = True
    got = []
    calls = 0
    while usb._was_open is not True:
        usb.service()
        calls += 1
        got.append(itf.n // 4)
        for i in range(0, min(itf.n, 64), 4):  # the host takes one packet's worth
            itf.sent.append(bytes(itf.buf[i:i + 4]))
        k = min(itf.n, 64)
        itf.buf[:itf.n - k] = itf.buf[k:itf.n]
        itf.n -= k
    itf.host_reads()
    assert got == [64] * 9 + [56]  # 64, then the 16 read each time refilled: 200 = 64 + 8 * 16 + 8
    assert calls == 10
    assert itf.sent == _offs(200)
    assert not any(usb.sounding)


def test_first_connection_all_notes_off_waits_for_room_too():
    itf = Itf(8, False)  # two packets
    eng = Engine([])
    eng.note_channels = (1 << 9) | (1 << 3) | 1
    usb = UsbOut(itf, eng)
    usb.service()
    itf.up = True
    usb.service()
    assert itf.n == 8 and usb._was_open is None and usb.dropped == 0
    itf.host_reads()
    usb.service()
    assert usb._was_open is True
    itf.host_reads()
    assert itf.sent == [b"\x0b\xb0\x7b\x00", b"\x0b\xb3\x7b\x00", b"\x0b\xb9\x7b\x00"]
    assert usb.reconnects == 1 and usb.dropped == 0


def test_host_leaving_while_still_owed_note_offs():
    # the host leaves again before all it was owed is out: that is noticed, and what it is
    # still owed goes when it returns
    itf, eng, usb = _setup(size=256)
    gone = []
    usb.host_gone = lambda: gone.append(usb.reconnects)
    _missed(usb, itf, 80)
    assert gone == [1]
    itf.up = True
    usb.service()
    assert usb._was_open is None and itf.n == 256
    itf.up = False
    assert itf.up != usb._was_open  # the scan loop's test still calls service()
    usb.service()
    assert usb._was_open is False and gone == [1, 2]  # host_gone too
    itf.n = 0  # the host configures us again: what waited is dropped (MidiPort.on_open)
    itf.up = True
    usb.service()
    assert usb._was_open is True and usb.reconnects == 3
    itf.host_reads()
    # (the 64 that waited in the buffer counted as told, as every message there does)
    assert itf.sent == _offs(80)[64:]
    assert gone == [1, 2]


def test_host_gone_is_called_once_per_disconnection():
    itf = Itf(64, False)
    eng = Engine([])
    usb = UsbOut(itf, eng)
    assert usb.host_gone is None
    usb.service()  # absent from power-on: never there, never gone
    gone = []
    usb.host_gone = lambda: gone.append(usb.reconnects)
    usb.service()
    itf.up = True
    usb.service()
    usb.service()
    assert gone == []
    itf.up = False
    usb.service()
    usb.service()
    assert gone == [1]
    itf.up = True
    usb.service()
    itf.up = False
    usb.service()
    itf.up = False
    usb.service()
    assert gone == [1, 2]


class _Gone:
    def __init__(self):
        self.n = 0

    def hit(self):
        self.n += 1


def test_host_gone_noticed_by_the_scan_loop_allocates_nothing():
    itf, eng, usb = _setup()
    g = _Gone()
    usb.host_gone = g.hit  # bound once
    itf.up = False
    assert itf.up != usb._was_open  # the scan loop's inline test calls service()
    no_alloc(usb.service)
    assert g.n == 1 and usb._was_open is False
    no_alloc(usb.service)
    assert g.n == 1


def _pk(hexs):
    b = bytes.fromhex(hexs)
    return [b[i:i + 4] for i in range(0, len(b), 4)]


def test_din_ins_sysex_in_parts_goes_as_packets_and_holds_the_controllers_own_back():
    # parts of 6 here (the firmware's are 126): CIN 4 for every 3 bytes, the last 1 to 3
    # with CIN 5, 6, 7; real-time bytes go between them; a note struck meanwhile is not
    # sent (it would cut the SysEx at the host), and once the F7 has gone the host gets the
    # Note Off it missed (here the note was let go meanwhile: nothing else is owed)
    itf, eng, usb = _setup(size=256)
    eng.note_on(9, 36, 100)
    usb.sx_put(bytes.fromhex("F0 41 10 42 12 40"), 6)
    usb.send(b"\xf8", 1, 0)
    eng.note_off(9, 36, 64)  # missed: held back
    eng.note_on(9, 38, 90)  # not sent at all
    eng.cc(0, 64, 127)  # sustain down: the host is sent it once the SysEx is over
    usb.sx_put(bytes.fromhex("00 7F 01 02 03 04"), 6)
    assert usb._sx
    usb.sx_put(bytes.fromhex("05 F7"), 2)
    assert not usb._sx
    itf.host_reads()
    assert itf.sent == _pk("09 99 24 64  04 F0 41 10  04 42 12 40  0F F8 00 00  04 00 7F 01  04 02 03 04"
                           "  06 05 F7 00  08 89 24 40  0B B0 40 7F")
    eng.note_off(9, 38, 64)  # (a Note Off for a note the host never heard: harmless)
    eng.note_on(9, 40, 80)  # and after it everything goes as before
    itf.host_reads()
    assert itf.sent[-2:] == _pk("08 89 26 40  09 99 28 50")


def test_din_ins_sysex_last_packet_lengths_and_its_cut():
    itf, eng, usb = _setup(size=256)
    for last, pkts in (("F7", "05 F7 00 00"), ("01 F7", "06 01 F7 00"), ("01 02 F7", "07 01 02 F7"),
                       ("01 02 03 F7", "04 01 02 03  05 F7 00 00")):
        usb.sx_put(bytes.fromhex("F0 01 02"), 3)
        b = bytes.fromhex(last)
        usb.sx_put(b, len(b))
        itf.host_reads()
        assert itf.sent == _pk("04 F0 01 02  " + pkts), last
        itf.sent = []
    # cut short: an F7 alone closes it; the rest of it is dropped, a new one starts anew
    usb.sx_put(bytes.fromhex("F0 01 02"), 3)
    usb.sx_cut()
    usb.sx_cut()
    usb.sx_put(bytes.fromhex("03 F7"), 2)
    usb.sx_put(bytes.fromhex("F0 05 06"), 3)
    usb.sx_put(bytes.fromhex("F0 07 F7"), 3)  # (a first part closes one still open)
    itf.host_reads()
    assert itf.sent == _pk("04 F0 01 02  05 F7 00 00  04 F0 05 06  05 F7 00 00  07 F0 07 F7")
    assert not usb._sx and usb.dropped == 0


def test_din_ins_sysex_to_a_host_not_reading_is_abandoned():
    itf, eng, usb = _setup(size=8)
    usb.sx_put(bytes.fromhex("F0 01 02 03 04 05"), 6)
    usb.sx_put(bytes.fromhex("06 07 08"), 3)  # no room: the rest is lost to the host
    assert not usb._sx and usb.dropped == 1
    usb.sx_put(bytes.fromhex("09 F7"), 2)  # dropped
    itf.host_reads()
    assert itf.sent == _pk("04 F0 01 02  04 03 04 05")
    eng.note_on(9, 36, 100)  # the controller's own go again
    itf.host_reads()
    assert itf.sent[-1:] == _pk("09 99 24 64")


def test_din_ins_sysex_in_parts_allocates_nothing():
    itf, eng, usb = _setup(size=256)
    first = bytearray([0xF0] + [1] * 125)
    more = bytearray([2] * 126)
    last = bytearray([3] * 10 + [0xF7])

    def run():
        for _round in range(10):
            usb.sx_put(first, 126)
            itf.n = 0
            usb.sx_put(more, 126)
            itf.n = 0
            usb.sx_put(last, 11)
            itf.n = 0

    no_alloc(run)
    assert usb.sent == 30 and usb.dropped == 0


def test_after_din_ins_sysex_only_the_controllers_own_channels_are_caught_up():
    # a note DIN IN passed on (channel 2) sounds on the host through its own dump; the pad's
    # (channel 10) Note Off missed meanwhile is sent after it, the other is left sounding
    itf, eng, usb = _setup(size=256)
    usb.send(b"\x91\x40\x64", 3, 0)  # DIN IN's note, passed on
    eng.note_on(9, 36, 100)
    usb.sx_put(bytes.fromhex("F0 41 10"), 3)
    eng.note_off(9, 36, 64)  # missed
    usb.sx_put(bytes.fromhex("42 F7"), 2)
    itf.host_reads()
    assert itf.sent == _pk("09 91 40 64  09 99 24 64  04 F0 41 10  06 42 F7 00  08 89 24 40")
    assert usb.sounding[(1 << 7 | 0x40) >> 3]  # (DIN IN's still sounding there)
