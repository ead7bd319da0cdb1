# The broken-config corpus (host_tests/configs_bad/): each file gives exactly the one-line
# message its manifest entry says -- file, field path, bad value, what is allowed -- from
# the same validator under CPython (the host tools, the simulator) and MicroPython (the
# board, at boot).
import json

from midictl import config

# MicroPython has no os.path: paths from this file's own, relative or absolute.
_f = __file__.replace("\\", "/")
_HERE = _f.rsplit("/", 1)[0] if "/" in _f else "."
CORPUS = _HERE + "/../configs_bad"
BOARDS = _HERE + "/../../boards"


def _read(path):
    with open(path) as f:
        return f.read()


def _manifest():
    return json.loads(_read(CORPUS + "/manifest.json"))


def _board(name):
    return json.loads(_read(BOARDS + "/" + name + ".json"))


def test_corpus_has_at_least_30_broken_configs():
    files = [e["file"] for e in _manifest()]
    assert len(files) >= 30
    assert len(set(files)) == len(files)


def test_each_broken_config_gives_its_one_message():
    boards = {}
    wrong = []
    for e in _manifest():
        b = e["board"]
        if b not in boards:
            boards[b] = _board(b)
        text = _read(CORPUS + "/" + e["file"])
        try:
            config.parse(text, boards[b], e["file"])
            wrong.append("%s: no error" % e["file"])
            continue
        except config.ConfigError as err:
            msg = str(err)
        want = e["message"]
        ok = msg.startswith(want) if e.get("match") == "prefix" else msg == want
        if not ok or "\n" in msg:
            wrong.append("%s: got %r, want %r" % (e["file"], msg, want))
    assert not wrong, "\n".join(wrong)


def test_a_good_config_next_to_them_passes():
    # the corpus is broken on purpose, one fault each: the same file with the fault
    # removed validates (so each message is about that fault alone)
    cfg = config.parse('{"controls": {"pad1": {"note": 40}, "knob1": {"cc": 20, "max": 100}}}', _board("pico"))
    assert cfg["controls"]["pad1"]["note"] == 40 and cfg["controls"]["knob1"]["max"] == 100
