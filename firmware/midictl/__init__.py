# midictl: MIDI pad/knob controller firmware for RP2040 boards.
VERSION = "0.1.0"
