"""Erasing one person's personal data from an office database (PIPL art. 47), keeping the case facts.

What goes: the talent's name, phone, ID number, card number, enterprise link and notes; the phone and the
free text (summaries, results, reasons) of their calls and requests and of those requests' events; the
changes of the audit entries about them; the search index entry (its update trigger follows the talent
row); their conflicting versions waiting in `sync_sibling`; the copies set aside in `sync_shadow`. What
stays: ids, dates, measures, statuses, townships, categories, specialists: the anonymous facts the
figures count. The talent row stays too, emptied and deleted, so sync keeps a place for it.

The erasure itself is an audit entry (`entity` talent, `action` erase): it carries no personal data and
travels by sync with the talent's partition. `apply_erasures` runs at the end of every import and empties
again any erased person a file brought values for (an older state, or an edit made elsewhere before the
office heard of the erasure), so the erasure wins over every older or concurrent edit at every office.
"""

from __future__ import annotations

from typing import Any

from peewee import Database

ERASED_NAME = "（已删除）"
ERASED_TEXT = "（个人信息已删除）"
ERASE_ACTION = "erase"

# The personal columns of a talent and what they become.
_TALENT_SET = ("name = :name, name_pinyin = '', name_initials = '', phone = '', id_number = NULL, "
               "card_no = NULL, enterprise_id = NULL, notes = '', deleted = 1")
_TALENT_DIRTY = ("(name <> :name OR phone <> '' OR id_number IS NOT NULL OR card_no IS NOT NULL "
                 "OR enterprise_id IS NOT NULL OR notes <> '' OR deleted = 0)")


def _cleared(column: str) -> str:
    return f"{column} = CASE WHEN {column} = '' THEN '' ELSE :text END"


def _dirty(column: str) -> str:
    return f"{column} NOT IN ('', :text)"


_REQUEST_TEXT = ("summary", "resolution", "extension_reason", "return_reason")


def _run(db: Database, sql: str, params: dict[str, Any]) -> int:
    # SQLite's named parameters (:name): one dict for every statement.
    cursor = db.execute_sql(sql, params)
    return max(cursor.rowcount, 0)


def _has_table(db: Database, name: str) -> bool:
    return db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (name,)).fetchone() is not None


def erase_person(db: Database, talent_id: str, *, phone: str | None = None) -> dict[str, int]:
    """Empty one person's personal data (see the module docstring); `phone`, their number before the
    erasure, also empties the calls made from it that were never linked to them. Idempotent."""
    p = {"id": talent_id, "name": ERASED_NAME, "text": ERASED_TEXT, "phone": phone or ""}
    requests = "SELECT id FROM service_request WHERE talent_id = :id"
    calls = "SELECT id FROM call WHERE talent_id = :id OR (:phone <> '' AND phone = :phone)"
    if _has_table(db, "sync_sibling"):
        # A version kept for a person to choose would keep the old value: gone with the rest. Deleted first:
        # a record with an open conflict refuses updates.
        _run(db, "DELETE FROM sync_sibling WHERE (tbl = 'talent' AND id = :id) "
                 f"OR (tbl = 'service_request' AND id IN ({requests})) OR (tbl = 'call' AND id IN ({calls})) "
                 f"OR (tbl = 'request_event' AND id IN (SELECT id FROM request_event WHERE request_id IN ({requests})))"
                 " OR (tbl = 'audit_log' AND id IN (SELECT id FROM audit_log WHERE entity = 'talent' "
                 "AND entity_id = :id))", p)
    done = {"talent": _run(db, f"UPDATE talent SET {_TALENT_SET} WHERE id = :id AND {_TALENT_DIRTY}", p)}
    done["calls"] = _run(db, f"UPDATE call SET phone = '', {_cleared('summary')} WHERE id IN ({calls}) "
                             f"AND (phone <> '' OR {_dirty('summary')})", p)
    done["requests"] = _run(
        db, f"UPDATE service_request SET phone = '', {', '.join(_cleared(c) for c in _REQUEST_TEXT)} "
            f"WHERE talent_id = :id AND (phone <> '' OR {' OR '.join(_dirty(c) for c in _REQUEST_TEXT)})", p)
    done["events"] = _run(db, f"UPDATE request_event SET {_cleared('reason')} WHERE request_id IN ({requests}) "
                              f"AND {_dirty('reason')}", p)
    done["audit"] = _run(db, "UPDATE audit_log SET changes = '{\"erased\":true}', reason = '' "
                             "WHERE entity = 'talent' AND entity_id = :id AND action <> :action "
                             "AND (changes <> '{\"erased\":true}' OR reason <> '')", {**p, "action": ERASE_ACTION})
    if _has_table(db, "sync_shadow"):
        _run(db, "UPDATE sync_shadow SET siblings = '{}', record = json_set(record, '$.name', :name, "
                 "'$.name_pinyin', '', '$.name_initials', '', '$.phone', '', '$.id_number', NULL, '$.card_no', NULL, "
                 "'$.enterprise_id', NULL, '$.notes', '', '$.deleted', 1) "
                 "WHERE tbl = 'talent' AND id = :id AND record <> 'null'", p)
        _run(db, "UPDATE sync_shadow SET siblings = '{}', record = json_set(record, '$.phone', '', '$.summary', :text, "
                 "'$.resolution', '', '$.extension_reason', '', '$.return_reason', '') "
                 f"WHERE tbl IN ('service_request', 'call') AND record <> 'null' "
                 "AND json_extract(record, '$.talent_id') = :id", p)
    if _has_table(db, "access_log"):
        _run(db, "UPDATE access_log SET subject = '已删除' WHERE talent_id = :id AND subject <> '已删除'", p)
    return done


def erased_ids(db: Database) -> list[str]:
    """Every person erased at this office or at an office whose erasure has arrived here."""
    return [row[0] for row in db.execute_sql(
        "SELECT DISTINCT entity_id FROM audit_log WHERE action = 'erase' AND entity = 'talent'")]


def is_erased(db: Database, talent_id: str) -> bool:
    return db.execute_sql("SELECT 1 FROM audit_log WHERE action = 'erase' AND entity = 'talent' "
                          "AND entity_id = ? LIMIT 1", (talent_id,)).fetchone() is not None


def apply_erasures(db: Database) -> int:
    """Empty again every erased person whose data a merge brought back; the number of records emptied."""
    return sum(sum(erase_person(db, talent_id).values()) for talent_id in erased_ids(db))


# --------------------------------------------------------------------------- retention

_OLD_REQUESTS = ("SELECT id FROM service_request WHERE status = 'archived' AND archived_at IS NOT NULL "
                 "AND archived_at < :cutoff")


def expired_counts(db: Database, cutoff: str) -> dict[str, int]:
    """What `anonymise_expired` would empty: archived requests older than `cutoff` still holding personal
    data, and their calls."""
    p = {"cutoff": cutoff, "text": ERASED_TEXT}
    requests = db.execute_sql(
        f"SELECT count(*) FROM service_request WHERE id IN ({_OLD_REQUESTS}) "
        f"AND (phone <> '' OR {' OR '.join(_dirty(c) for c in _REQUEST_TEXT)})", p).fetchone()[0]
    calls = db.execute_sql(f"SELECT count(*) FROM call WHERE request_id IN ({_OLD_REQUESTS}) "
                           f"AND (phone <> '' OR {_dirty('summary')})", p).fetchone()[0]
    return {"requests": int(requests), "calls": int(calls)}


def anonymise_expired(db: Database, cutoff: str) -> dict[str, int]:
    """Empty the phone and free text of archived requests older than `cutoff`, of their events and calls;
    the case facts (dates, measure, status, township, specialist) stay for the figures."""
    p = {"cutoff": cutoff, "text": ERASED_TEXT}
    if _has_table(db, "sync_sibling"):
        _run(db, f"DELETE FROM sync_sibling WHERE (tbl = 'service_request' AND id IN ({_OLD_REQUESTS})) "
                 f"OR (tbl = 'call' AND id IN (SELECT id FROM call WHERE request_id IN ({_OLD_REQUESTS}))) "
                 f"OR (tbl = 'request_event' AND id IN (SELECT id FROM request_event WHERE request_id IN "
                 f"({_OLD_REQUESTS})))", p)
    done = {"requests": _run(
        db, f"UPDATE service_request SET phone = '', {', '.join(_cleared(c) for c in _REQUEST_TEXT)} "
            f"WHERE id IN ({_OLD_REQUESTS}) AND (phone <> '' OR {' OR '.join(_dirty(c) for c in _REQUEST_TEXT)})", p)}
    done["calls"] = _run(db, f"UPDATE call SET phone = '', {_cleared('summary')} WHERE request_id IN "
                             f"({_OLD_REQUESTS}) AND (phone <> '' OR {_dirty('summary')})", p)
    done["events"] = _run(db, f"UPDATE request_event SET {_cleared('reason')} WHERE request_id IN "
                              f"({_OLD_REQUESTS}) AND {_dirty('reason')}", p)
    return done
