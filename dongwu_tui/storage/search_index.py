"""What the running program knows of the search index: the FTS5 tables, their triggers, and how a writer
that sets the triggers aside suspends them and rebuilds the index set-wise.

Migration 0002 made the index from its own frozen copy of these definitions; a change to the indexed
columns comes with a migration that makes the triggers again, and with the same change here
(tests/storage/test_runtime_schema.py compares the two).

- `talent_fts`: an FTS5 trigram index over the talent's name, pinyin, initials, phone and card number;
- `enterprise_fts`: the same over enterprise names, so a talent is found by the company they work at.
Both are external-content tables kept in step by triggers, so every writer keeps them current without
knowing about them, except a bulk writer, which drops the insert triggers (`INSERT_TRIGGERS`) and calls
`rebuild` (a table that was empty) or `index_rows` (a range of new rows) instead.
"""

from __future__ import annotations

from typing import Any

TALENT_FTS_COLUMNS = "name, name_pinyin, name_initials, phone, card_no"
# Each indexed table: its FTS5 table and the indexed columns, in the FTS table's order.
INDEXED = {"talent": ("talent_fts", TALENT_FTS_COLUMNS), "enterprise": ("enterprise_fts", "name")}
FTS_TABLES = {table: fts for table, (fts, _) in INDEXED.items()}


def _values(prefix: str) -> str:
    return (
        f"{prefix}.rowid, {prefix}.name, {prefix}.name_pinyin, {prefix}.name_initials, {prefix}.phone, "
        f"coalesce({prefix}.card_no, '')"
    )


TRIGGERS = [
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
]
TRIGGER_NAMES = tuple(f"{table}_fts_{event}" for table in INDEXED for event in ("insert", "delete", "update"))
# The triggers a bulk writer sets aside: it adds the new rows to the index itself.
INSERT_TRIGGERS = tuple(f"{table}_fts_insert" for table in INDEXED)


def rebuild(db: Any, table: str) -> None:
    """The whole index of `table` from its rows, in one statement (FTS5 reads the content table)."""
    fts = FTS_TABLES[table]
    db.execute_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def index_rows(db: Any, table: str, first: int, last: int) -> None:
    """Add the rows of `table` with rowid `first`..`last` (new rows, written with the insert trigger set
    aside) to its index, set-wise. A missing card number gives no token, as the triggers' '' does."""
    fts, columns = INDEXED[table]
    db.execute_sql(f"INSERT INTO {fts} (rowid, {columns}) SELECT rowid, {columns} FROM {table} "
                   "WHERE rowid BETWEEN ? AND ?", (first, last))
