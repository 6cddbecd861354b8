"""The running program's own definitions of derived tables (storage/facts.py, storage/capture.py) are
the ones the migrations left in the database (and storage/search_index.py's): the writers that set triggers aside restore, and rebuild
set-wise, exactly what the schema holds."""

from __future__ import annotations

import re
from pathlib import Path

from dongwu_tui.storage import capture, facts, search_index
from dongwu_tui.storage.search_index import TALENT_FTS_COLUMNS
from dongwu_tui.storage.database import open_database


def _spaced(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _schema(path: Path) -> dict[str, str]:
    office = open_database(path, create=True)
    try:
        rows = office.db.execute_sql("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    finally:
        office.close()
    return {name: _spaced(sql) for name, sql in rows}


def test_fact_triggers_and_tables_are_the_schemas(tmp_path: Path) -> None:
    schema = _schema(tmp_path / "office.db")
    statements = (facts.TABLES + facts.CUBES + facts.INDEXES + facts.TRIGGERS + facts.CUBE_TRIGGERS
                  + facts.DASHBOARD_TRIGGERS)
    for statement in statements:
        name = re.search(r"CREATE (?:TABLE|INDEX|TRIGGER) (\w+)", statement).group(1)  # type: ignore[union-attr]
        assert schema.get(name) == _spaced(statement), name
    names = {name for name in schema if name.startswith(("report_fact_", "report_cube_", "report_axis_",
                                                         "report_week_"))}
    assert names >= set(facts.TRIGGER_NAMES) | set(facts.CUBE_TRIGGER_NAMES) | set(facts.DASHBOARD_TRIGGER_NAMES)
    assert set(facts.INSERT_TRIGGERS) <= set(facts.TRIGGER_NAMES)


def test_capture_definitions_are_the_triggers(tmp_path: Path) -> None:
    schema = _schema(tmp_path / "office.db")
    for table, columns in capture.SYNCED_COLUMNS.items():
        insert = schema[f"sync_{table}_insert"]
        assert _spaced(capture.PARTITION[table]) in insert, table
        update = schema[f"sync_{table}_update"]
        assert all(f"OLD.{column} IS NOT NEW.{column}" in update for column in columns), table
    assert {name[len("sync_"):-len("_insert")] for name in schema
            if name.startswith("sync_") and name.endswith("_insert")} == set(capture.SYNCED_COLUMNS)
    assert f"talent_fts USING fts5( {TALENT_FTS_COLUMNS}," in schema["talent_fts"]


def test_search_index_triggers_are_the_schemas(tmp_path: Path) -> None:
    schema = _schema(tmp_path / "office.db")
    for statement in search_index.TRIGGERS:
        name = re.search(r"CREATE TRIGGER (\w+)", statement).group(1)  # type: ignore[union-attr]
        assert schema.get(name) == _spaced(statement), name
    assert {name for name in schema if name.endswith(("_fts_insert", "_fts_delete", "_fts_update"))} \
        == set(search_index.TRIGGER_NAMES)
    assert set(search_index.INSERT_TRIGGERS) <= set(search_index.TRIGGER_NAMES)
    for table, fts in search_index.FTS_TABLES.items():
        assert f"CREATE VIRTUAL TABLE {fts} USING fts5( {search_index.INDEXED[table][1]}," in schema[fts]


def test_search_index_rebuilds_set_wise_what_the_triggers_write(desk, talent) -> None:
    """Rows written with the insert triggers set aside, then indexed by `index_rows` (or the whole table by
    `rebuild`), are found exactly as rows the triggers indexed."""
    office, db = desk.office, desk.office.db
    columns = [row[1] for row in db.execute_sql("PRAGMA table_info(talent)").fetchall()]
    copied = {"id": "?", "name": "?", "phone": "?", "card_no": "NULL", "id_number": "NULL"}
    select = ", ".join(copied.get(column, column) for column in columns)

    def add(tid: str, name: str, phone: str) -> None:
        db.execute_sql(f"INSERT INTO talent ({', '.join(columns)}) SELECT {select} FROM talent WHERE id = ?",
                       (tid, name, phone, talent.id))

    def found(text: str) -> list[str]:
        return [r[0] for r in db.execute_sql(
            "SELECT t.name FROM talent_fts f JOIN talent t ON t.rowid = f.rowid WHERE talent_fts MATCH ? "
            "ORDER BY t.name", (f'"{text}"',))]

    with office.write():
        add("t-a", "欧阳伟明", "13800001111")
        saved = {name: sql for name, sql in db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
            if name in search_index.INSERT_TRIGGERS}
        assert set(saved) == set(search_index.INSERT_TRIGGERS)
        for name in saved:
            db.execute_sql(f'DROP TRIGGER "{name}"')
        add("t-b", "欧阳伟华", "13800002222")
        assert found("欧阳伟") == ["欧阳伟明"]
        last = db.execute_sql("SELECT max(rowid) FROM talent").fetchone()[0]
        search_index.index_rows(db, "talent", last, last)
        for sql in saved.values():
            db.execute_sql(sql)
    assert found("欧阳伟") == ["欧阳伟华", "欧阳伟明"] and found("2222") == ["欧阳伟华"]
    db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    with office.write():
        db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('delete-all')")
        assert found("欧阳伟") == []
        search_index.rebuild(db, "talent")
    assert found("欧阳伟") == ["欧阳伟华", "欧阳伟明"]
    db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")


def test_a_suspended_search_index_takes_the_new_rows_at_resume(desk, talent) -> None:
    """While suspended, rows added and then changed are indexed once, at their final state, by `resume`;
    changes to older rows keep reaching the index; the triggers come back as the schema holds them."""
    office, db = desk.office, desk.office.db
    before = dict(db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'"))
    columns = [row[1] for row in db.execute_sql("PRAGMA table_info(talent)").fetchall()]
    copied = {"id": "?", "name": "?", "phone": "?", "card_no": "NULL", "id_number": "NULL"}
    select = ", ".join(copied.get(column, column) for column in columns)

    def found(text: str) -> list[str]:
        return [r[0] for r in db.execute_sql(
            "SELECT t.name FROM talent_fts f JOIN talent t ON t.rowid = f.rowid WHERE talent_fts MATCH ? "
            "ORDER BY t.name", (f'"{text}"',))]

    with office.write():
        suspended = search_index.suspend(db)
        assert not {"talent_fts_insert", "enterprise_fts_insert"} & {
            name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        db.execute_sql(f"INSERT INTO talent ({', '.join(columns)}) SELECT {select} FROM talent WHERE id = ?",
                       ("t-new", "欧阳新人", "13800003333", talent.id))
        db.execute_sql("UPDATE talent SET name = '欧阳改名' WHERE id = 't-new'")  # not in the index yet
        db.execute_sql("UPDATE talent SET name = '欧阳老人' WHERE id = ?", (talent.id,))
        assert found("欧阳老") == ["欧阳老人"] and found("欧阳改") == []
        suspended.resume()
    assert found("欧阳改") == ["欧阳改名"] and found("欧阳老") == ["欧阳老人"] and found("欧阳新") == []
    assert found("3333") == ["欧阳改名"] and found("陈人才") == []
    db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    after = dict(db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'"))
    assert {name: _spaced(sql) for name, sql in after.items()} == {name: _spaced(sql) for name, sql in before.items()}
