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
