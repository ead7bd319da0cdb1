"""USB MIDI IN through usbmidi.MidiPort under the MicroPython Unix port: the OUT transfer
is re-armed without allocating (micropython-lib's _rx_xfer slices a memoryview of the RX
buffer and makes a bound method each time), one whole packet at a time, into a landing
area its completion appends to the RX buffer natively (_put); the scan loop's read (_take)
is native too. The interpreted twins CPython runs receive the same."""
import subprocess
import sys

from mpy import ROOT, run
from test_usbmidi_tx import CPYTHON_PRELUDE

LOCKED = r'''
import sys
sys.argv.append(ROOT_DIR)  # bench_fwchild reads boards/pico.json from it
import micropython
import bench_fwchild as B
from streamargs import count, offset

_EP_OUT = 0x01
TRANSFERS = 24  # from the host, 64 bytes (16 event packets) each
SCANS = 420


class Wire:
    # DIN OUT: the bytes the UART is handed, into memory made up front
    def __init__(self, size):
        self.buf = bytearray(size)
        self.n = 0

    def write(self, b, x=None, y=None):  # (MicroPython's stream write: streamargs.py)
        n = self.n
        out = self.buf
        o = offset(b, x, y)
        k = count(b, x, y)
        for i in range(k):
            out[n + i] = b[o + i]
        self.n = n + k
        return k


def host_out(itf, pkts, at):
    # the host sends 64 bytes in one OUT transfer: True if the device took them, False if it
    # had no transfer pending (the host is NAKed and tries again next frame)
    x = itf._xfers.get(_EP_OUT)
    if x is None or x[1] is None:
        return False
    data = x[0]
    if len(data) < 64:
        return False
    for i in range(64):
        data[i] = pkts[at + i]
    cb = x[1]
    x[1] = None  # as micropython-lib: the endpoint's callback is cleared, then called
    cb(_EP_OUT, 0, 64)
    return True


# the messages: Note On / Note Off pairs on channel 3 (statuses alternate), and every
# fourth pair a CC 7 on channel 1 twice (the second goes under running status)
pkts = bytearray()
msgs = []
k = 0
while len(pkts) < TRANSFERS * 64:
    if k % 4 == 3:
        m = [(0xB0, 7, k & 127), (0xB0, 7, (k + 1) & 127)]
    else:
        m = [(0x92, 40 + k % 40, 100), (0x82, 40 + k % 40, 64)]
    for s, d1, d2 in m:
        pkts += bytes(((s >> 4), s, d1, d2))
        msgs.append((s, d1, d2))
    k += 1
pkts = pkts[:TRANSFERS * 64]
msgs = msgs[:TRANSFERS * 16]

ctl, itf = B.build(B.board(), 0, False, {})
for ep in (0x01, 0x02, 0x81, 0x82):
    itf._xfers.setdefault(ep, [None, None])
for t in range(50):  # boot: the power-on All Notes Off on DIN (B9 7B 00), filters primed
    ctl.step(t * 1000, t)
    B.host_reads(itf)
wire = Wire(4096)
ctl.din.uart.write = wire.write
taken = bytearray(SCANS)  # per scan: 1 if the host's transfer was taken before it
level = bytearray(SCANS)  # the RX buffer's packets after it
room = bytearray(SCANS)  # DIN's free FIFO bytes // 8 after it
sent = 0
micropython.heap_lock()
try:
    for s in range(SCANS):
        t = 50 + s
        if sent < TRANSFERS and host_out(itf, pkts, sent * 64):
            sent += 1
            taken[s] = 1
        ctl.step(t * 1000, t)
        B.host_reads(itf)
        level[s] = itf._rx._n >> 2
        room[s] = ctl.din.room() >> 3
finally:
    micropython.heap_unlock()
print("sent", sent, "errors", ctl.errors, "din", wire.n)
print("taken", " ".join(str(s) for s in range(SCANS) if taken[s]))
print("level", " ".join(str(level[s]) for s in range(26)))
print("room", " ".join(str(room[s]) for s in range(26)))
print("full", " ".join(str(s) for s in range(SCANS) if level[s] == 64))
exp = bytearray()
last = 0xB9
for s, d1, d2 in msgs:
    if s != last:
        exp.append(s)
        last = s
    exp.append(d1)
    exp.append(d2)
print("din_exact", bytes(wire.buf[:wire.n]) == bytes(exp), len(exp))
'''.replace("ROOT_DIR", repr(ROOT))


def test_usb_midi_in_while_the_controller_steps_allocates_nothing():
    # The heap locked while the host sends 24 full 64-byte OUT transfers, one a frame,
    # and the controller passes them to DIN OUT (31250 baud: about 3 bytes a scan, where
    # 16 messages arrive). DIN's queue fills, so the controller stops reading USB (it reads
    # only while DIN has room for a whole transfer's messages), the host fills the RX
    # buffer (256 bytes) and is refused until a read makes room for a packet. The transfer
    # completions run locked too, the controller's reads that make room in a full buffer,
    # and the host reading every frame.
    r = run(["-c", LOCKED], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "sent 24 errors 0 din 1104"
    # scan s runs at 50 + s ms: the first 12 transfers are read by the scan they come
    # before; from scan 12 DIN has not the room a read needs (384 bytes: a read's messages,
    # a SysEx it may complete, and the 128 the queue keeps for Note Offs), the host fills
    # the buffer in four frames and is refused from scan 16; at scan 23 DIN has room again,
    # a read takes one packet, and the host's next transfer goes in at 24. Then one every
    # 14 or 15 ms, as DIN drains.
    assert out[1] == "taken " + " ".join(str(s) for s in list(range(16)) + [24, 38, 53, 68, 82, 97, 112, 127])
    assert out[2] == "level " + " ".join(["0"] * 12 + ["16", "32", "48"] + ["64"] * 8 + ["48", "64", "64"])
    assert out[3] == "room 124 116 109 101 94 86 79 71 64 57 49 42 42 43 43 44 44 45 45 46 46 47 47 40 41 41"
    full = list(range(15, 23)) + list(range(24, 37)) + list(range(38, 52)) + list(range(53, 67)) + \
        list(range(68, 81)) + list(range(82, 96)) + list(range(97, 111)) + list(range(112, 126)) + list(range(127, 140))
    assert out[4] == "full " + " ".join(str(s) for s in full)
    # DIN OUT carried every message the host sent, in order, exactly (running status on)
    assert out[5] == "din_exact True 1104"


RX = r'''
import sys
sys.path.insert(0, "tools/simboard")
from midictl.usbmidi import MidiPort

p = MidiPort()
p._sim_open()  # the stock on_open submits the first OUT transfer
pkts = bytearray(4 * 80)
for i in range(80):
    pkts[4 * i:4 * i + 4] = bytes((0x09, 0x90, i, 100))


def state(what):
    rx = p._rx
    print(what, rx._n, p.rx_ready, p.xfer_pending(p.ep_out), bytes(rx._b[i + 2] for i in range(0, rx._n, 4)).hex() or "-")


at = 0
for size in (64, 8, 64, 64, 64, 8):  # the host's packets, in bytes
    ok = p._sim_host_out(pkts[at:at + size])
    at += size if ok else 0
    state("out%d %s" % (size, ok))
buf = bytearray(64)
for cap in (64, 22, 64):
    n = p.rx_take(buf, cap)
    state("take%d %d %s" % (cap, n, bytes(buf[i + 2] for i in range(0, n, 4)).hex() or "-"))
ok = p._sim_host_out(pkts[at:at + 64])
at += 64 if ok else 0
state("out64 %s" % ok)
while p.rx_take(buf, 64):
    pass
state("drained")
'''

RX_EXPECTED = [
    # a packet at a time; the scan loop's read wants whole event packets
    "out64 True 64 True True 000102030405060708090a0b0c0d0e0f",
    "out8 True 72 True True 000102030405060708090a0b0c0d0e0f1011",
    "out64 True 136 True True 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021",
    # 200 bytes: no room for another full packet, so no transfer is pending; the host is
    # refused (and tries again), even a short packet that would fit
    "out64 True 200 True False 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031",
    "out64 False 200 True False 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031",
    "out8 False 200 True False 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031",
    # a read takes the oldest packets (whole ones, as many as fit) and moves the rest to
    # the front; with room for a packet again, the transfer is re-armed
    "take64 64 000102030405060708090a0b0c0d0e0f 136 True True 101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031",
    "take22 20 1011121314 116 True True 15161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031",
    "take64 64 15161718191a1b1c1d1e1f2021222324 52 True True 25262728292a2b2c2d2e2f3031",
    "out64 True 116 True True 25262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041",
    "drained 0 False True -",
]


def test_the_rx_path_takes_whole_packets_and_the_cpython_twins_agree():
    ref = run(["-c", RX], extra_path=("tools/simboard",))
    assert ref.returncode == 0, ref.stdout + ref.stderr
    assert ref.stdout.splitlines() == RX_EXPECTED
    r = subprocess.run([sys.executable, "-c", CPYTHON_PRELUDE + RX], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == RX_EXPECTED
