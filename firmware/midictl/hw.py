# The hardware layer: the only module that imports `machine` (with hwsetup.py, its boot-time
# set-up, and hwled.py, the clock's beat light; usbmidi.py does the same for the USB stack). Everything above it takes plain ints,
# arrays and objects with write().
#
# Hot paths read and write the RP2040/RP2350 SIO registers directly through machine.mem32:
# one read of GPIO_IN gives every switch and encoder level at once, and two writes of
# GPIO_OUT_SET / GPIO_OUT_CLR move all four mux select lines together, where Pin.value()
# would cost a call per pin.

import machine
import micropython

from midictl.compat import TWINS

try:  # names for the type checker only; MicroPython has no typing module
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False
if TYPE_CHECKING:
    from array import array

    from midictl.scanplan import ScanPlan

# SIO register block (RP2040 datasheet 2.3.1.7; RP2350 datasheet 3.1.11). The select
# lines' GPIO_OUT_SET / GPIO_OUT_CLR and the ADC's base, per chip, are in hwsetup.py.
_SIO_BASE = const(0xD0000000)
_GPIO_IN = const(0xD0000004)

# ADC registers (RP2040 datasheet 4.9.6; the same CS layout on RP2350 at its own base):
# CS.EN bit 0, CS.START_ONCE bit 2, CS.READY bit 8 (read-only), CS.AINSEL from bit 12;
# RESULT at +4, 12 bits.
# the machine path's tables in Hardware._mp (hwsetup.py builds it)
_MP_START = const(0)
_MP_END = const(1)
_MP_DEST = const(2)
_MP_SETS = const(3)
_MP_CLRS = const(4)
_MP_SWITCH = const(5)
_MP_READ = const(6)
_MP_SET_REG = const(7)  # the GPIO_OUT_SET and GPIO_OUT_CLR addresses
_MP_CLR_REG = const(8)
_CS_START = const(0x105)  # EN | START_ONCE, and READY (read-only on the chip, see read_block)


def no_adc():
    """The read of an ADC channel no entry reads (the scan's read table holds it)."""
    return 0


# (The decorator must be spelled out: MicroPython's compiler recognises it by name.)
@micropython.viper
def read_block(hw, p: int) -> int:
    """The ADC reads of scan phase p with registers only (on the chip, ~20x faster than
    the interpreted loop); Hardware.read_phase once use_registers() has run (the scan
    calls it bound to the hardware: one native call, no interpreted frame). hw._regw, a
    tuple, holds the four registers' word addresses (byte address >> 2: small ints on the
    chip, where a full address would be a bignum to convert): GPIO_OUT_SET, GPIO_OUT_CLR,
    ADC CS and ADC RESULT. hw._regs_table is Hardware.register_table(): for each entry of
    the phase, move the mux select lines when the entry says so (one write to
    GPIO_OUT_SET, one to GPIO_OUT_CLR, then `settle` loops), start one conversion on its
    ADC channel, wait for READY, store the 12-bit RESULT at hw.samples[its sample index].
    Returns the highest pad sample read. The CS write carries READY too: a read-only bit
    on the chip, and what lets the same code run against a plain buffer of "registers"
    in the host tests and the benchmark."""
    regs = hw._regw
    ps = ptr32(int(regs[0]) << 2)
    pc = ptr32(int(regs[1]) << 2)
    cs = ptr32(int(regs[2]) << 2)
    res = ptr32(int(regs[3]) << 2)
    t = ptr32(hw._regs_table)
    o = ptr16(hw.samples)
    settle = t[0]
    npads = t[1]
    e = t[2]  # where the entries start
    j = t[3 + 2 * p]
    j1 = t[4 + 2 * p]
    peak = 0
    while j < j1:
        k = e + 3 * j
        w = t[k + 2]  # dest | ADC channel << 16 | move << 24
        if w & 0x1000000:
            ps[0] = t[k]
            pc[0] = t[k + 1]
            n = settle
            while n > 0:
                n -= 1
        cs[0] = (((w >> 16) & 0xFF) << 12) | 0x105
        while (cs[0] & 0x100) == 0:
            pass
        v = res[0] & 0xFFF
        i = w & 0xFFFF
        o[i] = v
        if i < npads and v > peak:
            peak = v
        j += 1
    return peak


@micropython.viper
def sample(hw, w: int):
    """Hardware.sample on the register path: read pad i, for each bit i of w, into
    hw.samples[i] now (between scans: PadGroup.peak), through its first entry of the
    register table (the pad map before the entries holds its index + 1), the mux select
    lines always moved first (the next phase moves them back: a phase starts from an
    unknown select state). Returns hw.samples."""
    regs = hw._regw
    ps = ptr32(int(regs[0]) << 2)
    pc = ptr32(int(regs[1]) << 2)
    cs = ptr32(int(regs[2]) << 2)
    res = ptr32(int(regs[3]) << 2)
    t = ptr32(hw._regs_table)
    o = ptr16(hw.samples)
    settle = t[0]
    e = t[2]
    pm = e - t[1]  # the pad map
    i = 0
    while w:
        j = t[pm + i]
        if (w & 1) and j:
            k = e + 3 * (j - 1)
            ps[0] = t[k]
            pc[0] = t[k + 1]
            n = settle
            while n > 0:
                n -= 1
            cs[0] = (((t[k + 2] >> 16) & 0xFF) << 12) | 0x105
            while (cs[0] & 0x100) == 0:
                pass
            o[i] = res[0] & 0xFFF
        w >>= 1
        i += 1
    return hw.samples


# The interpreted twin (ARCHITECTURE.md): only where a test asks (compat.TWINS).
if TWINS:
    def read_block_twin(regs, set_i, clr_i, cs_i, res_i, table, out, p):
        """read_block in plain Python over an array('I') of registers (indexes into it):
        what the host tests compare the viper code against."""
        npads = table[1]
        e = table[2]
        peak = 0
        for j in range(table[3 + 2 * p], table[4 + 2 * p]):
            k = e + 3 * j
            w = table[k + 2]
            if w & 0x1000000:
                regs[set_i] = table[k]
                regs[clr_i] = table[k + 1]
            regs[cs_i] = ((w >> 16) & 0xFF) << 12 | _CS_START
            v = regs[res_i] & 0xFFF
            i = w & 0xFFFF
            out[i] = v
            if i < npads and v > peak:
                peak = v
        return peak


class Hardware:
    matrix_rows = 0  # (a key matrix's, when the board has one: hwsetup sets it)

    def __init__(self, board, slow_per_scan=2, uart_txbuf=256, uart_rxbuf=256, din_out=True, din_in=True):
        # The board dict is read here and not kept: parsed from JSON it is about 19 KB of
        # heap (on the 64-bit Unix port) that the scan loop never needs. The set-up is
        # hwsetup.py's (boot only, unloaded after boot); what it fills in:
        self._mem = machine.mem32
        self.plan: "ScanPlan"  # for building the controls; dropped after boot
        # The machine path's tables (_MP_START ...), as read_phase reads them: the scan plan's
        # phases (their first and end entries) and per entry its sample, select masks,
        # whether the select lines move first and its ADC read function; the addresses of
        # GPIO_OUT_SET and GPIO_OUT_CLR, which set the select lines. One attribute:
        # they go when the register path takes over (use_registers), and each attribute
        # more would have grown the table of the scan loop's most used object for good.
        self._mp: "tuple | None"
        self.samples: "array"
        self.registers: "tuple | None"  # the register path (use_registers), or None
        self.active_low_mask: int
        self.switch_mask: int
        self._mx_cols: bytearray
        self._mx_oe_set: int  # GPIO_OE_SET / GPIO_OE_CLR addresses, and each row's bit
        self._mx_oe_clr: int
        self._mx_bit: "array"
        self.uart = None
        self._wdt = None
        from midictl.hwsetup import setup

        setup(self, board, slow_per_scan, uart_txbuf, uart_rxbuf, din_out, din_in)

    def use_registers(self, set_reg, clr_reg, cs_reg, res_reg, settle):
        """Read the ADC through read_block at these register (byte) addresses."""
        self._regs_table = self.register_table(settle)
        self._regw = (set_reg >> 2, clr_reg >> 2, cs_reg >> 2, res_reg >> 2)
        self.registers = (set_reg, clr_reg, cs_reg, res_reg, settle)
        # read_phase from here on: the native read, bound once (the scan calls it directly)
        self.read_phase = self._read_registers
        # The machine path's tables are all in the register table now and nothing reads
        # them again: the board does not keep them (about 2 KB on the host's 64-bit port).
        self._mp = None

    def register_table(self, settle):
        """read_block's view of the scan plan, one array('I') (one buffer to look up per
        call, not six): [settle, npads, e, then per phase its first and end entry, then
        per pad its first entry + 1 (0: none; sample's pad map), then from word e per
        entry j: GPIO_OUT_SET mask, GPIO_OUT_CLR mask, sample index | ADC channel << 16 |
        move << 24]."""
        from array import array

        plan = self.plan
        mp = self._mp
        n = len(plan.select)
        pm = 3 + 2 * plan.phases
        e = pm + plan.npads
        t = array("I", [0] * (e + 3 * n))
        t[0] = settle
        t[1] = plan.npads
        t[2] = e
        for p in range(plan.phases):
            t[3 + 2 * p] = plan.start[p]
            t[4 + 2 * p] = plan.end[p]
        for j in range(n):
            t[e + 3 * j] = mp[_MP_SETS][j]  # pyright: ignore[reportOptionalSubscript]  (before use_registers)
            t[e + 3 * j + 1] = mp[_MP_CLRS][j]  # pyright: ignore[reportOptionalSubscript]
            t[e + 3 * j + 2] = plan.dest[j] | plan.adc[j] << 16 | mp[_MP_SWITCH][j] << 24  # pyright: ignore[reportOptionalSubscript]
            if plan.dest[j] < plan.npads and not t[pm + plan.dest[j]]:
                t[pm + plan.dest[j]] = j + 1
        return t

    # -- per scan --------------------------------------------------------------------------------
    _read_registers = read_block

    def read_phase(self, p):
        """Read every analog entry of scan phase p into self.samples (12-bit). Returns the
        highest pad sample read when it is known for free (the register path), else -1."""
        if self.registers is not None:
            return read_block(self._regw, self._regs_table, self.samples, p)
        self._read_adc(self._mp[_MP_START][p], self._mp[_MP_END][p])  # pyright: ignore[reportOptionalSubscript]
        return -1

    def sample(self, w):
        """Read pad i, for each bit i of w, into samples[i] now: between scans, for the
        pads collecting a strike's peak (PadGroup.peak). Returns samples. On the register
        path the native `sample` above (the module's, not this method) does it."""
        if self.registers is not None:
            return sample(self, w)
        dest = self._mp[_MP_DEST]  # pyright: ignore[reportOptionalSubscript]
        out = self.samples
        n = len(dest)
        j = 0
        while w and j < n:  # the entries in order: each pad of w at its first one
            i = dest[j]
            if (w >> i) & 1:  # its select lines moved (the next phase moves them back)
                w ^= 1 << i
                self._select(j)
                out[i] = self._mp[_MP_READ][j]() >> 4  # pyright: ignore[reportOptionalSubscript]
            j += 1
        return out

    # (machine.ADC's way, in two calls: each frame within the 11 slots MicroPython keeps on
    # the C stack, not taken from the heap every scan; see engine.py, Engine._out)
    def _read_adc(self, j, end):
        switch = self._mp[_MP_SWITCH]  # pyright: ignore[reportOptionalSubscript]
        read = self._mp[_MP_READ]  # pyright: ignore[reportOptionalSubscript]
        dest = self._mp[_MP_DEST]  # pyright: ignore[reportOptionalSubscript]
        samples = self.samples
        while j < end:
            if switch[j]:
                self._select(j)
            samples[dest[j]] = read[j]() >> 4
            j += 1

    def _select(self, j):
        # Select the channel; the 4067's switching time (well under 1 us at 3.3 V) and the
        # ADC input's settling are covered by the time the next statement takes (several us
        # on the chip).
        self._mem[self._mp[_MP_SET_REG]] = self._mp[_MP_SETS][j]  # pyright: ignore[reportOptionalSubscript]
        self._mem[self._mp[_MP_CLR_REG]] = self._mp[_MP_CLRS][j]  # pyright: ignore[reportOptionalSubscript]

    def scan_matrix(self, keys):
        """Drive each matrix row low in turn (its output enabled: its level is low) and hand
        keys.row(r, column levels) what the columns read (bit c = column c, low = pressed),
        releasing the row before the next (an input again, pulled up). The columns settle
        between the row write and the read in the time one statement takes."""
        r = 0
        while r < self.matrix_rows:
            keys.row(r, self._read_row(r))
            r += 1

    def _read_row(self, r):
        # (a call of its own: few locals, so no frame from the heap, see engine.py's Engine._out)
        m = self._mem
        b = self._mx_bit[r]
        m[self._mx_oe_set] = b
        v = m[_GPIO_IN]
        m[self._mx_oe_clr] = b
        cols = self._mx_cols
        lv = 0
        c = 0
        while c < len(cols):
            if (v >> cols[c]) & 1:
                lv |= 1 << c
            c += 1
        return lv

    def gpio(self):
        """Every GPIO level in one read (bit n = GPIO n)."""
        return self._mem[_GPIO_IN]

    def pressed_bits(self):
        """Switch levels with active-low switches inverted: bit set = pressed."""
        return (self._mem[_GPIO_IN] ^ self.active_low_mask) & self.switch_mask

    def encoder_irq(self, pin_a, pin_b, edge):
        """Call edge(a, b) from a hard interrupt on every change of either pin."""
        m = self._mem

        def handler(_pin):
            v = m[_GPIO_IN]
            edge((v >> pin_a) & 1, (v >> pin_b) & 1)

        trig = machine.Pin.IRQ_RISING | machine.Pin.IRQ_FALLING
        for p in (pin_a, pin_b):
            machine.Pin(p).irq(handler=handler, trigger=trig, hard=True)
        return handler

    # -- watchdog --------------------------------------------------------------------------------
    def watchdog(self, timeout_ms):
        """The scan loop feeds the watchdog itself from here on (boot.py armed it)."""
        if timeout_ms and _wdt is None:
            arm_watchdog(timeout_ms)
        _stop_keeper()
        self._wdt = _wdt

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()

    def keep_alive(self):
        """The scan loop has stopped for the REPL (Ctrl-C, or mpremote taking over): a soft
        timer feeds the watchdog again, or the board would reset two seconds into every
        REPL session."""
        if _wdt is not None:
            _start_keeper()


# The hardware watchdog cannot be stopped once started on the rp2 port, and a soft reset
# (mpremote does one in its raw REPL, where main.py does not run) keeps it running. So
# boot.py arms it and a soft timer feeds it whenever the scan loop is not running: the scan
# loop takes over while it plays, and a hung loop is reset by the hardware.
_wdt = None
_wdt_ms = 0
_keeper = None


def arm_watchdog(timeout_ms):
    global _wdt, _wdt_ms
    if not timeout_ms:
        return
    _wdt = machine.WDT(timeout=timeout_ms)
    _wdt_ms = timeout_ms
    _start_keeper()


def _start_keeper():
    global _keeper
    wdt = _wdt
    if wdt is None:
        return
    _stop_keeper()

    def feed(_t):
        wdt.feed()

    # Four feeds a timeout, whatever the timeout: a floor on the period (it was 100 ms) would
    # starve a short watchdog (the config takes 1000 ms at least: config.WATCHDOG_MIN_MS).
    _keeper = machine.Timer(-1, period=_wdt_ms // 4 or 1, callback=feed)


def _stop_keeper():
    global _keeper
    if _keeper is not None:
        _keeper.deinit()
        _keeper = None


def switch_pressed(board, name):
    """Read one switch at start-up (safe mode)."""
    w = board["controls"][name]
    low = w.get("active", "low") == "low"
    pin = machine.Pin(w["pin"], machine.Pin.IN, machine.Pin.PULL_UP if low else machine.Pin.PULL_DOWN)
    return pin.value() == (0 if low else 1)


_blink = None


def blink_error(board):
    """Blink the board LED in the error pattern (two short flashes a second) from a timer,
    so the REPL stays free."""
    global _blink
    spec = board.get("led")
    if not spec or spec.get("type") != "pin":
        return
    led = machine.Pin(spec["pin"], machine.Pin.OUT)
    phase = [0]

    def tick(_t):
        phase[0] = (phase[0] + 1) % 10
        led.value(1 if phase[0] in (0, 2) else 0)

    try:
        _blink = machine.Timer(-1, period=100, callback=tick)
    except Exception:
        led.value(1)
