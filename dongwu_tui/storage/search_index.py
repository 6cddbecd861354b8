"""What the running program knows of the search index: the FTS5 tables, their triggers, and how a writer
that sets the triggers aside suspends them and rebuilds the index set-wise.

Migration 0002 made the index from its own frozen copy of these definitions; a change to the indexed
columns comes with a migration that makes the triggers again, and with the same change here
(tests/storage/test_runtime_schema.py compares the two).

- `talent_fts`: an FTS5 trigram index over the talent's name, pinyin, initials, phone and card number;
- `enterprise_fts`: the same over enterprise names, so a talent is found by the company they work at.
Both are external-content tables kept in step by triggers, so every writer keeps them current without
knowing about them, except the writers of many rows at once: the bulk loader drops the insert triggers
(`INSERT_TRIGGERS`) and calls `rebuild` (a table that was empty) or `index_rows` (a range of new rows);
a sync import calls `suspend` and, before it commits, `resume`.
"""

from __future__ import annotations

from dataclasses import dataclass
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
_BY_NAME = dict(zip((f"{table}_fts_{event}" for table in INDEXED for event in ("insert", "delete", "update")),
                    TRIGGERS, strict=True))
# The triggers a bulk writer sets aside: it adds the new rows to the index itself.
INSERT_TRIGGERS = tuple(f"{table}_fts_insert" for table in INDEXED)
# What the insert trigger gives the index for a row `new`, in the FTS table's column order.
_INDEX_VALUES = {"talent": _values("new"), "enterprise": "new.rowid, new.name"}


def rebuild(db: Any, table: str) -> None:
    """The whole index of `table` from its rows, in one statement (FTS5 reads the content table)."""
    fts = FTS_TABLES[table]
    db.execute_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def index_rows(db: Any, table: str, first: int, last: int) -> None:
    """Add the rows of `table` with rowid `first`..`last` (new rows, written with the insert trigger set
    aside) to its index, set-wise, with exactly the values the insert trigger gives."""
    fts, columns = INDEXED[table]
    db.execute_sql(f"INSERT INTO {fts} (rowid, {columns}) SELECT {_INDEX_VALUES[table]} FROM {table} AS new "
                   "WHERE new.rowid BETWEEN ? AND ?", (first, last))


@dataclass
class Suspended:
    """The index's insert triggers set aside for a large write; `resume()` indexes what was added."""

    db: Any
    after: dict[str, int]  # each indexed table: its largest rowid when the triggers were set aside

    def resume(self) -> None:
        """Index every row added since `suspend` in one statement per table, at its final state, and make
        the triggers of migration 0002 again."""
        for table, last in self.after.items():
            fts, columns = INDEXED[table]
            self.db.execute_sql(f"INSERT INTO {fts} (rowid, {columns}) SELECT {_INDEX_VALUES[table]} "
                                f"FROM {table} AS new WHERE new.rowid > ?", (last,))
            for event in ("insert", "delete", "update"):
                name = f"{table}_fts_{event}"
                self.db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
                self.db.execute_sql(_BY_NAME[name])


def suspend(db: Any) -> Suspended:
    """Set aside the index's insert triggers for a write that adds many rows (inside its transaction:
    DDL is transactional, so a failure restores them); call `resume()` before it commits.

    While suspended, the update and delete triggers skip the rows added since: such a row is not in the
    index yet, and telling the index to forget values it was never given corrupts it (SQLite: "database
    disk image is malformed"). `resume` indexes those rows at their final state."""
    present = {name for (name,) in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    after: dict[str, int] = {}
    for table in INDEXED:
        if f"{table}_fts_insert" not in present:
            continue
        last = int(db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])
        after[table] = last
        db.execute_sql(f'DROP TRIGGER "{table}_fts_insert"')
        for event in ("delete", "update"):
            name = f"{table}_fts_{event}"
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
            db.execute_sql(_BY_NAME[name].replace(" BEGIN\n", f" WHEN old.rowid <= {last} BEGIN\n", 1))
    return Suspended(db, after)
