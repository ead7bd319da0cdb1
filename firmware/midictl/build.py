# Building the controller's controls from the board definition and the config: which
# class each control is, its mapping (and shift mapping), its coalescing slot on the DIN
# queue, and the tables the scan loop indexes (switch by GPIO, key by matrix position,
# analog control by sample). Runs once at boot, from Controller.__init__; nothing built
# here refers back to this module, so startup.unload_boot_modules() can free it after boot
# (classes the scan loop uses live in the controls modules).

import sys
from array import array

from midictl.controls.adcfilter import AdcFilter, FilterBank
from midictl.controls.buttons import ModeButton
from midictl.controls.debounce import BitDebouncer
from midictl.controls.encoder import DEFAULT_ACCEL, EncoderCC, Quadrature
from midictl.controls.knob import Knob
from midictl.controls.modes import LayerSink
from midictl.controls.pads import PadGroup
from midictl.controls.stick import Stick
from midictl.controls.velocity import make_curve
from midictl.names import natural_sorted

SWITCH_LOCKOUT_MS = 8  # longer than the 5 ms of bounce a switch may show


def build_controls(ctl, board, cfg):
    """Set up ctl's controls and scan tables (ctl: the Controller being built)."""
    mappings = cfg["controls"]
    wiring = board["controls"]
    plan = ctl.hw.plan
    eng = ctl.engine
    modes = ctl.modes
    names = natural_sorted(wiring)  # a stable order: pad2 before pad10
    ctl.pads = PadGroup(eng, max(1, plan.npads), modes)
    analog: list = [None] * plan.count  # sample index -> (owner, filter, shift owner, its filter)
    # (channel << 7 | cc) -> knob, for soft takeover (a 14-bit one's MSB and LSB), or the
    # channel's NrpnIn under its NRPN controllers (CC 6, 38, 98..101, 121) when it has nrpn knobs
    ctl.feedback = {}
    # the MIDI clock (controls/transport.py), before a tap tempo button; or with none, a note
    # repeat, whose own clock the board's LED shows
    if cfg["clock_bpm"] or any(m["type"] == "note_repeat" for m in mappings.values()):
        from midictl.controls import transport

        transport.build(ctl, None, cfg["clock_bpm"], board)
    ctl.encoders = []
    ctl.encoders_moved = bytearray(1)  # every encoder's Quadrature.moved
    switch_at: list = [None] * 30  # GPIO -> (0, pad index) or (1, button)
    ctl.switch_at = switch_at
    ctl.knobs = []
    curves = {}
    # A shift pair's knobs forward through a LayerSink per layer: it holds no state of its
    # own, so every knob of a layer shares one.
    sinks = (LayerSink(eng, modes, False), LayerSink(eng, modes, True))
    mx = board.get("matrix")
    ncols = len(mx["cols"]) if mx else 0
    if mx:
        from midictl.controls.matrix import KeyMatrix  # only boards with a matrix load it

        ctl.keys = KeyMatrix(len(mx["rows"]), ncols, mx.get("diodes", True), SWITCH_LOCKOUT_MS)
    key_at: list = [None] * (len(mx["rows"]) * ncols if mx else 0)
    nrpn: dict = {}  # channel -> {parameter: nrpn knob}, for their MIDI IN feedback
    for name in names:
        w = wiring[name]
        m = mappings[name]
        t = m["type"]
        kind = w["kind"]
        if t == "none":
            continue
        if kind in ("piezo", "fsr") or (kind == "switch" and name.startswith("pad") and t == "note"):
            i = int(name[3:]) - 1
            ch = m["channel"] - 1
            eng.note_channels |= 1 << ch
            if kind == "switch":
                ctl.pads.set_pad(i, "switch", ch, m["note"], velocity=m["velocity"])
                switch_at[w["pin"]] = (0, i)
            else:
                # Pads with the same curve share one table: 16 identical 128-entry tables
                # would cost boot time and heap for nothing.
                ck = (m["curve"], m["velocity_min"], m["velocity_max"], m["velocity"],
                      tuple(m["table"]) if m["table"] else None)
                curve = curves.get(ck)
                if curve is None:
                    curve = curves[ck] = make_curve(m["curve"], m["velocity_min"], m["velocity_max"],
                                                    m["velocity"], m["table"])
                try:
                    ctl.pads.set_pad(i, kind, ch, m["note"], curve, m["threshold"], m["gate_ms"],
                                     m["pressure"], hold_ms=w.get("peak_hold_ms", 0), mask_ms=m["mask_ms"],
                                     full_scale=m["full_scale"], crosstalk_pct=m["crosstalk_pct"],
                                     window_ms=m["window_ms"])
                except ValueError as e:
                    # set_pad's refusal names its parameter first: the config's field of the
                    # same name, or hold_ms, the board's peak_hold_ms
                    what = str(e).split(" ", 1)[0]
                    raise ValueError("controls.%s.%s: %s" % (name, "peak_hold_ms" if what == "hold_ms" else what, e))
                if m["pressure"] != "off" and ctl.din:
                    key = ((0xA0 | ch) << 7) if m["pressure"] == "poly" else ((0xD0 | ch) << 7)
                    ctl.din.slot(key | (m["note"] if m["pressure"] == "poly" else 0))
        elif kind in ("pot", "stick"):
            analog[plan.index[name]] = _analog(ctl, m, sinks, nrpn)
        elif kind == "encoder":
            a, b = w["pins"]
            q = Quadrature(m["steps_per_detent"])
            q.moved = ctl.encoders_moved
            sh = m.get("shift")
            shift = (sh["channel"] - 1, sh["cc"]) if sh else None
            e = EncoderCC(eng, q, m["channel"] - 1, m["cc"], t == "cc_relative",
                          m.get("encoding", "twos_complement"), m.get("min", 0), m.get("max", 127),
                          m.get("min", 0), DEFAULT_ACCEL if m["accel"] else None, modes, shift)
            if t == "cc_absolute":
                if ctl.din:
                    ctl.din.slot(((0xB0 | (m["channel"] - 1)) << 7) | m["cc"])
                # MIDI IN feedback on its own controller: the receiver's value, counted on from;
                # and on the shift layer's, which counts its own (unless it is the same one)
                ctl.feedback[((m["channel"] - 1) << 7) | m["cc"]] = e
                if shift is not None and e._shift is not None:
                    from midictl.controls.encoder import ShiftFeedback

                    if ctl.din:
                        ctl.din.slot(((0xB0 | shift[0]) << 7) | shift[1])
                    ctl.feedback.setdefault((shift[0] << 7) | shift[1], ShiftFeedback(e))
            ctl.hw.encoder_irq(a, b, q.poll)
            ctl.encoders.append(e)
        elif kind == "switch":
            obj = _button(ctl, m, name)
            switch_at[w["pin"]] = (1, obj)
            if t == "note":  # each layer's channel gets its row of counts and All Notes Off
                eng.note_channels |= (1 << (m["channel"] - 1)) | (1 << ((m.get("shift") or m)["channel"] - 1))
        elif kind == "key":
            r, c = w["matrix"]
            key_at[r * ncols + c] = _button(ctl, m, name)
            if t == "note":
                eng.note_channels |= (1 << (m["channel"] - 1)) | (1 << ((m.get("shift") or m)["channel"] - 1))
    if nrpn:
        _nrpn_feedback(ctl.feedback, nrpn)
    if 0x1000 in ctl.feedback:  # (controls/transport.py is loaded) a note repeat's note buttons
        from midictl.controls import transport

        transport.keys(ctl, [s[1] for s in switch_at if s is not None and s[0]] + key_at)
    ctl.engine.trim(eng.note_channels)
    # The hardware layer already turns active-low pins into pressed = 1. A bit for each GPIO
    # up to the highest switch's: the debouncer keeps a time for each, and walks them while
    # a lockout runs.
    n = 1
    while ctl.hw.switch_mask >> n:
        n += 1
    ctl.debounce = BitDebouncer(n, SWITCH_LOCKOUT_MS, active_low=False)
    ctl.pads_count = plan.npads
    # The pad group reads exactly its own pads: a view of the first npads samples.
    ctl.pad_samples = memoryview(ctl.hw.samples)[:max(1, plan.npads)]
    ctl.filters = _filters(analog, plan.slow_in)
    _fast_knobs(ctl)
    if ctl.din:
        ctl.din.trim()  # every DIN coalescing slot is registered by now
    if ctl.usb is not None:
        # what a USB host that missed it is sent: the absolute encoders' controllers, each
        # layer's (the shift layer's with its key: its own value, in free bits of the key's
        # entry, as a CC button's); each CC button's controller in each of its layers, and
        # each channel's Program Change (its program buttons'), with the key each sends with
        # (usbout._levels')
        more = [e for e in ctl.encoders if not e.relative]
        more += [(e, ((0xB0 | e._shift[0]) << 7) | e._shift[1]) for e in more if e._shift is not None]
        for name in names:
            m = mappings[name]
            if m["type"] in ("cc_momentary", "cc_toggle"):
                w = wiring[name]
                b = switch_at[w["pin"]][1] if w["kind"] == "switch" else key_at[w["matrix"][0] * ncols + w["matrix"][1]]
                more.append((b, ((0xAF + m["channel"]) << 7) | m["cc"]))
                sh = m.get("shift")
                if sh and ((0xAF + sh["channel"]) << 7) | sh["cc"] != more[-1][1]:
                    more.append((b, ((0xAF + sh["channel"]) << 7) | sh["cc"]))
        more += [(p, (0xC0 | (k & 15)) << 7) for k, p in sorted(ctl.feedback.items()) if k & 0x800]
        _usb_knobs(ctl.usb, ctl.knobs, more)
    # the scan's look-up tables, fixed from here: tuples (a list keeps room for more, and an
    # empty one is 64 bytes here)
    ctl.switch_at = tuple(switch_at)
    if key_at:
        ctl.key_at = tuple(key_at)
    ctl.knobs = tuple(ctl.knobs)
    ctl.encoders = tuple(ctl.encoders)
    # (every pad is set: no set_pad() after this)
    ctl.pads._curve = tuple(ctl.pads._curve)  # pyright: ignore[reportAttributeAccessIssue]


def _usb_knobs(usb, knobs, encoders=()):
    # What the USB port sends a host that missed it (UsbOut.knobs): the knobs', the
    # absolute encoders' main layers' (encoders: those, and other controls each with the
    # key it sends with: build_controls'), but those on what its table tracks already
    # (modulation, the pedals, channel pressure) and on the channel mode messages (CC
    # 120..127), which are not to be sent again; with the key each sends with (Engine.cc,
    # cc14, nrpn's).
    ks = []
    keys = []
    for k in list(knobs) + list(encoders):
        if type(k) is tuple:
            k, key = k
        elif k._kind == 2:
            key = (1 << 20) | (k.channel << 14) | k.number
        else:
            key = ((0xB0 | k.channel) << 7) | k.number
        if k._kind in (1, 2) or k._kind == 0 and (key & 127) not in (1, 64, 66) and key & 127 < 120:
            ks.append(k)
            keys.append(key)
    usb.knobs = tuple(ks)
    usb.knob_keys = array("I", keys)


# adcfilter.py's: a filter's ints in FilterBank.state and in its `fast` (a const() of
# another module is not importable under MicroPython; host_tests compares them)
_STRIDE = const(8)
_FSTRIDE = const(8)
_TOP = const(4095 << 4)


def filter_bank(phases):
    """A FilterBank of `phases`: per scan phase in scan order, its filters' rows (owner,
    f, sample, second): owner._moved(r, anchor) is called whenever filter f (an AdcFilter
    whose parameters and starting state are taken) moves, reading samples[sample]; then
    the same for `second`, if not None (a shift layer's knob sharing the filter). f may be
    the owner itself, or a filter of its own when the owner was built banked (no filter
    state kept on it: smaller)."""
    bank = FilterBank()
    bounds = []  # per phase: its first filter, the end of its run
    rows = []
    for ph in phases:
        bounds.append(len(rows))
        rows += ph
        bounds.append(len(rows))
    st = array("i", bytes(4 * _STRIDE * len(rows)))
    for e, (_, f, sample, _) in enumerate(rows):
        b = e * _STRIDE
        st[b] = f._y
        st[b + 1] = f.anchor
        st[b + 2] = f._n
        st[b + 3] = f._quiet
        st[b + 4] = f._lo
        st[b + 5] = f._hi
        st[b + 6] = f._h
        st[b + 7] = sample
    # (tuples: a list keeps room for more)
    bank.owners = tuple([r[0] for r in rows])
    bank.seconds = tuple([r[3] for r in rows])
    bank.state = st
    bank.why = bytearray(max(1, len(rows)))
    bank.fast = array("i", bytes(8 * _FSTRIDE * max(1, len(rows))))
    bank.bounds = array("H", bounds or [0, 0])
    return bank


def fast_cc(bank, e, which, knob, layer, engine, modes, din, usb):
    """The bank's filter e's owner (which 0) or shift layer's knob (which 1), `knob`, is
    a plain CC knob that sends to `engine` (layer 1), or through a LayerSink to it while
    `modes`' shift layer is off (2) or on (3); the engine sends to exactly `din` and `usb`
    (either may be None). The native run then does what knob._moved(MOVED) and engine.cc()
    would, without an interpreted frame: a knob message costs a fraction of those calls.
    The bytes are what the interpreted path sends, in the same order; the twin keeps
    calling _moved(), and a host test compares the two. For the owner only if for its
    second too; `din` needs the knob's coalescing slot registered."""
    f = e * 2 * _FSTRIDE + which * _FSTRIDE
    fk = bank.fast
    fk[f] = layer
    fk[f + 1] = knob._lo
    fk[f + 2] = (_TOP - knob._lo - knob._lo) >> 2  # (Knob._moved's span)
    fk[f + 3] = knob.min
    fk[f + 4] = knob.max - knob.min
    fk[f + 5] = 1 if knob._invert else 0
    st = 0xB0 | knob.channel
    fk[f + 6] = st | knob.number << 8 | (0x10000 if usb is not None else 0)
    fk[f + 7] = din.slot(st << 7 | knob.number) + 1 if din is not None else 0  # (its registered slot)
    bank.engine = engine  # (whose scratch buffer the native run makes the messages in)
    bank.modes = modes
    bank.din = din
    bank.usb = usb


def _filters(analog, slow_in):
    # Every knob's and stick's filter in one FilterBank, phase by phase in scan order. A
    # knob with a shift mapping is one Knob per layer, both fed every reading: when their
    # filters are alike (the same dead zone: the usual case), both would compute the same
    # anchor from the same readings, so the filter runs once and both take its anchor
    # whenever it moves, first the main layer's then the shift layer's (the same
    # messages, half the filtering); with different filters, two.
    phases = []
    for ks in slow_in:
        rows = []
        for k in ks:
            row = analog[k]
            if row is None:
                continue
            a, fa, b, fb = row
            if b is None:
                rows.append((a, fa, k, None))
            elif fa._lo == fb._lo and fa._hi == fb._hi and fa._h == fb._h:
                rows.append((a, fa, k, b))
            else:
                rows.append((a, fa, k, None))
                rows.append((b, fb, k, None))
        phases.append(rows)
    bank = filter_bank(phases)
    # each knob learns where its filter is: MIDI IN feedback reads whether it is being turned;
    # and one whose attribute table that fills (min, invert or takeover set) gets room
    for e in range(len(bank.owners)):
        for k in (bank.owners[e], bank.seconds[e]):
            if type(k) is Knob:
                k._e = e
                if len(k.__dict__) in _SIZES:
                    spare_slots(k)
    return bank


def _fast_knobs(ctl):
    # The knobs whose messages the FilterBank's native run may send itself: plain CC
    # knobs without soft takeover, playing into the engine directly or through a shift
    # layer, with a controller number below the channel mode messages (120..127) and other
    # than the pedals' (64, 66), all of which the USB port also tracks (modulation's, 1, the
    # native run keeps as UsbOut.send does), and an engine sending to the DIN and USB ports built
    # here and nothing else. A shift layer's knob shares its owner's filter: both are
    # taken, or neither.
    bank = ctl.filters
    eng = ctl.engine
    din = ctl.din
    usb = ctl.usb
    if eng.ports != [p for p in (din, usb) if p is not None]:
        return
    for e in range(len(bank.owners)):
        ks = (bank.owners[e], bank.seconds[e])
        layers = [_fast_layer(ctl, k) for k in ks]
        if layers[0] and (ks[1] is None or layers[1]):
            for which in (0, 1):
                if ks[which] is not None:
                    fast_cc(bank, e, which, ks[which], layers[which], eng, ctl.modes, din, usb)


def _fast_layer(ctl, k):
    # 1: k sends straight to the engine; 2, 3: through the main or shift LayerSink; 0: k
    # is not a knob the native run may send for
    if type(k) is not Knob or k._kind != 0 or k.takeover or k.number >= 120 or k.number == 64 or k.number == 66:
        return 0
    s = k._sink
    if s is ctl.engine:
        return 1
    if type(s) is LayerSink and s._sink is ctl.engine and s._modes is ctl.modes:
        return 3 if s._layer else 2
    return 0


def _nrpn_feedback(feedback, nrpn):
    # An NrpnIn per channel with nrpn knobs, under that channel's NRPN controllers: once every
    # cc knob is in (whichever the order of the names), so that one on such a controller is
    # known to it and still gets its Control Change (NrpnIn.taken). Only here is nrpnin.py
    # loaded: a layout without nrpn knobs neither holds it nor looks at these controllers.
    from midictl.controls.nrpnin import CONTROLLERS, NrpnIn

    for ch in nrpn:
        n = NrpnIn(nrpn[ch])
        for c in CONTROLLERS:
            k = feedback.get((ch << 7) | c)
            if k is not None:
                n.taken[c] = k
            feedback[(ch << 7) | c] = n


def _analog(ctl, m, sinks, nrpn):
    # (owner, filter) for the main layer and (owner, filter) or (None, None) for the shift
    # layer. The owners are built banked: the FilterBank keeps the filter state, each
    # owner only what its _moved() needs; the filters here are dropped once the bank has
    # taken their parameters.
    t = m["type"]
    row: list = [None, None, None, None]
    for layer, mm in ((False, m), (True, m.get("shift"))):
        if mm is None:
            continue
        sink = sinks[layer] if "shift" in m else ctl.engine
        ch = mm["channel"] - 1
        if t == "bend":
            o = Stick(sink, ch, 2048, mm["centre_deadzone"], mm["deadzone"], mm["invert"], banked=True)
            key = (0xE0 | ch) << 7
        else:
            number = {"cc": mm.get("cc", 0), "cc14": mm.get("cc14", 0), "nrpn": mm.get("param", 0)}.get(t, 0)
            o = Knob(sink, ch, number, t, mm["min"], mm["max"], mm["invert"], mm.get("takeover", False),
                     mm["deadzone"], banked=True)
            if t == "nrpn":
                key = (1 << 20) | (ch << 14) | number
            elif t == "channel_pressure":
                key = (0xD0 | ch) << 7
            else:
                key = ((0xB0 | ch) << 7) | number
            if t in ("cc", "cc14"):
                ctl.feedback[(ch << 7) | number] = o
            elif t == "nrpn":  # fed by a channel's NrpnIn (_nrpn_feedback)
                nrpn.setdefault(ch, {})[number] = o
            if t == "cc14" and ((ch << 7) | (number + 32)) not in ctl.feedback:
                # the LSB too (Knob.feedback); a knob whose own controller it is keeps it
                ctl.feedback[(ch << 7) | (number + 32)] = o
            ctl.knobs.append(o)
        if ctl.din:
            ctl.din.slot(key)
        row[2 * layer] = o
        f = AdcFilter(mm["deadzone"])
        if t == "bend":
            f._h |= 0x10000  # (adcfilter._FINE: a 14-bit output's filter follows a bend closer)
        row[2 * layer + 1] = f
    return row

def _button(ctl, m, name):
    t = m["type"]
    eng = ctl.engine
    modes = ctl.modes
    sh = m.get("shift")
    # Note, CC and program buttons' modules are loaded only for a config that has one.
    if t in ("cc_momentary", "cc_toggle"):
        from midictl.controls.layered import CCButton

        shift = (sh["channel"] - 1, sh["cc"]) if sh else None
        b = CCButton(eng, m["channel"] - 1, m["cc"], m["value"], m["off_value"], t == "cc_toggle", modes, shift)
        if b.holds_pedal():
            eng.latches = eng.latches + (b,)
        return b
    if t == "note":
        from midictl.controls.layered import NoteButton

        shift = (sh["channel"] - 1, sh["note"]) if sh else None
        return NoteButton(eng, m["channel"] - 1, m["note"], m["velocity"], modes, shift)
    if t in ("program", "program_up", "program_down"):
        from midictl.controls.program import ProgramButton, Programs

        # one current program per channel, shared by its buttons, and MIDI IN's Program
        # Change on it (under 0x800 | channel: no Control Change's key)
        ch = m["channel"] - 1
        progs = ctl.feedback.get(0x800 | ch)
        if progs is None:
            progs = ctl.feedback[0x800 | ch] = Programs(eng, ch)
            # and MIDI IN's Bank Select on the channel (a knob on CC 0 or 32 keeps its own)
            ctl.feedback.setdefault(ch << 7, progs)
            ctl.feedback.setdefault((ch << 7) | 32, progs)
        if t == "program":
            return ProgramButton(progs, program=m["program"], bank=m.get("bank"))
        return ProgramButton(progs, step=1 if t == "program_up" else -1)
    if t == "transport" or t == "tap_tempo" or t == "note_repeat":
        from midictl.controls import transport

        return transport.build(ctl, m, 0)  # (the clock, if any, is built)
    # panic: the controller's, which also ends the notes MIDI IN started on DIN OUT
    return ModeButton(modes, t, m.get("step", m.get("velocity", 1)), ctl if t == "panic" else eng)

# MicroPython fills an object's attribute table completely before it grows it (py/map.c;
# compat.room does the same for module globals), and a method call looks for its name
# among the instance's attributes first: a miss probes slot after slot up to a free one.
# In a table 35 of 37 full (PadGroup's), each call of one of its methods cost 0.12 us
# more than with free slots, and the scan loop calls such methods on most of its objects
# every scan. _SIZES: the sizes the table steps through from an empty instance.
_SIZES = (1, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127)
# The names added for a moment: the firmware's own interned names (builtins), so none is
# made in RAM; those an object already has (BitDebouncer.all) are passed over.
_SPARE = ("abs", "all", "any", "bin", "chr", "dir", "hex", "iter", "len", "max", "min", "next", "oct", "ord",
          "pow", "repr", "sum", "sorted", "callable", "divmod", "globals", "locals", "hash", "round")


def spare_slots(obj):
    """Grow obj's attribute table by one size (about a fifth of it left free): add names
    until it must grow, then delete them (the table keeps its new size; a deleted name's
    slot still lengthens a probe, so this is as much as one growth buys). Assumes no
    attribute of obj was ever deleted, so its table's size follows from len(__dict__)."""
    if sys.implementation.name != "micropython":
        return  # CPython's dicts are not MicroPython's maps
    d = obj.__dict__
    n = len(d)
    for size in _SIZES:
        if size >= n:
            names = [name for name in _SPARE if name not in d][:size - n + 1]
            for name in names:
                setattr(obj, name, None)
            for name in names:
                delattr(obj, name)
            return


def leave_room(ctl):
    """spare_slots() on every object whose methods the scan loop (or an encoder's pin
    interrupt) calls every scan or every message: once, when the controller is built. Not
    the knobs and buttons: the native filter pass only reads a knob's attributes (found
    at once in any table), and their methods run once per move or press, where the ~100
    bytes a bigger table costs each would add up for little."""
    objs = [ctl, ctl.hw, ctl.engine, ctl.modes, ctl.pads, ctl.filters, ctl.debounce, ctl.din, ctl.usb, ctl.keys]
    if ctl.usb is not None:
        objs.append(ctl._usb_itf)
    if ctl.din is not None:
        objs.append(ctl.din.running)
    for e in ctl.encoders:
        objs.append(e)
        objs.append(e._q)
    for o in objs:
        if o is not None:
            spare_slots(o)


# -- running ---------------------------------------------------------------------------------
