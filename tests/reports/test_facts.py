"""The maintained report facts (migration 0005) equal facts rebuilt from scratch, after writes of every
kind: the services (test_kpi.py, the hand-built office), raw updates, event inserts and deletes, tombstones."""

from __future__ import annotations

import importlib.util
import random
import shutil
from datetime import datetime
from pathlib import Path

from dongwu_tui.reports import facts
from dongwu_tui.reports.definitions import COUNT_FIELDS, OPEN
from dongwu_tui.reports.period import span
from dongwu_tui.storage import facts as stored
from dongwu_tui.storage.database import MIGRATIONS_DIR, open_database

TABLES = {
    "report_fact": "SELECT * FROM report_fact ORDER BY request_id",
    "report_cube_month": "SELECT * FROM report_cube_month WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7",
    "report_cube_day": "SELECT * FROM report_cube_day WHERE n <> 0 ORDER BY 1, 2, 3, 4",
    "report_cube_resolved": "SELECT * FROM report_cube_resolved WHERE n <> 0 ORDER BY 1, 2",
}


# Migration 0007's per-axis aggregates (keyed by status beside profile since 0011), and what they must
# hold, written straight from the facts (not from 0005's aggregates, which 0007's triggers and rebuild read).
DASHBOARD = {
    "report_axis_month": "SELECT month, axis, key, status, profile, n, wd FROM report_axis_month "
                         "WHERE n <> 0 OR wd <> 0 ORDER BY 1, 2, 3, 4, 5",
    "report_week": "SELECT week, status, profile, n FROM report_week WHERE n <> 0 ORDER BY 1, 2, 3",
}
FROM_FACTS = {
    "report_axis_month": """SELECT month, axis, key, status, profile, n, wd FROM (
        SELECT substr(opened_at, 1, 7) AS month, 0 AS axis, measure_number AS key, status, profile, COUNT(*) AS n,
               coalesce(SUM(working_days), 0) AS wd FROM report_fact GROUP BY 1, 3, 4, 5
        UNION ALL SELECT substr(opened_at, 1, 7), 1, coalesce(township_code, ''), status, profile, COUNT(*),
               coalesce(SUM(working_days), 0) FROM report_fact GROUP BY 1, 3, 4, 5
        UNION ALL SELECT substr(opened_at, 1, 7), 2, coalesce(assignee_id, ''), status, profile, COUNT(*),
               coalesce(SUM(working_days), 0) FROM report_fact GROUP BY 1, 3, 4, 5) ORDER BY 1, 2, 3, 4, 5""",
    "report_week": "SELECT opened_week, status, profile, COUNT(*) FROM report_fact GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
}


def snapshot(db) -> dict[str, list[tuple]]:
    return {name: db.execute_sql(sql).fetchall() for name, sql in {**TABLES, **DASHBOARD}.items()}


def assert_dashboard_aggregates_exact(db) -> None:
    for name, sql in DASHBOARD.items():
        assert db.execute_sql(sql).fetchall() == db.execute_sql(FROM_FACTS[name]).fetchall(), name


def assert_maintained_equals_rebuilt(db) -> None:
    assert_dashboard_aggregates_exact(db)
    maintained = snapshot(db)
    with db.atomic():
        stored.refresh_facts(db)
    rebuilt = snapshot(db)
    for name in {**TABLES, **DASHBOARD}:
        assert maintained[name] == rebuilt[name], name
    assert_dashboard_aggregates_exact(db)
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
        stored.refresh_facts(db, ids)
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
    assert set(quoted.findall(stored.OPEN_STATUSES_SQL)) == set(quoted.findall(OPEN))


def test_dashboard_aggregates_follow_every_set_wise_path(demo_db: Path, tmp_path: Path):
    """Migration 0007's aggregates stay exact whichever way the facts are rewritten: refresh_facts_where
    (a sync import), 0005's own rebuild as the bulk loader calls it (0007's triggers on), a recompute of
    the working days (0007's triggers set aside, then rebuilt), and the migration's rebuild itself."""
    path = tmp_path / "facts.db"
    shutil.copy(demo_db, path)
    office = open_database(path)
    db = office.db
    assert_dashboard_aggregates_exact(db)
    before = snapshot(db)
    with db.atomic():
        # Rows rewritten behind the triggers' back, then refreshed set-wise for the changed requests.
        for name in stored.TRIGGER_NAMES:
            db.execute_sql(f'DROP TRIGGER "{name}"')
        db.execute_sql("UPDATE service_request SET status = 'archived', resolved_at = '2026-11-02T10:00:00' "
                       "WHERE status IN ('new', 'dispatched', 'in_progress')")
        db.execute_sql("UPDATE service_request SET measure_number = 3 WHERE rowid % 7 = 0")
        stored.refresh_facts_where(db, "r.rowid % 7 = 0 OR r.status = 'archived'")
        for statement in stored.TRIGGERS:
            db.execute_sql(statement)
    assert snapshot(db) != before
    assert_dashboard_aggregates_exact(db)
    with db.atomic():
        stored.rebuild(db)
    assert_dashboard_aggregates_exact(db)
    with db.atomic():
        db.execute_sql("UPDATE report_fact SET working_days = working_days + 1")  # through the triggers
        db.execute_sql("DELETE FROM report_state")  # the calendar looks changed: every fact's days again
    from dongwu_tui.reports.engine import ReportService
    from dongwu_tui.services.desk import Desk
    with db.atomic():
        Desk(office, clock=lambda: datetime(2026, 11, 20, 17, 0)).derive()
    ReportService(Desk(office, clock=lambda: datetime(2026, 11, 20, 17, 0))).figures(span(None, None))
    assert_dashboard_aggregates_exact(db)
    assert {name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")} >= set(
        stored.DASHBOARD_TRIGGER_NAMES)
    with db.atomic():
        db.execute_sql("UPDATE report_axis_month SET n = n + 1")
        stored.rebuild_dashboard(db)
    assert_dashboard_aggregates_exact(db)
    office.close()


def _migration(stem: str):
    """A migration file as a module (the running program never imports one)."""
    path = next(MIGRATIONS_DIR.glob(f"{stem}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_past_due_index_matches_the_open_condition():
    """The partial index for "past due today" is usable only while its condition is, term for term, the
    OPEN of definitions.py (the engine names it with INDEXED BY, so a drift fails loudly anyway)."""
    assert OPEN == "r." + _migration("0007").OPEN_CONDITION


def test_a_status_never_shares_bits_with_a_flag():
    """The facts of two requests alike but for their status, one a status the program does not know yet
    (a ninth), have the same profile, every flag intact: the status is a column of its own."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("""CREATE TABLE service_request (id TEXT, deleted INTEGER, opened_at TEXT, measure_number INTEGER,
        township_code TEXT, assignee_id TEXT, status TEXT, direct INTEGER, due_date TEXT, signed_at TEXT,
        resolved_at TEXT, visited_at TEXT, satisfied INTEGER, extension_days INTEGER)""")
    db.execute("CREATE TABLE request_event (request_id TEXT, deleted INTEGER, action TEXT, to_status TEXT)")
    db.execute("CREATE TABLE report_workday (day TEXT, n INTEGER)")
    for rid, status in (("a", "new"), ("b", "suspended"), ("c", "merged")):
        db.execute("INSERT INTO service_request VALUES (?, 0, '2026-11-02T09:00:00', 11, 'mudu', NULL, ?, 1, "
                   "'2026-11-20', NULL, NULL, NULL, 0, 3)", (rid, status))
    rows = db.execute(f"SELECT request_id, status, profile FROM ({stored.fact_select('1')}) ORDER BY 1").fetchall()
    assert [status for _, status, _ in rows] == ["new", "suspended", "merged"]
    assert len({profile for _, _, profile in rows}) == 1
    decoded = facts.profile_columns(str(rows[0][2]))
    assert "status" not in decoded
    flags = db.execute("SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in decoded.items())).fetchone()
    assert dict(zip(decoded, flags, strict=True)) | {"satisfied": 0} == {
        "satisfied": 0, "direct": 1, "visited": 0, "reworked": 0, "returned_once": 0, "extension_approved": 0,
        "repeated": 0, "extension_pending": 1, "resolved_by_due": 0, "resolved_after_due": 0}


def test_migration_0011_unpacks_the_status_and_keeps_every_figure(demo_db: Path, tmp_path: Path):
    """A database with the status packed into profile (0005/0007 as they were) migrates to the very facts,
    aggregates and report figures of a database made with the status in its own column."""
    from dongwu_tui.reports.engine import ReportService
    from dongwu_tui.services.desk import Desk

    path = tmp_path / "packed.db"
    shutil.copy(demo_db, path)
    office = open_database(path)
    db = office.db
    clock = lambda: datetime(2026, 11, 20, 17, 0)  # noqa: E731
    figures = ReportService(Desk(office, clock=clock)).figures(span(None, None))
    before = snapshot(db)
    m5, m7 = _migration("0005"), _migration("0007")
    with db.atomic():  # back to the packed schema, by the frozen SQL of 0005 and 0007
        for name in (*m5.TRIGGER_NAMES, *m5.CUBE_TRIGGER_NAMES, *m7.TRIGGER_NAMES):
            db.execute_sql(f'DROP TRIGGER "{name}"')
        for name in ("report_cube_month", "report_cube_day", "report_axis_month", "report_week"):
            db.execute_sql(f'DROP TABLE "{name}"')
        for statement in m5.CUBES[:2] + m7.TABLES:  # report_cube_resolved has no profile: it stays
            db.execute_sql(statement)
        m5.rebuild(db)
        m7.rebuild(db)
        for statement in m5.TRIGGERS + m5.CUBE_TRIGGERS + m7.TRIGGERS:
            db.execute_sql(statement)
        db.execute_sql("DELETE FROM schema_migration WHERE name = '0011_fact_status'")
    packed = db.execute_sql("SELECT profile & 7, status FROM report_fact").fetchall()
    codes = {status: {code for code, s in packed if s == status} for _, status in packed}
    assert len(codes) > 3 and all(len(c) == 1 for c in codes.values())  # each status in the low 3 bits
    assert len(set.union(*codes.values())) == len(codes)
    office.close()
    office = open_database(path)
    assert office.upgraded
    assert snapshot(office.db) == before
    assert ReportService(Desk(office, clock=clock)).figures(span(None, None)) == figures
    office.close()


def test_an_upgraded_database_has_its_working_days_before_any_read(demo_db: Path, tmp_path: Path, monkeypatch):
    """Opening a database that migrations changed completes the working-day table there and then, so the
    statistics that follow only read (a read-only file, a first `stats`)."""
    from dongwu_tui.services import setup

    path = tmp_path / "upgraded.db"
    shutil.copy(demo_db, path)
    office = open_database(path)
    expected = snapshot(office.db)
    with office.db.atomic():
        office.db.execute_sql("DELETE FROM report_workday")
        office.db.execute_sql("DELETE FROM report_state")
        office.db.execute_sql("UPDATE report_fact SET working_days = NULL")
    office.close()
    opened = setup.open_database

    def upgraded(*args, **kwargs):
        office = opened(*args, **kwargs)
        office.upgraded = True  # as after a migration
        return office

    monkeypatch.setattr(setup, "open_database", upgraded)
    desk = setup.open_desk(path)
    assert desk.office.db.execute_sql("SELECT COUNT(*) FROM report_workday").fetchone()[0] > 700
    assert snapshot(desk.office.db) == expected
    desk.office.close()
