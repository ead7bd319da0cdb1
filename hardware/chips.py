"""Pin-function facts per chip, as data: which GPIO can carry which UART's TX/RX and
which GPIO are ADC inputs.

Sources (see boards/README.md):
- RP2040 datasheet, section 2.19.2 "Function Select" table: UART on function F2.
  UART0 TX on GPIO 0/12/16/28, RX on 1/13/17/29; UART1 TX on 4/8/20/24, RX on 5/9/21/25.
  ADC inputs AIN0..AIN3 on GPIO 26..29.
- RP2350 datasheet, section 9.4 "Function Select": the same F2 UART pins, plus the
  "UART auxiliary" function F11, which puts TX/RX on the pins that F2 uses for CTS/RTS:
  UART0 TX on 2/14/18, RX on 3/15/19; UART1 TX on 6/10/22/26, RX on 7/11/23/27.
  MicroPython's rp2 machine.UART accepts these on RP2350 builds. RP2350A (QFN-60, the
  Pico 2's chip) has GPIO 0..29 with ADC0..3 on GPIO 26..29; the 48-GPIO RP2350B is not
  described here.
"""

CHIPS = {
    "rp2040": {
        "title": "Raspberry Pi RP2040",
        "gpio_count": 30,
        "adc": {0: 26, 1: 27, 2: 28, 3: 29},
        "uart_tx": {0: (0, 12, 16, 28), 1: (4, 8, 20, 24)},
        "uart_rx": {0: (1, 13, 17, 29), 1: (5, 9, 21, 25)},
    },
    "rp2350": {
        "title": "Raspberry Pi RP2350A",
        "gpio_count": 30,
        "adc": {0: 26, 1: 27, 2: 28, 3: 29},
        # F2 pins first, then the F11 (UART_AUX) pins.
        "uart_tx": {0: (0, 12, 16, 28, 2, 14, 18), 1: (4, 8, 20, 24, 6, 10, 22, 26)},
        "uart_rx": {0: (1, 13, 17, 29, 3, 15, 19), 1: (5, 9, 21, 25, 7, 11, 23, 27)},
    },
}


def chip(name):
    """The facts for one chip; ValueError naming the chip and the known ones."""
    try:
        return CHIPS[name]
    except KeyError:
        raise ValueError("chip %r is not known; known chips: %s" % (name, ", ".join(sorted(CHIPS))))


def uart_of_tx(chip_name, gpio):
    """The UART number whose TX this GPIO can carry, or None."""
    for uart, pins in chip(chip_name)["uart_tx"].items():
        if gpio in pins:
            return uart
    return None


def uart_of_rx(chip_name, gpio):
    """The UART number whose RX this GPIO can carry, or None."""
    for uart, pins in chip(chip_name)["uart_rx"].items():
        if gpio in pins:
            return uart
    return None


def adc_channel_of(chip_name, gpio):
    """The ADC channel on this GPIO, or None if the GPIO is not an ADC input."""
    for ch, pin in chip(chip_name)["adc"].items():
        if pin == gpio:
            return ch
    return None
