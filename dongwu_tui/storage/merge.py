"""Merging two registrations of one talent: the one rule, for a supervisor's merge (services.duplicates)
and for a duplicate that arrives by sync (sync.conflicts).

The calls and requests of the talent merged away move to the survivor (a request's events go with it);
the other becomes a tombstone pointing to the survivor, and talents that pointed to it point on to the
survivor, so a chain of merges ends at one live record. An audit entry on the tombstone records who, when,
why and what moved. Ordinary row writes: the change capture makes them travel like any edit.
"""

from __future__ import annotations

import json
from typing import Any

from dongwu_tui.domain.ids import uuid7
from dongwu_tui.storage.database import OfficeDatabase


def has_merge_pointer(office: OfficeDatabase) -> bool:
    return any(row[1] == "merged_into_id" for row in office.db.execute_sql("PRAGMA table_info(talent)"))


def merge_talent_rows(office: OfficeDatabase, keep_id: str, other_id: str, *, at: Any, actor_id: str | None,
                      reason: str) -> dict[str, Any]:
    """Move `other_id`'s calls and requests to `keep_id` and make it a tombstone pointing there. Run inside
    the caller's write transaction. Returns the audit changes (what moved)."""
    db = office.db
    moved = {}
    for table in ("call", "service_request"):
        moved[table] = db.execute_sql(f'UPDATE "{table}" SET talent_id = ?, updated_at = ? WHERE talent_id = ?',
                                      (keep_id, at, other_id)).rowcount
    if has_merge_pointer(office):
        db.execute_sql("UPDATE talent SET deleted = 1, merged_into_id = ?, updated_at = ? WHERE id = ?",
                       (keep_id, at, other_id))
        db.execute_sql("UPDATE talent SET merged_into_id = ?, updated_at = ? WHERE merged_into_id = ?",
                       (keep_id, at, other_id))
    else:
        db.execute_sql("UPDATE talent SET deleted = 1, updated_at = ? WHERE id = ?", (at, other_id))
    changes = {"merged_into": keep_id, "calls": moved["call"], "requests": moved["service_request"]}
    db.execute_sql(
        "INSERT INTO audit_log (id, site_id, created_at, updated_at, deleted, at, actor_id, entity, "
        "entity_id, action, reason, changes) VALUES (?, ?, ?, ?, 0, ?, ?, 'talent', ?, 'merge', ?, ?)",
        (uuid7(), office.meta("site_id"), at, at, at, actor_id, other_id, reason,
         json.dumps(changes, ensure_ascii=False)))
    return changes


def surviving_id(office: OfficeDatabase, talent_id: str) -> str | None:
    """The live talent a merged-away talent now is, or None when it was not merged."""
    if not has_merge_pointer(office):
        return None
    row = office.db.execute_sql("SELECT merged_into_id FROM talent WHERE id = ? AND deleted = 1",
                                (talent_id,)).fetchone()
    return row[0] if row and row[0] else None
