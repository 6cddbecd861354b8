"""The partition rule is written once (storage/capture.py): the capture triggers' expression is what a
merge uses to place a record it changed (sync/engine.py `partition_of`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from dongwu_tui.services.demo import build_demo
from dongwu_tui.storage import capture
from dongwu_tui.storage.database import open_database
from dongwu_tui.sync import engine


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("partition") / "demo.db"
    build_demo(path, talents=40, now=datetime(2026, 11, 20, 17, 0))
    office = open_database(path)
    yield office
    office.close()


def test_a_merge_places_every_record_where_the_capture_trigger_did(office) -> None:
    """Every record of every synced table: the partition `partition_of` gives from its values is the one
    the capture trigger wrote in `sync_row` when the record was written."""
    db = office.db
    seen = set()
    for table in capture.SYNCED_COLUMNS:
        cursor = db.execute_sql(f'SELECT t.*, r.part FROM "{table}" t JOIN sync_row r ON r.tbl = ? AND r.id = t.id',
                                (table,))
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            values = dict(zip(names[:-1], row[:-1], strict=True))
            assert engine.partition_of(office, table, values) == row[-1], (table, values["id"])
            seen.add((table, row[-1] != ""))
    # The demo has records of every table, in a township's partition as well as the shared one.
    assert {table for table, _ in seen} == set(capture.SYNCED_COLUMNS)
    assert any(placed for _, placed in seen)


def test_the_merge_reads_the_rule_from_storage(office, monkeypatch) -> None:
    monkeypatch.setitem(capture.PARTITION, "talent", "coalesce(NEW.card_no, '')")
    assert engine.partition_of(office, "talent", {"township_code": "mudu", "card_no": "DW000001"}) == "DW000001"
