"""MIDI IN passed on to DIN OUT runs in the scan loop, and so do what ends it: the host
leaving (UsbOut.host_gone) and panic. Under the Unix port with the heap locked (any
allocation raises MemoryError), on the benchmark's controller (allocation-free fake USB
transfers, tools/bench_fwchild.py): the notes and pedals each source starts are
remembered, and ended, without allocating. The host's OUT transfers complete between the
steps, unlocked: what the USB stack does there is not the scan's (test_usbmidi_rx.py
proves the port's own part)."""
import pytest

from mpy import ROOT, run

# The benchmark's controller with the config CFG, its USB host's transfers ready, a DIN IN
# (rx), and step(t): one scan at t ms, heap locked, then the host reads.
CONTROLLER = r'''
import sys
sys.argv.append(%r)
import micropython
import bench_fwchild as B
from simctl import RxUart, host_out


ctl, itf = B.build(B.board(), 0, False, CFG)
for ep in (0x01, 0x02, 0x81, 0x82):
    itf._xfers.setdefault(ep, [None, None])
itf._rx_xfer()
rx = RxUart()
ctl.hw.uart = rx


def step(t):
    micropython.heap_lock()
    try:
        ctl.step(t * 1000, t)
    finally:
        micropython.heap_unlock()
    B.host_reads(itf)


def settle():
    # the first 100 scans, unlocked: the knobs' filters prime, the host reads
    for t in range(100):
        ctl.step(t * 1000, t)
        B.host_reads(itf)
''' % ROOT

LOCKED = 'CFG = {"thru": {"din_to_din": True, "usb_to_din": True}}\n' + CONTROLLER + r'''
t_on = ctl._thru_on
usb_at = 266  # after the echo's table; then the byte of the sources being ended
assert len(t_on) == 533


def panic():
    micropython.heap_lock()
    try:
        ctl.panic()
    finally:
        micropython.heap_unlock()


def held():
    # (source, channel, note) of every note remembered, the pedal bytes of each source, the
    # bytes of the channels each left bent, then modulated and pressed
    out = []
    for at in (0, usb_at):
        for i in range(2048):
            if t_on[at + (i >> 3)] >> (i & 7) & 1:
                out.append((at, i >> 7, i & 127))
    return (out, bytes(t_on[256:260]), bytes(t_on[usb_at + 256:usb_at + 260]), t_on[532],
            bytes(t_on[260:266]), bytes(t_on[usb_at + 260:usb_at + 266]))


settle()
out = []
for t in range(100, 400):
    if t == 110:
        rx.add(b"\x91\x40\x64\x42\x64\xb1\x42\x7f")  # DIN IN: two notes (running status), sostenuto
    elif t == 120:
        host_out(itf, b"\x0b\xb0\x40\x7f")  # the host: sustain on channel 1,
    elif t == 121:
        host_out(itf, b"\x09\x90\x3c\x64")  # a note,
    elif t == 122:
        host_out(itf, b"\x09\x90\x3e\x64")  # another,
    elif t == 123:
        host_out(itf, b"\x08\x80\x3e\x40")  # whose Note Off comes, a bend on channel 1
    elif t == 124:
        host_out(itf, b"\x0e\xe0\x00\x60")
    elif t == 125:
        host_out(itf, b"\x0b\xb8\x01\x30")  # modulation on channel 9, then pressure
    elif t == 126:
        host_out(itf, b"\x0d\xd8\x20\x00")
    elif t == 130:
        rx.add(b"\x81\x42\x40\x81\x10\x40")  # DIN IN ends one note, and one it never started
    elif t == 131:
        rx.add(b"\xe1\x10\x30\xe2\x10\x30\xe2\x00\x40")  # bends channel 2, and 3 (back to centre)
    elif t == 135:  # and modulates channel 2, and 3 back to zero; presses 16 (taking the host's 9
        rx.add(b"\xb1\x01\x40\xb2\x01\x10\x01\x00\xdf\x50\xd8\x01")  # from it, on DIN OUT)
    elif t == 150:
        out.append(held())
    elif t == 200:
        itf.up = False  # unplugged: the next scan's service() sees it
    elif t == 210:
        out.append(held())
    elif t == 300:
        panic()
        out.append(held())
    step(t)
out.append(held())
print(out, ctl.thru_dropped, ctl.errors)
'''


def test_thru_notes_and_pedals_are_remembered_and_ended_without_allocating():
    r = run(["-c", LOCKED], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    din = (0, 1, 64)
    assert r.stdout.strip() == str([
        # notes and pedals down, channels bent (DIN IN's 2, the host's 1), modulated (DIN IN's
        # 2, the host's 9) and pressed (DIN IN's 16 and 9, which it took from the host)
        ([din, (266, 0, 60)], b"\x00\x00\x02\x00", b"\x01\x00\x00\x00", 0,
         b"\x02\x00\x02\x00\x00\x81", b"\x01\x00\x00\x01\x00\x00"),
        # the host left: its note, pedal, bend and modulation ended
        ([din], b"\x00\x00\x02\x00", b"\x00\x00\x00\x00", 0, b"\x02\x00\x02\x00\x00\x81", bytes(6)),
        # panic: the echo's too, its notes and pedals at once, its modulation and pressure
        # (after _END_AHEAD bytes) in the next scan
        ([], bytes(4), bytes(4), 1, b"\x00\x00\x02\x00\x00\x81", bytes(6)),
        ([], bytes(4), bytes(4), 0, bytes(6), bytes(6)),
    ]) + " 0 0"


SENSING = 'CFG = {"thru": {"din_to_din": True}}\n' + CONTROLLER + r'''
settle()
rx.add(b"\xfe\x91\x40\x64\xb1\x40\x7f")  # DIN IN: Active Sensing, a note, sustain down,
for t in range(100, 110):
    step(t)
rx.add(b"\xb1\x01\x50\xd1\x30")  # modulation and pressure on its channel
step(110)
before = (ctl._sv[3], bytes(ctl._thru_on[24:25]), bytes(ctl._thru_on[256:258]), ctl.usb.sounding[24], ctl._sv[4],
          bytes(ctl._thru_on[262:266]), ctl._sv[8], ctl._sv[9])
assert ctl._sv[2] == 110  # its last byte, read in the scan at 110 ms: from 411 ms it is silent too long
for t in range(111, 411):
    step(t)
mid = (ctl._sv[3], ctl.usb.sounding[24])
for t in range(411, 510):
    step(t)
print(before, mid, (ctl._sv[3], bytes(ctl._thru_on[24:25]), bytes(ctl._thru_on[256:258]), ctl.usb.sounding[24], ctl._sv[4],
                    bytes(ctl._thru_on[262:266]), ctl._sv[8], ctl._sv[9]),
      ctl.din.bytes_sent, ctl.usb.sent, ctl.errors)
'''


def test_active_sensing_lost_ends_din_ins_notes_without_allocating():
    r = run(["-c", SENSING], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # channel 2 note 64 (bit 0 of byte 24), its sustain (bit 1 of the first pedal byte), its
    # modulation and pressure, on DIN OUT and in the USB host's sounding notes; after: none,
    # and DIN OUT carried the power-on All Notes Off, FE, the note, the pedal, modulation and
    # pressure (running status: 2 and 2 bytes), then its Note Off (3), pedal up (3),
    # modulation back at zero (2) and pressure (2); and on USB the same, a packet each
    assert r.stdout.strip() == ("(1, b'\\x01', b'\\x02\\x00', 1, 2, b'\\x02\\x00\\x02\\x00', 2, 2) (1, 1) "
                                "(0, b'\\x00', b'\\x00\\x00', 0, 0, b'\\x00\\x00\\x00\\x00', 0, 0) %d %d 0" % (
                                    3 + 1 + 3 + 3 + 2 + 2 + 3 + 3 + 2 + 2, 1 + 3 + 2 + 2 + 2))


TRANSPORT = 'CFG = {"clock_bpm": 120, "controls": {"button4": {"type": "transport"}}}\n' + CONTROLLER + r'''
tr = ctl.feedback[0x1000]  # the transport buttons' state (controls/transport.py)
settle()
seen = []
for t in range(100, 160):
    if t == 110:
        rx.add(b"\xfa")  # DIN IN: Start
    elif t == 120:
        rx.add(b"\xf0\x7f\x7f\x06\x01\xf7")  # an MMC Stop
    elif t == 130:
        host_out(itf, b"\x0f\xfb\x00\x00")  # the host: Continue
    elif t == 140:
        host_out(itf, b"\x0f\xfc\x00\x00")  # and Stop
    step(t)
    if t % 10 == 5:
        seen.append(tr.playing)
print(seen, ctl.din.bytes_sent, ctl.usb.sent, ctl.errors)
'''


def test_midi_ins_transport_and_the_clock_run_without_allocating():
    r = run(["-c", TRANSPORT], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # not playing, then DIN IN's Start, its MMC Stop, the host's Continue and Stop; DIN OUT
    # carried the power-on All Notes Off (3) and the host's two (1 each), and both ports the
    # clock's 7 ticks up to 159 ms (at 20.8 ms, 41.7, ... 145.8); USB its All Notes Off and DIN
    # IN's Start and MMC
    assert r.stdout.strip() == "[False, True, False, True, False, False] %d %d 0" % (3 + 1 + 1 + 7, 1 + 1 + 1 + 7)


# A note repeat rolling the benchmark's strikes (pad 6, every 100 scans from 0.3 ms on) on
# the clock's grid, heap locked from the press of its button on.
REPEAT = r'''
import sys
sys.argv.append(%r)
import micropython
import bench_fwchild as B
from simctl import host_out

CFG = {"clock_bpm": 125, "controls": {"button3": {"type": "note_repeat", "rate": "1/32"}}}
if FOLLOW:  # no clock of its own: the host's, a tick every 20 ms from 160 (thru to DIN off;
    # FOLLOW 2: none, the repeat's own silent clock)
    CFG = {"thru": {"usb_to_din": False}, "controls": {"button3": {"type": "note_repeat", "rate": "1/32"}}}
    # MIDI IN's ticks are timed by the ticks the board counts, which the steps here do not
    # follow: the step's time stands in for them
    from midictl.controls import transport
    now = [0]
    transport.ticks_ms = lambda: now[0]
    transport.ticks_us = lambda: now[0] * 1000
runs = []
for held in (False, True):  # the same strikes and sweep without the repeat, then with it
    B.machine.mem32[0xD0000004] = 0xF << 6  # the buttons at rest
    ctl, itf = B.build(B.board(), 1000, True, CFG)
    for ep in (0x01, 0x02, 0x81, 0x82):
        itf._xfers.setdefault(ep, [None, None])
    for t in range(150):  # the knobs' filters prime, the host reads, pad 6 struck at 0 and 100
        ctl.step(t * 1000, t)
        B.host_reads(itf)
    # the note repeat (controls/repeat.py): the clock's, or the one following MIDI IN's
    rep = ctl.feedback[0x1000]._follow if FOLLOW else ctl.feedback[0x1001]._rep
    if held:
        B.machine.mem32[0xD0000004] = 0xB << 6  # button3 (GPIO 8, active low) pressed
    n0 = ctl.usb.sent
    sent = []
    itf._rx_xfer()
    for t in range(150, 1000):
        if FOLLOW == 1 and t %% 20 == 0:
            now[0] = t
            host_out(itf, b"\x0f\xf8\x00\x00")
        micropython.heap_lock()
        try:
            ctl.step(t * 1000, t)
        finally:
            micropython.heap_unlock()
        B.host_reads(itf)
        if t %% 100 == 50:
            sent.append(ctl.usb.sent - n0)
    runs.append(sent)
ons = [b - a for a, b in zip(runs[0], runs[1])]
print(rep.hold, rep.roll, ons, ctl.errors)
''' % ROOT


def test_a_note_repeat_rolls_a_strike_in_the_scan_loop_without_allocating():
    r = run(["-c", "FOLLOW = False\n" + REPEAT], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # held, pad 6 rolling: the USB packets more than without the repeat, counted at 150, 250,
    # ... 950 ms. 1/32 at 125 bpm: steps at 20 + 60k ms, each needing the pad to have played
    # at least 30 ms before. The strike at 100 ended (152) before the button was seen; the one
    # at 200 (its note at 202) joins the roll at the next tick; at 260 the roll's Note On,
    # whose Note Off comes with the strike at 300 (302); 320 is 18 ms after it: none; 380 a
    # Note On, 440 (38 ms after the strike at 400, which ended the 380's note) its Note Off
    # and On: 2 packets by 350, 6 by 450, then the same every 300 ms (8, 10, 14, 16, 18)
    assert r.stdout.strip() == "1 32 [0, 0, 2, 6, 8, 10, 14, 16, 18] 0"


def test_a_note_repeat_following_the_hosts_clock_runs_in_the_scan_loop_without_allocating():
    r = run(["-c", "FOLLOW = True\n" + REPEAT], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # the host's ticks every 20 ms from 160 ms, its first the count's 0: 1/32 steps at 160,
    # 220, 280, ... The strike at 200 (its note at 202) joins the roll at 220, 18 ms after
    # it: no repeat there; then as on the controller's own clock, the steps 20 ms later: 280
    # a Note On, whose Note Off comes with the strike at 300; 340 the Off and On of that
    # strike's note: 4 packets by 350, then every 300 ms the same (6, 8, 12, 14, 16, 20)
    assert r.stdout.strip() == "1 32 [0, 0, 4, 6, 8, 12, 14, 16, 20] 0"


def test_a_note_repeat_on_its_own_silent_clock_runs_in_the_scan_loop_without_allocating():
    r = run(["-c", "FOLLOW = 2\n" + REPEAT], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # no clock anywhere: the repeat's own, 120 bpm (a tick every 20.833 ms from the first
    # scan, 0), 1/32 steps on every third tick (20.8 + 62.5k ms: the scans at 209, 271,
    # 334, 396, 459, ...). The strike at 200 (its note at 202) joins the roll at the tick
    # at 209, 7 ms after it: no repeat there; 271 a Note On, whose Note Off comes with the
    # strike at 300 (302); 334, 32 ms after it (half a step: 31.25), its Off and On: 4
    # packets by 350; 396 a Note On (the 334's ended by its gate), ended by the strike at
    # 400, and 459 its Off and On: 6 by 450; then the steps every 62.5 ms against strikes
    # every 100 (8, 12, 12, 16, 18)
    assert r.stdout.strip() == "1 32 [0, 0, 4, 6, 8, 12, 12, 16, 18] 0"


# The clock's beat light on the boards' own LEDs, built from the board file as at boot: the
# Pico's on GPIO 25, the XIAO's NeoPixel on GPIO 12 with its power switch on GPIO 11.
BEAT = r'''
import json
import world
from simctl import controller
seen = []
for name in ("pico", "xiao_rp2040"):
    b = json.load(open("boards/%s.json" % name))
    world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
    from midictl import config
    ctl, itf = controller(b, config.validate(CFG, b))
    w = world.current
    last = None
    for ms in range(0, 1100):
        ctl.step(ms * 1000, ms)
        now = (w.out_bits >> 25) & 1 if name == "pico" else w.led
        if now != last:
            seen.append((name, ms, now))
            last = now
print(seen, (w.out_bits >> 11) & 1)
'''


@pytest.mark.parametrize("cfg", [{"clock_bpm": 120}, {"controls": {"button2": {"type": "note_repeat"}}}])
def test_the_clock_lights_the_boards_led_on_each_beat(cfg):
    # the clock's, or with no clock_bpm and a note repeat button, the repeat's own clock's
    # (120 bpm from the first scan: the same ticks, none sent)
    r = run(["-c", "CFG = %r\n" % cfg + BEAT], extra_path=("tools/simboard",))
    assert r.returncode == 0, r.stdout + r.stderr
    # lit at each beat's first tick (20.8 ms + k * 500), dark at its fifth (83.3 ms on); the
    # XIAO's NeoPixel powered (GPIO 11 high)
    pico = [("pico", 0, 0), ("pico", 21, 1), ("pico", 105, 0), ("pico", 521, 1), ("pico", 605, 0),
            ("pico", 1021, 1)]
    g, o = (0, 40, 0), (0, 0, 0)
    xiao = [("xiao_rp2040", 0, o), ("xiao_rp2040", 21, g), ("xiao_rp2040", 105, o), ("xiao_rp2040", 521, g),
            ("xiao_rp2040", 605, o), ("xiao_rp2040", 1021, g)]
    assert r.stdout.strip() == "%s 1" % (pico + xiao)


HOLD = 'CFG = {"thru": {"din_to_din": True}}\n' + CONTROLLER + r'''
settle()
rx.add(bytes(b for i in range(70) for b in (0x91, i, 0x64)))  # DIN IN: 70 notes at once
seen = []
for t in range(100, 170):
    if t == 160:
        rx.add(b"\x81\x00\x40")  # a Note Off, once the host reads again
    micropython.heap_lock()
    try:
        ctl.step(t * 1000, t)
    finally:
        micropython.heap_unlock()
    if t >= 150:
        B.host_reads(itf)  # the host reads again from 150
    seen.append((ctl._sv[10] != 0, ctl._sv[13], ctl.usb.sent, ctl.usb.dropped))
print([(100 + i, s) for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]], ctl.din.bytes_sent, ctl.errors)
'''


def test_din_in_held_back_for_a_host_that_does_not_read_runs_without_allocating():
    r = run(["-c", HOLD], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # The host stops reading after the first 100 scans (power-on's All Notes Off read): 21
    # of DIN IN's notes a scan (a 64-byte read), 61 packets in the host's buffer by 102,
    # where the 62nd note finds 3 packets of room (12 bytes, less than _HOLD_ROOM): held,
    # bytes waiting. The transfer in flight since 100 left unread 20 ms, the port takes
    # nothing from 122 (MidiPort._locked): at 123 the nine notes left are dropped for the
    # host, not held (its mark stays until the host has room again: the Note Off at 160).
    # The host reads again from 150: at 151, all read, it is sent what it missed, as a
    # host coming back, the Note Offs of the 61 notes it has. DIN OUT had all 71 (running
    # status: 3 + 69 x 2 + 3 bytes, after power-on's 3), at once but for those 21 ms.
    assert r.stdout.strip() == ("[(100, (False, 0, 22, 0)), (101, (False, 0, 43, 0)), (102, (True, 1, 62, 0)), "
                                "(123, (False, 1, 62, 9)), (151, (False, 1, 123, 9)), (160, (False, 0, 124, 9))] "
                                "147 0")


DUMP_BEHIND = 'CFG = {"thru": {"usb_to_din": True}}\n' + CONTROLLER + r'''
from simctl import host_out
settle()
d = ctl.din
dump = bytes([0xF0] + [(i * 7) & 0x7F for i in range(600)] + [0xF7])
pk = [bytes((0x04,)) + dump[i:i + 3] for i in range(0, 600, 3)] + [bytes((0x06,)) + dump[600:602] + b"\x00"]
for i in range(150, 50, -10):
    pk.insert(i, b"\x0f\xf8\x00\x00")  # and the host's clock inside it, now and then
at = 0


def feed(k):  # the host sends k packets of its dump (an OUT transfer each)
    global at
    for _ in range(k):
        if at < len(pk) and itf._xfers[0x01][1] is not None:
            host_out(itf, pk[at])
            at += 1


feed(48)
for t in range(100, 103):
    step(t)
print(d.sx_open, d._sx_count)
k = 0
while d.room(1) >= 4:  # then the pads' notes fill the queue behind it (unlocked)
    d.send(bytes((0x99, 36 + (k & 15), 100)), 3, 0)
    k += 1
print(k, d.room())
seen = []
for t in range(103, 400):
    feed(3)
    step(t)
    seen.append((t, d.room(), d.sx_open, itf._rx._n))
print([s[3] for s in seen[:10]], [s for i, s in enumerate(seen) if i and s[2] != seen[i - 1][2]])
print(at, d.sx_cuts, d.dropped, ctl.errors)
'''


def test_a_host_dump_read_a_packet_a_scan_behind_a_full_queue_runs_without_allocating():
    r = run(["-c", DUMP_BEHIND], extra_path=("tools", "tools/simboard"))
    assert r.returncode == 0, r.stdout + r.stderr
    # The host's 600-byte dump opens on DIN OUT (its first part, 126 bytes, in the ring by
    # 102), then 223 of the pads' notes fill the queue behind it to 131 bytes free: no room
    # for one packet's worst (10 bytes) besides the 128 kept for Note Offs. The host sends
    # three packets a scan, ten of its clock's among them; the scans read none while the
    # ring has less than 172 bytes free (to 108), then one a scan, as the port's buffer
    # shows it (its buffer grows by 8 a scan, not 12), a clock's too (before, the first
    # clock at the buffer's head stopped the reads: 109 packets sent, the dump stalled):
    # the dump goes on, closes at 289, and the queue then moves. Nothing cut, dropped or
    # failed; the heap locked all along.
    assert r.stdout.splitlines() == [
        "True 102",
        "223 131",
        "[12, 24, 36, 48, 60, 72, 80, 88, 96, 104] [(289, 131, False, 0)]",
        "211 0 0 0",
    ]
