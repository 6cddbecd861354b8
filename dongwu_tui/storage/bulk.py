"""Loading many records at once: one transaction, the per-row insert triggers set aside, derived data
made afterwards in a few set-wise statements.

Every insert into a synced table normally runs three kinds of trigger: the search index (migration
0002), change capture with its version stamps (0003) and the actor patch of a request event or audit
entry (0003). Row by row they cost 10–20 times the insert itself. `bulk_load` drops those INSERT
triggers inside its transaction (DDL is transactional: a failure restores them), takes the rows by
`executemany`, then writes what the triggers would have written:

- the FTS5 indexes: `'rebuild'` when the table was empty, otherwise the new rows;
- one `sync_row` per new record with the partition, version vector and stamp the capture trigger
  gives, counters taken in insertion order exactly as the trigger takes them one row at a time;
- the actor of the last request event (audit entry) of a record on that record's latest stamps.

tests/storage/test_bulk.py builds the same records both ways and compares the derived tables.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dongwu_tui.storage import capture, facts, search_index
from dongwu_tui.storage.database import OfficeDatabase, translated_errors

NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
# One large transaction touches every page of every index: with the default 2 MB page cache SQLite
# spills pages to the WAL over and over and reads them back through an ever longer WAL index.
BULK_CACHE_KIB = 1_048_576


@dataclass
class _Segment:
    table: str
    first: int
    last: int


@dataclass
class BulkWriter:
    """Inserts rows; the derived data follows when the `bulk_load` block ends."""

    office: OfficeDatabase
    dropped: dict[str, str]
    empty_before: dict[str, bool] = field(default_factory=dict)
    # Secondary indexes of tables that were empty: built once at the end (a sort) instead of row by row.
    deferred_indexes: list[str] = field(default_factory=list)
    segments: list[_Segment] = field(default_factory=list)
    # Seconds per step of the derivation, for whoever wants to know where a load's time went (bench/).
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               values: Sequence[str] | None = None) -> int:
        """Insert rows (any iterable, streamed) into `table`; returns how many were inserted.

        `values`, if given, are the SQL expressions of the columns over the row's parameters (`?1`,
        `?2`, ...), e.g. `datetime(?3, 'unixepoch')`: formatting done by SQLite instead of Python."""
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(values) if values is not None else ", ".join("?" for _ in columns)
        return self._insert(table, lambda cursor: cursor.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows))

    def insert_select(self, table: str, columns: Sequence[str], select: str, params: Sequence[Any] = ()) -> int:
        """`INSERT INTO table (columns) <select>`: rows made set-wise by SQLite; returns how many."""
        names = ", ".join(f'"{c}"' for c in columns)
        return self._insert(table, lambda cursor: cursor.execute(
            f'INSERT INTO "{table}" ({names}) {select}', tuple(params)))

    def _insert(self, table: str, run: Any) -> int:
        db = self.office.db
        before = db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0]
        if table not in self.empty_before:
            self.empty_before[table] = before == 0
            if before == 0:
                self._defer_indexes(table)
        run(db.cursor())
        after = db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0]
        if after > before:
            self.segments.append(_Segment(table, before + 1, after))
        return after - before

    def _defer_indexes(self, table: str) -> None:
        db = self.office.db
        for name, sql in db.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
                "AND sql NOT LIKE 'CREATE UNIQUE%'", (table,)).fetchall():
            db.execute_sql(f'DROP INDEX "{name}"')
            self.deferred_indexes.append(sql)


def _bypassed_triggers(office: OfficeDatabase) -> dict[str, str]:
    synced = capture.SYNCED_COLUMNS if _has_table(office, "sync_state") else {}
    names = set(search_index.INSERT_TRIGGERS)
    names |= {f"sync_{table}_insert" for table in synced}
    names |= {"sync_actor_from_audit", "sync_actor_from_event"}
    # [report facts] the facts' insert triggers too; _derive rebuilds the facts set-wise.
    if _has_table(office, "report_fact"):
        names |= set(facts.INSERT_TRIGGERS)
    rows = office.db.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    return {name: sql for name, sql in rows if name in names}


def _has_table(office: OfficeDatabase, name: str) -> bool:
    return office.db.execute_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


@contextmanager
def bulk_load(office: OfficeDatabase) -> Iterator[BulkWriter]:
    """One write transaction for many rows; the search index and sync rows are made at the end."""
    db = office.db
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        with office.write():
            yield from _load(office)
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")


def _load(office: OfficeDatabase) -> Iterator[BulkWriter]:
    dropped = _bypassed_triggers(office)
    for name in dropped:
        office.db.execute_sql(f'DROP TRIGGER "{name}"')
    writer = BulkWriter(office, dropped)
    yield writer
    with translated_errors():
        with writer.timed("indexes"):
            for sql in writer.deferred_indexes:
                office.db.execute_sql(sql)
        with writer.timed("statistics"):
            _sample_statistics(writer)
        _derive(writer)
        for sql in dropped.values():
            office.db.execute_sql(sql)


def _sample_statistics(writer: BulkWriter) -> None:
    """Statistics for the tables that were empty: without any, the planner may take a plan that is fine
    for a few rows and quadratic for many in the derivations below (e.g. the report facts' EXISTS on
    `request_event` by `request_event_report (action=?)`, scanning every event of that action for each
    request, instead of `request_event_request (request_id=?)`: 21 s instead of 1.2 s for 30k requests).
    A sampled ANALYZE (`analysis_limit`) costs milliseconds; a full ANALYZE later replaces it."""
    db = writer.office.db
    loaded = sorted({s.table for s in writer.segments if writer.empty_before.get(s.table)})
    if not loaded:
        return
    limit = db.execute_sql("PRAGMA analysis_limit").fetchone()[0]
    db.execute_sql("PRAGMA analysis_limit = 1000")
    try:
        for table in loaded:
            db.execute_sql(f'ANALYZE "{table}"')
    finally:
        db.execute_sql(f"PRAGMA analysis_limit = {int(limit)}")


def _derive(writer: BulkWriter) -> None:
    db = writer.office.db
    with writer.timed("report facts"):
        _derive_report_facts(writer)  # [report facts]
    # The search index: a whole table at once when it was empty, else the new rows.
    for table in search_index.FTS_TABLES:
        if f"{table}_fts_insert" not in writer.dropped:
            continue
        segments = [s for s in writer.segments if s.table == table]
        if not segments:
            continue
        if writer.empty_before.get(table):
            with writer.timed("search index"):
                search_index.rebuild(db, table)
            continue
        for segment in segments:
            search_index.index_rows(db, table, segment.first, segment.last)
    if not _has_table(writer.office, "sync_state"):
        return
    capturing = db.execute_sql("SELECT capture FROM sync_state WHERE one = 1").fetchone()
    if not capturing or not capturing[0]:
        return
    segments = _merged(writer.segments)
    # Requests and their events all new: each request's stamp names its last event's actor as it is
    # written, instead of a second pass updating 300k sync rows (`_patch_actors`).
    fold = ("sync_actor_from_event" in writer.dropped and bool(writer.empty_before.get("service_request"))
            and bool(writer.empty_before.get("request_event")))
    for segment in segments:
        if f"sync_{segment.table}_insert" in writer.dropped:
            with writer.timed(f"sync rows: {segment.table}"):
                actors = ("request_event", "request_id") if fold and segment.table == "service_request" else None
                _capture(writer.office, segment, whole=bool(writer.empty_before.get(segment.table)),
                         actors=actors)
        if segment.table == "request_event" and "sync_actor_from_event" in writer.dropped and not fold:
            with writer.timed("sync actors"):
                _patch_actors(writer.office, segment, "'service_request'", "request_id")
        if segment.table == "audit_log" and "sync_actor_from_audit" in writer.dropped:
            with writer.timed("sync actors"):
                _patch_actors(writer.office, segment, "entity", "entity_id")


# [report facts] begin: what the fact triggers of migration 0005 would have written.
def _derive_report_facts(writer: BulkWriter) -> None:
    if "report_fact_request_insert" not in writer.dropped:
        return
    db = writer.office.db
    touched = [s for s in writer.segments if s.table in ("service_request", "request_event")]
    if not touched:
        return
    if writer.office.derive is not None:
        # The working-day table over the loaded requests' years first, so the facts get their days at once.
        writer.office.derive()
    if all(writer.empty_before.get(s.table) for s in touched):
        facts.rebuild(db)
        return
    for segment in touched:
        if segment.table == "service_request":
            facts.refresh_facts_where(db, "r.rowid BETWEEN ? AND ?", (segment.first, segment.last))
        else:
            facts.refresh_facts_where(db, "r.id IN (SELECT request_id FROM request_event WHERE rowid BETWEEN ? AND ?)",
                                (segment.first, segment.last))
# [report facts] end


def _merged(segments: list[_Segment]) -> list[_Segment]:
    """Consecutive inserts into one table (the calls of a request, repeat calls, answered calls) as one
    segment: captured in one pass in id order instead of one pass each, whose rows would interleave in
    `sync_row` (inserts scattered over its b-tree instead of appended)."""
    out: list[_Segment] = []
    for segment in segments:
        last = out[-1] if out else None
        if last is not None and last.table == segment.table and segment.first == last.last + 1:
            out[-1] = _Segment(last.table, last.first, segment.last)
        else:
            out.append(_Segment(segment.table, segment.first, segment.last))
    return out


def _capture(office: OfficeDatabase, segment: _Segment, whole: bool = False,
             actors: tuple[str, str] | None = None) -> None:
    """What `sync_<table>_insert` writes, for every row of the segment, counters in rowid order.

    The counter comes from the rowid, so the rows can go in in id order: appended to `sync_row`'s
    (tbl, id) b-tree instead of scattered over it. When the segment is the `whole` table (it was empty),
    its primary key index gives that order without a sort of every new sync row (2M events: a third of
    the step); the table rows it visits are in order too when they were inserted in id order, as
    bench/district.py does (ids are UUIDv7, i.e. time order).

    `actors` (entries table, its column naming the record): the actor trigger folded in, for records
    whose entries were all loaded here too: the stamp names the actor of the record's last entry, as
    `_patch_actors` would write afterwards, without updating every record a second time."""
    db = office.db
    db.execute_sql(f"UPDATE sync_state SET counter = max(counter + 1, {NOW_MS}) WHERE one = 1")
    part = capture.PARTITION[segment.table].replace("NEW.", "t.")
    key = db.execute_sql("SELECT name FROM pragma_index_list(?) WHERE origin = 'pk'", (segment.table,)).fetchone()
    walk = f'INDEXED BY "{key[0]}"' if whole and key else ""
    counter = "(st.counter + t.rowid - ?1)"
    # The JSON text json_object(replica, counter) and json_object('*', json_array(replica, counter)) give,
    # spelt out (the replica is hex, nothing to escape): a third cheaper over millions of rows.
    vv = f"""'{{"' || st.replica || '":' || {counter} || '}}'"""
    actor, join = "", ""
    if actors is not None:
        source, id_column = actors
        # The last entry by rowid with an actor (max() picks that row's actor_id); `+`: group by sorting
        # the entries once, not by an index walk with a table look-up per entry.
        join = (f"LEFT JOIN (SELECT {id_column} AS rid, actor_id, max(rowid) FROM {source} "
                f"WHERE actor_id IS NOT NULL GROUP BY +{id_column}) a ON a.rid = t.id")
        actor = " || CASE WHEN a.rid IS NULL THEN '' ELSE ',' || json_quote(a.actor_id) END"
    stamps = f"""'{{"*":["' || st.replica || '",' || {counter}{actor} || ']}}'"""
    db.execute_sql(
        f"""INSERT OR REPLACE INTO sync_row (tbl, id, part, vv, stamps)
            SELECT '{segment.table}', t.id, {part}, {vv}, {stamps}
            FROM "{segment.table}" t {walk} {join}, sync_state st WHERE st.one = 1 AND t.rowid BETWEEN ?1 AND ?2
            ORDER BY t.id""",
        (segment.first, segment.last))
    db.execute_sql("UPDATE sync_state SET counter = counter + ? WHERE one = 1", (segment.last - segment.first,))


def _patch_actors(office: OfficeDatabase, segment: _Segment, tbl_expr: str, id_column: str) -> None:
    """The actor trigger, set-wise: each record's latest stamps name the actor of its last new entry."""
    source = "request_event" if segment.table == "request_event" else "audit_log"
    office.db.execute_sql(
        f"""WITH last AS (
                SELECT {tbl_expr} AS tbl, {id_column} AS rid, actor_id, max(rowid) FROM {source}
                WHERE rowid BETWEEN ? AND ? AND actor_id IS NOT NULL GROUP BY 1, 2)
            UPDATE sync_row SET stamps = CASE
                -- a record written once (stamps of one key, as the bulk capture leaves them): spelt out
                WHEN sync_row.stamps = '{{"*":["' || cur.replica || '",' || (sync_row.vv ->> cur.path) || ']}}'
                THEN '{{"*":["' || cur.replica || '",' || (sync_row.vv ->> cur.path) || ','
                     || json_quote(last.actor_id) || ']}}'
                ELSE (
                SELECT json_group_object(j.key, CASE
                    WHEN j.type = 'array' AND j.value ->> 0 = st.replica
                         AND j.value ->> 1 = sync_row.vv ->> ('$."' || st.replica || '"')
                    THEN json_array(st.replica, j.value ->> 1, last.actor_id)
                    ELSE json(j.value) END)
                FROM json_each(sync_row.stamps) j, sync_state st WHERE st.one = 1) END
            FROM last, (SELECT replica, '$."' || replica || '"' AS path FROM sync_state WHERE one = 1) cur
            WHERE sync_row.tbl = last.tbl AND sync_row.id = last.rid""",
        (segment.first, segment.last))
