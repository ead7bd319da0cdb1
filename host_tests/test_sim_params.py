"""RPN and NRPN passed on from MIDI IN beside the controller's own NRPN knobs (app.py,
Controller._parameter): a source selects a parameter once and sends its Data Entry later,
and whatever selects another parameter in between on the same port and channel (a knob's
NRPN, the other source merged onto DIN OUT) would have the receiver apply that data to the
wrong parameter. The data then goes with the source's selection again; with nothing in
between it goes as it came. End to end through the simulator, exact bytes and times."""
import json

from mpy import run
from test_sim import BOOT, sim
from test_thru_alloc import CONTROLLER

NRPN = {"controls": {"knob1": {"type": "nrpn", "param": 1234}}}  # CC 99 09, 98 52 on channel 1


def _run(tmp_path, cfg, events, initial=None):
    c = tmp_path / "cfg.json"
    c.write_text(json.dumps(cfg))
    s = {"config": str(c), "tail_ms": 10, "events": events}
    if initial:
        s["initial"] = initial
    return sim(tmp_path, s)


def _between(lines, t0, t1):
    return [ln for ln in lines if t0 <= float(ln.split()[0]) < t1]


def test_din_in_data_after_a_knobs_nrpn_goes_to_usb_with_its_selection(tmp_path):
    # knob1 turns (an NRPN every 5 ms); DIN IN selects NRPN 0/7 at 311 and sends its data
    # at 317, after the knob's NRPN of 315 selected 1234 on the host's side
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 100},
                                  {"t": 311, "din_in": "B0 63 00 62 07"}, {"t": 317, "din_in": "06 40 26 01"}],
                 {"knob1": 0.3})
    assert _between(lines, 311, 320) == [
        "311.280 DIN 06 28",  # (the knob's NRPN of 310 still on the wire)
        "311.920 DIN 26 32",
        "312.000 USB 0B B0 63 00",  # DIN IN's selection, as it comes (DIN IN is not echoed)
        "313.000 USB 0B B0 62 07",
        "315.000 USB 0B B0 63 09",  # the knob's
        "315.000 USB 0B B0 62 52",
        "315.000 USB 0B B0 06 2C",
        "315.000 USB 0B B0 26 70",
        "315.000 DIN 63 09",
        "315.640 DIN 62 52",
        "316.280 DIN 06 2C",
        "316.920 DIN 26 70",
        "318.000 USB 0B B0 63 00",  # DIN IN's data, with its selection again
        "318.000 USB 0B B0 62 07",
        "318.000 USB 0B B0 06 40",
        "319.000 USB 0B B0 26 01",  # and the LSB after it as it came: nothing came between
    ]


def test_host_data_after_a_knobs_nrpn_goes_to_din_with_its_selection(tmp_path):
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 20},
                                  {"t": 311, "usb_in": "0B B0 63 00 0B B0 62 07"}, {"t": 317, "usb_in": "0B B0 06 40"},
                                  {"t": 318, "usb_in": "0B B0 26 01"}], {"knob1": 0.3})
    assert [ln for ln in _between(lines, 312, 320) if " DIN " in ln] == [
        "312.560 DIN 63 00",  # the host's selection, behind the knob's NRPN of 310
        "313.200 DIN 62 07",
        "315.000 DIN 63 09",  # the knob's
        "315.640 DIN 62 52",
        "316.280 DIN 06 50",
        "316.920 DIN 26 1A",
        "317.560 DIN 63 00",  # the host's data, with its selection again (running status on)
        "318.200 DIN 62 07",
        "318.840 DIN 06 40",
        "319.480 DIN 26 01",
    ]


def test_a_knobs_nrpn_still_queued_behind_the_selection_counts_as_between(tmp_path):
    # At 345 the knob queues an NRPN as the host's selection comes: the selection goes first
    # (MIDI IN's messages go before the knobs' on DIN OUT) and the knob's waits for the wire,
    # so the host's data at 347 goes with the selection again, and still goes ahead of it.
    # Each half of the selection goes as the host's whole selection so far (the knob selected
    # last): its MSB alone (no LSB yet), then both.
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 20},
                                  {"t": 345, "usb_in": "0B B0 63 00 0B B0 62 07"}, {"t": 347, "usb_in": "0B B0 06 41"}],
                 {"knob1": 0.3})
    assert [ln for ln in _between(lines, 345, 351) if " DIN " in ln] == [
        "345.000 DIN 63 00",
        "345.640 DIN 63 00",
        "346.280 DIN 62 07",
        "347.000 DIN 63 00",
        "347.640 DIN 62 07",
        "348.280 DIN 06 41",
        "349.000 DIN 63 09",  # the knob's, queued at 345
        "349.640 DIN 62 52",
        "350.280 DIN 06 71",
        "350.920 DIN 26 49",
    ]


def test_half_a_selection_after_a_knobs_nrpn_goes_with_the_other_half(tmp_path):
    # DIN IN selects 0/7, then (a knob's NRPN between) changes only the LSB to 8: the
    # receiver would pair it with the knob's MSB (9), so the source's whole selection goes
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 100},
                                  {"t": 301, "din_in": "B0 63 00 62 07"}, {"t": 312, "din_in": "62 08"},
                                  {"t": 318, "din_in": "06 40"}], {"knob1": 0.3})
    assert [ln for ln in _between(lines, 301, 320) if " USB " in ln and " 0B B0 63 09" not in ln
            and " 0B B0 62 52" not in ln] == [
        "302.000 USB 0B B0 63 00",
        "303.000 USB 0B B0 62 07",
        "305.000 USB 0B B0 06 26",  # (the knob's value)
        "305.000 USB 0B B0 26 59",
        "310.000 USB 0B B0 06 28",
        "310.000 USB 0B B0 26 32",
        "313.000 USB 0B B0 63 00",  # DIN IN's LSB, with its MSB
        "313.000 USB 0B B0 62 08",
        "315.000 USB 0B B0 06 2C",
        "315.000 USB 0B B0 26 70",
        "319.000 USB 0B B0 63 00",  # its data, with its selection again
        "319.000 USB 0B B0 62 08",
        "319.000 USB 0B B0 06 40",
    ]


def test_data_with_nothing_between_goes_as_it_came(tmp_path):
    # the knob rests: both sources' selections and data pass on unchanged, RPN and NRPN
    lines = _run(tmp_path, NRPN, [{"t": 311, "usb_in": "0B B0 63 00 0B B0 62 07"}, {"t": 317, "usb_in": "0B B0 06 40"},
                                  {"t": 320, "din_in": "B0 65 00 64 00"}, {"t": 325, "din_in": "06 02"}],
                 {"knob1": 0.3})
    assert lines == BOOT + [
        "311.000 DIN B0 63 00",
        "311.960 DIN 62 07",
        "317.000 DIN 06 40",
        "321.000 USB 0B B0 65 00",
        "322.000 USB 0B B0 64 00",
        "326.000 USB 0B B0 06 02",
    ]


def test_an_rpn_from_din_in_after_a_knobs_nrpn_goes_with_its_selection(tmp_path):
    # pitch bend sensitivity (RPN 0/0) set to 2 semitones by a keyboard while the knob turns
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 10},
                                  {"t": 301, "din_in": "B0 65 00 64 00"}, {"t": 307, "din_in": "06 02"}],
                 {"knob1": 0.3})
    assert [ln for ln in _between(lines, 301, 309) if " USB " in ln] == [
        "302.000 USB 0B B0 65 00",
        "303.000 USB 0B B0 64 00",
        "305.000 USB 0B B0 63 09",
        "305.000 USB 0B B0 62 52",
        "305.000 USB 0B B0 06 42",
        "305.000 USB 0B B0 26 6E",
        "308.000 USB 0B B0 65 00",
        "308.000 USB 0B B0 64 00",
        "308.000 USB 0B B0 06 02",
    ]


def test_data_after_reset_all_controllers_goes_with_the_rpn_null(tmp_path):
    # DIN IN resets its controllers (CC 121), which leaves its receiver with no parameter
    # selected (RP-015), so its Data Entry after that changes nothing there; with a knob's
    # NRPN in between, it goes with the RPN null (101, 100 = 127) to change nothing still
    lines = _run(tmp_path, NRPN, [{"t": 300, "control": "knob1", "position": 0.9, "ramp_ms": 100},
                                  {"t": 301, "din_in": "B0 65 00 64 00"}, {"t": 312, "din_in": "79 00"},
                                  {"t": 318, "din_in": "06 40"}], {"knob1": 0.3})
    assert [ln for ln in _between(lines, 312, 320) if " USB " in ln] == [
        "313.000 USB 0B B0 79 00",
        "315.000 USB 0B B0 63 09",
        "315.000 USB 0B B0 62 52",
        "315.000 USB 0B B0 06 2C",
        "315.000 USB 0B B0 26 70",
        "319.000 USB 0B B0 65 7F",
        "319.000 USB 0B B0 64 7F",
        "319.000 USB 0B B0 06 40",
    ]


def test_two_sources_merged_onto_din_out_each_keep_their_parameter(tmp_path):
    # No knobs of its own on channel 1 (the default layout): the host selects NRPN 0/7 and
    # DIN IN (echoed to DIN OUT) RPN 0/0 in between; each one's data reaches DIN OUT with
    # its own selection again. USB hears DIN IN alone: its data goes there as it came.
    lines = _run(tmp_path, {"thru": {"din_to_din": True}},
                 [{"t": 311, "usb_in": "0B B0 63 00 0B B0 62 07"}, {"t": 312, "din_in": "B0 65 00 64 00"},
                  {"t": 315, "usb_in": "0B B0 06 40"}, {"t": 318, "din_in": "06 02"}, {"t": 320, "din_in": "26 00"}])
    assert lines == BOOT + [
        "311.000 DIN B0 63 00",
        "311.960 DIN 62 07",
        "313.000 USB 0B B0 65 00",
        "313.000 DIN 65 00",
        "314.000 USB 0B B0 64 00",
        "314.000 DIN 64 00",
        "315.000 DIN 63 00",  # the host's data, its selection first
        "315.640 DIN 62 07",
        "316.280 DIN 06 40",
        "319.000 USB 0B B0 06 02",
        "319.000 DIN 65 00",  # DIN IN's, its own first
        "319.640 DIN 64 00",
        "320.280 DIN 06 02",
        "321.000 USB 0B B0 26 00",
        "321.000 DIN 26 00",  # nothing came between: as it came
    ]


# Heap locked: a knob's NRPN between the host's selection and its data, passed on to DIN OUT
# with the selection again, allocates nothing in the scan (test_thru_alloc.py's controller).
LOCKED = 'CFG = {"controls": {"knob1": {"type": "nrpn", "param": 1234}}}\n' + CONTROLLER + r'''
from streamargs import count, offset


class Wire:  # DIN OUT's bytes, kept without allocating
    def __init__(self):
        self.got = bytearray(64)
        self.n = 0

    def write(self, b, x=None, y=None):  # (MicroPython's stream write: streamargs.py)
        o = offset(b, x, y)
        k = count(b, x, y)
        for i in range(k):
            self.got[self.n] = b[o + i]
            self.n += 1
        return k


for t in range(100):
    ctl.step(t * 1000, t)
    B.host_reads(itf)
rec = Wire()
ctl.din.uart = rec
out = []
for t in range(100, 130):
    if t == 110:
        host_out(itf, b"\x0b\xb0\x63\x00")
    elif t == 111:
        host_out(itf, b"\x0b\xb0\x62\x07")
    elif t == 114:
        ctl.engine.nrpn(0, 1234, 100)  # as knob1 would (its own code runs unlocked here)
    elif t == 120:
        host_out(itf, b"\x0b\xb0\x06\x40")
    step(t)
par = ctl.engine.params
print(bytes(rec.got[:rec.n]).hex(), ctl.din.write_errors, bytes(par[:32]).hex(), bytes(par[112:117]).hex())
'''


def test_data_with_its_selection_again_allocates_nothing_in_the_scan():
    r = run(["-c", LOCKED], extra_path=("tools", "tools/simboard", "host_tests/dual"))
    assert r.returncode == 0, r.stdout + r.stderr
    din, errors, who, host = r.stdout.split()
    assert errors == "0"
    # the host's selection; the knob's NRPN (parameter 1234, value 100: MSB 0, LSB 100);
    # the host's data with its selection again (running status throughout)
    assert din == "b06300" "6207" "63096252" "0600" "2664" "6300" "6207" "0640"
    # DIN OUT's channel 1: the host selected last (2); USB's: the knob (3)
    assert who == "02" + "00" * 15 + "03" + "00" * 15
    assert host == "0000078080"  # the host's NRPN 0/7, no RPN


def test_a_selection_the_absent_host_missed_goes_again_with_the_next_data(tmp_path):
    # DIN IN changes its LSB while the host is away (USB takes nothing then): once back, the
    # host gets DIN IN's data with the whole selection it missed
    lines = _run(tmp_path, NRPN, [{"t": 100, "din_in": "B0 63 00 62 07"}, {"t": 150, "usb": "disconnected"},
                                  {"t": 200, "din_in": "62 08"}, {"t": 300, "usb": "connected"},
                                  {"t": 400, "din_in": "06 40"}], {"knob1": 0.3})
    assert lines == BOOT + [
        "101.000 USB 0B B0 63 00",
        "102.000 USB 0B B0 62 07",
        "401.000 USB 0B B0 63 00",
        "401.000 USB 0B B0 62 08",
        "401.000 USB 0B B0 06 40",
    ]


# DIN OUT's echo of DIN IN gives way when the DIN queue is nearly full (app.py, _THRU_RESERVE):
# a selection it drops leaves DIN OUT's receiver with whatever it had, so the source's next
# data goes with its whole selection, once there is room again.
DROPPED = r'''
import json
import world
from simctl import RxUart, controller
from midictl import config
b = json.load(open("boards/pico.json"))
world.install(world.World({"board": b, "end_us": 10, "events": [], "analog": {}}))
ctl, itf = controller(b, config.validate({"thru": {"din_to_din": True}}, b))
rx = RxUart()
ctl.hw.uart = rx
par = ctl.engine.params
t = 0


def din_in(bs):
    global t
    rx.add(bs)
    ctl._midi_in(t)


din_in(b"\xb0\x63\x00\x62\x07")
print(par[0], ctl.thru_dropped)
while ctl.din.room() >= 192:  # the controller's own notes, queued faster than the wire
    ctl.din.send(b"\x99\x24\x64", 3, 0)
din_in(b"\x63\x01")  # a new MSB, dropped on DIN OUT
print(par[0], ctl.thru_dropped)
while ctl.din.pending():
    t += 1
    ctl.din.pump(t * 1000, t)
ctl.din.uart.got.clear()
din_in(b"\x06\x40")
ctl.din.pump(t * 1000 + 10000, t + 10)  # (the wire is idle by then)
print(b"".join(ctl.din.uart.got).hex())
'''


def test_a_selection_the_echo_dropped_goes_again_with_the_next_data():
    r = run(["-c", DROPPED], extra_path=("tools/simboard", "host_tests/dual"), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split("\n")[:3] == ["1 0", "3 1", "b06301620706" "40"]
