"""Migration 0017: an existing office accepts department sites and keeps its own, its schema sound."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
import pytest
from playhouse.migrations import Runner

from dongwu_tui.storage.database import MIGRATIONS_DIR, known_migrations, open_database

ROW = ("INSERT INTO site (id, site_id, created_at, updated_at, code, name, kind) "
       "VALUES (?, 'x', '2026-01-01', '2026-01-01', ?, ?, ?)")


def test_an_office_before_0017_takes_departments_after_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database = peewee.SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "foreign_keys": 1})
    before = [name for name in known_migrations() if name < "0017"]
    Runner(database, str(MIGRATIONS_DIR)).up(target=before[-1])
    database.execute_sql(ROW, ("s1", "wz", "吴中区高层次人才服务中心", "district"))
    with pytest.raises(peewee.IntegrityError):  # the old CHECK: no department yet
        database.execute_sql(ROW, ("s2", "rsj", "区人社局", "department"))
    database.close()
    office = open_database(path)
    try:
        office.db.execute_sql(ROW, ("s2", "rsj", "区人社局", "department"))
        kinds = dict(office.db.execute_sql("SELECT code, kind FROM site").fetchall())
        assert kinds == {"wz": "district", "rsj": "department"}
        with pytest.raises(peewee.IntegrityError):  # the CHECK still holds for anything else
            office.db.execute_sql(ROW, ("s3", "zz", "某单位", "elsewhere"))
    finally:
        office.close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        triggers = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'site' "
                                                          "AND type = 'trigger'")}
        assert {"sync_site_insert", "sync_site_update"} <= triggers
    finally:
        connection.close()
