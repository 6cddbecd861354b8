"""The per-request report facts and their aggregates: table definitions, triggers, and the set-wise
rebuilds that replace the triggers for writers that set them aside.

Migration 0005 made `report_fact` and its aggregates (`report_cube_*`); migration 0007 the dashboard's
per-axis aggregates (`report_axis_month`, `report_week`) kept from them; migration 0011 gave the status
its own column in every aggregate keyed by `profile` (which holds only the yes/no flags since). Each
migration keeps its own frozen copy of the SQL it ran; this module is what the running program knows of
those tables, and the one place it is defined: the bulk loader (storage/bulk.py), a sync import
(sync/engine.py), the report engine (reports/facts.py) and any later migration that changes the facts
read it from here.

The triggers keep `report_fact` exact on every ordinary write. A writer that drops the insert triggers
(`INSERT_TRIGGERS`) for a large write calls `rebuild` (every fact) or `refresh_facts_where` (the
requests it wrote) afterwards; the aggregates follow by their own triggers, or are rebuilt set-wise
when that is cheaper (`without_cube_triggers`, `without_dashboard_triggers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Bits of `profile`, the yes/no facts a KPI condition reads: (column, bit). The status is a column of
# its own beside it, in the facts and in every aggregate keyed by profile (migration 0011), so any
# number of statuses fits and no status can spill into a flag.
FLAG_BITS = (
    ("direct", 0), ("visited", 1), ("satisfied_yes", 2), ("satisfied_no", 3), ("reworked", 4),
    ("returned_once", 5), ("extension_approved", 6), ("repeated", 7), ("extension_pending", 8),
    ("resolved_by_due", 9), ("resolved_after_due", 10),
)
EVENT_ACTIONS = ("return", "approve-extension", "repeat-call", "merged-in", "visit")
# Columns of service_request the facts read: an update of any of them refreshes the request's facts.
READ_COLUMNS = ("id", "deleted", "opened_at", "measure_number", "township_code", "assignee_id", "status", "direct",
                "due_date", "signed_at", "resolved_at", "visited_at", "satisfied", "extension_days")

FACT_COLUMNS = (
    "request_id", "opened_at", "opened_week", "measure_number", "township_code", "assignee_id", "status", "direct",
    "due_date", "signed_day", "resolved_day", "resolved_week", "visited", "satisfied", "reworked", "returned_once",
    "extension_approved", "repeated", "extension_pending", "resolved_by_due", "resolved_after_due",
    "working_days", "profile",
)


def _week(day: str) -> str:
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


def _event(request: str, condition: str) -> str:
    return (f"EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = {request} AND e.deleted = 0 "
            f"AND {condition})")


# The event facts per request as conditions over its live events: an EXISTS each (one request at a time,
# the triggers) or a max() each over the request's group (every request at once, `rebuild`).
EVENT_FACTS = (
    ("reworked", "e.action = 'visit' AND e.to_status = 'in_progress'"),
    ("returned_once", "e.action = 'return'"),
    ("extension_approved", "e.action = 'approve-extension'"),
    ("repeated", "e.action IN ('repeat-call', 'merged-in')"),
)


def fact_select(where: str, grouped: bool = False) -> str:
    """SELECT of the fact rows (in FACT_COLUMNS order) of the live requests `r` matching `where`.

    `grouped` (for many requests; same rows): the event facts from one grouped pass over the events of
    the actions that matter, joined to the requests, instead of four EXISTS probes per request. Those
    probes are quadratic when the planner has no statistics (each one scanning every event of its
    action) and 4 x 300k index probes when it has them; the grouped pass reads the events once."""
    if grouped:
        event_facts = ", ".join(f"coalesce(ev.{name}, 0) AS {name}" for name, _ in EVENT_FACTS)
        source = "service_request r LEFT JOIN ev ON ev.request_id = r.id"
    else:
        event_facts = ",\n            ".join(f"{_event('r.id', condition)} AS {name}"
                                            for name, condition in EVENT_FACTS)
        source = "service_request r"
    inner = f"""SELECT r.id AS request_id, r.opened_at, {_week('substr(r.opened_at, 1, 10)')} AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN {_week('substr(r.resolved_at, 1, 10)')} END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            {event_facts},
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM {source} WHERE r.deleted = 0 AND ({where})"""
    flags = {"direct": "x.direct = 1", "visited": "x.visited", "satisfied_yes": "x.satisfied = 1",
             "satisfied_no": "x.satisfied = 0", "reworked": "x.reworked", "returned_once": "x.returned_once",
             "extension_approved": "x.extension_approved", "repeated": "x.repeated",
             "extension_pending": "x.extension_pending", "resolved_by_due": "x.resolved_by_due",
             "resolved_after_due": "x.resolved_after_due"}
    profile = " + ".join([f"(CASE WHEN {flags[name]} THEN {1 << bit} ELSE 0 END)"
                                      for name, bit in FLAG_BITS])
    columns = ", ".join(f"x.{c}" for c in FACT_COLUMNS if c not in ("working_days", "profile"))
    select = f"""SELECT {columns},
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            {profile} AS profile
        FROM ({inner}) x"""
    if not grouped:
        return select
    # max() of a condition is 1 when some live event of the request meets it, as EXISTS; a request with
    # none of these events has no group (the LEFT JOIN's NULL, coalesced to 0). `+request_id`: group by
    # sorting the few matching events, not by walking (request_id, at) with a table look-up per event.
    # In request id order (~ opening order: ids are UUIDv7), report_fact and its index by opening time
    # are appended to rather than split all over (half the cost of the insert at 300k requests).
    conditions = ", ".join(f"max({condition}) AS {name}" for name, condition in EVENT_FACTS)
    return f"""WITH ev AS MATERIALIZED (
            SELECT e.request_id, {conditions} FROM request_event e
            WHERE e.deleted = 0 AND e.action IN ({_ACTIONS}) GROUP BY +e.request_id)
        {select} ORDER BY x.request_id"""


def refresh_one(request: str) -> str:
    return (f"DELETE FROM report_fact WHERE request_id = {request};\n"
            f"INSERT INTO report_fact ({', '.join(FACT_COLUMNS)}) {fact_select(f'r.id = {request}')};")


TABLES = [
    """CREATE TABLE report_workday (day TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID""",
    "CREATE TABLE report_state (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE report_fact (
        request_id TEXT PRIMARY KEY NOT NULL,
        opened_at TEXT NOT NULL, opened_week TEXT NOT NULL,
        measure_number INTEGER NOT NULL, township_code TEXT, assignee_id TEXT,
        status TEXT NOT NULL, direct INTEGER NOT NULL, due_date TEXT NOT NULL,
        signed_day TEXT, resolved_day TEXT, resolved_week TEXT,
        visited INTEGER NOT NULL, satisfied INTEGER, reworked INTEGER NOT NULL, returned_once INTEGER NOT NULL,
        extension_approved INTEGER NOT NULL, repeated INTEGER NOT NULL, extension_pending INTEGER NOT NULL,
        resolved_by_due INTEGER NOT NULL, resolved_after_due INTEGER NOT NULL,
        working_days INTEGER, profile INTEGER NOT NULL) WITHOUT ROWID""",
]
# Maintained aggregates over the facts (kept by the report_cube_* triggers on report_fact):
# - per month opened × measure × township × specialist × status × profile × due date (open only; '' else):
#   the grid for whole months is a scan of a few thousand rows instead of every request;
# - per day opened × status × profile × due date (open only): the weekly trends' opened and on-time figures;
# - per resolution day × status: the weekly trends' closed figure.
# Township and specialist none are '' here (NULL would not be one key).
OPEN_STATUSES_SQL = "('new', 'dispatched', 'in_progress', 'returned')"
CUBES = [
    """CREATE TABLE report_cube_month (
        month TEXT NOT NULL, measure_number INTEGER NOT NULL, township TEXT NOT NULL, assignee TEXT NOT NULL,
        status TEXT NOT NULL, profile INTEGER NOT NULL, due TEXT NOT NULL, n INTEGER NOT NULL, wd INTEGER NOT NULL,
        PRIMARY KEY (month, measure_number, township, assignee, status, profile, due)) WITHOUT ROWID""",
    """CREATE TABLE report_cube_day (
        day TEXT NOT NULL, status TEXT NOT NULL, profile INTEGER NOT NULL, due TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (day, status, profile, due)) WITHOUT ROWID""",
    """CREATE TABLE report_cube_resolved (
        day TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, status)) WITHOUT ROWID""",
]


def _due(row: str) -> str:
    return f"CASE WHEN {row}.status IN {OPEN_STATUSES_SQL} THEN {row}.due_date ELSE '' END"


def _cube_add(row: str, sign: str) -> str:
    wd = f"{sign}coalesce({row}.working_days, 0)"
    return f"""INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
            VALUES (substr({row}.opened_at, 1, 7), {row}.measure_number, coalesce({row}.township_code, ''),
                    coalesce({row}.assignee_id, ''), {row}.status, {row}.profile, {_due(row)}, {sign}1, {wd})
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_cube_day (day, status, profile, due, n)
            VALUES (substr({row}.opened_at, 1, 10), {row}.status, {row}.profile, {_due(row)}, {sign}1)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_resolved (day, status, n) SELECT {row}.resolved_day, {row}.status, {sign}1
            WHERE {row}.resolved_day IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + excluded.n;"""


CUBE_TRIGGERS = [
    f"""CREATE TRIGGER report_cube_insert AFTER INSERT ON report_fact BEGIN
        {_cube_add('NEW', '')}
    END""",
    f"""CREATE TRIGGER report_cube_delete AFTER DELETE ON report_fact BEGIN
        {_cube_add('OLD', '-')}
    END""",
    f"""CREATE TRIGGER report_cube_update AFTER UPDATE ON report_fact BEGIN
        {_cube_add('OLD', '-')}
        {_cube_add('NEW', '')}
    END""",
]
CUBE_TRIGGER_NAMES = ("report_cube_insert", "report_cube_delete", "report_cube_update")


def rebuild_cubes(db: Any) -> None:
    """The aggregates from the facts, set-wise."""
    for table in ("report_cube_month", "report_cube_day", "report_cube_resolved"):
        db.execute_sql(f"DELETE FROM {table}")
    db.execute_sql(f"""INSERT INTO report_cube_month
        (month, measure_number, township, assignee, status, profile, due, n, wd)
        SELECT substr(f.opened_at, 1, 7), f.measure_number, coalesce(f.township_code, ''),
               coalesce(f.assignee_id, ''), f.status, f.profile, {_due('f')}, COUNT(*), coalesce(SUM(f.working_days), 0)
        FROM report_fact f GROUP BY 1, 2, 3, 4, 5, 6, 7""")
    db.execute_sql(f"""INSERT INTO report_cube_day (day, status, profile, due, n)
        SELECT substr(f.opened_at, 1, 10), f.status, f.profile, {_due('f')}, COUNT(*) FROM report_fact f
        GROUP BY 1, 2, 3, 4""")
    db.execute_sql("""INSERT INTO report_cube_resolved (day, status, n)
        SELECT f.resolved_day, f.status, COUNT(*) FROM report_fact f WHERE f.resolved_day IS NOT NULL
        GROUP BY 1, 2""")


def without_cube_triggers(db: Any, action: Callable[[], Any]) -> None:
    """Run `action()` (a set-wise write to report_fact) with the per-row cube triggers set aside, then
    rebuild the aggregates set-wise."""
    present = [name for (name,) in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_cube_%'").fetchall()]
    for name in present:
        db.execute_sql(f'DROP TRIGGER "{name}"')
    action()
    rebuild_cubes(db)
    if present:
        for statement in CUBE_TRIGGERS:
            db.execute_sql(statement)


INDEXES = [
    # A period's facts (partial months of a period, drill-down), covering what the grid reads.
    """CREATE INDEX report_fact_opened ON report_fact (
        opened_at, measure_number, township_code, assignee_id, profile, status, due_date, working_days)""",
    # The facts still waiting for their working days.
    "CREATE INDEX report_fact_no_days ON report_fact (resolved_day) "
    "WHERE working_days IS NULL AND resolved_day IS NOT NULL",
]
_ACTIONS = ", ".join(f"'{a}'" for a in EVENT_ACTIONS)
TRIGGER_NAMES = ("report_fact_request_insert", "report_fact_request_update", "report_fact_request_delete",
                 "report_fact_event_insert", "report_fact_event_update", "report_fact_event_delete")
# The insert triggers the bulk loader sets aside (it rebuilds the facts set-wise instead).
INSERT_TRIGGERS = ("report_fact_request_insert", "report_fact_event_insert")
TRIGGERS = [
    f"""CREATE TRIGGER report_fact_request_insert AFTER INSERT ON service_request BEGIN
        {refresh_one('NEW.id')}
    END""",
    f"""CREATE TRIGGER report_fact_request_update AFTER UPDATE OF {', '.join(READ_COLUMNS)} ON service_request BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.id;
        {refresh_one('NEW.id')}
    END""",
    """CREATE TRIGGER report_fact_request_delete AFTER DELETE ON service_request BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.id;
    END""",
    f"""CREATE TRIGGER report_fact_event_insert AFTER INSERT ON request_event WHEN NEW.action IN ({_ACTIONS}) BEGIN
        {refresh_one('NEW.request_id')}
    END""",
    f"""CREATE TRIGGER report_fact_event_update AFTER UPDATE OF request_id, action, to_status, deleted ON request_event
        BEGIN
        {refresh_one('OLD.request_id')}
        {refresh_one('NEW.request_id')}
    END""",
    f"""CREATE TRIGGER report_fact_event_delete AFTER DELETE ON request_event BEGIN
        {refresh_one('OLD.request_id')}
    END""",
]


def rebuild(db: Any) -> None:
    """Every fact from scratch (the migration's backfill; the bulk loader after loading an empty office)."""
    def build() -> None:
        db.execute_sql("DELETE FROM report_fact")
        db.execute_sql(f"INSERT INTO report_fact ({', '.join(FACT_COLUMNS)}) {fact_select('1', grouped=True)}")
    without_cube_triggers(db, build)


# -- the dashboard's per-axis aggregates (migration 0007), kept from the month and day aggregates --

# (axis number, column of report_cube_month holding its key)
AXES = ((0, "measure_number"), (1, "township"), (2, "assignee"))


def _axis_add(row: str, sign: str) -> str:
    return "\n".join(
        f"""INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES ({row}.month, {axis}, {row}.{column}, {row}.status, {row}.profile, {sign}{row}.n, {sign}{row}.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;"""
        for axis, column in AXES)


def _week_add(row: str, sign: str) -> str:
    return f"""INSERT INTO report_week (week, status, profile, n)
            VALUES ({_week(f'{row}.day')}, {row}.status, {row}.profile, {sign}{row}.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;"""


DASHBOARD_TRIGGERS = [
    f"CREATE TRIGGER report_axis_insert AFTER INSERT ON report_cube_month BEGIN {_axis_add('NEW', '')} END",
    f"CREATE TRIGGER report_axis_delete AFTER DELETE ON report_cube_month BEGIN {_axis_add('OLD', '-')} END",
    f"""CREATE TRIGGER report_axis_update AFTER UPDATE ON report_cube_month BEGIN
        {_axis_add('OLD', '-')}
        {_axis_add('NEW', '')}
    END""",
    f"CREATE TRIGGER report_week_insert AFTER INSERT ON report_cube_day BEGIN {_week_add('NEW', '')} END",
    f"CREATE TRIGGER report_week_delete AFTER DELETE ON report_cube_day BEGIN {_week_add('OLD', '-')} END",
    f"""CREATE TRIGGER report_week_update AFTER UPDATE ON report_cube_day BEGIN
        {_week_add('OLD', '-')}
        {_week_add('NEW', '')}
    END""",
]
DASHBOARD_TRIGGER_NAMES = ("report_axis_insert", "report_axis_delete", "report_axis_update",
                 "report_week_insert", "report_week_delete", "report_week_update")


def rebuild_dashboard(db: Any) -> None:
    """The per-axis and weekly aggregates from the month and day aggregates, set-wise."""
    db.execute_sql("DELETE FROM report_axis_month")
    db.execute_sql("DELETE FROM report_week")
    for axis, column in AXES:
        db.execute_sql(f"""INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            SELECT month, {axis}, {column}, status, profile, SUM(n), SUM(wd) FROM report_cube_month
            GROUP BY month, {column}, status, profile HAVING SUM(n) <> 0 OR SUM(wd) <> 0""")
    db.execute_sql(f"""INSERT INTO report_week (week, status, profile, n)
        SELECT {_week('day')}, status, profile, SUM(n) FROM report_cube_day GROUP BY 1, 2, 3 HAVING SUM(n) <> 0""")


def without_dashboard_triggers(db: Any, action: Callable[[], Any]) -> None:
    """Run `action()` (a set-wise rewrite of the facts and of their aggregates) with the dashboard's
    triggers set aside, then rebuild its aggregates set-wise: cheaper than one trigger per aggregate row.
    Without this, those triggers would keep the aggregates exact row by row anyway."""
    present = {name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if not present & set(DASHBOARD_TRIGGER_NAMES):
        action()
        return
    for name in DASHBOARD_TRIGGER_NAMES:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    action()
    rebuild_dashboard(db)
    for statement in DASHBOARD_TRIGGERS:
        db.execute_sql(statement)


def refresh_facts(db: Any, request_ids: Iterable[str] | None = None) -> None:
    """Recompute the facts of `request_ids` (every request when None), set-wise. Call inside the
    writer's transaction after rows were written with the fact triggers dropped."""
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'report_fact'").fetchone() is None:
        return
    if request_ids is None:
        without_dashboard_triggers(db, lambda: rebuild(db))
        return
    ids = list(dict.fromkeys(request_ids))
    columns = ", ".join(FACT_COLUMNS)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        db.execute_sql(f"DELETE FROM report_fact WHERE request_id IN ({marks})", chunk)
        db.execute_sql(f"INSERT INTO report_fact ({columns}) {fact_select(f'r.id IN ({marks})')}", chunk)


def refresh_facts_where(db: Any, request_where: str, params: Iterable[Any] = ()) -> None:
    """Recompute the facts of the requests `r` (service_request) matching `request_where`, set-wise."""
    params = list(params)
    db.execute_sql(f"DELETE FROM report_fact WHERE request_id IN (SELECT r.id FROM service_request r "
                   f"WHERE {request_where})", params)
    db.execute_sql(f"INSERT INTO report_fact ({', '.join(FACT_COLUMNS)}) {fact_select(request_where)}", params)
