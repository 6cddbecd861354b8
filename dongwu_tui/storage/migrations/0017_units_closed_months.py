"""Handling units and closed months.

A township merged away is kept, retired (`township.retired`). Each measure names its default
handling unit (`measure.unit`). Departments (部门人才服务窗口: the district bureaus the measures name) are
offices requests are dispatched to, so a site may be of kind `department`. The kind's CHECK is
loosened in place: adding a value to the IN list changes no stored row and no on-disk format
(SQLite's documented way for CHECK changes, with the schema cookie bumped so every connection
rereads the schema), where a rebuild of `site` would have to drop and remake its sync triggers and
the references to it.

`report_closed_month` keeps a closed month's 通报 as it was printed when a supervisor closed the month:
its tables (JSON) and the totals it showed, so the report reproduces exactly however the data changes.
"""

OLD_CHECK = "CHECK (kind IN ('district', 'township', 'zone'))"
NEW_CHECK = "CHECK (kind IN ('district', 'township', 'zone', 'department'))"

STATEMENTS = [
    # The measure's default handling unit: a site code, or `local` for the talent's own township station.
    "ALTER TABLE measure ADD COLUMN unit TEXT NOT NULL DEFAULT ''",
    # A township merged away: kept so old records read, not offered for new ones.
    "ALTER TABLE township ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE IF NOT EXISTS report_closed_month (
        period TEXT PRIMARY KEY NOT NULL,
        issue_no INTEGER NOT NULL,
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        snapshot TEXT NOT NULL)""",
]


def up(migrator, db):
    (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'site'").fetchone()
    if OLD_CHECK in sql:
        (version,) = db.execute_sql("PRAGMA schema_version").fetchone()
        db.execute_sql("PRAGMA writable_schema = ON")
        db.execute_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'site'",
                       (sql.replace(OLD_CHECK, NEW_CHECK),))
        db.execute_sql(f"PRAGMA schema_version = {int(version) + 1}")
        db.execute_sql("PRAGMA writable_schema = OFF")
    for statement in STATEMENTS:
        db.execute_sql(statement)
