"""SQLite tuning for a large import: pragmas, the garbage collector, triggers and indexes set aside
and made again set-wise, so that a district-size file merges in one transaction at bulk speed (the
search index's triggers: storage/search_index.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync.layout import TABLES

IMPORT_CACHE_KIB = -262144  # 256 MB page cache while importing
# An import that at least doubles a table builds its secondary indexes once at the end (a sort)
# instead of row by row; smaller ones keep them, as rebuilding would cost more than it saves.
REINDEX_MIN_NEW_ROWS = 5000


@contextmanager
def import_pragmas(office: OfficeDatabase) -> Iterator[None]:
    """Pragmas for the merge, put back afterwards. They only take effect outside a transaction."""
    db = office.db
    # Records of other partitions may point at rows this office never receives (cr-sqlite does the same):
    # foreign keys are not enforced while merging.
    db.execute_sql("PRAGMA foreign_keys = OFF")
    # A large file touches every index page; with the default 2 MB cache they are evicted and re-read
    # over and over (measured: 10x slower at 100k records).
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    # Indexes made again after a large insert are sorts; a second thread helps them on two cores.
    threads = db.execute_sql("PRAGMA threads").fetchone()[0]
    db.execute_sql("PRAGMA threads = 2")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        db.execute_sql(f"PRAGMA threads = {int(threads)}")


@contextmanager
def collector_paused() -> Iterator[None]:
    """A file decodes into millions of small lists that all stay alive until the merge ends; the cyclic
    garbage collector would walk them again and again for nothing (measured: a fifth of the import)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()



@dataclass
class FactTriggers:
    """The insert triggers of the report facts (migration 0005) on requests and events, and the largest
    rowids before the import: rows are appended, so the new ones are exactly those above."""
    triggers: list[tuple[str, str]]
    last_request: int
    last_event: int

    @classmethod
    def find(cls, office: OfficeDatabase) -> FactTriggers:
        triggers = office.db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report\\_fact\\_%' ESCAPE '\\' "
            "AND tbl_name IN ('service_request', 'request_event') AND sql LIKE '%AFTER INSERT%'").fetchall()
        return cls(triggers, row_count(office, "service_request"), row_count(office, "request_event"))

    def refresh(self, office: OfficeDatabase) -> None:
        """What the dropped triggers would have written: the facts of every new request and of every
        request that got a new event, set-wise; then the triggers are made again."""
        from dongwu_tui.storage.facts import refresh_facts, refresh_facts_where

        db = office.db
        if not self.triggers:
            return
        new_requests = row_count(office, "service_request") > self.last_request
        new_events = row_count(office, "request_event") > self.last_event
        if self.last_request == 0 and self.last_event == 0:
            if new_requests or new_events:
                refresh_facts(db)  # nothing was there before: a rebuild is exactly the new facts, and cheaper
        else:
            if new_requests:
                refresh_facts_where(db, "r.rowid > ?", (self.last_request,))
            if new_events:
                refresh_facts_where(db, "r.rowid <= ? AND r.id IN (SELECT request_id FROM request_event "
                                        "WHERE rowid > ?)", (self.last_request, self.last_event))
        for _, sql in self.triggers:
            db.execute_sql(sql)


def row_count(office: OfficeDatabase, table: str) -> int:
    if table == "sync_row":  # WITHOUT ROWID
        return int(office.db.execute_sql("SELECT count(*) FROM sync_row").fetchone()[0])
    # Records are never removed (deletes are tombstones), so the largest rowid is the count, found in O(log n).
    return int(office.db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])


@contextmanager
def indexes_built_after(office: OfficeDatabase, table: str, new_rows: int) -> Iterator[None]:
    """When an import at least doubles a table, its plain secondary indexes are dropped and made again
    after the insert (one sort instead of a B-tree insert per row and index). Unique indexes stay, so a
    duplicate is still refused at once; DDL is transactional, so a failure restores them."""
    db = office.db
    dropped: list[tuple[str, str]] = []
    if new_rows >= REINDEX_MIN_NEW_ROWS and new_rows >= row_count(office, table):
        dropped = [(name, sql) for name, sql in db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'", (table,))]
        for name, _ in dropped:
            db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in dropped:
        db.execute_sql(sql)

