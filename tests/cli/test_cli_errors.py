"""The command line facing bad input and bad databases: exit 2 with one Chinese line, never an internal
error (exit 1) or a traceback, and the database left as it was."""

from __future__ import annotations

import logging
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME, cli_argv, sign_in
from test_cli import assert_refused, cli_env, dongwu, ok  # noqa: F401 - cli_env is a fixture

from dongwu_tui import logfile
from dongwu_tui.cli import main as cli_main
from dongwu_tui.services.setup import initialise
from dongwu_tui.storage import database


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Path:
    """A district database with staff, forty talents, their calls and requests."""
    path = tmp_path_factory.mktemp("errors") / "office.db"
    desk = initialise(path, DISTRICT_NAME, "district")
    operator = desk.directory.add_staff("王话务", "operator")
    desk.directory.add_staff("周督办", "supervisor")
    clerk = desk.acting_as(operator)
    for i in range(40):
        phone = f"139{i:08d}"
        clerk.talents.add(name=f"人才{i:02d}", phone=phone, category_code="industry", township_code="mudu")
        clerk.calls.log(phone=phone, summary=f"咨询人才公寓第 {i} 次", measure=11, outcome="request")
    desk.office.close()
    sign_in(path, state_dir=Path(cli_env["DONGWU_STATE_DIR"]))  # every staff member; copies are the same office
    return path


def _damaged_copy(source: Path, target: Path, env: dict[str, str], tables: list[str]) -> Path:
    """A copy of `source` whose tables' root pages are overwritten. The copy is opened once before the damage,
    so that it has taken its own replica identity (a write) and later commands only read."""
    shutil.copy(source, target)
    ok(dongwu(env, target, "staff", "list"))
    connection = sqlite3.connect(target)
    try:
        page = connection.execute("PRAGMA page_size").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        roots = [connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
                 for table in tables]
    finally:
        connection.close()
    rng = random.Random(13)
    with target.open("r+b") as handle:
        for root in roots:
            handle.seek((root - 1) * page)
            handle.write(rng.randbytes(page))
    return target


# Reads of the damaged tables themselves; counts and statistics may be answered from indexes and
# summary tables that are intact.
READS = [["talent", "list", "--limit", "0"], ["request", "list", "--limit", "0"], ["call", "list", "--limit", "0"],
         ["talent", "show", "13900000001"], ["request", "list", "--json"]]
OTHER_READS = [["summary"], ["stats"], ["stats", "--json"]]


def test_reads_and_writes_on_a_file_with_damaged_pages_exit_2(small_db: Path, tmp_path: Path,
                                                               cli_env: dict[str, str]) -> None:
    db = _damaged_copy(small_db, tmp_path / "damaged.db", cli_env, ["talent", "call", "service_request"])
    for args in READS:
        assert_refused(dongwu(cli_env, db, *args), "数据库文件已损坏")
    for args in [*OTHER_READS, ["report", "-o", str(tmp_path / "r.md")]]:
        result = dongwu(cli_env, db, *args)
        if result.returncode != 0:
            assert_refused(result, "数据库文件已损坏")
    raw = db.read_bytes()
    assert_refused(dongwu(cli_env, db, "staff", "add", "--as", "系统管理员", "--name", "新同事", "--role",
                          "operator"), "数据库文件已损坏")
    assert db.read_bytes() == raw


def test_a_file_that_fails_quick_check_accepts_no_write(small_db: Path, tmp_path: Path,
                                                        cli_env: dict[str, str]) -> None:
    """The damage is in a table that adding a staff member never reads (the sync inbox of files taken in), so
    only the integrity check before the first write can notice it."""
    db = _damaged_copy(small_db, tmp_path / "quietly-damaged.db", cli_env, ["sync_file_in"])

    def staff() -> list[tuple[str, ...]]:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT id, name FROM staff ORDER BY id").fetchall()
        finally:
            connection.close()

    before = staff()
    assert "新同事" not in ok(dongwu(cli_env, db, "staff", "list"))  # reads that miss the damage still work
    assert_refused(dongwu(cli_env, db, "staff", "add", "--as", "系统管理员", "--name", "新同事", "--role",
                          "operator"), "数据库文件已损坏")
    assert staff() == before


def _read_only(path: Path) -> database.PooledSqliteDatabase:
    """What a clerk without write permission on the file (or its folder) gets: SQLite opens it read-only.
    The tests run as root, for whom file modes change nothing, so the connection asks for it."""
    session = [(key, value) for key, value in database.PRAGMAS if key != "journal_mode"]
    db = database.PooledSqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas=session, lock_type="IMMEDIATE",
                                       max_connections=None, check_same_thread=False)
    db.connect(reuse_if_open=True)
    return db


def test_a_read_only_database_answers_reads_and_refuses_writes_saying_why(
        small_db: Path, tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Statistics and reports only read: the working-day table they use is complete after every write, so
    the first `stats` on a database that never had one needs no write."""
    db = tmp_path / "read-only.db"
    shutil.copy(small_db, db)
    # The administrator signs in to the copy while it can still be written: the refusal below is the
    # read-only file's, not a missing session's.
    write = cli_argv(["--db", str(db), "staff", "add", "--as", "系统管理员", "--name", "新同事", "--role", "operator"])
    ok(dongwu(cli_env, db, "staff", "list"))  # the copy takes its own replica identity (a write) first
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    before = db.read_bytes()
    monkeypatch.setattr(database, "_connect", _read_only)
    monkeypatch.chdir(tmp_path)
    reads = [["stats"], ["stats", "--json"], ["report", "--period", "2026", "-o", str(tmp_path / "r.md")],
             ["request", "list", "--limit", "50"], ["talent", "list"]]
    for args in reads:
        code = cli_main.main(["--db", str(db), *args])
        err = capsys.readouterr().err
        assert code == 0, (args, err)
    assert (tmp_path / "r.md").stat().st_size > 0
    code = cli_main.main(write)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "只读" in err, err
    assert db.read_bytes() == before


def test_an_internal_error_goes_to_the_rotating_log_with_time_and_traceback(
        small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log" / "dongwu.log"
    monkeypatch.setattr(logfile, "log_path", lambda: log)
    root = logging.getLogger()
    saved = root.handlers[:]
    for handler in saved:
        if isinstance(handler, logfile.LazyRotatingHandler):
            root.removeHandler(handler)

    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("'NoneType' object has no attribute 'id'")

    monkeypatch.setattr("dongwu_tui.cli.commands.cmd_summary", broken)
    try:
        assert cli_main.main(["--db", str(small_db), "summary"]) == 1
        installed = [h for h in root.handlers if isinstance(h, logfile.LazyRotatingHandler)]
        assert len(installed) == 1
        file_handler = installed[0]._file
        from logging.handlers import RotatingFileHandler

        assert isinstance(file_handler, RotatingFileHandler)
        assert file_handler.maxBytes == logfile.LOG_BYTES and file_handler.backupCount == logfile.LOG_BACKUPS
    finally:
        for handler in root.handlers[:]:
            if isinstance(handler, logfile.LazyRotatingHandler):
                root.removeHandler(handler)
                handler.close()
        for handler in saved:
            if handler not in root.handlers:
                root.addHandler(handler)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "内部错误" in err and str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "AttributeError" in text
    assert text[:4].isdigit() and text[4] == "-"  # each record starts with its time


def test_a_file_name_the_system_refuses_is_one_line_not_an_internal_error(small_db: Path, tmp_path: Path,
                                                                          cli_env: dict[str, str]) -> None:
    db = tmp_path / "office.db"
    shutil.copy(small_db, db)
    assert_refused(dongwu(cli_env, db, "sync", "keys", "--as", "系统管理员", "-o",
                                 str(tmp_path / ("通" * 200))),
                   "无法读写文件", "文件名太长")
