# midictl: MIDI pad/knob controller firmware for RP2040 boards.
VERSION = "0.1.0"  # also in the Identity Reply (app.Controller._identify)
