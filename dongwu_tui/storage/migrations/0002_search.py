"""Search and list indexes for the desk screens.

- `talent_fts`: an FTS5 trigram index over the talent's name, pinyin, initials, phone and card number,
  for substring search of 3 characters and more. Trigram cannot match 1–2 characters, so short
  queries use the prefix indexes below instead.
- `enterprise_fts`: the same over enterprise names, so a talent is found by the company they work at.
- Both are external-content tables kept in step by triggers, so every writer (services, sync, bulk
  SQL) keeps them current without knowing about them.
- Composite indexes ending in `id` let the screens page lists by key (name, id) / (due_date, id)
  without sorting, and prefix indexes on pinyin and initials serve the 1–2 character path.
"""

TALENT_FTS_COLUMNS = "name, name_pinyin, name_initials, phone, card_no"


def _values(prefix: str) -> str:
    return (
        f"{prefix}.rowid, {prefix}.name, {prefix}.name_pinyin, {prefix}.name_initials, {prefix}.phone, "
        f"coalesce({prefix}.card_no, '')"
    )


STATEMENTS = [
    f"""CREATE VIRTUAL TABLE talent_fts USING fts5(
        {TALENT_FTS_COLUMNS}, content='talent', content_rowid='rowid', tokenize='trigram')""",
    f"""CREATE TRIGGER talent_fts_insert AFTER INSERT ON talent BEGIN
        INSERT INTO talent_fts (rowid, {TALENT_FTS_COLUMNS}) VALUES ({_values('new')});
    END""",
    f"""CREATE TRIGGER talent_fts_delete AFTER DELETE ON talent BEGIN
        INSERT INTO talent_fts (talent_fts, rowid, {TALENT_FTS_COLUMNS}) VALUES ('delete', {_values('old')});
    END""",
    f"""CREATE TRIGGER talent_fts_update AFTER UPDATE OF {TALENT_FTS_COLUMNS} ON talent BEGIN
        INSERT INTO talent_fts (talent_fts, rowid, {TALENT_FTS_COLUMNS}) VALUES ('delete', {_values('old')});
        INSERT INTO talent_fts (rowid, {TALENT_FTS_COLUMNS}) VALUES ({_values('new')});
    END""",
    "INSERT INTO talent_fts (talent_fts) VALUES ('rebuild')",
    """CREATE VIRTUAL TABLE enterprise_fts USING fts5(
        name, content='enterprise', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER enterprise_fts_insert AFTER INSERT ON enterprise BEGIN
        INSERT INTO enterprise_fts (rowid, name) VALUES (new.rowid, new.name);
    END""",
    """CREATE TRIGGER enterprise_fts_delete AFTER DELETE ON enterprise BEGIN
        INSERT INTO enterprise_fts (enterprise_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
    END""",
    """CREATE TRIGGER enterprise_fts_update AFTER UPDATE OF name ON enterprise BEGIN
        INSERT INTO enterprise_fts (enterprise_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
        INSERT INTO enterprise_fts (rowid, name) VALUES (new.rowid, new.name);
    END""",
    "INSERT INTO enterprise_fts (enterprise_fts) VALUES ('rebuild')",
    # Keyset paging of the caseload: (name, id) in every filter the screen offers.
    "CREATE INDEX talent_name_id ON talent (name, id)",
    "CREATE INDEX talent_specialist_name_id ON talent (specialist_id, name, id)",
    "CREATE INDEX talent_township_name_id ON talent (township_code, name, id)",
    "CREATE INDEX talent_category_name_id ON talent (category_code, name, id)",
    # The 1–2 character search path: prefixes of pinyin and initials.
    "CREATE INDEX talent_pinyin ON talent (name_pinyin)",
    "CREATE INDEX talent_initials ON talent (name_initials)",
    # Request views: by status and due date, by assignee, newest first.
    "CREATE INDEX request_status_due_id ON service_request (status, due_date, id)",
    "CREATE INDEX request_assignee_status_due_id ON service_request (assignee_id, status, due_date, id)",
    "CREATE INDEX request_opened_id ON service_request (opened_at, id)",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
