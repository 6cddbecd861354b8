"""The fast import paths leave the database as the row-by-row path would: search index, triggers, indexes."""

from __future__ import annotations

import pytest

from dongwu_tui.sync import engine

from .offices import make_offices
from .test_sync_basics import add_talent, edit


@pytest.fixture
def offices(tmp_path):
    offices = make_offices(tmp_path, ["mudu"])
    yield offices
    for office in offices.values():
        office.close()


def schema(office) -> list[tuple[str, str, str]]:
    return sorted(office.db.execute_sql("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))


def search(office, text: str) -> set[str]:
    return {r[0] for r in office.db.execute_sql(
        "SELECT t.id FROM talent_fts f JOIN talent t ON t.rowid = f.rowid WHERE talent_fts MATCH ?", (f'"{text}"',))}


def test_large_import_indexes_search_and_restores_schema(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    add_talent(mudu, "local")  # a row already there: only the new rows are added to the search index
    n = engine.REINDEX_MIN_NEW_ROWS + 10
    with centre.write():
        centre.db.cursor().executemany(
            "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, phone, id_kind, category_code, "
            "level_code, township_code, card_no) VALUES (?, ?, '2026-11-01 09:00:00', '2026-11-01 09:00:00', 0, ?, ?, "
            "'resident', (SELECT code FROM talent_category LIMIT 1), (SELECT code FROM talent_level LIMIT 1), "
            "'mudu', ?)",
            [(f"t{i:06d}", centre.meta("site_id"), f"人才{i:06d}", f"138{i:08d}", f"DW{i:08d}") for i in range(n)])
    before = schema(mudu)
    result = engine.import_file(mudu, engine.export_file(centre, "mudu", tmp_path / "out").path)
    assert result.applied >= n
    assert schema(mudu) == before  # every trigger and index made again, exactly as it was
    assert search(mudu, "人才000123") == {"t000123"} and search(mudu, "DW00004999") == {"t004999"}
    assert search(mudu, "13812345678") == {"local"}
    mudu.db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    # A merged record (update path) is re-indexed by the update trigger.
    edit(centre, "t000007", name="李四光明")
    engine.import_file(mudu, engine.export_file(centre, "mudu", tmp_path / "out").path)
    assert search(mudu, "李四光明") == {"t000007"} and search(mudu, "人才000007") == set()
    mudu.db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
