"""Seeded MIDI IN streams for the whole-firmware robustness tests, each with what an
independent parser (mido) makes of it.

din_stream(rng, n) -> (chunks, mido_bytes)
    chunks: byte strings to send as consecutive din_in events. They hold valid messages
    with running status, real-time bytes inside messages and SysEx, truncated messages,
    stray data bytes, undefined status bytes (F4 F5 between or inside messages, F9 FD
    between them), stray F7, unterminated SysEx, and SysEx longer than the firmware's
    128-byte buffer. mido_bytes: the same content as mido expects it (no running status,
    real-time bytes before the message they interrupt, and an unterminated SysEx long
    enough to have gone on in parts as the firmware closes it: its whole parts, then an
    F7); mido.Parser(mido_bytes) then gives exactly the messages the firmware must pass on
    (sysex_size 128, in parts of 126: midictl/midi/parser.py).

usb_stream(rng, n) -> (packets, flat_bytes): valid USB-MIDI event packets (cable 0) of the
    same kinds of messages, SysEx split over CIN 4/5/6/7 packets, some of them (long_sysex)
    up to 700 bytes, which the firmware passes on to DIN OUT in parts; flat_bytes the messages.
"""
SYSEX_MAX = 128  # the firmware's MIDI IN SysEx buffer, F0 and F7 included
PART = 126  # the parts a longer one goes on in (the buffer's multiple of 3)
REALTIME = (0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF)
_VOICE_DATA = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


def _d(rng):
    return rng.randint(0, 127)


def random_message(rng, channels=(0, 1)):
    """One complete valid message, status first (few channels, so running status runs)."""
    k = rng.random()
    if k < 0.75:
        hi = rng.choice((0x90, 0x90, 0x80, 0xB0, 0xA0, 0xC0, 0xD0, 0xE0))
        st = hi | rng.choice(channels)
        return bytes([st] + [_d(rng) for _ in range(_VOICE_DATA[hi])])
    if k < 0.85:
        st = rng.choice((0xF1, 0xF2, 0xF3, 0xF6))
        return bytes([st] + [_d(rng) for _ in range({0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0}[st])])
    if k < 0.95:
        n = rng.choice((0, 1, 5, 40, 126))  # 126 payload bytes: exactly the 128-byte buffer
        return bytes([0xF0] + [_d(rng) for _ in range(n)] + [0xF7])
    return bytes([rng.choice(REALTIME)])


def din_stream(rng, n):
    chunks = []
    mido = bytearray()
    running = 0  # the firmware parser's running status after what was sent so far
    for _ in range(n):
        k = rng.random()
        if k < 0.6:
            m = random_message(rng)
            wire = list(m)
            if m[0] < 0xF0 and m[0] == running and rng.random() < 0.8:
                wire = wire[1:]  # running status
            if len(m) > 1 and rng.random() < 0.3:
                # real-time bytes anywhere before the last byte (inside SysEx too)
                for _j in range(rng.randint(1, 2)):
                    wire.insert(rng.randint(0, len(wire) - 1), rng.choice(REALTIME))
            if m[0] < 0xF0 and len(wire) > 2 and rng.random() < 0.1:
                wire.insert(rng.randint(1, len(wire) - 1), rng.choice((0xF4, 0xF5)))  # ignored by both
            chunks.append(bytes(wire))
            if m[0] == 0xF0 or m[0] >= 0xF8:
                mido += bytes(wire)  # mido, too, reports real-time inside SysEx at once
            else:
                mido += bytes(b for b in wire if b >= 0xF8) + m
            running = m[0] if m[0] < 0xF0 else (running if m[0] >= 0xF8 else 0)
        elif k < 0.7:
            # truncated: a status and fewer data bytes than it takes, then a status byte
            st = rng.choice((0x90, 0x91, 0xB0, 0xE1, 0xF2))  # each takes two data bytes
            part = bytes([st] + [_d(rng) for _ in range(rng.randint(0, 1))])
            nxt = random_message(rng)
            while nxt[0] >= 0xF8:
                nxt = random_message(rng)
            chunks.append(part + nxt)
            mido += part + nxt
            running = nxt[0] if nxt[0] < 0xF0 else 0
        elif k < 0.78:
            # a SysEx longer than the buffer: passed on in parts by the firmware, whole in mido
            body = bytes(_d(rng) for _ in range(rng.randint(SYSEX_MAX - 1, 300)))
            m = bytes([0xF0]) + body + bytes([0xF7])
            chunks.append(m)
            mido += m
            running = 0
        elif k < 0.84:
            # an unterminated SysEx cut by a new status: both drop it, unless it was long
            # enough for a part (126 bytes) to go on: those then go, closed with an F7
            body = bytes(_d(rng) for _ in range(rng.randint(0, 300)))
            nxt = random_message(rng)
            while nxt[0] >= 0xF8:
                nxt = random_message(rng)
            chunks.append(bytes([0xF0]) + body + nxt)
            parts = (1 + len(body)) // PART * PART
            mido += (bytes([0xF0]) + body)[:parts] + (b"\xf7" if parts else bytes([0xF0]) + body) + nxt
            running = nxt[0] if nxt[0] < 0xF0 else 0
        elif k < 0.9:
            # stray data bytes after a system common message (nothing to run on)
            m = bytes([0xF6]) + bytes(_d(rng) for _ in range(rng.randint(1, 5)))
            chunks.append(m)
            mido += m
            running = 0
        else:
            # undefined and stray status bytes between messages: no effect on either, but
            # F4 F5 (system common) end the firmware's running status
            b = bytes(rng.choice((0xF4, 0xF5, 0xF9, 0xFD, 0xF7)) for _ in range(rng.randint(1, 3)))
            chunks.append(b)
            mido += b
            if 0xF4 in b or 0xF5 in b:
                running = 0
    return chunks, bytes(mido)


def usb_packets(m, cable=0):
    """USB-MIDI 1.0 event packets (Table 4-1) of one complete message."""
    c = cable << 4
    st = m[0]
    if st >= 0xF8:
        return [bytes([c | 0xF, st, 0, 0])]
    if st < 0xF0:
        return [bytes([c | (st >> 4)]) + m + bytes(3 - len(m))]
    if st == 0xF0:
        out = []
        i = 0
        while len(m) - i > 3:
            out.append(bytes([c | 0x4]) + m[i:i + 3])
            i += 3
        rest = m[i:]
        out.append(bytes([c | (0x4 + len(rest))]) + rest + bytes(3 - len(rest)))
        return out
    n = len(m)
    cin = {1: 0x5, 2: 0x2, 3: 0x3}[n]
    return [bytes([c | cin]) + m + bytes(3 - n)]


def usb_stream(rng, n, long_sysex=True):
    pkts = []
    flat = bytearray()
    for _ in range(n):
        if long_sysex and rng.random() < 0.05:
            m = bytes([0xF0] + [_d(rng) for _ in range(rng.randint(SYSEX_MAX - 1, 698))] + [0xF7])
        else:
            m = random_message(rng)
        pkts.append(usb_packets(m))
        flat += m
    return pkts, bytes(flat)
