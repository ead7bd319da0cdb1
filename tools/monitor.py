#!/usr/bin/env python3
"""Host MIDI monitor for a real controller, and a decoder for raw DIN dumps.

    monitor.py --list                          MIDI ports on this computer
    monitor.py --port NAME [--record out.mid]  print what a port receives (Ctrl-C ends)
    monitor.py --dump FILE [--hex]             decode a raw DIN byte dump

Live lines are `<ms since start>  IN  <message>`, in the view shared with the simulator
(tools/midiview.py). Dump lines give the byte offset of each message instead of a time,
then the bytes as they were on the wire (running status shows as a missing status byte),
then the full message. A dump is binary, or with --hex text such as "90 3C 64 3E 00"
(bytes separated by blanks or commas, "0x" prefixes allowed, "#" starts a comment, and
runs like "903C64" split into bytes).

Errors (no MIDI system, unknown port, unreadable file, bad hex) are one line on stderr
and exit status 1; usage errors exit 2. Real ports need python-rtmidi (see hostmidi.py).
"""
import argparse
import os
import sys
import time

import hostmidi
import midifile
import midiview

PORT_LABEL = "IN"


class MonitorError(Exception):
    pass


def parse_hex(text, source="<hex>"):
    """Hex text -> bytes; MonitorError naming the line and token otherwise."""
    out = bytearray()
    for lineno, line in enumerate(text.splitlines(), 1):
        for token in line.split("#", 1)[0].replace(",", " ").split():
            digits = token[2:] if token.lower().startswith("0x") else token
            try:
                if len(digits) <= 2:
                    out.append(int(digits, 16))
                elif len(digits) % 2 == 0:
                    out += bytes.fromhex(digits)
                else:
                    raise ValueError(token)
            except ValueError:
                raise MonitorError("%s: line %d: %r is not a hex byte (00..FF)" % (source, lineno, token))
    return bytes(out)


def read_dump(path, as_hex):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise MonitorError("cannot read %s: %s" % (path, e.strerror or e))
    if not as_hex:
        return raw
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as e:
        raise MonitorError("%s: byte %d is not text; leave out --hex for a binary dump" % (path, e.start))
    return parse_hex(text, path)


def dump(path, as_hex, out):
    for offset, msg, wire in midiview.decode_din(read_dump(path, as_hex)):
        out.write(midiview.format_dump_line(offset, wire, msg) + "\n")


def list_ports(backend, out):
    for title, names in (("MIDI inputs:", hostmidi.list_inputs(backend)),
                         ("MIDI outputs:", hostmidi.list_outputs(backend))):
        out.write(title + "\n")
        for n in names or ["(none)"]:
            out.write("  " + n + "\n")


def watch(name, record, backend, out, err, clock=time.monotonic):
    """Print every message the port receives until Ctrl-C (or the port ends)."""
    if record:
        folder = os.path.dirname(os.path.abspath(record))
        if not os.path.isdir(folder):
            raise MonitorError("cannot record to %s: no such directory %s" % (record, folder))
    port = hostmidi.open_input(name, backend)
    err.write("monitoring %s (Ctrl-C to stop)\n" % getattr(port, "name", name))
    taken = []
    start = clock()
    try:
        for msg in port:
            t_ms = (clock() - start) * 1000.0
            data = bytes(msg.bytes())
            out.write(midiview.format_line(t_ms, PORT_LABEL, data) + "\n")
            out.flush()
            if record:
                taken.append((t_ms, data))
    except KeyboardInterrupt:
        pass
    finally:
        port.close()
    if record:
        try:
            skipped = midifile.write_smf(record, taken)
        except OSError as e:
            raise MonitorError("cannot write %s: %s" % (record, e.strerror or e))
        note = " (%d real-time/system messages not storable in a .mid)" % skipped if skipped else ""
        err.write("recorded %d messages to %s%s\n" % (len(taken) - skipped, record, note))


def build_parser():
    p = argparse.ArgumentParser(prog="monitor.py", description="MIDI monitor and DIN dump decoder")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="list MIDI input and output ports")
    what.add_argument("--port", metavar="NAME", help="monitor this input (exact name or a unique part)")
    what.add_argument("--dump", metavar="FILE", help="decode a raw DIN byte dump")
    p.add_argument("--record", metavar="OUT.mid", help="with --port: also write a Standard MIDI File")
    p.add_argument("--hex", action="store_true", help="with --dump: the file is hex text")
    return p


def main(argv=None, backend=None, out=None, err=None, clock=time.monotonic):
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.record and not args.port:
        parser.error("--record goes with --port")
    if args.hex and not args.dump:
        parser.error("--hex goes with --dump")
    try:
        if args.list:
            list_ports(backend, out)
        elif args.dump:
            dump(args.dump, args.hex, out)
        else:
            watch(args.port, args.record, backend, out, err, clock)
    except (MonitorError, hostmidi.NoMidiSystem, hostmidi.UnknownPort) as e:
        err.write("monitor: %s\n" % e)
        return 1
    except BrokenPipeError:  # `monitor.py --dump x | head`
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
