"""Print a board's default-layout wiring as one JSON object (`make wiring BOARD=...`).

The object is the one the simulator contract describes: board, din_out, din_in (when
the board has a MIDI IN port), muxes and controls, taken from boards/<board>.json, the
same data the firmware and the hardware drawings use. A board with a key matrix adds
"matrix" before the controls: its rows and cols (GPIO), "diodes", how the firmware scans
it ("row_active": "low", the row being read driven low; "row_idle": "pull-up", the others
released, inputs with the internal pull-up, never driven high; "col_pull": "up", the
columns' internal pull-ups), "diode_cathode": "row" when it has diodes (anode
on the column's side), and "keys", the control at each [row][col] (null: no key there).
An unknown board prints one line on stderr naming it and the known boards, and exits
with status 2.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hardware import boarddef  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", required=True, help="a board defined in boards/ (e.g. pico)")
    args = ap.parse_args(argv)
    known = boarddef.names()
    if args.board not in known:
        sys.stderr.write("wiring: unknown board %r; known boards: %s\n" % (args.board, ", ".join(known)))
        return 2
    board = boarddef.load(args.board)
    problems = boarddef.validate(board, args.board)
    if problems:
        sys.stderr.write("wiring: boards/%s.json: %s\n" % (args.board, problems[0]))
        return 1
    sys.stdout.write(render(boarddef.wiring(board)))
    return 0


def render(obj):
    """JSON with one mux or control per line, so a builder can read it as a table (and a
    key matrix one field and one row of keys per line)."""
    lines = []
    for key, value in obj.items():
        if key in ("muxes", "controls"):
            inner = ",\n".join("    %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in value.items())
            lines.append("  %s: {\n%s\n  }" % (json.dumps(key), inner))
        elif key == "matrix":
            fields = []
            for k, v in value.items():
                if k == "keys":  # one row of the matrix per line, as the keys sit
                    grid = ",\n".join("      %s" % json.dumps(row) for row in v)
                    fields.append("    %s: [\n%s\n    ]" % (json.dumps(k), grid))
                else:
                    fields.append("    %s: %s" % (json.dumps(k), json.dumps(v)))
            lines.append("  %s: {\n%s\n  }" % (json.dumps(key), ",\n".join(fields)))
        else:
            lines.append("  %s: %s" % (json.dumps(key), json.dumps(value)))
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    sys.exit(main())
