#!/usr/bin/env python3
"""Validate a controller config on the host with the firmware's own validator.

    config_check.py --board pico my_config.json    (make config-check CONFIG=...)

Prints "<CONFIG>: ok" and exits 0, or prints the one-line ConfigError (file, field
path, bad value, what is allowed) and exits 1. A missing config argument, an unknown
board, a broken board definition (hardware/boarddef.py's first problem, after the
board's file) or a missing validator exit 2.

The validator is firmware/midictl/config.py, imported here with firmware/ on sys.path,
so the host and the board can never disagree about what a config means. deploy.py
uses the helpers below for `stage` too.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
BOARDS = os.path.join(ROOT, "boards")


class CheckError(Exception):
    """One line for the user; `code` is the exit status."""

    def __init__(self, message, code=1):
        Exception.__init__(self, message)
        self.code = code


def board_names(boards_dir=BOARDS):
    try:
        return sorted(f[:-5] for f in os.listdir(boards_dir) if f.endswith(".json"))
    except OSError:
        return []


def board_path(name, boards_dir=BOARDS):
    known = board_names(boards_dir)
    if name not in known:
        raise CheckError("unknown board %r; boards: %s" % (name, ", ".join(known) or "(none)"), 2)
    return os.path.join(boards_dir, name + ".json")


def load_board(name, boards_dir=BOARDS):
    """The board definition, checked by hardware/boarddef.py first: the config validator
    and the stage read its fields as the firmware does, and would fail on a broken one
    with a traceback, or pass a board the firmware cannot build."""
    path = board_path(name, boards_dir)
    board = read_json(path)
    if ROOT not in sys.path:
        sys.path.append(ROOT)
    from hardware import boarddef

    problems = boarddef.validate(board, name)
    if problems:
        raise CheckError("%s: %s" % (path, problems[0]), 2)
    return board


def read_json(path):
    """A JSON file -> its value; CheckError naming the file (and line) otherwise."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise CheckError("%s: cannot be read (%s)" % (path, e.strerror or e))
    except UnicodeDecodeError:
        raise CheckError("%s: not UTF-8 text" % path)
    try:
        return json.loads(text)
    except ValueError as e:
        raise CheckError("%s: not valid JSON (%s)" % (path, e))


def config_api(firmware_dir=FIRMWARE):
    """The firmware's midictl.config module (default_config, validate, ConfigError)."""
    if firmware_dir not in sys.path:
        sys.path.insert(0, firmware_dir)
    try:
        from midictl import config
    except ImportError as e:
        raise CheckError("cannot load the firmware's config validator from %s (%s)"
                         % (os.path.join(firmware_dir, "midictl", "config.py"), e), 2)
    for name in ("default_config", "validate", "ConfigError"):
        if not hasattr(config, name):
            raise CheckError("firmware's midictl.config has no %s" % name, 2)
    return config


def check(config_path, board, api):
    """Validate the config file for the board: the normalized config dict, or
    CheckError carrying the validator's one-line message."""
    cfg = read_json(config_path)
    try:
        return api.validate(cfg, board, source=config_path)
    except api.ConfigError as e:
        raise CheckError(str(e))


def default(board, api):
    """The board's default config, itself run through the validator (a bad default
    layout is a firmware bug and should stop a deploy, not reach the board)."""
    try:
        return api.validate(api.default_config(board), board, source="default config of " + board["board"])
    except api.ConfigError as e:
        raise CheckError(str(e))


def _key(v):
    # JSON text with sorted keys: equal only when equal with the same JSON types (1 is
    # neither true nor 1.0 here, unlike Python's ==)
    return json.dumps(v, sort_keys=True)


def compact(full, board, api):
    """The smallest config the validator turns back into `full` (a validated config):
    top-level fields and whole control mappings equal to the board's default are left
    out. The board then checks only what differs at boot, not every mapping again. It is
    validated here and used only if it gives back exactly `full`; otherwise `full` is."""
    try:
        ref = api.validate({}, board)
        out = {k: v for k, v in full.items() if k != "controls" and _key(v) != _key(ref.get(k))}
        ref_ctl = ref.get("controls", {})
        ctl = {n: m for n, m in full.get("controls", {}).items() if _key(m) != _key(ref_ctl.get(n))}
        if ctl:
            out["controls"] = ctl
        if _key(api.validate(json.loads(json.dumps(out)), board)) == _key(full):
            return out
    except Exception:  # a validator that has no empty default: keep the full config
        pass
    return full


def main(argv=None):
    p = argparse.ArgumentParser(prog="config_check.py", description="validate a controller config")
    p.add_argument("--board", required=True, help="a board in boards/ (e.g. pico)")
    p.add_argument("config", metavar="CONFIG", help="the config file (JSON)")
    p.add_argument("--boards", default=BOARDS, help=argparse.SUPPRESS)  # for tests and forks, as deploy.py's
    args = p.parse_args(argv)
    try:
        if not args.config:
            raise CheckError("no config given: make config-check CONFIG=path/to/config.json", 2)
        board = load_board(args.board, args.boards)
        check(args.config, board, config_api())
    except CheckError as e:
        sys.stderr.write("%s\n" % e)
        return e.code
    sys.stdout.write("%s: ok\n" % args.config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
