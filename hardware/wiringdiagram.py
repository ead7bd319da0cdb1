"""Per-board wiring diagram (SVG): the board as a block with every GPIO the reference
layout uses, each wired to a note saying where it goes. Generated from the board
definition, so moving a pin in boards/<name>.json moves it here too."""
import schemdraw.elements as elm

from hardware import boarddef
from hardware.schematics import _drawing, _finish, key_matrix


def diagram(board):
    roles = boarddef.pin_roles(board)
    used = sorted(roles)
    pins = [elm.IcPin(name="%s  GPIO%d" % (boarddef.label(board, g), g), side="right", anchorname="G%d" % g)
            for g in reversed(used)]
    pins += [elm.IcPin(name="3V3", side="left", anchorname="V33"),
             elm.IcPin(name="GND", side="left", anchorname="GND")]
    d = _drawing()
    ic = elm.Ic(pins=pins, pinspacing=1.0, edgepadW=3.5, edgepadH=0.8).theta(0).at((0, 0))
    ic = ic.label(board["title"], loc="top", fontsize=13)
    d += ic
    for g in used:
        func, to = roles[g]
        d += elm.Line().at(getattr(ic, "G%d" % g)).right(2.5)
        d += elm.Dot(open=True).label("%s: %s" % (func, to), loc="right", fontsize=10)
    d += elm.Line().at(ic.V33).left(1.5)
    d += elm.Dot(open=True).label("3V3 rail: muxes, pots, pull-ups, opto", loc="left", fontsize=10)
    d += elm.Line().at(ic.GND).left(1.5)
    d += elm.Dot(open=True).label("ground: switches, encoders C, pots, jacks", loc="left", fontsize=10)
    notes = [board.get("notes", "")]
    if "matrix" in board:
        notes += _matrix(d, board)
    free = [g for g in board["gpio"] if g not in roles]
    notes.append("Free GPIO: %s." % (", ".join(str(g) for g in free) if free else "none"))
    title = "%s: reference layout wiring (boards/%s.json)" % (board["title"], board["board"])
    return _finish(d, title, notes)


def _matrix(d, board):
    """The board's key matrix below the block, each line named by its GPIO, each key by its
    control; returns the notes that go with it."""
    mx = board["matrix"]
    diodes = boarddef.has_diodes(board)

    def pin(g):
        return "%s  GPIO%d" % (boarddef.label(board, g), g)

    box = d.get_bbox()
    d += elm.Label().at((box.xmin, box.ymin - 1.5)).label(
        "Key matrix (%d x %d, %s)" % (len(mx["rows"]), len(mx["cols"]),
                                     "a 1N4148 per key" if diodes else "no diodes"),
        halign="left", valign="top", fontsize=12)
    key_matrix(d, box.xmin + 12, box.ymin - 6.5,
               ["%s: row %d (low while read)" % (pin(g), r) for r, g in enumerate(mx["rows"])],
               ["%s\ncolumn %d\n(in, pull-up)" % (pin(g), c) for c, g in enumerate(mx["cols"])],
               boarddef.matrix_keys(board), diodes)
    notes = ["Key matrix: the firmware drives one row low at a time and reads every column, an input "
             "with the internal pull-up: a held key on the driven row pulls its column low. The other "
             "rows are released (inputs with the pull-up), never driven high."]
    if diodes:
        notes.append("Each key runs column, switch, 1N4148 anode, cathode (band), row: the band toward "
                     "the row. A diode the wrong way round leaves its key dead.")
    else:
        notes.append("No diodes: three keys held on the corners of a rectangle make the fourth read as "
                     "held, and the firmware holds those keys as they were until one is let go: fit the "
                     "diodes if chords matter. Keys held together never join two driven outputs: the rows "
                     "not being read are released.")
    return notes
