"""Circuit schematics for the controller's building blocks, drawn with schemdraw.

Every part value on a drawing comes with the reason for it in the notes beside the
circuit, so a builder can substitute parts knowingly. The values:

- MIDI OUT from a 3.3 V UART: MIDI 1.0 Electrical Specification Update (CA-033, 2014):
  pin 4 to +3.3 V through 33 ohm, pin 5 to the UART TX through 10 ohm (5 V designs use
  220 ohm for both). The receiver always has its own 220 ohm and LED, so the loop current
  stays near the 5 mA the 1983 spec designed for. Pin 2 to ground, pins 1/3 unconnected.
- TRS-MIDI: MMA RP-054 (2018) "Type A": tip = DIN pin 5 (sink), ring = DIN pin 4
  (source), sleeve = DIN pin 2. "Type B" (older Arturia/Novation gear) swaps tip/ring.
- MIDI IN: 220 ohm in series with the optocoupler LED, a 1N4148 across it backwards,
  opto output open-collector with a pull-up to 3.3 V. Only the H11L1 and PC900V class
  (Schmitt output, VCC from 3 V) run from 3.3 V; a 6N138 needs a 5 V supply.
"""
import textwrap

import schemdraw
import schemdraw.elements as elm

schemdraw.use("svg")

FONT = 11
NOTE_FONT = 10


def _drawing():
    d = schemdraw.Drawing(show=False)
    d.config(fontsize=FONT, unit=2.5, lw=1.4, margin=2.5, bgcolor="white")
    return d


def _wrap(notes, width=100):
    """Bulleted, wrapped note lines; continuation lines are indented with no-break spaces
    (SVG collapses ordinary leading spaces)."""
    lines = []
    for note in notes:
        if note.endswith(":"):
            lines.append(note)
            continue
        for i, part in enumerate(textwrap.wrap(note, width - 2)):
            lines.append(("- " if i == 0 else "\u00a0\u00a0") + part)
    return "\n".join(lines)


def _finish(d, title, notes):
    """Title above and the block of 'why' notes below whatever has been drawn."""
    box = d.get_bbox()
    d += elm.Label().at((box.xmin, box.ymax + 1.2)).label(title, halign="left", valign="bottom", fontsize=14)
    d += elm.Label().at((box.xmin, box.ymin - 1.0)).label(_wrap(notes), halign="left", valign="top",
                                                          fontsize=NOTE_FONT)
    return d


def _ic(pins, label, center=False, **kw):
    """An IC or connector box; pins are (name, number, side) tuples, anchor = 'P' + number.
    The part name goes above the box (or in its middle when no pin name is there), never
    over a pin name; theta(0) keeps it upright whatever direction the last wire went."""
    ic = elm.Ic(pins=[elm.IcPin(name=n, pin=str(p), side=s, anchorname="P%s" % p) for n, p, s in pins],
                edgepadW=kw.pop("edgepadW", 1.2), pinspacing=kw.pop("pinspacing", 1.2), **kw).theta(0)
    return ic.label(label, loc="center" if center else "top", fontsize=FONT)


def midi_out_din():
    d = _drawing()
    title = "DIN MIDI OUT from a 3.3 V UART (MIDI 1.0 Electrical Spec Update, CA-033)"
    din = _ic([("5 (sink)", 5, "left"), ("2 (shield)", 2, "left"), ("4 (source)", 4, "left")],
              "DIN-5 female\nMIDI OUT\n(pins 1, 3 n.c.)").at((14, 0)).anchor("P4")
    d += din
    d += elm.Vdd().at((0, 0)).label("+3V3", loc="left")
    d += elm.Resistor().right().label("RA 33 Ω 5% ½ W", loc="top")
    d += elm.Inductor2(loops=2).right(2.5).label("FB1 (optional)", loc="top", fontsize=9)
    d += elm.Line().to(din.P4)
    d += elm.Dot(open=True).at((0, din.P5[1])).label("GPIO TX\n(UART)", loc="left")
    d += elm.Resistor().right().label("RC 10 Ω 5% ¼ W", loc="top")
    d += elm.Inductor2(loops=2).right(2.5).label("FB2 (optional)", loc="top", fontsize=9)
    d += elm.Line().to(din.P5)
    d += elm.Line().at(din.P2).left(2)
    d += elm.Ground()
    return _finish(d, title, [
        "Why these values:",
        "MIDI is a 5 mA current loop: logical 0 (the start bit) = current on. The UART idles high, "
        "so no current flows at rest.",
        "CA-033 gives RA = 33 Ω (pin 4) and RC = 10 Ω (pin 5) for a 3.3 V transmitter; with the "
        "receiver's 220 Ω and LED this keeps the loop current near the 5 V design's (three 220 Ω "
        "from 5 V).",
        "RA rated ½ W: if pin 4 is shorted to ground (bad cable), 3.3 V / 33 Ω = 100 mA, 0.33 W.",
        "FB1/FB2: optional ferrite beads (about 1 kΩ at 100 MHz) that CA-033 allows against RF "
        "emission.",
        "Pin 2 to ground on the OUT jack only (shield); pins 1 and 3 stay unconnected.",
        "UART: 31250 baud, 8N1 (320 µs a byte), TX on the GPIO named in the board's din_out field.",
    ])


def midi_out_trs():
    d = _drawing()
    title = "TRS-MIDI OUT (3.5 mm stereo jack), 3.3 V values from CA-033"
    for col, (kind, tip, ring) in enumerate((("Type A (MMA RP-054)", 5, 4), ("Type B (older gear)", 4, 5))):
        x0 = col * 16
        jack = _ic([("Sleeve = DIN 2", "S", "left"), ("Ring = DIN %d" % ring, "R", "left"),
                    ("Tip = DIN %d" % tip, "T", "left")], "3.5 mm TRS\n" + kind,
                   pinspacing=1.5).at((x0 + 10, 0)).anchor("PT")
        d += jack
        src = jack.PR if ring == 4 else jack.PT
        snk = jack.PT if tip == 5 else jack.PR
        d += elm.Vdd().at((x0, src[1])).label("+3V3", loc="left")
        d += elm.Resistor().right().label("33 Ω ½ W", loc="top")
        d += elm.Line().to(src)
        d += elm.Dot(open=True).at((x0, snk[1])).label("TX", loc="left")
        d += elm.Resistor().right().label("10 Ω", loc="top")
        d += elm.Line().to(snk)
        d += elm.Line().at(jack.PS).left(2)
        d += elm.Ground()
    return _finish(d, title, [
        "Type A (MMA RP-054): tip = current sink (DIN pin 5), ring = current source (DIN pin 4), "
        "sleeve = shield (DIN pin 2). Type B swaps tip and ring.",
        "The two are not interchangeable: the wrong type passes no data (the receiver's reverse "
        "diode protects it). Build Type A unless the gear you connect is Type B.",
        "Same resistor values and reasons as the DIN OUT: the jack is only another connector for "
        "the same loop.",
    ])


def midi_in():
    d = _drawing()
    title = "DIN MIDI IN with an optocoupler run from 3.3 V"
    din = _ic([("5", 5, "right"), ("2 n.c.", 2, "right"), ("4", 4, "right")],
              "DIN-5 female MIDI IN", pinspacing=2).at((0, 0)).anchor("P4")
    d += din
    opto = _ic([("K", 2, "left"), ("A", 1, "left"), ("GND", 5, "bottom"), ("Vo", 4, "right"),
                ("VCC", 6, "top")], "U1\nH11L1 /\nPC900V", center=True, pinspacing=2,
               edgepadW=2.2).at((14, 0)).anchor("P1")
    d += opto
    d += elm.Line().at(din.P4).right(1)
    d += elm.Resistor().right().label("R1 220 Ω", loc="top")
    d += elm.Line().to(opto.P1)
    d += elm.Diode().at((11.5, opto.P2[1])).up().to((11.5, opto.P1[1])).label("D1 1N4148", loc="bottom")
    d += elm.Dot().at((11.5, opto.P1[1]))
    d += elm.Line().at(din.P5).tox(10)
    d += elm.Line().toy(opto.P2[1])
    d += elm.Line().to(opto.P2)
    d += elm.Dot().at((11.5, opto.P2[1]))
    d += elm.Line().at(opto.P6).up(0.8)
    d += elm.Vdd().label("+3V3")
    d += elm.Line().at(opto.P5).down(0.8)
    d += elm.Ground()
    d += elm.Line().at(opto.P4).right(2)
    d += elm.Dot()
    d.push()
    d += elm.Resistor().up().label("R2 1 kΩ", loc="bottom")
    d += elm.Vdd().label("+3V3")
    d.pop()
    d += elm.Line().right(2)
    d += elm.Dot(open=True).label("GPIO RX\n(UART)", loc="right")
    # Decoupling drawn apart, as usual: it sits across U1's pins 6 and 5.
    d += elm.Vdd().at((opto.P4[0] + 8, opto.P4[1] + 1)).label("+3V3 (U1 pin 6)")
    d += elm.Capacitor().down().label("C1 100 nF", loc="bottom")
    d += elm.Ground().label("U1 pin 5", loc="right")
    return _finish(d, title, [
        "Why these values:",
        "R1 220 Ω is the receiver resistor in every MIDI spec revision; with the sender's resistors "
        "it sets about 5 mA through the LED.",
        "D1 1N4148 across the LED, reversed, stops a miswired or reversed cable from "
        "reverse-biasing it.",
        "H11L1 / PC900V: Schmitt-trigger, open-collector output, rated from 3 V, so the receiver "
        "runs on the board's 3V3 and the GPIO never sees 5 V. 6N137/6N138 are not specified at 3.3 "
        "V (a 6N138 needs 5 V on its pin 8).",
        "The output is low while current flows (MIDI logical 0), so the UART sees the bits the "
        "right way round.",
        "R2 1 kΩ pull-up: edges fast enough for 31250 baud (32 µs a bit), 3.3 mA into the output "
        "when low.",
        "C1 100 nF decouples the opto's supply at its pins. DIN pin 2 stays unconnected on an IN "
        "jack (ground only at the sender: no ground loop through the MIDI cable).",
    ])


def _piezo_front_end(d, x, y, hold=False):
    """Piezo disc, 1 MΩ load, 4.7 kΩ series resistor and the BAT54S clamps from (x, y);
    with hold, the BAT54 + 10 nF + bleed peak hold after the clamps. Returns the parts
    of the hold (for the box drawn round them), else []."""
    d += elm.Crystal().at((x, y)).down().label("piezo\ndisc", loc="bottom")
    d += elm.Ground()
    d += elm.Line().at((x, y)).right(2.5)
    d += elm.Dot()
    d.push()
    d += elm.Resistor().down(3).label("1 MΩ", loc="bottom")
    d += elm.Ground()
    d.pop()
    d += elm.Resistor().right().label("4.7 kΩ", loc="top")
    d += elm.Dot()
    d.push()
    d += elm.Schottky().up(2).label("BAT54S\nupper", loc="bottom", fontsize=9)
    d += elm.Vdd().label("+3V3")
    d.pop()
    d.push()
    d += elm.Schottky().down(2).reverse().label("BAT54S\nlower", loc="bottom", fontsize=9)
    d += elm.Ground()
    d.pop()
    if not hold:
        d += elm.Line().right(2)
        d += elm.Dot(open=True).label("mux Ix / ADC", loc="right")
        return []
    d += elm.Line().right(2.5)
    parts = []
    parts.append(elm.Schottky().right().label("BAT54\n(single)", loc="top", fontsize=9))
    d += parts[-1]
    d += elm.Dot().label("HOLD", loc="top", fontsize=9)
    _to_ground(d, parts, elm.Capacitor().down(2.5).label("10 nF\nC0G/X7R", loc="bottom", fontsize=9))
    d += elm.Line().right(2.5)
    d += elm.Dot()
    _to_ground(d, parts, elm.Resistor().down(2.5).label("470 kΩ\nbleed", loc="bottom", fontsize=9))
    d += elm.Line().right(2)
    d += elm.Dot(open=True).label("mux Ix / ADC", loc="right")
    return parts


def _to_ground(d, parts, part):
    # part from the current point down to a ground symbol, the drawing staying where it was;
    # both go into parts (what the peak-hold box encircles)
    d.push()
    for e in (part, elm.Ground()):
        parts.append(e)
        d += e
    d.pop()


def pads():
    d = _drawing()
    title = "Pad front-ends: switch, FSR, piezo, piezo with peak hold (one per mux channel or GPIO)"
    # Switch pad with pull-up.
    d += elm.Vdd().at((0, 1.5)).label("+3V3")
    d += elm.Resistor().down().label("10 kΩ or internal\npull-up", loc="bottom", fontsize=9)
    d += elm.Dot()
    d.push()
    d += elm.Line().right(2)
    d += elm.Dot(open=True).label("GPIO\n(active low)", loc="right")
    d.pop()
    d += elm.Button().down().label("pad switch", loc="bottom")
    d += elm.Ground()
    # FSR divider.
    d += elm.Vdd().at((9, 1.5)).label("+3V3")
    d += elm.ResistorVar().down().label("FSR", loc="bottom")
    d += elm.Dot()
    d.push()
    d += elm.Line().right(2)
    d += elm.Dot(open=True).label("mux Ix / ADC", loc="right")
    d.pop()
    d += elm.Resistor().down().label("10 kΩ", loc="bottom")
    d += elm.Ground()
    # Piezo with load, series resistor and clamps.
    _piezo_front_end(d, 18.5, 1.5)
    # The same piezo with the optional peak hold, on a row of its own below.
    y = -9.5
    d += elm.Label().at((0, y + 3.2)).label(
        'Piezo with peak hold (optional, per pad: "peak_hold_ms": 5 on the piezo control in the board file)',
        halign="left", valign="bottom", fontsize=12)
    hold = _piezo_front_end(d, 0, y, hold=True)
    d += elm.EncircleBox(hold, padx=0.4, pady=0.4).linestyle("--").linewidth(1).label(
        "peak hold", loc="bottom", fontsize=9, ofst=0.35)
    return _finish(d, title, [
        "Switch: closes to ground; the pull-up (RP2040 internal, about 50-80 kΩ, or 10 kΩ outside) "
        "makes it read 1 when open. Active low needs no pull-down (RP2350-E9 makes internal "
        "pull-downs unreliable).",
        "FSR: resistance falls with force; with 10 kΩ to ground the voltage rises with pressure. "
        "Pick the divider near the FSR's resistance at a medium press (10 kΩ suits the common FSR "
        "402).",
        "Piezo: a hit gives tens of volts for a few ms. 1 MΩ discharges the disc so the level "
        "returns to 0 V.",
        "4.7 kΩ limits the current into the clamps (30 V peak: about 6 mA). The BAT54S Schottky "
        "pair holds the channel between -0.3 V and 3V3 + 0.3 V, inside the CD74HC4067's and the "
        "RP2040's absolute limits (-0.5 V to VDD + 0.5 V); the negative half-wave is cut off at the "
        "lower diode.",
        "Hard hits push current into 3V3 through the upper diode; the board's own load absorbs it. "
        "On a lightly loaded rail use a 3.3 V zener (BZX79-C3V3) to ground instead of the upper "
        "diode.",
        "Peak hold (dashed box, optional): a piezo pulse rises in about 0.5 ms and decays with a "
        "time constant near 2 ms, so a 1 kHz scan samples somewhere between about 66 % and 100 % "
        "of its peak and equal strikes give unequal velocities. The BAT54 charges the 10 nF to the "
        "peak and stops it flowing back into the disc; the 470 kΩ bleeds it away with "
        "tau = R x C = 4.7 ms. The next scan comes at most 1 ms after the peak, so the highest "
        "sample of a strike reads 81-100 % of it (e^(-1/4.7) = 0.81).",
        "Tau is a trade: 1 MΩ (10 ms) reads nearer the peak, but a hard hit's level lasts longer. "
        "The firmware takes a new strike on the same pad 10 ms after the last if it rises above "
        "what is still held by the pad's threshold: 15 ms after a full hit that is about 600 ADC "
        "steps with 4.7 ms (velocity about 20), about 2100 with 10 ms (about 75). The board "
        "file's peak_hold_ms is tau in ms; the BOM's bleed resistor is the E12 value nearest "
        "peak_hold_ms / 10 nF.",
        "The BAT54 drops 0.2-0.3 V at these currents, which costs the softest strikes about 250-370 "
        "ADC steps: lower the pad's threshold or adjust its curve after fitting the hold.",
        "10 nF is hundreds of times the mux's and the ADC's input capacitance (tens of pF), so "
        "scanning other channels leaves the held level alone. The disc's own capacitance (about "
        "20 nF for 27 mm) shares its charge with the hold capacitor, so a larger one only lowers "
        "the level: keep it at 10 nF or less with this disc. C0G or X7R: low leakage, stable value.",
    ])


def _mux_4067(d, at, name, inputs):
    """A CD74HC4067 with its real pin numbers; inputs: the channel numbers drawn on the left."""
    pins = [("I%d" % ch, 9 - ch if ch < 8 else 31 - ch, "left") for ch in reversed(inputs)]
    pins += [("GND", 12, "bottom"), ("E", 15, "bottom")]
    pins += [("S3", 13, "right"), ("S2", 14, "right"), ("S1", 11, "right"), ("S0", 10, "right"),
             ("COM", 1, "right"), ("VCC", 24, "top")]
    ic = _ic(pins, "CD74HC4067\n" + name, center=True, pinspacing=1.3, edgepadW=2.5).at(at).anchor("P1")
    d += ic
    return ic


def knobs_mux():
    d = _drawing()
    title = "Knobs through a CD74HC4067 (m1); the pads' m0 is wired the same way"
    ic = _mux_4067(d, (0, 0), "m1 (knobs)", list(range(8)))
    for ch in range(1, 8):
        d += elm.Line().at(getattr(ic, "P%d" % (9 - ch))).left(2)
        d += elm.Dot(open=True).label("knob%d wiper" % (ch + 1), loc="left", fontsize=9)
    d += elm.Line().at(ic.P9).left(6)
    d += (pot := elm.Potentiometer().down().anchor("tap").label("knob1 10 kΩ lin", loc="top", fontsize=9))
    d += elm.Vdd().at(pot.start).label("+3V3")
    d += elm.Ground().at(pot.end)
    d += elm.Line().at(ic.P24).up(1)
    d += elm.Vdd().label("+3V3")
    d += elm.Capacitor().at((ic.P24[0] + 1.5, ic.P24[1] + 1)).down(1.5).label("100 nF", loc="bottom")
    d += elm.Ground()
    d += elm.Line().at((ic.P24[0], ic.P24[1] + 1)).right(1.5)
    d += elm.Line().at(ic.P12).down(1)
    d += elm.Ground()
    d += elm.Line().at(ic.P15).down(1)
    d += elm.Ground()
    for sel in ("S0", "S1", "S2", "S3"):
        pin = {"S0": ic.P10, "S1": ic.P11, "S2": ic.P14, "S3": ic.P13}[sel]
        d += elm.Line().at(pin).right(2.5)
        d += elm.Dot(open=True).label("GPIO " + sel + " (shared)", loc="right", fontsize=9)
    d += elm.Line().at(ic.P1).right(2.5)
    d += elm.Dot(open=True).label("ADC pin (mux adc)", loc="right", fontsize=9)
    return _finish(d, title, [
        "Supply the mux from 3V3 (not 5 V): its channels then can never pass more than 3.3 V to the "
        "ADC pin.",
        "100 nF ceramic from VCC (pin 24) to GND (pin 12), as close to the chip as possible.",
        "E (pin 15) tied to GND keeps the mux enabled; the firmware only changes S0..S3.",
        "S0..S3 go to the four GPIO in the board's mux select list; both muxes may share them "
        "(identical select lists); each mux's COM goes to its own ADC pin.",
        "Pots: 10 kΩ linear, ends across 3V3 and GND (AGND on a Pico), wiper to I0..I7. At most 2.5 "
        "kΩ source impedance plus about 70 Ω switch resistance settles within a few µs after a "
        "channel change.",
        "No big capacitor on COM: it would recharge on every channel switch and smear one channel "
        "into the next.",
        "Unused inputs: tie to GND so a floating channel does not read noise.",
    ])


def pitch_stick():
    d = _drawing()
    title = "Pitch stick (spring-return joystick axis) into an ADC pin"
    d += elm.Vdd().at((0, 2)).label("ADC_VREF / 3V3")
    d += (pot := elm.Potentiometer().down().label("stick axis 10 kΩ", loc="bottom"))
    d += elm.Ground().label("AGND", loc="right")
    d += elm.Line().at(pot.tap).right(1)
    d += elm.Resistor().right().label("1 kΩ", loc="top")
    d += elm.Dot()
    d.push()
    d += elm.Capacitor().down().label("100 nF", loc="bottom")
    d += elm.Ground()
    d.pop()
    d += elm.Line().right(1.5)
    d += elm.Dot(open=True).label("ADC pin\n(bend adc)", loc="right")
    return _finish(d, title, [
        "The stick's pot runs between the ADC reference and analog ground, so the centre reads half "
        "scale (about 2048) whatever the exact supply; on a Pico use ADC_VREF (pin 35) and AGND "
        "(pin 33).",
        "1 kΩ + 100 nF is a 1.6 kHz low-pass: removes noise without slowing a bend gesture, and the "
        "100 nF holds the pin steady while the ADC samples it.",
        "The resting reading, not exactly 2048, is the centre: take it at power-up, with the stick "
        "untouched.",
    ])


def encoders():
    d = _drawing()
    title = "Rotary encoder (EC11 type) with pull-ups and optional RC filter"
    enc = _ic([("C", "C", "left"), ("B", "B", "left"), ("A", "A", "left")], "EC11\nencoder",
              center=True, pinspacing=3.5).at((0, 0)).anchor("PA")
    d += enc
    for name, pin in (("A", enc.PA), ("B", enc.PB)):
        d += elm.Line().at(pin).left(1)
        d += elm.Dot()
        d.push()
        d += elm.Resistor().up(1.8).label("10 kΩ", loc="top", fontsize=9)
        d += elm.Vdd().label("+3V3")
        d.pop()
        d += elm.Resistor().left().label("10 kΩ (opt.)", loc="top", fontsize=9)
        d += elm.Dot()
        d.push()
        d += elm.Capacitor().down(1.5).label("10 nF (opt.)", loc="bottom", fontsize=9)
        d += elm.Ground()
        d.pop()
        d += elm.Line().left(1)
        d += elm.Dot(open=True).label("GPIO %s (encoder pins[%d])" % (name, "AB".index(name)), loc="left")
    d += elm.Line().at(enc.PC).left(1)
    d += elm.Ground()
    return _finish(d, title, [
        "A and B close to C (ground) in quadrature: 4 transitions per detent, A leads B turning "
        "clockwise.",
        "10 kΩ pull-ups to 3V3 (stronger and better defined than the internal ones).",
        "Optional 10 kΩ / 10 nF: a 0.1 ms time constant filters contact bounce yet passes fast "
        "spins (a detent's 4 edges still get through at several hundred detents per second).",
        "If the encoder has a push switch, wire it like a button (switch to GND, pull-up).",
    ])


def key_matrix(d, x0, y0, rows, cols, keys, diodes=True):
    """A key matrix drawn from (x0, y0), the first row's left end: rows and cols are the
    labels of the row and column lines, keys[r][c] the name of the key at each place (None:
    no key there). With diodes, each key's 1N4148 has its cathode (band) on the row."""
    for c, text in enumerate(cols):
        x = x0 + 2 + c * 5
        d += elm.Line().at((x, y0 + 2)).down(len(rows) * 3 + 0.5)
        d += elm.Dot(open=True).at((x, y0 + 2)).label(text, loc="top", fontsize=9)
    for r, text in enumerate(rows):
        y = y0 - r * 3
        d += elm.Dot(open=True).at((x0, y)).label(text, loc="left", fontsize=9)
        d += elm.Line().at((x0, y)).right(len(cols) * 5)
        for c in range(len(cols)):
            if keys[r][c] is None:
                continue
            x = x0 + 2 + c * 5
            d += elm.Dot().at((x + 2.5, y))
            if diodes:
                d += elm.Diode().at((x + 2.5, y)).up(1.2).reverse().label("1N4148", loc="bottom", fontsize=8)
            else:
                d += elm.Line().at((x + 2.5, y)).up(1.2)
            d += elm.Button().left(1.5).label(keys[r][c], loc="top", fontsize=8)
            d += elm.Line().tox(x)
            d += elm.Dot()


def button_matrix():
    d = _drawing()
    title = "Button matrix with diodes (for more buttons than free GPIO)"
    rows, cols = 3, 3
    key_matrix(d, -2, 0, ["ROW%d (low = scan)" % r for r in range(rows)],
               ["COL%d\n(in, pull-up)" % c for c in range(cols)],
               [["SW%d" % (r * cols + c + 1) for c in range(cols)] for r in range(rows)])
    return _finish(d, title, [
        "Rows are driven low one at a time, the others released (pulled up, never driven high); the "
        "columns read that row's switches through the internal pull-ups.",
        "One 1N4148 per switch, cathode toward the row: with any number of keys held no current "
        "sneaks backwards through a third switch, so there are no ghost presses.",
        "R rows by C columns read R*C buttons (the firmware reads up to 30) from R+C GPIO. The "
        "reference layout wires its few buttons directly; for more, declare the matrix in the board "
        'file ("matrix": rows, cols, diodes; each key "kind": "key", "matrix": [row, col]): that '
        "board's pinout.md and wiring.svg then show every row, column, key and diode on its own GPIO, "
        "and its bom.csv counts the keys and diodes.",
    ])


SCHEMATICS = (
    ("midi_out_din.svg", midi_out_din),
    ("midi_out_trs.svg", midi_out_trs),
    ("midi_in.svg", midi_in),
    ("pads.svg", pads),
    ("knobs_mux.svg", knobs_mux),
    ("pitch_stick.svg", pitch_stick),
    ("encoders.svg", encoders),
    ("button_matrix.svg", button_matrix),
)
