"""The fast import paths leave the database as the row-by-row path would: search index, triggers, indexes."""

from __future__ import annotations

import json
from datetime import datetime

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


def _demo_centre_and_township(tmp_path):
    """A demo district centre (requests and events of every kind) and the office of the township holding
    most of its requests, trusting each other."""
    from dongwu_tui.services.demo import build_demo
    from dongwu_tui.services.setup import initialise
    from dongwu_tui.storage.database import open_database
    from dongwu_tui.sync import trust

    build_demo(tmp_path / "centre.db", talents=60, now=datetime(2026, 11, 20, 17, 0))
    centre = open_database(tmp_path / "centre.db")
    code = centre.db.execute_sql("SELECT township_code FROM service_request WHERE township_code IS NOT NULL "
                                 "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    town = initialise(tmp_path / "town.db", "镇人才工作站", "township", township=code).office
    trust.ensure_keys(centre)
    trust.certify(centre, trust.enrolment_request(town))
    trust.install_bundle(town, json.loads(json.dumps(trust.trust_bundle(centre))))
    return centre, town, code


def _refuse_per_row_fact_inserts(office) -> None:
    """Make the fact insert triggers (migration 0005) fail if they fire: the import must set them aside and
    refresh the facts set-wise instead of recomputing a request's facts per inserted request or event."""
    db = office.db
    with office.write():
        for name, table in db.execute_sql("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name IN "
                                          "('report_fact_request_insert', 'report_fact_event_insert')").fetchall():
            db.execute_sql(f'DROP TRIGGER "{name}"')
            db.execute_sql(f"CREATE TRIGGER \"{name}\" AFTER INSERT ON {table} BEGIN "
                           "SELECT RAISE(ABORT, 'fact insert trigger fired per row'); END")


def test_import_refreshes_report_facts_set_wise(tmp_path):
    from tests.reports.test_facts import assert_maintained_equals_rebuilt

    centre, town, code = _demo_centre_and_township(tmp_path)
    try:
        _refuse_per_row_fact_inserts(town)
        before = schema(town)
        first = engine.import_file(town, engine.export_file(centre, code, tmp_path / "out").path)
        assert schema(town) == before  # the fact triggers are made again as they were
        requests = town.db.execute_sql("SELECT count(*) FROM service_request WHERE deleted = 0").fetchone()[0]
        events = town.db.execute_sql("SELECT count(*) FROM request_event").fetchone()[0]
        assert first.applied > 0 and requests > 5 and events > requests
        assert town.db.execute_sql("SELECT count(*) FROM report_fact").fetchone()[0] == requests
        assert_maintained_equals_rebuilt(town.db)

        # A delta into an office that already holds requests: new events on held requests (returns, which
        # set a fact flag) and a new request, besides updates merged into held rows.
        held = [r[0] for r in town.db.execute_sql(
            "SELECT id FROM service_request WHERE deleted = 0 AND id NOT IN (SELECT request_id FROM request_event "
            "WHERE action = 'return') ORDER BY id LIMIT 3")]
        with centre.write():
            for k, request_id in enumerate(held):
                centre.db.execute_sql(
                    "INSERT INTO request_event (id, site_id, created_at, updated_at, request_id, at, actor_id, action, "
                    "to_status) SELECT ?, site_id, '2026-11-21 09:00:00', '2026-11-21 09:00:00', id, "
                    "'2026-11-21T09:00:00', opened_by_id, 'return', 'returned' FROM service_request WHERE id = ?",
                    (f"delta-event-{k}", request_id))
            centre.db.execute_sql("UPDATE service_request SET status = 'returned' WHERE id = ?", (held[0],))
            centre.db.execute_sql("CREATE TEMP TABLE copied AS SELECT * FROM service_request WHERE id = ?", (held[2],))
            centre.db.execute_sql("UPDATE copied SET id = 'delta-request', number = 'WZ-20261121-9999'")
            centre.db.execute_sql("INSERT INTO service_request SELECT * FROM copied")
            centre.db.execute_sql("DROP TABLE copied")
        town_facts = town.db.execute_sql("SELECT profile FROM report_fact WHERE request_id = ?", (held[1],)).fetchone()
        second = engine.import_file(town, engine.export_file(centre, code, tmp_path / "out2").path)
        assert second.applied >= len(held)
        assert schema(town) == before
        assert town.db.execute_sql("SELECT profile FROM report_fact WHERE request_id = ?",
                                   (held[1],)).fetchone() != town_facts  # the return reached the facts
        assert town.db.execute_sql("SELECT 1 FROM report_fact WHERE request_id = 'delta-request'").fetchone()
        assert_maintained_equals_rebuilt(town.db)
    finally:
        centre.close()
        town.close()
