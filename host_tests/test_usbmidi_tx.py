"""usbmidi.MidiPort.tx3 (@micropython.viper) under the MicroPython Unix port, whose native
emitter compiles viper too: the exact packet bytes, the full and closed cases, and the
property its lock-free publish rests on -- a USB task that becomes pending while tx3 runs
(the interrupt arriving mid-copy) runs only after tx3 has published its packet."""
from mpy import ROOT, run

SCRIPT = r'''
import sys
sys.path.insert(0, "tools/simboard")
import micropython
from usb.device.core import Buffer
from midictl.usbmidi import MidiPort


class RacyBuffer(Buffer):
    # micropython-lib's Buffer, except that the first look at its memory after arm() makes
    # the host's read pending, as the USB interrupt would by scheduling TinyUSB's task
    def arm(self, fn):
        self._fn = fn

    @property
    def _b(self):
        fn = self._fn
        self._fn = None
        if fn is not None:
            micropython.schedule(fn, None)
        return self._mv

    @_b.setter
    def _b(self, v):
        self._fn = None
        self._mv = v


seen = []


def host_reads_one(_):
    # what a completed 4-byte IN transfer does to the buffer
    seen.append(p._tx._n)
    p._tx.finish_read(4)


def state():
    tx = p._tx
    return "n=%d w=%d %s" % (tx._n, tx._w, bytes(tx._mv[:tx._n]).hex())


p = MidiPort(txlen=16)
p._tx = RacyBuffer(16)
print("closed", p.tx3(0, b"\x90\x3c\x64"), state())
p._sim_open()
print("open", p.tx3(0, b"\x90\x3c\x64"), p.tx3(3, b"\xb5\x07\x7f"), state())
p._tx.arm(host_reads_one)
ok = p.tx3(15, b"\xef\x00\x40")
print("raced", ok, state())
for _ in range(3):  # a bytecode jump: where the VM runs what is pending
    pass
print("read", seen, state())
print("fill", p.tx3(1, b"\x81\x3c\x40"), p.tx3(1, b"\x81\x3d\x40"), p.tx3(1, b"\x81\x3e\x40"), state())
'''


def test_tx3_bytes_and_lock_free_publish():
    r = run(["-c", SCRIPT], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "closed False n=0 w=16 ",  # the host away: nothing written
        # cable << 4 | CIN (the status's high nibble), then the three bytes (USB-MIDI 1.0 4-1)
        "open True True n=8 w=16 09903c643bb5077f",
        # the read made pending inside tx3 has not run: the packet is published whole
        "raced True n=12 w=16 09903c643bb5077ffeef0040",
        # it runs at the next jump and takes the first packet; the rest moves down intact
        "read [12] n=8 w=16 3bb5077ffeef0040",
        # 16 bytes: two more fit, then the host is "not reading" and tx3 says so
        "fill True True False n=16 w=16 3bb5077ffeef004018813c4018813d40",
    ]


KICK = r'''
import sys
sys.path.insert(0, "tools/simboard")
from midictl.usbmidi import MidiPort

host = []
p = MidiPort(txlen=16)
real_submit = p._xfer_submit


def submit(ep, data, cb):
    if ep & 0x80:  # (the OUT transfer, receiving, is submitted the same way)
        host.append(bytes(data).hex())  # what each IN transfer carries
    real_submit(ep, data, cb)


p._xfer_submit = submit
p._sim_open()
print("open", p.tx_busy, host)
p.tx3(0, b"\x90\x3c\x64")
p.tx_kick()
print("kick", p.tx_busy, host)
p.tx3(0, b"\x80\x3c\x40")
p.tx_kick()  # in flight: not submitted again (the library would raise "xfer pending")
print("again", p.tx_busy, host)
p._sim_frame()  # the host reads the first; its completion chains the second
print("frame", p.tx_busy, host, p._tx._n)
p._sim_frame()
print("frame", p.tx_busy, p._tx._n)
p.tx3(0, b"\x90\x3d\x64")
p.tx_kick()
p._sim_reset()  # unplugged mid-transfer: the library forgets it, and so does the port
print("reset", p.tx_busy, p.up)
p._sim_open()  # back: the stale packet is dropped, nothing is in flight
print("back", p.tx_busy, p._tx._n)
p.note_on(0, 62, 100)  # a stock helper starts its own transfer: the port sees it in flight
print("stock", p.tx_busy, host[-1])
p.tx3(0, b"\x80\x3e\x40")
p.tx_kick()
print("after", len(host))
'''


def test_tx_busy_follows_the_transfer_in_flight():
    r = run(["-c", KICK], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "open False []",
        "kick True ['09903c64']",
        "again True ['09903c64']",
        "frame True ['09903c64', '08803c40'] 4",
        "frame False 0",
        "reset False False",
        "back False 0",
        "stock True 09903e64",
        "after 4",
    ]




LONG = r'''
import sys
sys.path.insert(0, "tools/simboard")
from midictl.usbmidi import MidiPort

host = []
p = MidiPort()
real_submit = p._xfer_submit


def submit(ep, data, cb):
    if ep & 0x80:
        host.append((len(data), bytes(data[:4]).hex()))  # each IN transfer: its length, first packet
    real_submit(ep, data, cb)


p._xfer_submit = submit
p._sim_open()
print(len(p._txv))
for i in range(43):  # a burst of 43 messages: 172 bytes in the TX buffer
    p.tx3(0, bytes((0x90, i, 100)))
p.tx_kick()
print(host, p._tx._n)
for _ in range(3):  # the host reads a packet a frame; each completion chains the next
    p._sim_frame()
    print(host[-1], p._tx._n, p.tx_busy)
'''


def test_an_in_transfer_is_at_most_one_packet_and_the_rest_moves_up_natively():
    # A burst longer than one full-speed packet goes out 64 bytes at a time: each
    # completion moves what is left to the front (natively, _shift, where micropython-lib's
    # Buffer.finish_read takes an interpreted step a byte) and chains the next transfer,
    # which starts with the next message. The port keeps a view for each length a transfer
    # can have: 0, 4, .. 64 bytes.
    r = run(["-c", LONG], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "17",
        "[(64, '09900064')] 172",
        "(64, '09901064') 108 True",
        "(44, '09902064') 44 True",
        "(44, '09902064') 0 False",
    ]


# CPython (the benchmark's child, tools/bench_fwchild.py) runs the interpreted _shift and
# _tx3 beside the same fakes: a stand-in `micropython` and the bench's machine.
CPYTHON_PRELUDE = r'''
import sys, types
m = types.ModuleType("micropython")
m.const = lambda x: x
m.schedule = lambda f, a: f(a)
m.viper = lambda f: f
sys.modules["micropython"] = m
sys.path.insert(0, "tools")
import bench_fwmachine
sys.modules["machine"] = bench_fwmachine
sys.path.insert(0, "firmware")
'''


def test_the_interpreted_completion_sends_the_same_transfers_under_cpython():
    import subprocess
    import sys

    ref = run(["-c", LONG], extra_path=("tools/simboard",))
    r = subprocess.run([sys.executable, "-c", CPYTHON_PRELUDE + LONG], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert ref.returncode == 0 and r.returncode == 0, ref.stderr + r.stderr
    assert r.stdout.splitlines() == ref.stdout.splitlines()
    assert r.stdout.splitlines()[-1] == "(44, '09902064') 0 False"
LOCKED = r'''
import sys
sys.path.insert(0, "tools/simboard")
from midictl.usbmidi import MidiPort

p = MidiPort(txlen=16)
p._sim_open()
p.tx3(0, b"\x90\x3c\x64")
p.tx_kick()  # in flight; the host does not read
p._stamp = 101  # (the scan loop's: it saw it in flight at 100 ms, and at 122 ...)
p._locked = True  # (... took the host to have stopped reading)
print("locked", p.tx3(0, b"\x80\x3c\x40"), p.tx_write(b"\x0f\xf8\x00\x00", 4), p._tx._n, p.room())
p._sim_frame()  # it reads again: the completion unlocks
print("read", p._locked, p._stamp, p.tx_busy, p.tx3(0, b"\x80\x3c\x40"), p._tx._n)
p.tx_kick()
p._stamp = 7
p._locked = True
p._sim_reset()  # unplugged, and back: nothing left locked
p._sim_open()
print("back", p._locked, p.tx3(0, b"\x90\x3d\x64"))
'''


def test_a_port_whose_host_stopped_reading_takes_nothing_until_it_reads_again():
    r = run(["-c", LOCKED], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "locked False False 4 12",  # neither a message nor packets go in; the room is there
        "read False 0 False True 4",
        "back False True",
    ]
