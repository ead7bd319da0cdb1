# Controls: raw samples in (switch levels, 12-bit ADC values, quadrature pins), musical
# events out through an injected sink (see "The event sink" in ARCHITECTURE.md).
#
# Pure logic: nothing here touches `machine`. Per-scan methods allocate nothing; state
# lives in ints, bytearrays and arrays, and all time arithmetic goes through ticks_diff.
