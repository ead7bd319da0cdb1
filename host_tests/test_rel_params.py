"""RPN and NRPN through the whole firmware on the simulated board, randomised: two NRPN knobs
turn all the time while DIN IN (echoed to DIN OUT too) and the USB host select parameters on
the same channels and send Data Entry later, their bytes split at random across scans. A
model receiver on each port applies every Data Entry MSB (CC 6) to the parameter it has
selected last on its channel, as MIDI 1.0 has it: every value must land on the parameter its
sender meant (app.py, Controller._parameter), and every value sent must arrive."""
import random

import rel_sim
from trace_check import check_trace, messages

# Each sender's parameters, as (RPN?, MSB, LSB) per channel (0, 1). The knobs' are NRPN 1234
# and 2345 (max 12799: their Data Entry MSB stays below 100); the sources' Data Entry MSBs are
# 100 and up, DIN IN's even and the host's odd, so a value tells its sender.
KNOBS = {0: (False, 1234 >> 7, 1234 & 127), 1: (False, 2345 >> 7, 2345 & 127)}
SOURCES = {"din": {0: (False, 0, 7), 1: (True, 0, 0)}, "usb": {0: (False, 1, 2), 1: (False, 3, 4)}}
CONFIG = {"thru": {"din_to_din": True},
          "controls": {"knob1": {"type": "nrpn", "param": 1234, "max": 12799},
                       "knob2": {"type": "nrpn", "channel": 2, "param": 2345, "max": 12799}}}


def _select(ch, sel):
    rpn, msb, lsb = sel
    return bytes([0xB0 | ch, 101 if rpn else 99, msb, 0xB0 | ch, 100 if rpn else 98, lsb])


def scenario(rng, until=2000.0):
    ev = []
    for i, k in enumerate(("knob1", "knob2")):  # back and forth the whole time
        t = 5.0 + 3 * i
        pos = 0.0
        while t < until:
            pos = 1.0 - pos
            ramp = rng.uniform(60, 200)
            ev.append({"t": round(t, 3), "control": k, "position": pos, "ramp_ms": round(ramp, 3)})
            t += ramp + rng.uniform(0, 20)
    sent = {"din": [], "usb": []}  # (channel, value) of every Data Entry each source sends
    values = {"din": iter(range(100, 128, 2)), "usb": iter(range(101, 128, 2))}
    din_t, usb_t = 20.0, 23.0
    selected = set()
    for _ in range(60):
        src = rng.choice(("din", "usb"))
        ch = rng.choice((0, 1))
        msg = b""
        if (src, ch) not in selected or rng.random() < 0.3:
            msg = _select(ch, SOURCES[src][ch])
            selected.add((src, ch))
        if rng.random() < 0.8:
            v = next(values[src], None)
            if v is None:  # this source's values are used up: a new round of them
                values[src] = iter(range(100 if src == "din" else 101, 128, 2))
                v = next(values[src])
            msg += bytes([0xB0 | ch, 6, v])
            sent[src].append((ch, v))
        if not msg:
            continue
        if src == "din":
            # running status within it, as a keyboard sends; split anywhere across scans
            wire = bytearray()
            last = None
            for j in range(0, len(msg), 3):
                if msg[j] != last:
                    wire.append(msg[j])
                    last = msg[j]
                wire += msg[j + 1:j + 3]
            cut = sorted(rng.sample(range(1, len(wire)), min(2, len(wire) - 1)))
            for a, b in zip([0] + cut, cut + [len(wire)]):
                din_t += rng.uniform(0.5, 4.0)
                ev.append({"t": round(din_t, 3), "din_in": wire[a:b].hex(" ")})
                din_t += 0.32 * (b - a)
            din_t += rng.uniform(5, 25)
        else:
            # one USB-MIDI packet per message, a read or several apart
            for j in range(0, len(msg), 3):
                usb_t += rng.uniform(0.0, 6.0)
                ev.append({"t": round(usb_t, 3), "usb_in": (bytes([0x0B]) + msg[j:j + 3]).hex(" ")})
            usb_t += rng.uniform(5, 25)
    ev.sort(key=lambda e: e["t"])
    return {"events": ev, "tail_ms": 50}, sent


def receiver(msgs):
    """A receiver on one port: [(channel, (RPN?, MSB, LSB) selected, value)] for each CC 6."""
    sel = {}
    out = []
    for m in msgs:
        if len(m) != 3 or m[0] & 0xF0 != 0xB0:
            continue
        ch, c, v = m[0] & 15, m[1], m[2]
        s = sel.setdefault(ch, [False, None, None, None, None])  # last type, NRPN MSB, LSB, RPN MSB, LSB
        if c in (98, 99, 100, 101):
            s[0] = c >= 100
            s[{99: 1, 98: 2, 101: 3, 100: 4}[c]] = v
        elif c == 6:
            out.append((ch, (s[0], s[3], s[4]) if s[0] else (s[0], s[1], s[2]), v))
    return out


def test_every_data_entry_lands_on_its_senders_parameter(tmp_path):
    rng = random.Random(11)
    total = {"din": 0, "usb": 0, "knob": 0}
    for k in range(3):
        sc, sent = scenario(rng)
        d = tmp_path / ("run%d" % k)
        d.mkdir()
        r = rel_sim.run(d, sc, config=CONFIG)
        check_trace(r.trace)
        assert r.stats["errors"] == 0 and r.stats["thru_dropped"] == 0
        for port, sources in (("DIN", ("din", "usb")), ("USB", ("din",))):
            got = receiver([m for _t, m in messages(r.port(port), port)])
            arrived = {s: [] for s in sources}
            for ch, sel, v in got:
                if v < 100:
                    assert sel == KNOBS[ch], (port, ch, sel, v)
                    total["knob"] += 1
                    continue
                src = "din" if v % 2 == 0 else "usb"
                assert src in sources, (port, ch, v)
                assert sel == SOURCES[src][ch], (port, src, ch, sel, v)
                arrived[src].append((ch, v))
                total[src] += 1
            for s in sources:
                assert arrived[s] == sent[s], (port, s)
    # the runs had all of it, many times over
    assert min(total.values()) >= 60, total
