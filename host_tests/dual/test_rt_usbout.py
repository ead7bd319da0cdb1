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


def test_host_returning_is_left_with_nothing_sounding():
    itf, eng, usb = _setup()
    eng.note_channels = 1 << 9
    eng.note_on(9, 36, 100)  # reaches the host
    eng.note_on(9, 38, 100)  # reaches the host, still held when it comes back
    itf.host_reads()
    itf.up = False
    usb.service()
    eng.note_off(9, 36)  # lost: the host is away
    eng.note_on(9, 40, 90)  # lost too
    eng.note_off(9, 40)
    itf.up = True
    usb.service()
    assert itf.discards == 0  # stale data is the interface's to drop (MidiPort.on_open)
    itf.host_reads()
    # exactly the note the host missed the end of; 38 is still held, 40 never reached it
    assert itf.sent[2:] == [b"\x08\x89\x24\x40"]
    assert usb.reconnects == 2


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
