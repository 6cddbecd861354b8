"""The maintained report facts (migration 0005) equal facts rebuilt from scratch, after writes of every
kind: the services (test_kpi.py, the hand-built office), raw updates, event inserts and deletes, tombstones."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from dongwu_tui.reports import facts
from dongwu_tui.reports.definitions import COUNT_FIELDS, OPEN
from dongwu_tui.storage.bulk import _migration
from dongwu_tui.storage.database import open_database

TABLES = {
    "report_fact": "SELECT * FROM report_fact ORDER BY request_id",
    "report_cube_month": "SELECT * FROM report_cube_month WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
    "report_cube_day": "SELECT * FROM report_cube_day WHERE n <> 0 ORDER BY 1, 2, 3",
    "report_cube_resolved": "SELECT * FROM report_cube_resolved WHERE n <> 0 ORDER BY 1, 2",
}


def snapshot(db) -> dict[str, list[tuple]]:
    return {name: db.execute_sql(sql).fetchall() for name, sql in TABLES.items()}


def assert_maintained_equals_rebuilt(db) -> None:
    maintained = snapshot(db)
    with db.atomic():
        facts.refresh_facts(db)
    rebuilt = snapshot(db)
    for name in TABLES:
        assert maintained[name] == rebuilt[name], name
    # The packed profile decodes to the very columns it packs.
    decoded = facts.profile_columns("f.profile")
    mismatch = " OR ".join(f"({sql}) IS NOT f.{name}" for name, sql in decoded.items())
    assert db.execute_sql(f"SELECT COUNT(*) FROM report_fact f WHERE {mismatch}").fetchone()[0] == 0


def test_facts_after_random_writes(demo_db: Path, tmp_path: Path):
    path = tmp_path / "facts.db"
    shutil.copy(demo_db, path)
    office = open_database(path)
    db = office.db
    assert_maintained_equals_rebuilt(db)
    rng = random.Random(5)
    ids = [row[0] for row in db.execute_sql("SELECT id FROM service_request ORDER BY id").fetchall()]
    events = [row[0] for row in db.execute_sql("SELECT id FROM request_event ORDER BY id").fetchall()]
    statuses = ["new", "dispatched", "in_progress", "returned", "resolved", "visited", "archived", "merged"]
    actor = db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
    site = db.execute_sql("SELECT site_id FROM service_request LIMIT 1").fetchone()[0]
    with db.atomic():
        for k in range(300):
            rid = rng.choice(ids)
            roll = rng.random()
            if roll < 0.3:
                db.execute_sql("UPDATE service_request SET status = ?, resolved_at = ?, due_date = ? WHERE id = ?",
                               (rng.choice(statuses), rng.choice([None, "2026-10-02T10:00:00", "2026-11-30T09:00:00"]),
                                rng.choice(["2026-10-01", "2026-11-25", "2026-12-31"]), rid))
            elif roll < 0.45:
                db.execute_sql("UPDATE service_request SET visited_at = ?, satisfied = ?, extension_days = ? "
                               "WHERE id = ?", (rng.choice([None, "2026-11-01T10:00:00"]), rng.choice([None, 0, 1]),
                                                rng.choice([None, 3]), rid))
            elif roll < 0.5:
                db.execute_sql("UPDATE service_request SET deleted = ? WHERE id = ?", (rng.choice([0, 1]), rid))
            elif roll < 0.55:
                db.execute_sql("UPDATE service_request SET measure_number = ?, township_code = NULL, "
                               "assignee_id = NULL, opened_at = ? WHERE id = ?",
                               (rng.randint(1, 18), rng.choice(["2025-06-30T23:00:00", "2026-02-01T00:00:00"]), rid))
            elif roll < 0.8:
                action, to = rng.choice([("return", "returned"), ("approve-extension", "in_progress"),
                                         ("repeat-call", "in_progress"), ("merged-in", "in_progress"),
                                         ("visit", "in_progress"), ("visit", "visited"), ("note", "new")])
                db.execute_sql("INSERT INTO request_event (id, site_id, created_at, updated_at, request_id, at, "
                               "actor_id, action, to_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (f"test-event-{k}", site, "2026-11-01", "2026-11-01", rid, "2026-11-01T10:00:00",
                                actor, action, to))
            elif roll < 0.9:
                db.execute_sql("UPDATE request_event SET deleted = 1 WHERE id = ?", (rng.choice(events),))
            else:
                db.execute_sql("DELETE FROM request_event WHERE id = ?", (rng.choice(events),))
    assert_maintained_equals_rebuilt(db)
    office.close()


def test_bulk_rebuild_equals_triggers(demo_db: Path, tmp_path: Path):
    """refresh_facts(ids) and the bulk loader's set-wise path give what the triggers give."""
    path = tmp_path / "facts.db"
    shutil.copy(demo_db, path)
    office = open_database(path)
    db = office.db
    before = snapshot(db)
    ids = [row[0] for row in db.execute_sql("SELECT id FROM service_request").fetchall()]
    with db.atomic():
        db.execute_sql("DELETE FROM report_fact")
        facts.refresh_facts(db, ids)
    assert snapshot(db) == before
    assert_maintained_equals_rebuilt(db)
    office.close()


def test_due_date_only_matters_for_open_requests():
    """The aggregates keep a due date only for open requests (the one figure that depends on today):
    every condition that reads due_date must require an open request."""
    for field in COUNT_FIELDS.values():
        if "due_date" in field.condition:
            assert OPEN in field.condition, field.key
    import re
    quoted = re.compile(r"'(\w+)'")
    assert set(quoted.findall(_migration("0005").OPEN_STATUSES_SQL)) == set(quoted.findall(OPEN))
