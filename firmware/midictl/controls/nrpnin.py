# MIDI IN feedback for "nrpn" knobs (soft takeover): the receiver's value of a
# Non-Registered Parameter arrives as four Control Changes, not one, so it takes a little
# state per MIDI channel: which parameter the last CC 99/98 selected, and the Data Entry MSB
# received for it. One NrpnIn per channel that has nrpn knobs, in the controller's feedback
# dict under that channel's CC 6, 38, 98, 99, 100, 101 and 121 (build.py): Controller._routed
# calls its feedback() as it calls a cc knob's, so a CC-only layout never loads this module
# and MIDI IN costs it nothing more. Allocates nothing (small ints, dict lookups).
#
# What it takes, from MIDI 1.0 (Detailed Specification, Control Change: "Registered and
# Non-Registered Parameter Numbers", and its rule for the MSB/LSB controller pairs; RP-015):
# - CC 99 (NRPN MSB) then CC 98 (NRPN LSB) select parameter MSB << 7 | LSB. The spec selects
#   a parameter with the two messages, MSB first, as every 14-bit number is sent, and a new
#   MSB makes the LSB heard before it stale: after a 99 no parameter is selected until its
#   98 comes (a Data Entry between them is dropped rather than given to the parameter that
#   the old LSB would make: a wrong value to wait for would leave that knob silent). A 98
#   alone selects with the last 99's MSB: a host sends a parameter number's halves only when
#   they change, so one stepping through parameters that share an MSB sends only 98.
# - CC 101/100 (RPN MSB/LSB, any value: the RPN null 127/127 that ends a sequence too) select
#   a Registered Parameter, after which Data Entry is not an NRPN's; CC 121 (Reset All
#   Controllers) sets both parameter numbers to null (RP-015). Either deselects the NRPN and
#   forgets the 99's MSB.
# - CC 6 (Data Entry MSB) sets the selected parameter to MSB << 7 (a new MSB sets the LSB to
#   0, as for every 14-bit controller), CC 38 (Data Entry LSB) completes the last MSB received
#   for it (again and again: a fine adjustment needs only the LSB). An LSB with no MSB since
#   the parameter was selected has nothing to complete here and changes nothing.
# - Running status, real-time bytes between the messages, USB or DIN: the parser's part; this
#   sees whole messages. DIN IN and the USB host share a channel's state, as a cc14 knob's
#   MSB and LSB do. Data Increment/Decrement (96, 97) carry no value and are not read.
# The value goes to the knob as a cc knob's does (Knob.feedback): ignored while the knob is
# being turned (the receiver echoing the knob's own NRPNs), else its remote value; with the
# config's thru "drop_echoes" such an echoed Data Entry is not passed on to the other port
# either (the 99/98 before it are: they select a parameter there but set no value).

# The controllers whose feedback entries an NrpnIn takes on its channel (build.py)
CONTROLLERS = (6, 38, 98, 99, 100, 101, 121)


class NrpnIn:
    def __init__(self, knobs):
        self.knobs = knobs  # parameter -> the nrpn knob on this channel that sends it
        # controller -> the cc or cc14 knob whose feedback entry this took (a knob on CC 6,
        # say, on the same channel): it still gets its Control Change
        self.taken = {}
        self._hi = -1  # the last CC 99's value (the NRPN's MSB), -1: none or deselected since
        self._param = -1  # the NRPN selected, -1: none
        self._msb = -1  # the Data Entry MSB received for it, -1: none yet

    def feedback(self, number, value, state):
        """A Control Change from MIDI IN on one of CONTROLLERS on this channel (Knob.feedback's
        arguments). Returns True when it is taken as an echo (Knob.feedback: a Data Entry
        while its knob is being turned, or the message of a knob whose entry this took), and
        the caller then passes it on nowhere, with drop_echoes. (In steps, each frame within
        the 11 slots MicroPython keeps on the C stack: see engine.py, Engine._out.)"""
        if number == 6 or number == 38:
            echo = self._data(number, value, state)
        else:
            echo = False
            self._select(number, value)
        if self.taken and self._taken_echo(number, value, state):
            echo = True
        return echo

    def _data(self, number, value, state):
        # Data Entry MSB (6) or LSB (38) for the NRPN selected: to its knob, as its 14-bit value
        if self._param < 0:
            return False
        if number == 6:
            self._msb = value
            value <<= 7
        elif self._msb < 0:
            return False
        else:
            value |= self._msb << 7
        k = self.knobs.get(self._param)
        return k is not None and k.feedback(number, value, state)

    def _select(self, number, value):
        if number == 98:
            self._param = (self._hi << 7) | value if self._hi >= 0 else -1
        elif number == 99:
            self._hi = value
            self._param = -1
        else:  # 100, 101: an RPN; 121: Reset All Controllers
            self._hi = -1
            self._param = -1
        self._msb = -1

    def _taken_echo(self, number, value, state):
        k = self.taken.get(number)
        return k is not None and k.feedback(number, value, state)
