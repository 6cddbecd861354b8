"""The facts the 12345-style rules keep on a request, and what becomes of the requests already open.

The handling clock runs from the first 派单 (`first_dispatched_at`); the return window from the first
dispatch to the unit that holds the request (`unit_dispatched_at`); signing has its own limit
(`sign_due_date`). 按时办结 is judged on the first resolution (`first_resolved_at`, `first_on_time`),
however many 重办 (`rework_count`) follow. Extensions are counted per request (`extensions_used`,
`extension_days_used`); rejected returns too (`return_rejections`). A visit keeps its rating
(`visit_result`: satisfied, basically_satisfied, unsatisfied), whether the matter was solved (`visit_solved`), the
attempts that reached nobody (`visit_unreached`) and a supervisor's 甄别 (`review_result`).

Requests already in the database: the dispatch times are taken from their timeline; an open request keeps
the due date it was given (a rule is not applied backwards to work already under way), and what was done is
written to meta `rules_migration` for `dongwu summary` to show.
"""

import json

STATEMENTS = [
    "ALTER TABLE service_request ADD COLUMN first_dispatched_at DATETIME",
    "ALTER TABLE service_request ADD COLUMN unit_dispatched_at DATETIME",
    "ALTER TABLE service_request ADD COLUMN sign_due_date DATE",
    "ALTER TABLE service_request ADD COLUMN first_resolved_at DATETIME",
    "ALTER TABLE service_request ADD COLUMN first_on_time INTEGER",
    "ALTER TABLE service_request ADD COLUMN rework_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE service_request ADD COLUMN extensions_used INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE service_request ADD COLUMN extension_days_used INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE service_request ADD COLUMN return_rejections INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE service_request ADD COLUMN visit_result TEXT",
    "ALTER TABLE service_request ADD COLUMN visit_solved INTEGER",
    "ALTER TABLE service_request ADD COLUMN visit_unreached INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE service_request ADD COLUMN review_result TEXT",
]

_FIRST = """(SELECT min(e.at) FROM request_event e WHERE e.request_id = service_request.id
             AND e.deleted = 0 AND e.action IN ({actions}))"""

BACKFILL = [
    # The first dispatch: the earliest dispatch or reassignment on the timeline, else the stored time.
    f"""UPDATE service_request SET first_dispatched_at = coalesce({_FIRST.format(actions="'dispatch', 'reassign'")},
        dispatched_at) WHERE dispatched_at IS NOT NULL""",
    "UPDATE service_request SET unit_dispatched_at = dispatched_at WHERE dispatched_at IS NOT NULL",
    f"""UPDATE service_request SET first_resolved_at = {_FIRST.format(actions="'resolve'")}
        WHERE direct = 0""",
    f"""UPDATE service_request SET rework_count = (SELECT count(*) FROM request_event e
        WHERE e.request_id = service_request.id AND e.deleted = 0 AND e.action = 'visit'
        AND e.to_status = 'in_progress')""",
    """UPDATE service_request SET visit_result = CASE satisfied WHEN 1 THEN 'satisfied' ELSE 'unsatisfied' END
        WHERE satisfied IS NOT NULL""",
]

OPEN = "('new', 'dispatched', 'in_progress', 'returned')"


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    # The new columns are local facts, not captured for sync: the backfill runs with capture off, so it
    # stamps nothing and a record held in a sync conflict (whose guard refuses edits) is filled in too.
    (capture,) = db.execute_sql("SELECT capture FROM sync_state WHERE one = 1").fetchone()
    db.execute_sql("UPDATE sync_state SET capture = 0 WHERE one = 1")
    for statement in BACKFILL:
        db.execute_sql(statement)
    db.execute_sql("UPDATE sync_state SET capture = ? WHERE one = 1", (capture,))
    (open_count,) = db.execute_sql(
        f"SELECT count(*) FROM service_request WHERE deleted = 0 AND status IN {OPEN}").fetchone()
    (dispatched,) = db.execute_sql(
        f"SELECT count(*) FROM service_request WHERE deleted = 0 AND status IN {OPEN} "
        "AND first_dispatched_at IS NOT NULL").fetchone()
    note = {"open": open_count, "dispatched": dispatched, "due_kept": open_count}
    db.execute_sql("INSERT OR REPLACE INTO meta (key, value) VALUES ('rules_migration', ?)",
                   (json.dumps(note),))
