"""The SQL of who saw what (`access_log`, migration 0015) and of the need-to-know look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peewee import Database

_RECORD_COLUMNS = "a.at, coalesce(s.name, '（未指明）'), a.what, a.place, a.reason, a.subject"


def has_assigned_request(db: Database, talent_id: str, staff_id: str) -> bool:
    """Whether one of the talent's live requests is assigned to this staff member."""
    return db.execute_sql(
        "SELECT 1 FROM service_request WHERE talent_id = ? AND assignee_id = ? AND deleted = 0 LIMIT 1",
        [talent_id, staff_id]).fetchone() is not None


def talents_of_specialist(db: Database, talent_ids: Sequence[str], staff_id: str) -> set[str]:
    """Of these talents, those whose specialist is this staff member."""
    if not talent_ids:
        return set()
    marks = ", ".join("?" for _ in talent_ids)
    return {row[0] for row in db.execute_sql(
        f"SELECT id FROM talent WHERE id IN ({marks}) AND specialist_id = ?", [*talent_ids, staff_id])}


def insert(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows of (id, at, actor_id, talent_id, what, place, reason)."""
    db.cursor().executemany("INSERT INTO access_log (id, at, actor_id, talent_id, what, place, reason) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def insert_export(db: Database, record_id: str, at: str, actor_id: str | None, subject: str, place: str) -> None:
    db.execute_sql("INSERT INTO access_log (id, at, actor_id, talent_id, subject, what, place) "
                   "VALUES (?, ?, ?, NULL, ?, 'export', ?)", [record_id, at, actor_id, subject, place])


def of_talent(db: Database, talent_id: str) -> list[tuple[Any, ...]]:
    """(at, who, what, place, reason, subject) of one person's access records, oldest first. Records of
    the same second (two commands, each its own process and clock) keep the order they were written in:
    `rowid`, as the table stays in the office that wrote it."""
    return list(db.execute_sql(
        f"SELECT {_RECORD_COLUMNS} FROM access_log a LEFT JOIN staff s ON s.id = a.actor_id "
        "WHERE a.talent_id = ? ORDER BY a.at, a.rowid", [talent_id]).fetchall())


def exports(db: Database) -> list[tuple[Any, ...]]:
    """The records of exports not about one person, oldest first."""
    return list(db.execute_sql(
        f"SELECT {_RECORD_COLUMNS} FROM access_log a LEFT JOIN staff s ON s.id = a.actor_id "
        "WHERE a.talent_id IS NULL ORDER BY a.at, a.rowid").fetchall())


def talent_id(db: Database, ref: str) -> str | None:
    """A talent by id or card, erased ones included (their access records stay)."""
    row = db.execute_sql("SELECT id FROM talent WHERE (id = ? OR card_no = ?) ORDER BY deleted LIMIT 1",
                         [ref, ref]).fetchone()
    return str(row[0]) if row is not None else None


def audit_of_talent(db: Database, talent_id: str) -> list[tuple[Any, ...]]:
    """(at, who, action, reason, changes) of the audit entries about one talent, oldest first."""
    return list(db.execute_sql(
        "SELECT a.at, coalesce(s.name, ''), a.action, a.reason, a.changes FROM audit_log a "
        "LEFT JOIN staff s ON s.id = a.actor_id WHERE a.entity = 'talent' AND a.entity_id = ? "
        "ORDER BY a.at, a.rowid", [talent_id]).fetchall())


def ensure_meta(db: Database, key: str, value: str) -> None:
    """Set a meta value unless one is there already."""
    db.execute_sql("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [key, value])
