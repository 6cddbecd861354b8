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
same values, and settling a settled state writes nothing. The writes are made the way a resolved conflict
is (sync/conflicts.py): stamped here with capture off, so a record's open conflict on other fields does
not stop them; a field that is itself in an open conflict is left to the person who settles it.
"""

from __future__ import annotations

import json
from typing import Any

from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.storage.merge import has_merge_pointer
from dongwu_tui.sync import identity, merge
from dongwu_tui.sync.partition import partition_of

# The talent's own fields an edit can write (bookkeeping columns, the tombstone and its pointer excepted).
FORWARDED = ["name", "name_pinyin", "name_initials", "phone", "id_kind", "id_number", "category_code",
             "level_code", "enterprise_id", "township_code", "specialist_id", "card_no", "notes"]


def settle(office: OfficeDatabase) -> int:
    """Settle the merges this office holds; run inside the import's write transaction, after the capture
    triggers are back. Returns the number of records written."""
    if not has_merge_pointer(office) or not identity.has_sync(office):
        return 0
    written = _break_cycles(office)
    pointers = _pointers(office)
    for talent_id in sorted(pointers):
        survivor = final_survivor(pointers, talent_id)
        if survivor is None or not _held(office, survivor):
            continue
        written += _settle_tombstone(office, talent_id, survivor)
        if pointers[talent_id] != survivor:
            written += _write(office, "talent", talent_id, {"merged_into_id": survivor})
    pointers = _pointers(office)
    for table in ("call", "service_request"):
        for rid, talent_id in office.db.execute_sql(
                f'SELECT id, talent_id FROM "{table}" WHERE talent_id IN '
                "(SELECT id FROM talent WHERE merged_into_id IS NOT NULL)").fetchall():
            survivor = final_survivor(pointers, talent_id)
            if survivor and _held(office, survivor):
                written += _write(office, table, rid, {"talent_id": survivor})
    return written + _repartition_calls(office, set(pointers.values()))


def _repartition_calls(office: OfficeDatabase, survivors: set[str]) -> int:
    """A call without a request lies in its talent's township as the office that wrote it saw it. A call
    moved to a survivor by an office that had not yet heard the survivor moved would stay in the old
    township at some offices while others, merging it, place it by their newer knowledge: an office that
    holds the survivor places such a call anew, as one write of its own (nothing else changes)."""
    written = 0
    for talent_id in sorted(survivors):
        township = office.db.execute_sql("SELECT township_code FROM talent WHERE id = ?", (talent_id,)).fetchone()
        if township is None:
            continue
        for rid, part, vv_text in office.db.execute_sql(
                "SELECT c.id, r.part, r.vv FROM call c JOIN sync_row r ON r.tbl = 'call' AND r.id = c.id "
                "WHERE c.talent_id = ? AND c.request_id IS NULL AND r.part <> ?",
                (talent_id, township[0] or "")).fetchall():
            vv = json.loads(vv_text)
            replica, counter = identity.next_write(office)
            vv[replica] = counter
            office.db.execute_sql("UPDATE sync_row SET vv = ?, part = ? WHERE tbl = 'call' AND id = ?",
                                  (json.dumps(vv), township[0] or "", rid))
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


def _state(office: OfficeDatabase, table: str, rid: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    vv_text, stamps_text = office.db.execute_sql(
        "SELECT vv, stamps FROM sync_row WHERE tbl = ? AND id = ?", (table, rid)).fetchone()
    siblings = {f: json.loads(v) for f, v in office.db.execute_sql(
        "SELECT field, versions FROM sync_sibling WHERE tbl = ? AND id = ?", (table, rid))}
    return json.loads(vv_text), json.loads(stamps_text), siblings


def _pointer_stamp(office: OfficeDatabase, talent_id: str) -> tuple[int, str]:
    _, stamps, siblings = _state(office, "talent", talent_id)
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
        written += _write(office, "talent", latest, {"deleted": 0, "merged_into_id": None},
                          settles=("deleted", "merged_into_id"))
    return written


def _settle_tombstone(office: OfficeDatabase, talent_id: str, survivor: str) -> int:
    """Forward to the survivor the fields of edits the merge had not seen, then make the tombstone whole."""
    db = office.db
    deleted = db.execute_sql("SELECT deleted FROM talent WHERE id = ?", (talent_id,)).fetchone()[0]
    _, stamps, siblings = _state(office, "talent", talent_id)
    versions = siblings.get("deleted") or merge.versions_of("deleted", deleted, stamps, {})
    unseen = {(str(v[1]), int(v[2])) for v in versions if not v[0]}
    if not unseen:
        return 0
    row = db.execute_sql(f"SELECT {', '.join(FORWARDED)} FROM talent WHERE id = ?", (talent_id,)).fetchone()
    forwarded: dict[str, Any] = {}
    for field, value in zip(FORWARDED, row, strict=True):
        for version in merge.versions_of(field, value, stamps, siblings):
            if (str(version[1]), int(version[2])) in unseen:
                forwarded[field] = version[0]
                break
    written = _write(office, "talent", survivor, forwarded) if forwarded else 0
    return written + _write(office, "talent", talent_id, {"deleted": 1}, settles=("deleted",))


def _write(office: OfficeDatabase, table: str, rid: str, fields: dict[str, Any], settles: tuple[str, ...] = ()) -> int:
    """Write `fields` of a record as one write of this replica that has seen every version of them, the
    way the capture trigger stamps an edit (an edit of a live record also stamps `deleted`). A field that
    already holds the value is left out unless it has concurrent versions to settle, and so is a field in
    an open conflict unless this rule settles it (`settles`); returns 1 if anything was written."""
    db = office.db
    vv, stamps, siblings = _state(office, table, rid)
    open_fields = {f for f, versions in siblings.items() if merge.is_open(f, versions)}
    cols = [row[1] for row in db.execute_sql(f'PRAGMA table_info("{table}")')]
    values = dict(zip(cols, db.execute_sql(f'SELECT * FROM "{table}" WHERE id = ?', (rid,)).fetchone(),
                      strict=True))
    changes = {f: v for f, v in fields.items() if (f not in open_fields or f in settles)
               and (values[f] != v or (f in settles and f in siblings))}
    if not changes:
        return 0
    stamped = list(changes)
    if "deleted" not in changes and "deleted" not in open_fields and not values["deleted"]:
        stamped.append("deleted")
    db.execute_sql("UPDATE sync_state SET capture = 0 WHERE one = 1")
    db.execute_sql(f'UPDATE "{table}" SET {", ".join(f"{f} = ?" for f in changes)} WHERE id = ?',
                   (*changes.values(), rid))
    replica, counter = identity.next_write(office)
    vv[replica] = counter
    for name in stamped:
        stamps[name] = [replica, counter]
    part = partition_of(office, table, {**values, **changes})
    db.execute_sql("UPDATE sync_row SET vv = ?, stamps = ?, part = ? WHERE tbl = ? AND id = ?",
                   (json.dumps(vv), json.dumps(stamps), part, table, rid))
    db.execute_sql(f"DELETE FROM sync_sibling WHERE tbl = ? AND id = ? "
                   f"AND field IN ({', '.join('?' * len(stamped))})", (table, rid, *stamped))
    db.execute_sql("UPDATE sync_state SET capture = 1 WHERE one = 1")
    return 1
