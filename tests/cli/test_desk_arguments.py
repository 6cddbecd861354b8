"""`dongwu [--db PATH] [--as STAFF]` is read without the full parser (start-up, issue 6), with the same result."""

from __future__ import annotations

from pathlib import Path

import pytest

from dongwu_tui.cli.main import build_parser, desk_arguments


@pytest.mark.parametrize("argv", [
    [],
    ["--db", "office.db"],
    ["--db=office.db"],
    ["--as", "王芳"],
    ["--db", "/tmp/x.db", "--as", "王芳"],
    ["--as=督办乙", "--db", "x.db"],
    ["--db", "a.db", "--db", "b.db"],  # the last one wins, as in argparse
])
def test_the_desk_options_read_as_the_full_parser_reads_them(argv):
    fast = desk_arguments(argv)
    full = build_parser().parse_args(argv)
    assert fast is not None
    assert (fast.db, fast.actor, fast.command) == (full.db, full.actor, full.command)


@pytest.mark.parametrize("argv", [
    ["summary"],
    ["--db", "x.db", "summary"],
    ["-h"],
    ["--help"],
    ["--db"],
    ["--db", "--as", "王芳"],
    ["--d", "x.db"],  # an abbreviation: argparse's to judge
    ["--as="],
    ["--version"],
])
def test_anything_else_goes_to_the_full_parser(argv):
    assert desk_arguments(argv) is None


def test_a_path_is_a_path():
    args = desk_arguments(["--db", "~/office.db"])
    assert args is not None and args.db == Path("~/office.db")
