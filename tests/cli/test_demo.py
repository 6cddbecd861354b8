"""`dongwu demo`: it only ever makes a new file or replaces a finished demo, and a build that did not
finish leaves nothing behind that `--if-missing` could take for a demo."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME

from dongwu_tui.cli.main import main
from dongwu_tui.services import demo
from dongwu_tui.services.setup import initialise

CJK = re.compile(r"[\u4e00-\u9fff]")


def _demo(capsys, db: Path, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", str(db), "demo", "--talents", "10", "--seed", "3", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _refused(code: int, out: str, err: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and CJK.search(lines[0]) and "Traceback" not in err, err


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building" in p.name)


def test_demo_refuses_a_text_file(tmp_path: Path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("会议记录\n", encoding="utf-8")
    _refused(*_demo(capsys, target))
    _refused(*_demo(capsys, target, "--if-missing"))
    assert target.read_text(encoding="utf-8") == "会议记录\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_demo_refuses_an_office_database(tmp_path: Path, capsys, monkeypatch):
    office = tmp_path / "office.db"
    desk = initialise(office, DISTRICT_NAME, "district")
    desk.office.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    before = office.read_bytes()
    _refused(*_demo(capsys, office))
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # not even a -wal or -shm beside it
    # The default database (no --db) is the office's real one: refused too.
    monkeypatch.setenv("DONGWU_DB", str(office))
    capsys.readouterr()
    code = main(["demo", "--talents", "10"])
    captured = capsys.readouterr()
    _refused(code, captured.out, captured.err)
    assert office.read_bytes() == before


def test_demo_replaces_a_demo_and_if_missing_keeps_it(tmp_path: Path, capsys):
    db = tmp_path / "demo.db"
    code, out, _ = _demo(capsys, db)
    assert code == 0 and "已生成演示数据库" in out
    assert demo.demo_mark(db) is not None
    first = _dump(db)
    code, out, _ = _demo(capsys, db, "--if-missing")
    assert code == 0 and "使用已有的演示数据库" in out
    code, out, _ = _demo(capsys, db)
    assert code == 0 and "已生成演示数据库" in out
    assert _leftovers(tmp_path) == []
    assert len(_dump(db)) == len(first)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, sqlite3.OperationalError("database or disk is full")])
def test_an_interrupted_demo_leaves_nothing(tmp_path: Path, capsys, monkeypatch, interrupt):
    db = tmp_path / "demo.db"

    def fail(self):
        raise interrupt

    monkeypatch.setattr(demo.DemoBuilder, "chase_overdue", fail)
    code, out, err = _demo(capsys, db)
    assert code != 0
    assert not db.exists() and _leftovers(tmp_path) == []
    monkeypatch.undo()
    code, out, _ = _demo(capsys, db, "--if-missing")
    assert code == 0 and "已生成演示数据库" in out


def test_a_killed_build_is_not_taken_for_a_demo(tmp_path: Path, capsys):
    """kill -9 leaves a half-built file beside the target; an older build left it at the target itself."""
    db = tmp_path / "demo.db"
    gone = 2**22 + 17  # above Linux's pid_max: no such process
    half = initialise(demo.building_path(db, gone), DISTRICT_NAME, "district")
    half.office.close()
    assert _leftovers(tmp_path)
    code, out, _ = _demo(capsys, db, "--if-missing")
    assert code == 0 and "已生成演示数据库" in out
    assert _leftovers(tmp_path) == []

    unmarked = tmp_path / "old.db"
    half = initialise(unmarked, DISTRICT_NAME, "district")
    half.office.close()
    before = _dump(unmarked)
    _refused(*_demo(capsys, unmarked, "--if-missing"))
    assert _dump(unmarked) == before


def test_the_demo_opens_as_the_same_replica(tmp_path: Path, capsys):
    """Built under another name and renamed: opening it where it lies is not taken for a copy."""
    from dongwu_tui.services.setup import open_desk

    db = tmp_path / "demo.db"
    assert _demo(capsys, db)[0] == 0
    before = _dump(db)
    desk = open_desk(db)
    desk.office.close()
    assert _dump(db) == before


def _business(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
                for table in ("staff", "enterprise", "talent", "audit_log", "service_request", "request_event", "call")}
    finally:
        connection.close()


def test_the_demo_is_whole_and_deterministic(tmp_path: Path, monkeypatch):
    """Loaded in bulk: search index, sync rows and report facts as the triggers make them, records
    that hold together, and the same seed and day give the same records."""
    from datetime import datetime

    from dongwu_tui.domain import ids
    from dongwu_tui.services.setup import open_desk

    now = datetime(2026, 11, 20)
    for name in ("a.db", "b.db"):
        # As in a new process: ids keep count within one process so that they never go back.
        monkeypatch.setattr(ids, "_last", (0, 0))
        demo.build_demo(tmp_path / name, talents=80, seed=5, now=now)
    assert _business(tmp_path / "a.db") == _business(tmp_path / "b.db")
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.execute("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    for table in ("talent", "enterprise", "service_request", "request_event", "call", "audit_log"):
        missing = db.execute(f"SELECT count(*) FROM \"{table}\" t WHERE NOT EXISTS "
                             f"(SELECT 1 FROM sync_row s WHERE s.tbl = '{table}' AND s.id = t.id)").fetchone()[0]
        assert missing == 0, table
    statuses = {s for (s,) in db.execute("SELECT DISTINCT status FROM service_request")}
    assert "archived" in statuses and len(statuses) >= 4, statuses
    facts = db.execute("SELECT count(*) FROM report_fact").fetchone()[0]
    assert facts == db.execute("SELECT count(*) FROM service_request").fetchone()[0]
    db.close()
    # Every request's timeline ends in the status it has, and the services find what the demo wrote.
    desk = open_desk(tmp_path / "a.db")
    try:
        for request in desk.requests.list(limit=None):
            events = desk.requests.get(request.number).events
            moves = [e for e in events if e.action not in ("repeat-call", "merged-in")]
            assert moves[-1].to_status == request.status, request.number
        talent_id, phone = desk.office.db.execute_sql("SELECT id, phone FROM talent LIMIT 1").fetchone()
        assert desk.talents.find_by_phone(phone)[0].id == talent_id
    finally:
        desk.office.close()


def test_the_demo_is_written_in_bulk(tmp_path: Path, monkeypatch):
    """A year of work without reading the database back before every call and move, as the services
    do: a few hundred reads in all (the time itself is the benchmark's figure, `python -m bench`)."""
    from dongwu_tui.storage import database

    statements = []
    connect = database._connect

    def traced(path):
        pooled = connect(path)
        original = pooled._connect

        def connection():
            raw = original()
            raw.set_trace_callback(statements.append)
            return raw

        pooled._connect = connection
        pooled.close_all()
        pooled.connect(reuse_if_open=True)
        return pooled

    monkeypatch.setattr(database, "_connect", traced)
    demo.build_demo(tmp_path / "demo.db", talents=200, seed=5)
    calls = sqlite3.connect(tmp_path / "demo.db").execute("SELECT count(*) FROM call").fetchone()[0]
    assert calls > 250
    # executemany traces every row; the services would also read each request before every move.
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(reads) < calls, len(reads)
