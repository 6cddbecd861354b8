"""A command's start-up does what the command needs, not what only its help needs."""

from __future__ import annotations

import argparse

import pytest

from dongwu_tui.cli.main import build_parser


def test_building_the_parser_makes_no_help_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A help formatter of no given width asks the terminal for it; argparse made one per option (~300)
    to check its metavar, and one per group of subcommands to name them. Help itself still gets its own."""
    made: list[str] = []
    real = argparse.HelpFormatter.__init__

    def counted(self: argparse.HelpFormatter, *args: object, **kwargs: object) -> None:
        if kwargs.get("width") is None and len(args) < 4:  # one that asks the terminal
            made.append(str(args[0] if args else kwargs.get("prog")))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(argparse.HelpFormatter, "__init__", counted)
    parser = build_parser()
    args = parser.parse_args(["--db", "x.db", "request", "list", "--limit", "5"])
    assert (args.command, args.action, args.limit) == ("request", "list", 5)
    assert made == []
    assert "request" in parser.format_help() and made == ["dongwu"]
