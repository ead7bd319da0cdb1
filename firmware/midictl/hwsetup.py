# The hardware layer's set-up from the board definition (hw.Hardware's constructor runs
# it): pins, the scan plan's select masks and read tables, the switch masks, a key matrix,
# the DIN UART. Boot only: startup.unload_boot_modules() drops it after boot, with the scan
# planner. With hw.py, the only module that imports `machine`.

import sys
from array import array

import machine

from midictl.hw import no_adc
from midictl.scanplan import ScanPlan

# SIO GPIO_OUT_SET / GPIO_OUT_CLR (RP2040 datasheet 2.3.1.7; RP2350 datasheet 3.1.11).
# RP2040: 0x014 and 0x018. RP2350 interleaves the GPIO_HI_* registers, which moves them to
# 0x018 and 0x020.
_OUT_SET = {"rp2040": 0xD0000014, "rp2350": 0xD0000018}
_OUT_CLR = {"rp2040": 0xD0000018, "rp2350": 0xD0000020}
# GPIO_OE_SET / GPIO_OE_CLR (output enable), for a key matrix's rows: RP2040 0x024 and
# 0x028; RP2350 0x038 and 0x040 (the GPIO_HI_* registers again in between).
_OE_SET = {"rp2040": 0xD0000024, "rp2350": 0xD0000038}
_OE_CLR = {"rp2040": 0xD0000028, "rp2350": 0xD0000040}
# ADC registers (RP2040 datasheet 4.9.6; the same CS layout on RP2350 at its own base).
_ADC_BASE = {"rp2040": 0x4004C000, "rp2350": 0x400A0000}
# Loops of read_block's wait between moving the mux and starting a conversion: the mux and
# the ADC input need about 2.2 us to settle to 12 bits (scanplan.py). On the RP2040 an
# iteration takes 19 cycles (timed on the emulated chip, make chipbench: its count is a local
# kept on the stack), so 20 loops are 3.0 us at 125 MHz; 60, as first written for 6 cycles,
# took 9 us at each of a scan's 16 mux moves, over a third of the idle scan step. The
# RP2350's Cortex-M33 at 150 MHz, not timed, keeps 60.
_SETTLE_RP2040 = const(20)
_SETTLE_LOOPS = const(60)

_MIDI_BAUD = const(31250)
_NO_GROUP = const(0xFFFF)


def setup(hw, board, slow_per_scan, uart_txbuf, uart_rxbuf, din_out, din_in):
    """Fill in the Hardware `hw` from the board dict (read here and not kept)."""
    chip = board.get("chip", "rp2040")
    set_reg = _OUT_SET[chip]
    clr_reg = _OUT_CLR[chip]
    controls = board["controls"]

    # -- analog: the scan plan and its select masks -------------------------------------------
    plan = ScanPlan(board, slow_per_scan)
    hw.plan = plan  # for building the controls; dropped after boot
    for group in plan.groups:
        for pin in group:
            machine.Pin(pin, machine.Pin.OUT, value=0)
    n = len(plan.select)
    sets = array("I", [0] * n)
    clrs = array("I", [0] * n)
    key = array("H", [0] * n)  # per entry: its mux group and channel
    for j in range(n):
        g = plan.group[j]
        if g == _NO_GROUP:
            key[j] = _NO_GROUP
        else:
            s, c = plan.masks(g, plan.select[j])
            sets[j] = s
            clrs[j] = c
            key[j] = (g << 8) | plan.select[j]
    adc_read: list = [no_adc] * 5
    for ch in set(plan.adc):
        adc_read[ch] = machine.ADC(ch).read_u16
    # Decided here rather than per read: each entry's ADC read function, and whether the
    # select lines must move before it (a phase starts from an unknown select state;
    # after that only when the mux group or channel changes).
    read = [adc_read[plan.adc[j]] for j in range(n)]
    switch = bytearray(n)
    for p in range(plan.phases):
        last = -1
        for j in range(plan.start[p], plan.end[p]):
            k = key[j]
            if k != last and k != _NO_GROUP:
                switch[j] = 1
                last = k
    # what read_phase's machine path reads (hw.py's _MP_START ...)
    hw._mp = (plan.start, plan.end, plan.dest, sets, clrs, switch, read, set_reg, clr_reg)
    hw.samples = array("H", [0] * max(1, plan.count))
    # On the chip itself the reads go through read_block (registers); anywhere else
    # (the simulator, the benchmark's fake machine) through machine.ADC, the twin path.
    hw.registers = None
    if sys.platform == "rp2":
        base = _ADC_BASE[chip]
        hw.use_registers(set_reg, clr_reg, base, base + 4,
                         _SETTLE_RP2040 if chip == "rp2040" else _SETTLE_LOOPS)

    # -- digital inputs: switches and encoders -----------------------------------------------
    # Configured once (the pad keeps its pull); read all at once through GPIO_IN, so no
    # Pin object needs keeping.
    hw.active_low_mask = 0
    hw.switch_mask = 0
    for name in controls:
        w = controls[name]
        if w["kind"] == "switch":
            low = w.get("active", "low") == "low"
            pull = machine.Pin.PULL_UP if low else machine.Pin.PULL_DOWN
            machine.Pin(w["pin"], machine.Pin.IN, pull)
            hw.switch_mask |= 1 << w["pin"]
            if low:
                hw.active_low_mask |= 1 << w["pin"]
        elif w["kind"] == "encoder":
            for p in w["pins"]:
                machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP)

    # -- a key matrix: rows driven low one at a time, columns read with pull-ups ----------
    # (board "matrix": {"rows": [gpio...], "cols": [gpio...], "diodes": true})
    # A row not being read is not driven at all (an input, held high by its pull-up): its
    # output level stays low and only its output enable is switched, as an open drain. A
    # matrix without diodes with two keys held in one column then joins the row being read
    # to a released row, not to one driven high against it.
    mx = board.get("matrix")
    if mx:
        rows = mx["rows"]
        hw.matrix_rows = len(rows)
        hw._mx_cols = bytearray(mx["cols"])
        mask = 0
        for p in rows:
            machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP)
            mask |= 1 << p
        machine.mem32[_OUT_CLR[chip]] = mask  # low whenever enabled
        for p in mx["cols"]:
            machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP)
        hw._mx_oe_set = _OE_SET[chip]
        hw._mx_oe_clr = _OE_CLR[chip]
        hw._mx_bit = array("I", [1 << p for p in rows])

    # -- DIN MIDI: UART at 31250 baud, 8N1 ---------------------------------------------------
    out = board.get("din_out")
    inn = board.get("din_in")
    if (din_out and out) or (din_in and inn):
        uid = out["uart"] if out else inn["uart"]
        kw = {"baudrate": _MIDI_BAUD, "bits": 8, "parity": None, "stop": 1,
              "txbuf": uart_txbuf, "rxbuf": uart_rxbuf, "timeout": 0}
        if out and din_out:
            kw["tx"] = machine.Pin(out["tx"])
        if inn and din_in and inn["uart"] == uid:
            kw["rx"] = machine.Pin(inn["rx"])
        hw.uart = machine.UART(uid, **kw)

