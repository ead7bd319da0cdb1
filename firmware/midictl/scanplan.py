# The scan plan: which analog inputs are read in which scan, as flat arrays.
#
# Pads must be sampled every scan (1 kHz: a piezo pulse peaks within about a millisecond);
# knobs only need 100 Hz or so, so they are read round-robin, a few per scan. Several muxes
# may share their select lines (the Pico's reference layout: pads on one CD74HC4067, knobs on
# a second, both driven by GPIO 10-13), so one select write serves a read from each.
#
# Settle time: selecting a 4067 channel takes a few hundred ns at 3.3 V, then the ADC input
# node (mux on-resistance ~100-200 ohm plus <= 2.5 kohm at a 10 kohm pot's wiper, ~100 pF of
# mux, trace and ADC input capacitance) settles to 12 bits in ~2.2 us (8.3 tau). The
# interpreter spends longer than that between the select write and the read on the chip.
# One RP2040 conversion takes 2 us (96 ADC clocks at 48 MHz). A piezo loaded only by a
# 1 Mohm bleed resistor settles far slower: buffer it or load it with <= 10 kohm.
#
# The plan is built once from the board definition. Per scan the hardware layer walks one
# phase's slice of these arrays: set the select lines (two register writes), read one ADC
# channel, store the 12-bit sample at its index. Nothing is looked up by name in the loop.

from array import array

from midictl.controls.mux import Mux
from midictl.names import natural_sorted

MIN_SLOW_HZ = 100  # knobs, faders and the stick are read at least this often


class ScanPlan:
    """Built from a board dict.

    Attributes after build:
      names        the analog controls, in natural order
      index        control name -> sample index (padK -> K-1; the others after the pads)
      fast         set of sample indexes read every scan (pads)
      phases       number of phases in the round-robin cycle
      start, end   array('H'): phase p reads entries start[p]..end[p]-1
      select       array('H'): mux channel number per entry, or 0xFFFF for a direct ADC read
      pins         array('H') index into select_pins groups: which select-pin group to drive
      adc          array('B'): ADC channel per entry
      dest         array('H'): sample index per entry
      slow_in      list per phase of the sample indexes refreshed in that phase (non-pads)
      groups       list of select-pin lists (GPIO numbers), one per distinct select bus
    """

    def __init__(self, board, slow_per_scan=1, fast_kinds=("piezo", "fsr"), scan_us=1000):
        controls = board.get("controls", {})
        muxes = board.get("muxes", {})
        self._mux = {}
        names = natural_sorted([n for n in controls if _is_analog(controls[n]["kind"])])
        # padK is sample K-1, so the pad group reads its pads straight from the array (a
        # switch pad's slot is simply never written); other analog controls follow.
        npads = 0
        for n in controls:
            if n.startswith("pad") and n[3:].isdigit():
                npads = max(npads, int(n[3:]))
        self.npads = npads
        self.index = {}
        k = npads
        for n in names:
            if n.startswith("pad") and n[3:].isdigit():
                self.index[n] = int(n[3:]) - 1
            else:
                self.index[n] = k
                k += 1
        self.names = names
        self.groups = []
        fast = []
        slow = []
        group_of = {}  # mux name -> select group
        for n in names:
            w = controls[n]
            if "mux" in w:
                mux = muxes[w["mux"]]
                g = group_of.get(w["mux"])
                if g is None:
                    sel = list(mux["select"])
                    if sel not in self.groups:
                        self.groups.append(sel)
                        self._mux[len(self.groups) - 1] = Mux(mux["type"], sel, mux["adc"])
                    g = group_of[w["mux"]] = self.groups.index(sel)
                if not 0 <= w["channel"] < self._mux[g].channels:
                    raise ValueError("%s: mux channel %r out of range 0..%d"
                                     % (n, w["channel"], self._mux[g].channels - 1))
                entry = (g, w["channel"], mux["adc"], self.index[n])
            else:
                entry = (-1, 0xFFFF, w["adc"], self.index[n])
            if w["kind"] in fast_kinds:
                fast.append(entry)
            else:
                slow.append(entry)
        self.fast = set(e[3] for e in fast)
        if slow_per_scan < 1:
            slow_per_scan = 1
        phases = max(1, (len(slow) + slow_per_scan - 1) // slow_per_scan)
        self.phases = phases
        self.slow_hz = 1000000 // (scan_us * phases) if slow else 0
        if slow and self.slow_hz < MIN_SLOW_HZ:
            raise ValueError("knob rate %r Hz out of range %d.. (read more per scan)" % (self.slow_hz, MIN_SLOW_HZ))
        self.start = array("H", [0] * phases)
        self.end = array("H", [0] * phases)
        sel = []
        grp = []
        adc = []
        dest = []
        self.slow_in = []
        for p in range(phases):
            mine = slow[p * slow_per_scan:(p + 1) * slow_per_scan]
            # Read slow entries next to the fast entry on the same channel, so a shared select
            # bus is switched once for both; order by (group, channel) to minimise switching.
            entries = sorted(fast + mine)  # tuples: (group, channel, adc, sample); no key: see names.py
            self.start[p] = len(sel)
            for g, ch, a, d in entries:
                grp.append(0xFFFF if g < 0 else g)
                sel.append(ch)
                adc.append(a)
                dest.append(d)
            self.end[p] = len(sel)
            self.slow_in.append([e[3] for e in mine])
        self.group = array("H", grp)
        self.select = array("H", sel)
        self.adc = array("B", adc)
        self.dest = array("H", dest)
        self.count = k

    def masks(self, group, channel):
        """GPIO set and clear bitmaps that put `channel` on a select bus (S0 = lowest bit)."""
        m = self._mux[group]
        return m.set_masks[channel], m.clr_masks[channel]


def _is_analog(kind):
    return kind in ("piezo", "fsr", "pot", "stick")
