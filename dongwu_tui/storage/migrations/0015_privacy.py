"""Who saw what: one row per view of a person's full phone or ID number, and per export.

`access_log` stays in the office that made it (it is not a synced table): who (`actor_id`, none when no
one was named), when, whose data (`talent_id`), what was shown (`what`: numbers, reveal, export, erase),
where (`place`: the screen or command) and why (`reason`, required for a reveal). An erased person's
rows keep who, when and where, and `subject` says 已删除; the talent id then points at an emptied row.
"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS access_log (
        id TEXT PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT, talent_id TEXT,
        subject TEXT NOT NULL DEFAULT '', what TEXT NOT NULL, place TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS access_log_talent ON access_log (talent_id, at)",
    # Erasures (audit entries with action 'erase', storage/erasure.py) are read at the end of every import.
    "CREATE INDEX IF NOT EXISTS audit_log_erasures ON audit_log (entity, entity_id) WHERE action = 'erase'",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
