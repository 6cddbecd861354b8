"""Records that leave an office's partitions: tell the old office, then let it set its copy aside safely.

When a talent moves from 木渎 to 胥口 (or a request is dispatched elsewhere), the record's partition
changes and 木渎 no longer subscribes to it. Three rules keep 木渎 from holding a stale copy, without
ever losing an edit:

1. **The move travels.** An export to an office carries, besides its partitions' records, every record
   that has left one of its partitions (migration 0008 remembers those) and changed since the office's
   acknowledged knowledge of that old partition: the receiver learns the move like any other edit and
   merges it (so its own unsent edits become versions or conflicts, never lost).
2. **A copy outside the receiver's partitions is set aside once its own writes are safe.** After an
   import, a record the office holds outside its partitions leaves its tables once the sender's
   acknowledged knowledge of the record's partition covers this office's own writes in it (under any
   identity it has had): the sender, which subscribes to that partition, then holds them. Until then
   the copy stays (now showing its new township), and the office's edits to it still travel. Other
   offices' writes in it are not waited for: their authors hold them, and a write of an identity lost
   to a restore could never be acknowledged, so the copy would stay, stale, forever.
3. **Set aside, not forgotten.** The copy's last merged state moves to `sync_shadow`, out of every list
   and search. If a file brings the record again (an older state still on its way, or the record moving
   back), the shadow is put back first and the file merges with it, so an old state can never return as
   if it were current. A shadow still travels to the offices of its partition (`shadow_lines`) while
   they have not acknowledged all of it: one of them may have lost the record since, restored from an
   older backup, and the shadow may hold the only copy of a write.

A record outside the receiver's partitions that it does not hold (a departure of a record it never
received) is not taken in at all: no values are kept, only a marker in `sync_shadow` (`record` is JSON
`null`) with the record's partition and version vector, so that an older state of it still on its way
(when it lay in this office's partition) is recognised as older and stays out too. A marker never
travels and is never put back; a newer state of the record replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync import identity, merge, trust
from dongwu_tui.sync.fileformat import export_query


# `sync_shadow.record` of a departed record this office never held: it keeps no values.
MARKER = "null"


def has_table(office: OfficeDatabase) -> bool:
    return office.db.execute_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_shadow'").fetchone() is not None


def departed_query(table: str, cols: list[str], parts: list[str]) -> tuple[str, list[Any]]:
    """Records of `table` that left one of `parts` and now sit outside all of them, each with the old
    partition it left (for the delta test) and its export line."""
    marks = ", ".join("?" * len(parts))
    sql = (export_query(table, cols, departed=True)
           + f" AND d.tbl = ? AND d.part IN ({marks}) AND r.part NOT IN ({marks})")
    return sql, [table] * 4 + [table, *parts, *parts]


def own_replicas(office: OfficeDatabase) -> set[str]:
    """Every identity this office has written under (a restore or a copy takes a new one)."""
    return {rep for (rep,) in office.db.execute_sql(
        "SELECT replica FROM sync_replica WHERE site_id = (SELECT value FROM meta WHERE key = 'site_id')")}


def _own_part(vv_text: str, own: set[str]) -> dict[str, int]:
    return {rep: int(counter) for rep, counter in json.loads(vv_text).items() if rep in own}


def shadow_lines(office: OfficeDatabase, table: str, cols: list[str],
                 parts: list[str] | None) -> Iterator[tuple[str, str, str]]:
    """Set-aside records of `table` in `parts` (all with None) as export rows `(partition, vv, line)`.

    A copy is set aside once an office of its partition acknowledged this office's writes in it, but
    that office may lose them again (restored from an older backup), and the copy may hold another
    office's write that its author lost the same way: the set-aside copy may then be the only one left
    of a write (the hand-over itself). So it travels like a held record, measured against what the
    receiver acknowledges, and a receiver that has it already skips it by its version vector. (A copy
    holding a write of an identity lost to a restore is never fully acknowledged, so it travels in
    every delta: one line, skipped on arrival.)"""
    where = "" if parts is None else f" AND part IN ({', '.join('?' * len(parts))})"
    for rid, part, vv, stamps, record_text, siblings_text in office.db.execute_sql(
            f"SELECT id, part, vv, stamps, record, siblings FROM sync_shadow WHERE tbl = ? AND record <> '{MARKER}'"
            f"{where}",
            [table, *(parts or [])]):
        record = json.loads(record_text)
        siblings = {field: json.loads(versions) for field, versions, *_ in json.loads(siblings_text)}
        line = [table, rid, part, vv, stamps, [record.get(c) for c in cols], siblings or None]
        yield part, vv, json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def my_partitions(office: OfficeDatabase) -> set[str] | None:
    me = trust.this_office(office)
    return kn.subscriptions(me["kind"], me.get("township_code"))


def prepare(office: OfficeDatabase, records: dict[str, list[list[Any]]], parts: set[str] | None,
            restored: dict[tuple[str, str], str], columns: dict[str, list[str]]) -> int:
    """Before a file is merged: put back every set-aside record the file brings (into `restored`, with the
    version vector it was set aside at). Records outside this office's partitions that it does not hold
    are not taken in: a marker with their version vector is kept instead (a departure of a record this
    office never received, so that an older copy still in this office's partition, arriving later, is
    seen as older and stays out). Returns how many records were not merged."""
    db = office.db
    shadowed = {(tbl, rid): record == MARKER for tbl, rid, record in db.execute_sql(
        "SELECT tbl, id, CASE WHEN record = ? THEN record END FROM sync_shadow", (MARKER,))}
    left_out = 0
    for table, rows in records.items():
        marked: dict[str, dict[str, int]] = {}  # the version vectors of markers the file's states replace
        kept_rows = []
        for row in rows:
            key = (table, row[1])
            if key not in shadowed:
                kept_rows.append(row)
            elif not shadowed.pop(key):
                restored[key] = _restore(office, table, row[1])
                kept_rows.append(row)
            else:
                vv = json.loads(_drop_marker(office, table, row[1]))
                if merge.dominated(json.loads(row[3]), vv):
                    left_out += 1  # an older state of a record that has left: it stays out
                else:
                    marked[row[1]] = vv
                    kept_rows.append(row)
        rows[:] = kept_rows
        if parts is None:
            continue
        foreign = [row[1] for row in rows if row[2] not in parts]
        if not foreign:
            continue
        held: set[str] = set()
        for start in range(0, len(foreign), 500):
            chunk = foreign[start:start + 500]
            held.update(rid for (rid,) in db.execute_sql(
                f"SELECT id FROM sync_row WHERE tbl = ? AND id IN ({', '.join('?' * len(chunk))})", [table, *chunk]))
        keep = [row for row in rows if row[2] in parts or row[1] in held]
        for row in rows:
            if row[2] not in parts and row[1] not in held:
                _mark(office, table, row, marked.get(row[1], {}))
        left_out += len(rows) - len(keep)
        rows[:] = keep
    return left_out


def _mark(office: OfficeDatabase, table: str, line: list[Any], earlier: dict[str, int]) -> None:
    """Remember a departed record this office never held by its partition and version vector alone."""
    _, rid, part, vv_text, _stamps, _values, _siblings = line
    vv = dict(earlier)
    for rep, counter in json.loads(vv_text).items():
        vv[rep] = max(int(counter), vv.get(rep, 0))
    office.db.execute_sql(
        "INSERT OR REPLACE INTO sync_shadow (tbl, id, part, vv, stamps, record, siblings, shadowed_at) "
        "VALUES (?, ?, ?, ?, '{}', ?, '[]', datetime('now'))",
        (table, rid, part, json.dumps(vv, separators=(",", ":")), MARKER))


def _drop_marker(office: OfficeDatabase, table: str, rid: str) -> str:
    (vv,) = office.db.execute_sql("SELECT vv FROM sync_shadow WHERE tbl = ? AND id = ?", (table, rid)).fetchone()
    office.db.execute_sql("DELETE FROM sync_shadow WHERE tbl = ? AND id = ?", (table, rid))
    return str(vv)


def set_aside_settled(office: OfficeDatabase, parts: set[str] | None, ack: dict[str, dict[str, int]],
                      restored: dict[tuple[str, str], str]) -> int:
    """Set aside the copies held outside this office's partitions whose own writes (this office's, under
    any identity) the sender's acknowledged knowledge (`ack`, the sender's knowledge when it made the
    file) covers, and those put back for this file's merge that the file did not change (settled
    before). Inside the import's transaction; returns how many records newly left the office's tables."""
    if parts is None:
        return 0
    foreign = [part for part in identity.held_partitions(office) if part not in parts]
    if not foreign:
        return 0
    moved = 0
    own = own_replicas(office)
    rows = office.db.execute_sql(
        f"SELECT tbl, id, part, vv FROM sync_row WHERE part IN ({', '.join('?' * len(foreign))})", foreign).fetchall()
    for table, rid, part, vv_text in rows:
        covered = ack.get(part, {})
        unchanged = restored.get((table, rid)) == vv_text
        if unchanged or all(covered.get(rep, 0) >= counter for rep, counter in _own_part(vv_text, own).items()):
            _set_aside(office, table, rid)
            moved += (table, rid) not in restored
    return moved


def _set_aside(office: OfficeDatabase, table: str, rid: str) -> None:
    db = office.db
    cursor = db.execute_sql(f'SELECT * FROM "{table}" WHERE id = ?', (rid,))
    names = [d[0] for d in cursor.description]
    record = dict(zip(names, cursor.fetchone(), strict=True))
    siblings = [list(s) for s in db.execute_sql(
        "SELECT field, versions, open, detected_at FROM sync_sibling WHERE tbl = ? AND id = ?", (table, rid))]
    db.execute_sql(
        "INSERT OR REPLACE INTO sync_shadow (tbl, id, part, vv, stamps, record, siblings, shadowed_at) "
        "SELECT tbl, id, part, vv, stamps, ?, ?, datetime('now') FROM sync_row WHERE tbl = ? AND id = ?",
        (json.dumps(record, ensure_ascii=False), json.dumps(siblings, ensure_ascii=False), table, rid))
    db.execute_sql(f'DELETE FROM "{table}" WHERE id = ?', (rid,))
    for bookkeeping in ("sync_row", "sync_sibling", "sync_departure"):
        db.execute_sql(f"DELETE FROM {bookkeeping} WHERE tbl = ? AND id = ?", (table, rid))


def _restore(office: OfficeDatabase, table: str, rid: str) -> str:
    """Put a set-aside record back into its table; returns the version vector it had."""
    db = office.db
    part, vv, stamps, record_text, siblings_text = db.execute_sql(
        "SELECT part, vv, stamps, record, siblings FROM sync_shadow WHERE tbl = ? AND id = ?", (table, rid)).fetchone()
    record = json.loads(record_text)
    record.pop("rowid", None)
    present = [row[1] for row in db.execute_sql(f'PRAGMA table_info("{table}")')]
    columns = [c for c in present if c in record]
    quoted = ", ".join(f'"{c}"' for c in columns)
    db.execute_sql(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})',
                   [record[c] for c in columns])
    db.execute_sql("INSERT INTO sync_row (tbl, id, part, vv, stamps) VALUES (?, ?, ?, ?, ?)",
                   (table, rid, part, vv, stamps))
    for field, versions, open_, detected_at in json.loads(siblings_text):
        db.execute_sql("INSERT INTO sync_sibling (tbl, id, field, versions, open, detected_at) "
                       "VALUES (?, ?, ?, ?, ?, coalesce(?, datetime('now')))",
                       (table, rid, field, versions, open_, detected_at))
    db.execute_sql("DELETE FROM sync_shadow WHERE tbl = ? AND id = ?", (table, rid))
    return str(vv)
