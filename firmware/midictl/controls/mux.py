# Analog multiplexers: select-line bitmasks per channel.
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
# Which input is read in which scan is midictl/scanplan.py's job.

from array import array

MUX_TYPES = {"4067": 4, "4051": 3}


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
