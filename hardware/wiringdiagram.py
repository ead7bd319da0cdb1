"""Per-board wiring diagram (SVG): the board as a block with every GPIO the reference
layout uses, each wired to a note saying where it goes. Generated from the board
definition, so moving a pin in boards/<name>.json moves it here too."""
import schemdraw.elements as elm

from hardware import boarddef
from hardware.schematics import _drawing, _finish


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
    free = [g for g in board["gpio"] if g not in roles]
    notes.append("Free GPIO: %s." % (", ".join(str(g) for g in free) if free else "none"))
    title = "%s: reference layout wiring (boards/%s.json)" % (board["title"], board["board"])
    return _finish(d, title, notes)
