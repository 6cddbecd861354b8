"""Indexes for the district-scale desk (issue 6): search as you type, the request-view counts.

- `talent_name_search`: the caseload in name order with every column a search compares, so a broad
  search (more matches than the count cap) walks names in order and stops after one page without
  reading a single table row it does not show.
- `enterprise_live_name`: the 1–2 character path finds enterprises by `instr(name, ?)`; this scan reads
  a small index instead of the enterprise table.
- `request_live_status_due`: partial (live requests only) and covering for the seven saved views, so each
  count is an index range with no row look-ups (`deleted` closes the column list only because SQLite
  3.40 does not treat a partial index's own condition as covered).
- `request_deleted`: the "all" count is the table's row count minus the deleted ones; this finds the
  deleted ones without a scan.

Bulk loading (`storage/bulk.py`) drops and rebuilds every index of an empty table from its SQL, the
partial ones included.
"""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS talent_name_search ON talent "
    "(name, id, deleted, name_initials, name_pinyin, phone, card_no, enterprise_id)",
    "CREATE INDEX IF NOT EXISTS enterprise_live_name ON enterprise (deleted, name, id)",
    "CREATE INDEX IF NOT EXISTS request_live_status_due ON service_request "
    "(status, due_date, direct, assignee_id, assignee_site_id, deleted) WHERE deleted = 0",
    "CREATE INDEX IF NOT EXISTS request_deleted ON service_request (deleted) WHERE deleted <> 0",
]


INDEXES = ["talent_name_search", "enterprise_live_name", "request_live_status_due", "request_deleted"]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    # A database whose tables were analysed (the bulk path does it) gets statistics for the new indexes
    # too, so the planner does not weigh them with defaults beside measured ones.
    analysed = db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
    if analysed:
        for name in INDEXES:
            db.execute_sql(f"ANALYZE {name}")
