"""Regenerate every drawing and table in hardware/ from code and the board definitions
(`make hardware`). Output is deterministic: the same inputs give byte-identical files.

    python hardware/generate.py            # write into hardware/
    python hardware/generate.py --out DIR  # write the same tree elsewhere (the tests do)
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from hardware import boarddef, schematics, tables, wiringdiagram  # noqa: E402

REFERENCE_BOARD = "pico"


def _svg(drawing):
    """SVG bytes of a drawing; schemdraw's SVG backend writes no ids, dates or random
    numbers, so only the line ending needs fixing for byte-stable files."""
    data = drawing.get_imagedata("svg")
    return data if data.endswith(b"\n") else data + b"\n"


def outputs():
    """{relative path: bytes} of every generated file."""
    files = {}
    for fname, build in schematics.SCHEMATICS:
        files["schematics/" + fname] = _svg(build())
    for name in boarddef.names():
        board = boarddef.load(name)
        problems = boarddef.validate(board, name)
        if problems:
            raise ValueError("boards/%s.json: %s" % (name, problems[0]))
        files["boards/%s/pinout.md" % name] = tables.pinout_md(board).encode()
        files["boards/%s/wiring.svg" % name] = _svg(wiringdiagram.diagram(board))
        files["boards/%s/bom.csv" % name] = tables.bom_csv(board).encode()
    files["bom.csv"] = files["boards/%s/bom.csv" % REFERENCE_BOARD]
    return files


def write(out_dir):
    files = outputs()
    for rel, data in sorted(files.items()):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return sorted(files)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE, help="output folder (default: hardware/)")
    args = ap.parse_args(argv)
    try:
        written = write(args.out)
    except ValueError as e:
        sys.stderr.write("hardware: %s\n" % e)
        return 1
    print("hardware: wrote %d files into %s" % (len(written), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
