"""Sync between offices: change capture by triggers, per-field version stamps, knowledge, peers, keys.

Frozen like every migration: the synced tables and their columns are spelled out here rather than read
from the models, so later schema changes come with their own migration.

How capture works (see docs/SYNC-DESIGN.md): every insert or update of a synced record, while
`sync_state.capture` is on, takes the next counter of this replica (a hybrid logical clock in
milliseconds, so the counter also tells the time of the write) and stamps the record's version vector
(`sync_row.vv`) and the changed fields (`sync_row.stamps`) with `[replica, counter]`. Import switches
capture off: merging never creates a new write. A record whose fields are in an open conflict
(`sync_sibling.open`) cannot be updated until a person chooses the values.
"""

SYNCED_COLUMNS = {
    "site": ["code", "name", "kind", "township_code"],
    "staff": ["name", "role", "office_id", "phone", "active"],
    "enterprise": ["name", "credit_code", "township_code", "industry_code"],
    "talent": ["name", "name_pinyin", "name_initials", "phone", "id_kind", "id_number", "category_code",
               "level_code", "enterprise_id", "township_code", "specialist_id", "card_no", "notes"],
    "service_request": ["number", "talent_id", "phone", "measure_number", "summary", "status", "township_code",
                        "opened_by_id", "opened_at", "due_date", "assignee_site_id", "assignee_id",
                        "dispatched_at", "signed_at", "resolved_at", "resolution", "direct", "visited_at",
                        "satisfied", "archived_at", "merged_into_id", "extension_days", "extension_reason",
                        "return_reason", "confidential"],
    "call": ["at", "direction", "phone", "talent_id", "operator_id", "duration_s", "summary", "measure_number",
             "outcome", "request_id"],
    "request_event": ["request_id", "at", "actor_id", "action", "from_status", "to_status", "reason", "detail"],
    "audit_log": ["at", "actor_id", "entity", "entity_id", "action", "reason", "changes"],
}
COMMON = ["site_id", "created_at", "updated_at", "deleted"]

# The township partition a record belongs to: '*' goes to every office, '' stays with the centre.
PARTITION = {
    "site": "'*'",
    "staff": "'*'",
    "enterprise": "coalesce(NEW.township_code, '')",
    "talent": "coalesce(NEW.township_code, '')",
    "service_request": "coalesce((SELECT township_code FROM site WHERE id = NEW.assignee_site_id),"
                       " NEW.township_code, '')",
    "call": "coalesce((SELECT part FROM sync_row WHERE tbl = 'service_request' AND id = NEW.request_id),"
            " (SELECT township_code FROM talent WHERE id = NEW.talent_id), '')",
    "request_event": "coalesce((SELECT part FROM sync_row WHERE tbl = 'service_request' AND id = NEW.request_id),"
                     " '')",
    "audit_log": "coalesce((SELECT part FROM sync_row WHERE tbl = NEW.entity AND id = NEW.entity_id), '')",
}

CAPTURING = "(SELECT capture FROM sync_state WHERE one = 1)"
NEXT_COUNTER = (
    "UPDATE sync_state SET counter = max(counter + 1,"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1;"
)
STAMP = "json_array(st.replica, st.counter)"

TABLES = [
    """CREATE TABLE sync_state (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        replica TEXT NOT NULL,
        counter INTEGER NOT NULL,
        capture INTEGER NOT NULL DEFAULT 1)""",
    """INSERT INTO sync_state (one, replica, counter, capture) VALUES (1,
        coalesce((SELECT substr(replace(value, '-', ''), 1, 16) FROM meta WHERE key = 'replica_id'),
                 lower(hex(randomblob(8)))), 0, 1)""",
    # Every replica this database has heard of: its office, for showing who made a version.
    """CREATE TABLE sync_replica (
        replica TEXT PRIMARY KEY NOT NULL, site_id TEXT, first_seen TEXT NOT NULL) WITHOUT ROWID""",
    # One row per synced record: partition, version vector {replica: counter}, field stamps.
    """CREATE TABLE sync_row (
        tbl TEXT NOT NULL, id TEXT NOT NULL, part TEXT NOT NULL,
        vv TEXT NOT NULL, stamps TEXT NOT NULL,
        PRIMARY KEY (tbl, id)) WITHOUT ROWID""",
    "CREATE INDEX sync_row_part ON sync_row (part)",
    # Concurrent versions of one field, [[value, replica, counter, actor], ...]; open = distinct values
    # that a person must choose between.
    """CREATE TABLE sync_sibling (
        tbl TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL,
        versions TEXT NOT NULL, open INTEGER NOT NULL, detected_at TEXT NOT NULL,
        PRIMARY KEY (tbl, id, field)) WITHOUT ROWID""",
    "CREATE INDEX sync_sibling_open ON sync_sibling (open, tbl)",
    # What this replica holds, per partition: every write of `replica` up to `counter`.
    """CREATE TABLE sync_knowledge (
        part TEXT NOT NULL, replica TEXT NOT NULL, counter INTEGER NOT NULL,
        PRIMARY KEY (part, replica)) WITHOUT ROWID""",
    # Offices we exchange files with: certificate, what they last declared to hold, last files in and out.
    """CREATE TABLE sync_peer (
        site_id TEXT PRIMARY KEY NOT NULL,
        code TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, township_code TEXT,
        certificate TEXT NOT NULL,
        revoked_at TEXT,
        declared TEXT NOT NULL DEFAULT '{}',
        last_in_at TEXT, last_in_file TEXT, last_in_created TEXT,
        last_out_at TEXT, last_out_file TEXT, last_out_top TEXT)""",
    # This office's keys and the trust root (the centre's certificate).
    "CREATE TABLE sync_key (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    # Files applied here, by SHA-256 of the sealed file, so a second import says "already imported".
    """CREATE TABLE sync_file_in (
        sha256 TEXT PRIMARY KEY NOT NULL, sender_site_id TEXT NOT NULL, created_at TEXT NOT NULL,
        imported_at TEXT NOT NULL, records INTEGER NOT NULL, applied INTEGER NOT NULL,
        conflicts INTEGER NOT NULL) WITHOUT ROWID""",
]


# A request that moves to another township takes its events and calls along: they are touched with
# the move's stamp so that the new township's next file carries them.
MOVES_ALONG = (
    "UPDATE sync_row SET part = (SELECT part FROM sync_row r WHERE r.tbl = 'service_request' AND r.id = NEW.id),"
    """
                vv = json_set(vv, '$."' || (SELECT replica FROM sync_state) || '"', (SELECT counter FROM sync_state))
            WHERE tbl IN ('request_event', 'call')
              AND part <> (SELECT part FROM sync_row r WHERE r.tbl = 'service_request' AND r.id = NEW.id)
              AND id IN (SELECT id FROM request_event WHERE request_id = NEW.id
                         UNION ALL SELECT id FROM call WHERE request_id = NEW.id);"""
)


def _triggers(table: str, columns: list[str]) -> list[str]:
    fields = columns + COMMON
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in fields)
    stamp_pairs = ", ".join(
        f"'$.{c}', CASE WHEN OLD.{c} IS NOT NEW.{c} THEN {STAMP} ELSE stamps -> '$.{c}' END"
        for c in fields if c != "deleted"
    )
    cleared = " OR ".join(f"(field = '{c}' AND OLD.{c} IS NOT NEW.{c})" for c in fields if c != "deleted")
    part = PARTITION[table]
    statements = [
        f"""CREATE TRIGGER sync_{table}_insert AFTER INSERT ON "{table}" WHEN {CAPTURING} BEGIN
            {NEXT_COUNTER}
            INSERT OR REPLACE INTO sync_row (tbl, id, part, vv, stamps)
                SELECT '{table}', NEW.id, {part}, json_object(st.replica, st.counter),
                       json_object('*', {STAMP}) FROM sync_state st WHERE st.one = 1;
        END""",
        # Every write also stamps `deleted`: an edit asserts the record lives, so an edit concurrent
        # with a delete meets it as two versions of `deleted` and becomes a conflict.
        f"""CREATE TRIGGER sync_{table}_update AFTER UPDATE ON "{table}" WHEN {CAPTURING} AND ({changed}) BEGIN
            {NEXT_COUNTER}
            UPDATE sync_row SET part = {part},
                vv = json_set(vv, '$."' || st.replica || '"', st.counter),
                stamps = json_set(stamps, {stamp_pairs}, '$.deleted', {STAMP})
                FROM sync_state st WHERE st.one = 1 AND sync_row.tbl = '{table}' AND sync_row.id = NEW.id;
            DELETE FROM sync_sibling WHERE tbl = '{table}' AND id = NEW.id AND (field = 'deleted' OR {cleared});
            {MOVES_ALONG if table == "service_request" else ""}
        END""",
        f"""CREATE TRIGGER sync_{table}_guard BEFORE UPDATE ON "{table}" WHEN {CAPTURING}
            AND EXISTS (SELECT 1 FROM sync_sibling WHERE tbl = '{table}' AND id = OLD.id AND open = 1) BEGIN
            SELECT RAISE(ABORT, '该记录与其他单位的修改存在冲突，须先处理冲突（dongwu sync conflicts）');
        END""",
    ]
    return statements


# The person behind a write: the audit entry or request event written in the same operation names
# them; it is attached to the fields that this replica's latest write stamped on that record.
def _actor_patch(tbl_expr: str, id_expr: str) -> str:
    return f"""UPDATE sync_row SET stamps = (
            SELECT json_group_object(j.key, CASE
                WHEN j.type = 'array' AND j.value ->> 0 = st.replica
                     AND j.value ->> 1 = sync_row.vv ->> ('$."' || st.replica || '"')
                THEN json_array(st.replica, j.value ->> 1, NEW.actor_id)
                ELSE json(j.value) END)
            FROM json_each(sync_row.stamps) j, sync_state st WHERE st.one = 1)
        WHERE tbl = {tbl_expr} AND id = {id_expr} AND NEW.actor_id IS NOT NULL;"""


ACTOR_TRIGGERS = [
    f"""CREATE TRIGGER sync_actor_from_audit BEFORE INSERT ON audit_log WHEN {CAPTURING} BEGIN
        {_actor_patch("NEW.entity", "NEW.entity_id")}
    END""",
    f"""CREATE TRIGGER sync_actor_from_event BEFORE INSERT ON request_event WHEN {CAPTURING} BEGIN
        {_actor_patch("'service_request'", "NEW.request_id")}
    END""",
    # The replica id in meta is the identity; the stamps use its first 16 hex digits.
    """CREATE TRIGGER sync_replica_from_meta AFTER INSERT ON meta WHEN NEW.key = 'replica_id' BEGIN
        UPDATE sync_state SET replica = substr(replace(NEW.value, '-', ''), 1, 16) WHERE one = 1;
    END""",
]


def _backfill(table: str) -> str:
    """Records written before sync existed: one version by this replica."""
    part = PARTITION[table].replace("NEW.", "t.")
    return f"""INSERT OR IGNORE INTO sync_row (tbl, id, part, vv, stamps)
        SELECT '{table}', t.id, {part}, json_object(st.replica, st.counter), json_object('*', {STAMP})
        FROM "{table}" t, sync_state st WHERE st.one = 1"""


def up(migrator, db):
    for statement in TABLES:
        db.execute_sql(statement)
    # Backfill in dependency order so that calls and events find their request's partition.
    order = ["site", "staff", "enterprise", "talent", "service_request", "call", "request_event", "audit_log"]
    db.execute_sql(NEXT_COUNTER.rstrip(";"))
    for table in order:
        db.execute_sql(_backfill(table))
    for table in order:
        for statement in _triggers(table, SYNCED_COLUMNS[table]):
            db.execute_sql(statement)
    for statement in ACTOR_TRIGGERS:
        db.execute_sql(statement)
