# Runs every test_* function of one module under MicroPython and reports each.
import sys


def main(modname):
    mod = __import__(modname)
    names = sorted([n for n in dir(mod) if n.startswith("test_")])
    failed = 0
    for n in names:
        try:
            getattr(mod, n)()
            print("PASS", n)
        except Exception as e:  # report every failure, keep going
            failed += 1
            print("FAIL", n)
            sys.print_exception(e)
    print("DONE", len(names), failed)


main(sys.argv[1])
