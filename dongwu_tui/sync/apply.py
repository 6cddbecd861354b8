"""Applying stage: a checked file merged into the office's tables in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dongwu_tui.domain.chinatime import china_iso
from dongwu_tui.storage import erasure, search_index
from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync import departures, identity, merge, trust
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync.check import Preview, decode, preview, sync_log
from dongwu_tui.sync.errors import SyncRefused
from dongwu_tui.sync.layout import TABLES, Progress
from dongwu_tui.sync.layout import dump as _dump
from dongwu_tui.sync.merge import RULES, MergeRules
from dongwu_tui.sync.partition import partition_of
from dongwu_tui.sync.tuning import FactTriggers, collector_paused, import_pragmas, indexes_built_after


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


def import_file(office: OfficeDatabase, path: Path, *, accept_future: bool = False,
                progress: Progress | None = None, now_ms: int | None = None,
                rules: MergeRules = RULES) -> ImportResult:
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
        with collector_paused():
            records = decode(checked.opened)
            _apply(office, checked, records, result, progress, rules)
            # Freed while the collector is still off: enabled with them alive, its first pass would walk
            # every one of them (measured: 1.7 s at 1M records).
            del records
    except SyncRefused as refusal:
        sync_log(office, Path(path), "refused", f"{refusal.kind}: {refusal.message}")
        raise
    sync_log(office, Path(path), "applied",
             f"applied={result.applied} skipped={result.skipped} conflicts={result.conflicts}")
    return result


def _apply(office: OfficeDatabase, checked: Preview, records: dict[str, list[list[Any]]], result: ImportResult,
           progress: Progress | None, rules: MergeRules) -> None:
    db = office.db
    m = checked.manifest
    with import_pragmas(office), office.write():
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
        facts = FactTriggers.find(office)
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
        with indexes_built_after(office, "sync_row", sum(len(records[t]) for t in TABLES)):
            for table in TABLES:
                rows = records[table]
                if rows:
                    _apply_table(office, table, m["tables"][table], rows, result, rules)
                done += len(rows)
                if progress:
                    progress("import", done, result.records)
        if rules.erasure_wins:
            erasure.apply_erasures(db)  # before the search backfill and the set-aside copies read the rows
        facts.refresh(office)
        search.resume()
        if has_departures:
            result.dropped = departures.set_aside_settled(office, own_parts, m.get("ack", {}), restored)
        for rep, site_id in m.get("replicas", {}).items():
            db.execute_sql("INSERT OR IGNORE INTO sync_replica (replica, site_id, first_seen) "
                           "VALUES (?, ?, datetime('now'))", (rep, site_id))
        result.gaps = kn.advance(office, m.get("base", {}), m.get("top", {}),
                                 gap_check=rules.gap_check)
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


def _apply_table(office: OfficeDatabase, table: str, cols: list[str], rows: list[list[Any]],
                 result: ImportResult, rules: MergeRules = RULES) -> None:
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
                             "siblings": sibs or {}, "vv": vv_in, "part": part}, result, rules)
    if new_rows:
        with indexes_built_after(office, table, len(new_rows)):
            db.cursor().executemany(
                f'INSERT INTO "{table}" (id, {quoted}) VALUES ({", ".join("?" * (len(cols) + 1))})', new_rows)
        db.cursor().executemany("INSERT INTO sync_row (tbl, id, part, vv, stamps) VALUES (?, ?, ?, ?, ?)", new_sync)
    if new_sibs:
        db.cursor().executemany("INSERT INTO sync_sibling (tbl, id, field, versions, open, detected_at) "
                                "VALUES (?, ?, ?, ?, ?, datetime('now'))", new_sibs)


def _merge_existing(office: OfficeDatabase, table: str, cols: list[str], rid: str, stamps: dict[str, Any],
                    vv: dict[str, int], part: str, incoming: dict[str, Any], result: ImportResult,
                    rules: MergeRules) -> None:
    db = office.db
    quoted = ", ".join(f'"{c}"' for c in cols)
    row = db.execute_sql(f'SELECT {quoted} FROM "{table}" WHERE id = ?', (rid,)).fetchone()
    siblings = {fld: json.loads(v) for fld, v in db.execute_sql(
        "SELECT field, versions FROM sync_sibling WHERE tbl = ? AND id = ?", (table, rid))}
    local = {"values": dict(zip(cols, row, strict=True)), "stamps": stamps, "siblings": siblings, "vv": vv}
    merged = merge.merge_record(cols, local, incoming, rules.merge_versions)
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

