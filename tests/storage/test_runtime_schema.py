"""The running program's own definitions of derived tables (storage/facts.py, storage/capture.py) are
the ones the migrations left in the database: the writers that set triggers aside restore, and rebuild
set-wise, exactly what the schema holds."""

from __future__ import annotations

import re
from pathlib import Path

from dongwu_tui.storage import capture, facts
from dongwu_tui.storage.bulk import TALENT_FTS_COLUMNS
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
