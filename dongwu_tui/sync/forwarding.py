"""A talent merge meets the writes other offices made without knowing of it: they go to the survivor.

A supervisor's merge (storage/merge.py) leaves a tombstone whose `merged_into_id` names the survivor; the
pointer is a captured column, so it travels with the tombstone. After every import this office settles
what the files brought, with ordinary captured writes that travel in turn:

- Two offices merged the same pair the opposite way (A into B at one, B into A at the other): the
  pointers make a cycle. The earlier merge stands (the pointer with the lowest stamp, (counter, replica),
  the same at every office); the talent merged away by the latest merge of the cycle lives again. A chain
  of merges leads on to its last live talent.
- An edit made elsewhere to the merged-away talent, concurrent with the merge, shows as a version
  `deleted = 0` beside the merge's `deleted = 1`. The fields that edit wrote are written to the survivor,
  and the tombstone's `deleted` is written again, having seen both: the merge is not a conflict for a
  person.
- A call or request that still names a merged-away talent is moved to the survivor.

Each step writes only what is not yet so, so offices that settle the same state concurrently write the
same values, and settling a settled state writes nothing. Records with a conflict a person must settle
first are left until it is settled (a later import settles them).
"""

from __future__ import annotations

import json
from typing import Any

from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.storage.merge import has_merge_pointer
from dongwu_tui.sync import identity, merge

# The talent's own fields an edit can write (bookkeeping columns, the tombstone and its pointer excepted).
FORWARDED = ["name", "name_pinyin", "name_initials", "phone", "id_kind", "id_number", "category_code",
             "level_code", "enterprise_id", "township_code", "specialist_id", "card_no", "notes"]


def settle(office: OfficeDatabase) -> int:
    """Settle the merges this office holds; run inside the import's write transaction with capture on.
    Returns the number of records written."""
    if not has_merge_pointer(office) or not identity.has_sync(office):
        return 0
    written = _break_cycles(office)
    pointers = _pointers(office)
    for talent_id in sorted(pointers):
        survivor = final_survivor(pointers, talent_id)
        if survivor is None or not _held(office, survivor):
            continue
        written += _settle_tombstone(office, talent_id, survivor)
        if pointers[talent_id] != survivor and not _conflicted(office, "talent", talent_id):
            office.db.execute_sql("UPDATE talent SET merged_into_id = ? WHERE id = ?", (survivor, talent_id))
            written += 1
    pointers = _pointers(office)
    for table in ("call", "service_request"):
        for rid, talent_id in office.db.execute_sql(
                f'SELECT id, talent_id FROM "{table}" WHERE talent_id IN '
                "(SELECT id FROM talent WHERE merged_into_id IS NOT NULL)").fetchall():
            survivor = final_survivor(pointers, talent_id)
            if survivor and _held(office, survivor) and not _conflicted(office, table, rid):
                office.db.execute_sql(f'UPDATE "{table}" SET talent_id = ? WHERE id = ?', (survivor, rid))
                written += 1
    return written


def final_survivor(pointers: dict[str, str], talent_id: str) -> str | None:
    """Where a chain of merges from `talent_id` ends; None for a cycle."""
    seen = {talent_id}
    current = pointers.get(talent_id)
    while current in pointers:
        if current in seen:
            return None
        seen.add(current)
        current = pointers[current]
    return current


def _pointers(office: OfficeDatabase) -> dict[str, str]:
    return {tid: target for tid, target in office.db.execute_sql(
        "SELECT id, merged_into_id FROM talent WHERE merged_into_id IS NOT NULL")}


def _held(office: OfficeDatabase, talent_id: str) -> bool:
    return office.db.execute_sql("SELECT 1 FROM talent WHERE id = ?", (talent_id,)).fetchone() is not None


def _conflicted(office: OfficeDatabase, table: str, rid: str, fields: tuple[str, ...] = ()) -> bool:
    """A conflict a person must settle on the record (other than on the fields named)."""
    rows = office.db.execute_sql("SELECT field FROM sync_sibling WHERE tbl = ? AND id = ? AND open = 1",
                                 (table, rid)).fetchall()
    return any(field not in fields for (field,) in rows)


def _state(office: OfficeDatabase, talent_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    vv_text, stamps_text = office.db.execute_sql(
        "SELECT vv, stamps FROM sync_row WHERE tbl = 'talent' AND id = ?", (talent_id,)).fetchone()
    siblings = {f: json.loads(v) for f, v in office.db.execute_sql(
        "SELECT field, versions FROM sync_sibling WHERE tbl = 'talent' AND id = ?", (talent_id,))}
    return json.loads(vv_text), json.loads(stamps_text), siblings


def _pointer_stamp(office: OfficeDatabase, talent_id: str) -> tuple[int, str]:
    _, stamps, siblings = _state(office, talent_id)
    target = office.db.execute_sql("SELECT merged_into_id FROM talent WHERE id = ?", (talent_id,)).fetchone()[0]
    top = merge.versions_of("merged_into_id", target, stamps, siblings)[0]
    return int(top[2]), str(top[1])


def _break_cycles(office: OfficeDatabase) -> int:
    pointers = _pointers(office)
    written = 0
    done: set[str] = set()
    for start in sorted(pointers):
        if start in done or final_survivor(pointers, start) is not None:
            continue
        cycle = [start]
        while pointers[cycle[-1]] != start:
            cycle.append(pointers[cycle[-1]])
        done.update(cycle)
        latest = max(cycle, key=lambda tid: _pointer_stamp(office, tid))
        _write_settled(office, latest, {"deleted": 0, "merged_into_id": None})
        written += 1
    return written


def _settle_tombstone(office: OfficeDatabase, talent_id: str, survivor: str) -> int:
    """Forward to the survivor the fields of edits the merge had not seen, then make the tombstone whole."""
    db = office.db
    deleted = db.execute_sql("SELECT deleted FROM talent WHERE id = ?", (talent_id,)).fetchone()[0]
    vv, stamps, siblings = _state(office, talent_id)
    versions = siblings.get("deleted") or merge.versions_of("deleted", deleted, stamps, {})
    unseen = {(str(v[1]), int(v[2])) for v in versions if not v[0]}
    if not unseen:
        return 0
    if _conflicted(office, "talent", talent_id, ("deleted",)):
        return 0
    row = db.execute_sql(f"SELECT {', '.join(FORWARDED)} FROM talent WHERE id = ?", (talent_id,)).fetchone()
    forwarded: dict[str, Any] = {}
    for field, value in zip(FORWARDED, row, strict=True):
        for version in merge.versions_of(field, value, stamps, siblings):
            if (str(version[1]), int(version[2])) in unseen:
                forwarded[field] = version[0]
                break
    written = 0
    if forwarded:
        if _conflicted(office, "talent", survivor):
            return 0
        current = db.execute_sql(f"SELECT {', '.join(forwarded)} FROM talent WHERE id = ?", (survivor,)).fetchone()
        changes = {f: v for (f, v), now in zip(forwarded.items(), current, strict=True) if v != now}
        if changes:
            db.execute_sql(f"UPDATE talent SET {', '.join(f'{f} = ?' for f in changes)} WHERE id = ?",
                           (*changes.values(), survivor))
            written += 1
    _write_settled(office, talent_id, {"deleted": 1})
    return written + 1


def _write_settled(office: OfficeDatabase, talent_id: str, fields: dict[str, Any]) -> None:
    """A write that has seen every version of `fields` (as a resolved conflict is, sync/conflicts.py):
    made with capture off, so a tombstone's `deleted` conflict does not stop it, and stamped here."""
    db = office.db
    db.execute_sql("UPDATE sync_state SET capture = 0 WHERE one = 1")
    db.execute_sql(f"UPDATE talent SET {', '.join(f'{f} = ?' for f in fields)} WHERE id = ?",
                   (*fields.values(), talent_id))
    replica, counter = identity.next_write(office)
    vv, stamps, _ = _state(office, talent_id)
    vv[replica] = counter
    for name in fields:
        stamps[name] = [replica, counter]
    db.execute_sql("UPDATE sync_row SET vv = ?, stamps = ? WHERE tbl = 'talent' AND id = ?",
                   (json.dumps(vv), json.dumps(stamps), talent_id))
    db.execute_sql(f"DELETE FROM sync_sibling WHERE tbl = 'talent' AND id = ? "
                   f"AND field IN ({', '.join('?' * len(fields))})", (talent_id, *fields))
    db.execute_sql("UPDATE sync_state SET capture = 1 WHERE one = 1")
