"""Standard answers (知识库), the answer used on a call, and the callback queue (回电).

Three synced tables, with their change capture made here from this migration's own frozen copy of the
capture triggers (the shape of migration 0003's):

- `standard_answer`: one row per version of an answer to a measure's question. Versions of one answer
  share `lineage_id` (the first version's id); an approved version supersedes the approved one before it.
  The centre's answers go to every office ('*'), drafts too, so that a record's partition never changes
  with its approval (its audit entries follow it); a township offers and lists only the approved ones of
  other offices. A township's own answers stay with it (its partition, which the centre also receives).
- `answer_use`: which answer (and version) was inserted into a call's 当场答复; it goes where the call goes.
- `callback`: a missed call, a callback promised to a caller, by a due time, in one person's queue; it
  goes to the township of the office its owner works at. Logging a call to the number closes it.

No foreign-key constraints: records arrive by sync in any order, and a township need not hold every
talent or call that a record names.
"""

SYNCED = """
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0"""

COLUMNS = {
    "standard_answer": ["measure_number", "lineage_id", "version", "title", "body", "keywords", "search_pinyin",
                        "search_initials", "policy_doc", "policy_date", "valid_from", "valid_to", "written_by_id",
                        "approved_by_id", "approved_at", "superseded_by_id"],
    "answer_use": ["call_id", "answer_id", "version", "at", "actor_id"],
    "callback": ["kind", "phone", "talent_id", "request_id", "at", "due_at", "owner_id", "note", "done_at",
                 "done_call_id", "done_by_id"],
}
COMMON = ["site_id", "created_at", "updated_at", "deleted"]

_OFFICE_TOWNSHIP = "(SELECT township_code FROM site WHERE id = NEW.site_id)"
PARTITION = {
    "standard_answer": "CASE WHEN (SELECT kind FROM site WHERE id = NEW.site_id) = 'district' THEN '*'"
                       f" ELSE coalesce({_OFFICE_TOWNSHIP}, '') END",
    "answer_use": "coalesce((SELECT part FROM sync_row WHERE tbl = 'call' AND id = NEW.call_id), '')",
    "callback": "coalesce((SELECT s.township_code FROM staff st JOIN site s ON s.id = st.office_id"
                " WHERE st.id = NEW.owner_id), '')",
}

TABLES = [
    f"""CREATE TABLE IF NOT EXISTS standard_answer ({SYNCED},
        measure_number INTEGER NOT NULL,
        lineage_id TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        keywords TEXT NOT NULL DEFAULT '',
        search_pinyin TEXT NOT NULL DEFAULT '',
        search_initials TEXT NOT NULL DEFAULT '',
        policy_doc TEXT NOT NULL DEFAULT '',
        policy_date TEXT,
        valid_from TEXT,
        valid_to TEXT,
        written_by_id TEXT,
        approved_by_id TEXT,
        approved_at TEXT,
        superseded_by_id TEXT)""",
    "CREATE INDEX IF NOT EXISTS standard_answer_measure ON standard_answer (measure_number, approved_at)",
    "CREATE INDEX IF NOT EXISTS standard_answer_lineage ON standard_answer (lineage_id, version)",
    f"""CREATE TABLE IF NOT EXISTS answer_use ({SYNCED},
        call_id TEXT NOT NULL,
        answer_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor_id TEXT)""",
    "CREATE INDEX IF NOT EXISTS answer_use_answer ON answer_use (answer_id)",
    "CREATE INDEX IF NOT EXISTS answer_use_call ON answer_use (call_id)",
    f"""CREATE TABLE IF NOT EXISTS callback ({SYNCED},
        kind TEXT NOT NULL CHECK (kind IN ('missed', 'promised')),
        phone TEXT NOT NULL,
        talent_id TEXT,
        request_id TEXT,
        at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        done_at TEXT,
        done_call_id TEXT,
        done_by_id TEXT)""",
    "CREATE INDEX IF NOT EXISTS callback_owner_open ON callback (owner_id, due_at) WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS callback_phone_open ON callback (phone) WHERE done_at IS NULL",
]

CAPTURING = "(SELECT capture FROM sync_state WHERE one = 1)"
NEXT_COUNTER = (
    "UPDATE sync_state SET counter = max(counter + 1,"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1;"
)
STAMP = "json_array(st.replica, st.counter)"


def _triggers(table: str, columns: list[str]) -> list[str]:
    fields = columns + COMMON
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in fields)
    stamp_pairs = ", ".join(
        f"'$.{c}', CASE WHEN OLD.{c} IS NOT NEW.{c} THEN {STAMP} ELSE stamps -> '$.{c}' END"
        for c in fields if c != "deleted"
    )
    cleared = " OR ".join(f"(field = '{c}' AND OLD.{c} IS NOT NEW.{c})" for c in fields if c != "deleted")
    part = PARTITION[table]
    return [
        f"""CREATE TRIGGER IF NOT EXISTS sync_{table}_insert AFTER INSERT ON "{table}" WHEN {CAPTURING} BEGIN
            {NEXT_COUNTER}
            INSERT OR REPLACE INTO sync_row (tbl, id, part, vv, stamps)
                SELECT '{table}', NEW.id, {part}, json_object(st.replica, st.counter),
                       json_object('*', {STAMP}) FROM sync_state st WHERE st.one = 1;
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS sync_{table}_update AFTER UPDATE ON "{table}"
            WHEN {CAPTURING} AND ({changed}) BEGIN
            {NEXT_COUNTER}
            UPDATE sync_row SET part = {part},
                vv = json_set(vv, '$."' || st.replica || '"', st.counter),
                stamps = json_set(stamps, {stamp_pairs}, '$.deleted', {STAMP})
                FROM sync_state st WHERE st.one = 1 AND sync_row.tbl = '{table}' AND sync_row.id = NEW.id;
            DELETE FROM sync_sibling WHERE tbl = '{table}' AND id = NEW.id AND (field = 'deleted' OR {cleared});
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS sync_{table}_guard BEFORE UPDATE ON "{table}" WHEN {CAPTURING}
            AND EXISTS (SELECT 1 FROM sync_sibling WHERE tbl = '{table}' AND id = OLD.id AND open = 1) BEGIN
            SELECT RAISE(ABORT, '该记录与其他单位的修改存在冲突，须先处理冲突（dongwu sync conflicts）');
        END""",
    ]


def up(migrator, db):
    for statement in TABLES:
        db.execute_sql(statement)
    for table, columns in COLUMNS.items():
        for statement in _triggers(table, columns):
            db.execute_sql(statement)
