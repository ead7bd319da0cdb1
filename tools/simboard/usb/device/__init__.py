# Fake micropython-lib `usb.device` for the simulated board: same entry points.
import world as _w

from .core import Interface, Buffer  # noqa: F401

_dev = None


class _Device:
    def __init__(self):
        self.itfs = []
        self.builtin_driver = False
        self.strings = {}  # the descriptor strings init() was given (product_str, ...)
        self._active = False

    def init(self, *itfs, builtin_driver=False, **kw):
        self.itfs = list(itfs)
        self.builtin_driver = builtin_driver
        self.strings = {k: v for k, v in kw.items() if k.endswith("_str")}
        self._active = True
        w = _w.current
        w.usb_itfs = self.itfs
        for i, itf in enumerate(self.itfs):
            itf._sim_setup(i)

    def active(self, *a):
        if a:
            self._active = bool(a[0])
        return self._active


def get():
    global _dev
    if _dev is None:
        _dev = _Device()
    return _dev
