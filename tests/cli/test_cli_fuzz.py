"""Every command, every option, fed bad values: the answer is success (0) or one Chinese line and exit 2,
never an internal error (1) and never a traceback.

Runs in-process (`main(argv)`) to afford many examples; Hypothesis is derandomized, so every run checks the
same examples. Each command starts from arguments that would work, and one option (or the positional
argument) gets a value from the edge cases below or arbitrary text.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from deskkit import cli_argv
from test_cli import cli_env  # noqa: F401 - a fixture small_db uses
from test_cli_errors import small_db  # noqa: F401 - a fixture: 40 talents, calls and requests, 3 staff

from dongwu_tui import logfile
from dongwu_tui.cli.main import build_parser, main

EDGES = [
    "", " ", "0", "-1", "-0", "1.5", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "1e400", "NaN", "０", "１２", "十一", "0000", "9999", "9999-12", "9999-12-31", "0001-01-01", "2026-02-30",
    "2026-Q5", "2026-13", "13800", "12345", "+86", "--", "-", "x" * 2000, "\t", "a\nb", "'; DROP TABLE staff; --",
    "%s%n", "../../etc/passwd", "WZ-99999999-9999", "🙂", "null", "[]", "{}",
]
VALUES = st.one_of(st.sampled_from(EDGES), st.text(st.characters(blacklist_categories=("Cs",),
                                                                  blacklist_characters="\x00"), max_size=30))

# Arguments that make each command do its work; the fuzzed option replaces its own entry.
SUPERVISOR = ["--as", "周督办"]
BASE: dict[tuple[str, ...], list[str]] = {
    ("init",): ["--site", "某某工作站", "--kind", "township", "--township", "mudu"],
    ("staff", "add"): ["--as", "系统管理员", "--name", "新同事", "--role", "operator"],
    ("site", "add"): ["--as", "系统管理员", "--code", "abc", "--name", "某某工作站", "--kind", "township"],
    ("enterprise", "add"): ["--as", "王话务", "--name", "苏州某某科技有限公司", "--credit-code", "91350100M000100Y43"],
    ("talent", "add"): ["--as", "王话务", "--name", "张三", "--phone", "13812345678", "--category", "industry"],
    ("talent", "edit"): ["--as", "王话务", "13900000001", "--notes", "备注"],
    ("talent", "show"): ["13900000001"],
    ("call", "log"): ["--as", "王话务", "--phone", "13900000001", "--summary", "咨询", "--attach", "{number}"],
    ("request", "show"): ["{number}"],
    ("request", "visit"): [*SUPERVISOR, "{number}", "--satisfied"],
    ("request", "extend"): [*SUPERVISOR, "{number}", "--days", "3", "--reason", "材料未齐"],
    ("request", "merge"): [*SUPERVISOR, "{number}", "--into", "{other}"],
    ("report",): ["-o", "{tmp}/r.md"],
    ("sync", "export"): [*SUPERVISOR, "--to", "mudu", "-o", "{tmp}"],
    ("sync", "import"): [*SUPERVISOR, "{tmp}/none.dwsync"],
    ("sync", "resolve"): [*SUPERVISOR, "1", "--take", "mine"],
    ("sync", "keys"): ["--as", "系统管理员", "-o", "{tmp}"],
}
# Slow (builds a whole demo; serves the desk until stopped) and covered by their own tests.
SKIPPED = {("demo",), ("serve",)}


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                          argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _leaves(sub, (*path, name))


LEAVES = [(path, parser) for path, parser in _leaves(build_parser()) if path not in SKIPPED]


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction) and "--db" not in a.option_strings]


def _replace(base: list[str], action: argparse.Action, value: str) -> list[str]:
    """`base` with the action's value set to `value` (the positional: the first bare word of base)."""
    args = list(base)
    if action.option_strings:
        for i, word in enumerate(args):
            if word in action.option_strings and action.nargs != 0:
                args[i + 1] = value
                return args
        return [*args, f"{action.option_strings[-1]}={value}"] if action.nargs != 0 else [*args,
                                                                                           action.option_strings[-1]]
    for i, word in enumerate(args):
        if not word.startswith("-") and (i == 0 or not args[i - 1].startswith("-")):
            args[i] = value
            return args
    return [*args, "--", value]


@pytest.fixture
def office(small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:  # noqa: F811
    db = tmp_path / "office.db"
    shutil.copy(small_db, db)
    connection = sqlite3.connect(db)
    first, other = [n for (n,) in connection.execute("SELECT number FROM service_request ORDER BY number LIMIT 2")]
    connection.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("DONGWU_DB", raising=False)
    log = tmp_path / "dongwu.log"
    monkeypatch.setattr(logfile, "log_path", lambda: log)
    root = logging.getLogger()
    saved = root.handlers[:]
    yield {"db": str(db), "number": first, "other": other, "tmp": str(tmp_path), "log": str(log)}
    for handler in root.handlers[:]:
        if handler not in saved:
            root.removeHandler(handler)
            handler.close()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(cli_argv(argv))
    except SystemExit as exit_:  # argparse: --help (0) and usage errors (2)
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("path", "parser"), LEAVES, ids=[" ".join(path) for path, _ in LEAVES])
def test_bad_values_never_make_an_internal_error(path: tuple[str, ...], parser: argparse.ArgumentParser,
                                                 office: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    options = _options(parser)
    base = [word.format(**office) for word in BASE.get(path, SUPERVISOR if path[0] == "request" and len(path) > 1
                                                         and path[1] not in ("list", "show") else [])]
    if path[0] == "request" and path[1] not in ("list",) and not any(w == office["number"] for w in base):
        base = [*base, office["number"]]

    @settings(max_examples=15, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(options), VALUES)
    def attempt(action: argparse.Action, value: str) -> None:
        argv = ["--db", office["db"] if path != ("init",) else str(Path(office["tmp"]) / "new" / "x.db"),
                *path, *_replace(base, action, value)]
        code, out, err = _run(argv, capsys)
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in err and "Traceback" not in out, (argv, err)
        if code == 2:
            assert err.endswith("\n") and err.count("\n") == 1, (argv, err)

    attempt()


@pytest.mark.parametrize("kind", ["folder", "text file", "empty file", "missing folder"])
def test_a_bad_database_path_is_refused_in_one_line(kind: str, tmp_path: Path, office: dict[str, str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "bad"
    if kind == "folder":
        target.mkdir()
    elif kind == "text file":
        target.write_text("这不是数据库\n" * 100, encoding="utf-8")
    elif kind == "empty file":
        target.write_bytes(b"")
    else:
        target = tmp_path / "no" / "such" / "office.db"
    for command in (["summary"], ["talent", "list"], ["stats"], ["staff", "add", "--as", "系统管理员", "--name",
                                                                  "新同事", "--role", "operator"]):
        code, _, err = _run(["--db", str(target), *command], capsys)
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, (kind, command, code, err)
