# Fake neopixel for the simulated board: remembers what the LED shows.
import world as _w


class NeoPixel:
    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.buf = [(0, 0, 0)] * n

    def __setitem__(self, i, v):
        self.buf[i] = v

    def __getitem__(self, i):
        return self.buf[i]

    def __len__(self):
        return self.n

    def fill(self, v):
        for i in range(self.n):
            self.buf[i] = v

    def write(self):
        if _w.current is not None:
            _w.current.led = self.buf[0]
