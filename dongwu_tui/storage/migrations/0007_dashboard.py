"""Dashboard aggregates per axis (issue 6: the dashboard over 300k requests within 200 ms).

Migration 0005's month aggregate is keyed by month × measure × township × specialist × profile × due
date, so a year of it is ~36k rows that the grid has to regroup by each axis (a temporary B-tree per
axis). The grid only ever sums one axis at a time, and the due date only matters for the few open
requests that are past due today. This migration adds:

- `report_axis_month`: per month × axis (0 measure, 1 township, 2 specialist) × key × profile, the
  number of requests and the sum of working days (no due date): a year is ~10k rows, already grouped.
- `report_week`: per opened week (Monday) × profile, the number of requests: the weekly trends read
  ~800 rows for a year instead of ~4k day rows.
- `report_fact_open_due`: a partial index on the open requests' facts by due date, so "past due today"
  (overdue, the on-time base) is an index range over the open requests only, covering (`status` is
  listed because SQLite 3.40 does not count a partial index's own condition as covered).

The two tables are kept by triggers on migration 0005's aggregates (`report_cube_month`,
`report_cube_day`), which 0005's triggers on `report_fact` keep exact on every write, and which every
set-wise path rebuilds (`reports.facts.refresh_facts`, `refresh_facts_where`, 0005's `rebuild` used by
the bulk loader, the working-day recompute): whatever path changes the facts changes the 0005 aggregates
row by row or by a rebuild, and these triggers follow either. Firing on the aggregates rather than on
each fact costs one trigger per aggregate row a rebuild writes (~85k for the district) instead of
four per fact (1.2M). Axis keys: the measure number (an integer), the township code and the
specialist id ('' for none, as in the 0005 aggregates; `key` has no type, so each keeps its own).
Rows whose count falls to zero stay (as in 0005's aggregates) until the next rebuild.
"""

# The open statuses exactly as reports/definitions.py's OPEN spells them (same order): SQLite uses a
# partial index only when the query's WHERE contains the index's condition term for term.
OPEN_CONDITION = "status IN ('dispatched', 'in_progress', 'new', 'returned')"

TABLES = [
    """CREATE TABLE report_axis_month (
        month TEXT NOT NULL, axis INTEGER NOT NULL, key NOT NULL, profile INTEGER NOT NULL,
        n INTEGER NOT NULL, wd INTEGER NOT NULL,
        PRIMARY KEY (month, axis, key, profile)) WITHOUT ROWID""",
    """CREATE TABLE report_week (
        week TEXT NOT NULL, profile INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (week, profile)) WITHOUT ROWID""",
]
INDEXES = [
    f"""CREATE INDEX report_fact_open_due ON report_fact (
        due_date, opened_at, measure_number, township_code, assignee_id, profile, opened_week, status)
        WHERE {OPEN_CONDITION}""",
]

# (axis number, column of report_cube_month holding its key)
AXES = ((0, "measure_number"), (1, "township"), (2, "assignee"))


def _week(day: str) -> str:
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


def _axis_add(row: str, sign: str) -> str:
    return "\n".join(
        f"""INSERT INTO report_axis_month (month, axis, key, profile, n, wd)
            VALUES ({row}.month, {axis}, {row}.{column}, {row}.profile, {sign}{row}.n, {sign}{row}.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;"""
        for axis, column in AXES)


def _week_add(row: str, sign: str) -> str:
    return f"""INSERT INTO report_week (week, profile, n) VALUES ({_week(f'{row}.day')}, {row}.profile, {sign}{row}.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;"""


TRIGGERS = [
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
TRIGGER_NAMES = ("report_axis_insert", "report_axis_delete", "report_axis_update",
                 "report_week_insert", "report_week_delete", "report_week_update")


def rebuild(db) -> None:
    """Both tables from 0005's aggregates, set-wise."""
    db.execute_sql("DELETE FROM report_axis_month")
    db.execute_sql("DELETE FROM report_week")
    for axis, column in AXES:
        db.execute_sql(f"""INSERT INTO report_axis_month (month, axis, key, profile, n, wd)
            SELECT month, {axis}, {column}, profile, SUM(n), SUM(wd) FROM report_cube_month
            GROUP BY month, {column}, profile HAVING SUM(n) <> 0 OR SUM(wd) <> 0""")
    db.execute_sql(f"""INSERT INTO report_week (week, profile, n)
        SELECT {_week('day')}, profile, SUM(n) FROM report_cube_day GROUP BY 1, 2 HAVING SUM(n) <> 0""")


def up(migrator, db):
    for statement in TABLES + INDEXES:
        db.execute_sql(statement)
    rebuild(db)
    for statement in TRIGGERS:
        db.execute_sql(statement)
    # A database whose tables were analysed gets statistics for the new ones too.
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        for name in ("report_axis_month", "report_week", "report_fact_open_due"):
            db.execute_sql(f"ANALYZE {name}")
