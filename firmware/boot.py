# Runs first on every reset, soft resets included (which drop runtime USB): read the board
# and config, check safe mode, arm the watchdog (fed by a timer until the scan loop runs),
# and register the USB-MIDI device next to the USB serial REPL.
try:
    from midictl import hw, startup

    startup.prepare(hw.switch_pressed, hw.arm_watchdog)
except Exception as e:  # never lock the user out of the REPL
    print("midictl boot:", e)
