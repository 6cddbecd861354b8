"""Export a delta or full file for one office, and import files: verify everything, then one transaction."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import shutil
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from dongwu_tui import __version__
from dongwu_tui.domain.chinatime import CHINA_TZ, china_iso, china_text
from dongwu_tui.storage import capture, search_index
from dongwu_tui.storage.database import SCHEMA_VERSION, OfficeDatabase
from dongwu_tui.sync import departures, identity, merge, trust
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync.errors import HeldForReview, SyncRefused
from dongwu_tui.sync.fileformat import (
    ALGORITHMS,
    FORMAT_VERSION,
    OpenedFile,
    export_query,
    open_sealed,
    seal,
    write_atomically,
)

log = logging.getLogger(__name__)

# Referenced records first, so that partitions of calls and events can be looked up as they arrive.
TABLES = ["site", "staff", "enterprise", "talent", "service_request", "call", "request_event", "audit_log"]
CHUNK_RECORDS = 20000
FUTURE_TOLERANCE = timedelta(days=1)
IMPORT_CACHE_KIB = -262144  # 256 MB page cache while importing
EXPORT_ZLIB_LEVEL = 1
# An import that at least doubles a table builds its secondary indexes once at the end (a sort)
# instead of row by row; smaller ones keep them, as rebuilding would cost more than it saves.
REINDEX_MIN_NEW_ROWS = 5000
Progress = Callable[[str, int, int], None]


def columns(office: OfficeDatabase, table: str) -> list[str]:
    return [row[1] for row in office.db.execute_sql(f'PRAGMA table_info("{table}")') if row[1] != "id"]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- export -------------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    path: Path
    peer: str
    kind: str
    records: int
    counts: dict[str, int]
    size: int


def _peer_row(office: OfficeDatabase, site_id: str) -> dict[str, Any]:
    row = office.db.execute_sql(
        "SELECT declared, code, name, kind, township_code FROM sync_peer WHERE site_id = ?", (site_id,)).fetchone()
    return {"declared": json.loads(row[0] or "{}"), "code": row[1], "name": row[2], "kind": row[3],
            "township_code": row[4]}


def export_file(office: OfficeDatabase, to: str, out_dir: Path, *, full: bool = False,
                progress: Progress | None = None, now: datetime | None = None) -> ExportResult:
    identity.ensure_replica(office)
    keys = trust.require_keys(office)
    me = trust.this_office(office)
    own_cert = office.db.execute_sql("SELECT certificate FROM sync_peer WHERE site_id = ?", (me["site_id"],)).fetchone()
    if own_cert is None:
        raise SyncRefused("not-certified", "本单位尚未获得区中心认证：请把 dongwu sync keys 生成的申请文件交给区中心，"
                                           "再用 dongwu sync trust 安装中心下发的信任文件。")
    peer_cert = trust.peer_certificate(office, to)["body"]
    if peer_cert["site_id"] == me["site_id"]:
        raise SyncRefused("self", "不能向本单位自己导出。")
    peer = _peer_row(office, peer_cert["site_id"])
    subs = kn.subscriptions(peer_cert["kind"], peer_cert.get("township_code"))
    known = kn.knowledge(office)
    base = {} if full else kn.restrict(peer["declared"], subs)
    parts = None if subs is None else sorted(subs)
    chunks: list[bytes] = []
    chunk_meta: list[dict[str, Any]] = []
    lines: list[str] = []
    counts: dict[str, int] = {}
    table_columns: dict[str, list[str]] = {}

    def flush() -> None:
        if lines:
            data = zlib.compress("\n".join(lines).encode("utf-8"), EXPORT_ZLIB_LEVEL)
            chunks.append(data)
            chunk_meta.append({"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "records": len(lines)})
            lines.clear()

    total = 0
    has_departures = departures.has_table(office)
    for table in TABLES:
        cols = columns(office, table)
        table_columns[table] = cols
        where = "" if parts is None else f" AND r.part IN ({', '.join('?' * len(parts))})"
        queries = [(export_query(table, cols) + where, [table] * 4 + list(parts or []))]
        if parts is not None and has_departures:
            # Records that left this office's partitions travel once more, so it learns of the move;
            # their first column is the partition they left, which the delta is measured against.
            queries.append(departures.departed_query(table, cols, parts))
        sources: list[Callable[[], Iterable[tuple[str, str, str]]]] = [
            partial(office.db.execute_sql, sql, params) for sql, params in queries]
        if has_departures:
            # Copies set aside here may be the last of some write: they travel too (departures.py).
            sources.append(partial(departures.shadow_lines, office, table, cols, parts))
        count = 0
        for source in sources:
            for part, vv_text, line in source():
                if base and not kn.newer_than(json.loads(vv_text), base.get(part, {})):
                    continue
                lines.append(line)
                count += 1
                if len(lines) >= CHUNK_RECORDS:
                    flush()
                    if progress:
                        progress("export", total + count, 0)
        counts[table] = count
        total += count
    flush()
    created = now or datetime.now(UTC)
    replicas = {r: s for r, s in office.db.execute_sql("SELECT replica, site_id FROM sync_replica")}
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION, "schema_version": SCHEMA_VERSION, "app": f"dongwu-tui {__version__}",
        "algorithms": ALGORITHMS,
        "sender": {**me, "replica": identity.replica(office)},
        "recipients": [peer_cert["site_id"]],
        "created_at": created.replace(microsecond=0).isoformat(), "created_ms": int(created.timestamp() * 1000),
        "kind": "full" if full else "delta",
        "partitions": parts, "base": base, "top": kn.restrict(known, subs), "ack": known,
        "tables": table_columns, "counts": counts, "records": total, "chunks": chunk_meta, "replicas": replicas,
    }
    certificate = json.loads(own_cert[0])
    sealed = seal(manifest, chunks, keys, certificate, [peer_cert])
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = created.astimezone(CHINA_TZ).strftime("%Y%m%d-%H%M%S")
    name = (f"{me['code']}-to-{peer_cert['code']}-{stamp}-{'full' if full else 'delta'}-"
            f"{identity.counter(office)}.dwsync")
    path = out_dir / name
    write_atomically(path, sealed)
    with office.write():
        office.db.execute_sql(
            "UPDATE sync_peer SET last_out_at = ?, last_out_file = ?, last_out_top = ? WHERE site_id = ?",
            (trust.now_iso(), name, _dump(manifest["top"]), peer_cert["site_id"]))
    identity.note_exported(office)
    return ExportResult(path, peer_cert["name"], manifest["kind"], total, counts, len(sealed))


# -- import -------------------------------------------------------------------------------------------


@dataclass
class Preview:
    path: Path
    opened: OpenedFile
    sender: dict[str, Any]
    already_imported: bool

    @property
    def manifest(self) -> dict[str, Any]:
        return self.opened.manifest


@dataclass
class ImportResult:
    path: Path
    sender: str
    kind: str
    created_at: str
    records: int
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    already_imported: bool = False
    dropped: int = 0  # copies of records that left this office's partitions, set aside once safe
    gaps: list[str] = field(default_factory=list)


def sync_log(office: OfficeDatabase, path: Path, outcome: str, reason: str) -> None:
    """Refusals are logged beside the database, never in it: a refused file leaves the database as it was."""
    try:
        log_path = office.path.with_name(office.path.name + ".sync.log")
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(f"{trust.now_iso()}\t{path}\t{outcome}\t{reason}\n")
    except OSError:
        log.warning("cannot write the sync log for %s", office.path)


def preview(office: OfficeDatabase, path: Path, *, accept_future: bool = False, now_ms: int | None = None) -> Preview:
    """Open and verify a file completely (certificate, signature, recipient, versions, every chunk)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SyncRefused("unreadable", f"无法读取文件 {path}：{error.strerror}。") from None
    keys = trust.require_keys(office)
    me = trust.this_office(office)
    opened = open_sealed(data, me["site_id"], keys.box)
    cert = trust.check_certificate(office, opened.certificate)
    m = opened.manifest
    if int(m.get("format", 0)) > FORMAT_VERSION:
        raise SyncRefused("too-new", f"同步文件格式版本 {m.get('format')} 高于本程序支持的版本 {FORMAT_VERSION}，"
                                     "请升级后再导入，本文件未导入。")
    if int(m.get("schema_version", 0)) > SCHEMA_VERSION:
        raise SyncRefused("too-new", f"同步文件来自更新版本的程序（数据库版本 {m.get('schema_version')}，"
                                     f"本程序 {SCHEMA_VERSION}），请升级东吴人才服务台后再导入，本文件未导入。")
    if m.get("sender", {}).get("site_id") != cert["site_id"]:
        raise SyncRefused("tampered", "同步文件的发件单位与其证书不符（被篡改），未导入。")
    if me["site_id"] not in m.get("recipients", []):
        raise SyncRefused("not-addressed", "本文件不是发给本单位的（清单中的收件单位不是本单位），未导入。")
    if cert["site_id"] == me["site_id"]:
        raise SyncRefused("own-file", "这是本单位自己导出的文件，不能导入。")
    local_tables = {t: set(columns(office, t)) for t in TABLES}
    for table, cols in m.get("tables", {}).items():
        if table not in local_tables or not set(cols) <= local_tables[table]:
            raise SyncRefused("too-new", f"同步文件含有本程序不认识的数据（{table}），请升级后再导入，本文件未导入。")
    created_ms = int(m.get("created_ms", 0))
    current_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if created_ms > current_ms + FUTURE_TOLERANCE.total_seconds() * 1000 and not accept_future:
        held = office.path.with_name(office.path.name + ".held")
        held.mkdir(exist_ok=True)
        shutil.copy2(path, held / Path(path).name)
        raise HeldForReview("future", f"文件时间 {china_text(m.get('created_at'))} "
                                      "比本机时间晚一天以上（发件机器时钟可能有误），"
                                      f"已暂存到 {held} 待审核，未导入；"
                                      "核实后用 dongwu sync import --accept-future 导入。")
    already = office.db.execute_sql("SELECT 1 FROM sync_file_in WHERE sha256 = ?", (opened.sha256,)).fetchone()
    return Preview(Path(path), opened, cert, already is not None)


def _decode(opened: OpenedFile) -> dict[str, list[list[Any]]]:
    by_table: dict[str, list[list[Any]]] = {t: [] for t in TABLES}
    try:
        for chunk in opened.chunk_records():
            # A chunk holds long runs of one table: grouping in C beats a Python step per record.
            for table, run in groupby(chunk, itemgetter(0)):
                by_table[table].extend(run)
    except (zlib.error, ValueError, KeyError, IndexError, TypeError):
        raise SyncRefused("damaged", "同步文件的数据无法解读（已损坏），未导入。") from None
    counts = {t: len(v) for t, v in by_table.items() if v}
    declared = {t: n for t, n in opened.manifest.get("counts", {}).items() if n}
    if counts != declared:
        raise SyncRefused("tampered", "同步文件的记录数与清单不符（被篡改或损坏），未导入。")
    return by_table


def import_file(office: OfficeDatabase, path: Path, *, accept_future: bool = False,
                progress: Progress | None = None, now_ms: int | None = None) -> ImportResult:
    try:
        identity.ensure_replica(office)
        checked = preview(office, path, accept_future=accept_future, now_ms=now_ms)
        m = checked.manifest
        result = ImportResult(Path(path), checked.sender["name"], m["kind"], china_iso(m["created_at"]) or "",
                              int(m["records"]))
        if checked.already_imported:
            result.already_imported = True
            result.skipped = result.records
            sync_log(office, Path(path), "skipped", "already imported")
            return result
        with _collector_paused():
            records = _decode(checked.opened)
            _apply(office, checked, records, result, progress)
            # Freed while the collector is still off: enabled with them alive, its first pass would walk
            # every one of them (measured: 1.7 s at 1M records).
            del records
    except SyncRefused as refusal:
        sync_log(office, Path(path), "refused", f"{refusal.kind}: {refusal.message}")
        raise
    sync_log(office, Path(path), "applied",
             f"applied={result.applied} skipped={result.skipped} conflicts={result.conflicts}")
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A file decodes into millions of small lists that all stay alive until the merge ends; the cyclic
    garbage collector would walk them again and again for nothing (measured: a fifth of the import)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _apply(office: OfficeDatabase, checked: Preview, records: dict[str, list[list[Any]]], result: ImportResult,
           progress: Progress | None) -> None:
    db = office.db
    m = checked.manifest
    # Records of other partitions may point at rows this office never receives (cr-sqlite does the same):
    # foreign keys are not enforced while merging. The pragma only takes effect outside a transaction.
    db.execute_sql("PRAGMA foreign_keys = OFF")
    # A large file touches every index page; with the default 2 MB cache they are evicted and re-read
    # over and over (measured: 10x slower at 100k records).
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    # Indexes made again after a large insert are sorts; a second thread helps them on two cores.
    threads = db.execute_sql("PRAGMA threads").fetchone()[0]
    db.execute_sql("PRAGMA threads = 2")
    try:
        with office.write():
            db.execute_sql("UPDATE sync_state SET capture = 0 WHERE one = 1")
            # SQLite runs a trigger's WHEN inside the trigger's sub-program, so even a trigger that does
            # nothing costs ~50 us a row. The capture triggers are dropped for the merge and made again
            # before commit; DDL is transactional, so a crash leaves them as they were.
            triggers = db.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' ESCAPE '\\'"
            ).fetchall()
            # The search index's insert triggers (migration 0002) cost more than the rest of the import
            # together; new rows are indexed afterwards in one statement per table instead
            # (storage/search_index.py). Its update triggers stay: merged records are updated one by one.
            # The report facts' insert triggers (migration 0005) recompute a request's facts per inserted
            # request or event; the facts of the new rows are refreshed set-wise after the merge instead.
            facts = _FactTriggers.find(office)
            for name, _ in facts.triggers:
                db.execute_sql(f'DROP TRIGGER "{name}"')
            for name, _ in triggers:
                db.execute_sql(f'DROP TRIGGER "{name}"')
            search = search_index.suspend(db)
            own_parts = departures.my_partitions(office)
            has_departures = departures.has_table(office)
            restored: dict[tuple[str, str], str] = {}
            if has_departures:
                result.skipped += departures.prepare(office, records, own_parts, restored, m["tables"])
            done = 0
            # sync_row gets a row per new record of every table: its index is made once after all of them.
            with _indexes_built_after(office, "sync_row", sum(len(records[t]) for t in TABLES)):
                for table in TABLES:
                    rows = records[table]
                    if rows:
                        _apply_table(office, table, m["tables"][table], rows, result)
                    done += len(rows)
                    if progress:
                        progress("import", done, result.records)
            facts.refresh(office)
            search.resume()
            if has_departures:
                result.dropped = departures.set_aside_settled(office, own_parts, m.get("ack", {}), restored)
            for rep, site_id in m.get("replicas", {}).items():
                db.execute_sql("INSERT OR IGNORE INTO sync_replica (replica, site_id, first_seen) "
                               "VALUES (?, ?, datetime('now'))", (rep, site_id))
            result.gaps = kn.advance(office, m.get("base", {}), m.get("top", {}),
                                     gap_check=not merge.BROKEN["no_gap_check"])
            trust.store_peer(office, checked.opened.certificate)
            sender = checked.sender["site_id"]
            db.execute_sql(
                "UPDATE sync_peer SET last_in_at = ?, last_in_file = ?, "
                "declared = CASE WHEN last_in_created IS NULL OR last_in_created <= ? THEN ? ELSE declared END, "
                "last_in_created = max(coalesce(last_in_created, ''), ?) WHERE site_id = ?",
                (trust.now_iso(), Path(result.path).name, m["created_at"], _dump(m.get("ack", {})),
                 m["created_at"], sender))
            db.execute_sql("INSERT INTO sync_file_in (sha256, sender_site_id, created_at, imported_at, records, "
                           "applied, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (checked.opened.sha256, sender, m["created_at"], trust.now_iso(), result.records,
                            result.applied, result.conflicts))
            for _, sql in triggers:
                db.execute_sql(sql)
            db.execute_sql("UPDATE sync_state SET capture = 1 WHERE one = 1")
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        db.execute_sql(f"PRAGMA threads = {int(threads)}")


@dataclass
class _FactTriggers:
    """The insert triggers of the report facts (migration 0005) on requests and events, and the largest
    rowids before the import: rows are appended, so the new ones are exactly those above."""
    triggers: list[tuple[str, str]]
    last_request: int
    last_event: int

    @classmethod
    def find(cls, office: OfficeDatabase) -> _FactTriggers:
        triggers = office.db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report\\_fact\\_%' ESCAPE '\\' "
            "AND tbl_name IN ('service_request', 'request_event') AND sql LIKE '%AFTER INSERT%'").fetchall()
        return cls(triggers, _row_count(office, "service_request"), _row_count(office, "request_event"))

    def refresh(self, office: OfficeDatabase) -> None:
        """What the dropped triggers would have written: the facts of every new request and of every
        request that got a new event, set-wise; then the triggers are made again."""
        from dongwu_tui.storage.facts import refresh_facts, refresh_facts_where

        db = office.db
        if not self.triggers:
            return
        new_requests = _row_count(office, "service_request") > self.last_request
        new_events = _row_count(office, "request_event") > self.last_event
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


def _row_count(office: OfficeDatabase, table: str) -> int:
    if table == "sync_row":  # WITHOUT ROWID
        return int(office.db.execute_sql("SELECT count(*) FROM sync_row").fetchone()[0])
    # Records are never removed (deletes are tombstones), so the largest rowid is the count, found in O(log n).
    return int(office.db.execute_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])


@contextmanager
def _indexes_built_after(office: OfficeDatabase, table: str, new_rows: int) -> Iterator[None]:
    """When an import at least doubles a table, its plain secondary indexes are dropped and made again
    after the insert (one sort instead of a B-tree insert per row and index). Unique indexes stay, so a
    duplicate is still refused at once; DDL is transactional, so a failure restores them."""
    db = office.db
    dropped: list[tuple[str, str]] = []
    if new_rows >= REINDEX_MIN_NEW_ROWS and new_rows >= _row_count(office, table):
        dropped = [(name, sql) for name, sql in db.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'", (table,))]
        for name, _ in dropped:
            db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in dropped:
        db.execute_sql(sql)


def _apply_table(office: OfficeDatabase, table: str, cols: list[str], rows: list[list[Any]],
                 result: ImportResult) -> None:
    db = office.db
    quoted = ", ".join(f'"{c}"' for c in cols)
    new_rows, new_sync, new_sibs = [], [], []
    held_any = db.execute_sql("SELECT 1 FROM sync_row WHERE tbl = ? LIMIT 1", (table,)).fetchone() is not None
    if not held_any:
        # Nothing of this table is held: every record is new, no look-up and no per-record branching.
        new_rows = [[record[1], *record[5]] for record in rows]
        new_sync = [(table, record[1], record[2], record[3], record[4]) for record in rows]
        for record in [r for r in rows if r[6]]:
            for fld, versions in record[6].items():
                new_sibs.append((table, record[1], fld, _dump(versions), int(merge.is_open(fld, versions))))
                result.conflicts += int(merge.is_open(fld, versions))
        result.applied += len(rows)
        rows = []
    for start in range(0, len(rows), 500):
        batch = rows[start:start + 500]
        ids = [r[1] for r in batch]
        existing = {rid: (vv, st, part) for rid, vv, st, part in db.execute_sql(
            f"SELECT id, vv, stamps, part FROM sync_row WHERE tbl = ? AND id IN ({', '.join('?' * len(ids))})",
            [table, *ids])} if held_any else {}
        for record in batch:
            _, rid, part, vv_text, stamps_text, values, sibs = record
            if rid not in existing:
                new_rows.append([rid, *values])
                new_sync.append((table, rid, part, vv_text, stamps_text))
                for fld, versions in (sibs or {}).items():
                    new_sibs.append((table, rid, fld, _dump(versions), int(merge.is_open(fld, versions))))
                    result.conflicts += int(merge.is_open(fld, versions))
                result.applied += 1
                continue
            local_vv_text, local_stamps_text, local_part = existing[rid]
            if vv_text == local_vv_text:  # the very same version vector: nothing new, no JSON to parse
                result.skipped += 1
                continue
            vv_in = json.loads(vv_text)
            local_vv = json.loads(local_vv_text)
            if merge.dominated(vv_in, local_vv):
                result.skipped += 1
                continue
            _merge_existing(office, table, cols, rid, json.loads(local_stamps_text), local_vv, local_part,
                            {"values": dict(zip(cols, values, strict=True)), "stamps": json.loads(stamps_text),
                             "siblings": sibs or {}, "vv": vv_in, "part": part}, result)
    if new_rows:
        with _indexes_built_after(office, table, len(new_rows)):
            db.cursor().executemany(
                f'INSERT INTO "{table}" (id, {quoted}) VALUES ({", ".join("?" * (len(cols) + 1))})', new_rows)
        db.cursor().executemany("INSERT INTO sync_row (tbl, id, part, vv, stamps) VALUES (?, ?, ?, ?, ?)", new_sync)
    if new_sibs:
        db.cursor().executemany("INSERT INTO sync_sibling (tbl, id, field, versions, open, detected_at) "
                                "VALUES (?, ?, ?, ?, ?, datetime('now'))", new_sibs)


def _merge_existing(office: OfficeDatabase, table: str, cols: list[str], rid: str, stamps: dict[str, Any],
                    vv: dict[str, int], part: str, incoming: dict[str, Any], result: ImportResult) -> None:
    db = office.db
    quoted = ", ".join(f'"{c}"' for c in cols)
    row = db.execute_sql(f'SELECT {quoted} FROM "{table}" WHERE id = ?', (rid,)).fetchone()
    siblings = {fld: json.loads(v) for fld, v in db.execute_sql(
        "SELECT field, versions FROM sync_sibling WHERE tbl = ? AND id = ?", (table, rid))}
    local = {"values": dict(zip(cols, row, strict=True)), "stamps": stamps, "siblings": siblings, "vv": vv}
    merged = merge.merge_record(cols, local, incoming)
    merged_part = partition_of(office, table, merged["values"])
    if not merge.dominated(vv, incoming["vv"]) and not (part == incoming["part"] == merged_part):
        # Both sides bring writes, and one side's were made while the record lay in another partition:
        # those writes enter `merged_part` now, with counters its subscribers may already have acknowledged
        # for their partition. A fresh write of this replica makes the merged record newer than anything
        # acknowledged, so it travels whole (the same rule as migration 0008's trigger, which covers a merge
        # that moves a record into a partition this office receives; this one holds at every office).
        rep, count = identity.next_write(office)
        merged["vv"][rep] = count
    if merged["changed"]:
        assignments = ", ".join(f'"{c}" = ?' for c in merged["changed"])
        db.execute_sql(f'UPDATE "{table}" SET {assignments} WHERE id = ?',
                       [merged["values"][c] for c in merged["changed"]] + [rid])
    db.execute_sql("UPDATE sync_row SET vv = ?, stamps = ?, part = ? WHERE tbl = ? AND id = ?",
                   (_dump(merged["vv"]), _dump(merged["stamps"]), merged_part, table, rid))
    db.execute_sql("DELETE FROM sync_sibling WHERE tbl = ? AND id = ?", (table, rid))
    for fld, versions in merged["siblings"].items():
        db.execute_sql("INSERT INTO sync_sibling (tbl, id, field, versions, open, detected_at) "
                       "VALUES (?, ?, ?, ?, ?, datetime('now'))",
                       (table, rid, fld, _dump(versions), int(merge.is_open(fld, versions))))
    result.applied += 1
    result.conflicts += len(merged["opened"])


_NEW_COLUMN = re.compile(r"NEW\.(\w+)")


def partition_of(office: OfficeDatabase, table: str, values: dict[str, Any]) -> str:
    """The capture triggers' partition rule (storage/capture.py), for records changed by a merge: the
    trigger's own expression, with the merged values in place of the row's `NEW.<column>`."""
    expression = capture.PARTITION[table]
    sql = "SELECT " + _NEW_COLUMN.sub(r":\1", expression)
    return str(office.db.execute_sql(sql, {name: values.get(name) for name in _NEW_COLUMN.findall(expression)})
               .fetchone()[0])

