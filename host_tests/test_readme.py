"""The README stays true: its config example validates, the commands it names exist."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme():
    with open(os.path.join(ROOT, "README.md")) as f:
        return f.read()


def test_readme_opens_with_the_two_commands():
    head = readme()[:1500]
    assert "make sim" in head and "make test" in head


def test_config_example_is_valid_for_the_default_board():
    from midictl import config

    block = re.search(r"```json\n(.*?)```", readme(), re.S).group(1)
    with open(os.path.join(ROOT, "boards", "pico.json")) as f:
        board = json.load(f)
    cfg = config.parse(block, board, "README.md")
    assert cfg["controls"]["knob1"]["type"] == "cc14" and cfg["note_off"] == "note_on_zero"


def test_make_targets_named_in_the_readme_exist():
    with open(os.path.join(ROOT, "Makefile")) as f:
        make = f.read()
    for target in set(re.findall(r"make ([a-z][a-z-]+)", readme())):
        assert re.search(r"^%s:" % re.escape(target), make, re.M), target


def test_linked_files_exist():
    links = [ln for ln in re.findall(r"\]\(([^)#]+)\)", readme()) if "://" not in ln]
    # the repository's own files; a link outside it (the shared simulator spec beside the
    # checkout) is only checked where the checkout has it beside it
    inside = [ln for ln in links if not ln.startswith("../")]
    assert inside
    for link in inside:
        assert os.path.exists(os.path.join(ROOT, link)), link
    for link in links:
        top = os.path.join(ROOT, *link.split("/")[:2])  # e.g. ../shared
        if link.startswith("../") and os.path.isdir(top):
            assert os.path.exists(os.path.join(ROOT, link)), link


def test_config_reference_names_every_type_and_field():
    from midictl import config

    text = readme()
    table = text[text.index("| type | for | fields (defaults) |"):]
    table = table[:table.index("\n\n")]
    for t, fields in config._TYPE_FIELDS.items():
        assert "`%s`" % t in table, t
        row = [ln for ln in table.splitlines() if "`%s`" % t in ln.split("|")[1]][0]
        for f in fields:
            assert "`%s`" % f in row, (t, f)
    for k in config._GLOBAL_DEFAULTS:
        assert "`%s`" % k in text, k


def test_the_heap_romfs_saves_is_the_bench_tables():
    # `make deploy ROMFS=1`'s paragraph says how much more heap the board has free; the
    # figure is the Memory rows' difference (stock build less ROMFS), which each `make
    # bench` rewrites: it went stale once (29 KB said, 39 measured)
    text = readme()
    stock = re.search(r"\| Memory \| heap after boot[^|]*\| ([\d.]+) KB", text)
    rom = re.search(r"\|  \| the same, firmware in a ROMFS partition[^|]*\| ([\d.]+) KB", text)
    said = re.search(r"which leaves about (\d+) KB more heap free", text)
    assert stock and rom and said
    assert abs(float(stock.group(1)) - float(rom.group(1)) - int(said.group(1))) < 1, (
        stock.group(1), rom.group(1), said.group(1))
