# Analog multiplexers and the per-scan read plan.
#
# CD74HC4067: 16 channels, 4 select lines (S0..S3); 74HC4051: 8 channels, 3 (A, B, C).
# Selecting channel c drives select line b to bit b of c. For each channel the set and
# clear bitmasks of the select GPIOs are precomputed, so the hw layer selects a channel
# with two register writes (RP2040 SIO GPIO_OUT_SET and GPIO_OUT_CLR) and no glitch
# through a third channel from lines changing one at a time in Python.
#
# Settle time before each read (default 3 us, `settle_us`): the 4067's select-to-switch
# time is a few hundred ns at 3.3 V; then the ADC input node (mux on-resistance ~100-200
# ohm at 3.3 V plus the source: <= 2.5 kohm at the wiper of a 10 kohm pot, with ~100 pF
# of mux common-node, trace and ADC input capacitance) must settle to 12 bits: tau ~0.27
# us, ln(4096) ~ 8.3 tau ~ 2.2 us. 3 us covers both. A piezo with a 1 Mohm bleed
# resistor is far slower: buffer it or load it with <= 10 kohm. One RP2040 conversion
# takes 2 us (96 ADC clocks at 48 MHz), so 16 pads cost ~80 us of a 1000 us scan.
#
# Scan plan: every pad every scan (1 kHz); knobs round-robin, knobs_per_scan of them per
# scan, so each knob is read every ceil(knobs / knobs_per_scan) scans; the plan refuses a
# layout where that is below 100 Hz. Reads are grouped by select lines and channel: muxes
# that share select lines (the Pico reference board: pads on m0, knobs on m1, same S0..S3)
# read the knob on the same channel selection as the pad, with no extra settle.

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


from array import array

MUX_TYPES = {"4067": 4, "4051": 3}
DIRECT = const(255)  # op group of an input wired straight to an ADC pin (no mux)
KNOB = const(0x80)  # op target flag: knob index, else pad index


class Mux:
    def __init__(self, kind, select, adc):
        if kind not in MUX_TYPES:
            raise ValueError("mux type %r is not one of 4067, 4051" % (kind,))
        n = MUX_TYPES[kind]
        if len(select) != n:
            raise ValueError("select lines %r out of range %d..%d" % (len(select), n, n))
        for p in select:
            if p < 0 or p > 29:
                raise ValueError("select pin %r out of range 0..29" % (p,))
        if adc < 0 or adc > 3:
            raise ValueError("adc %r out of range 0..3" % (adc,))
        self.kind = kind
        self.select = tuple(select)
        self.adc = adc
        self.channels = 1 << n
        self.mask = 0
        for p in select:
            self.mask |= 1 << p
        self.set_masks = array("I", [0] * self.channels)
        self.clr_masks = array("I", [0] * self.channels)
        for c in range(self.channels):
            s = 0
            for b in range(n):
                if c >> b & 1:
                    s |= 1 << select[b]
            self.set_masks[c] = s
            self.clr_masks[c] = self.mask & ~s


class ScanPlan:
    """pads, knobs: lists of (mux index or None, channel, adc) per input (adc is used
    when mux is None). ops[phase] is a bytearray of 4-byte reads for that scan:
    (select group or DIRECT, channel, adc, target), target = pad index or KNOB | knob.
    The hw layer walks ops[phase % phases], re-selecting (set/clr masks of the group's
    first mux, then settle_us) only when group or channel changes from the last op."""

    def __init__(self, muxes, pads, knobs, knobs_per_scan=1, scan_us=1000, settle_us=3):
        if knobs_per_scan < 1 or knobs_per_scan > 16:
            raise ValueError("knobs_per_scan %r out of range 1..16" % (knobs_per_scan,))
        if len(pads) > 127 or len(knobs) > 127:
            raise ValueError("inputs %r out of range 0..127" % (max(len(pads), len(knobs)),))
        self.settle_us = settle_us
        # select groups: muxes with the same select lines switch together
        groups = []
        self.group_of = bytearray(len(muxes))
        self.group_mux = []  # a mux per group, for its set/clr masks
        for i, m in enumerate(muxes):
            if m.select not in groups:
                groups.append(m.select)
                self.group_mux.append(m)
            self.group_of[i] = groups.index(m.select)
        self.phases = max(1, (len(knobs) + knobs_per_scan - 1) // knobs_per_scan)
        self.knob_hz = 1000000 // (scan_us * self.phases) if knobs else 0
        if knobs and self.knob_hz < 100:
            raise ValueError("knob rate %r Hz out of range 100.. (more knobs_per_scan)" % (self.knob_hz,))
        self.ops = []
        for ph in range(self.phases):
            reads = []
            for i, (mux, ch, adc) in enumerate(pads):
                reads.append(self._op(muxes, mux, ch, adc, i))
            for k in range(ph * knobs_per_scan, min(len(knobs), (ph + 1) * knobs_per_scan)):
                mux, ch, adc = knobs[k]
                reads.append(self._op(muxes, mux, ch, adc, KNOB | k))
            reads.sort()
            buf = bytearray()
            for r in reads:
                buf.extend(bytes(r))
            self.ops.append(buf)

    def _op(self, muxes, mux, ch, adc, target):
        if mux is None:
            if adc < 0 or adc > 3:
                raise ValueError("adc %r out of range 0..3" % (adc,))
            return (DIRECT, 0, adc, target)
        m = muxes[mux]
        if ch < 0 or ch >= m.channels:
            raise ValueError("channel %r out of range 0..%d" % (ch, m.channels - 1))
        return (self.group_of[mux], ch, m.adc, target)
