"""Which copy of the database this is: the replica id, and a new one when the file was copied or restored.

The replica id lives in the database (meta `replica_id`); a sidecar file next to it records where the
file lives and how far this replica's counter has been shown to other offices. A database found at a
different path or inode (a copy), or whose counter is behind what it already exported (a restored
backup), mints a new replica id, so that two machines never stamp different writes with one identity.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from dongwu_tui.storage.database import OfficeDatabase


def short_replica(replica_id: str) -> str:
    return replica_id.replace("-", "")[:16]


def sidecar_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".replica")


def _home(db_path: Path) -> tuple[str, str]:
    resolved = db_path.resolve()
    return str(resolved), str(os.stat(resolved).st_ino)


def _read_sidecar(db_path: Path) -> dict | None:
    try:
        return json.loads(sidecar_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_sidecar(db_path: Path, replica_id: str, exported: int) -> None:
    path = sidecar_path(db_path)
    tmp = path.with_name(path.name + ".tmp")
    path_text, inode = _home(db_path)
    tmp.write_text(json.dumps({"replica_id": replica_id, "path": path_text, "inode": inode,
                               "exported_counter": exported}), encoding="utf-8")
    os.replace(tmp, path)


def has_sync(office: OfficeDatabase) -> bool:
    return "sync_state" in office.db.get_tables()


def counter(office: OfficeDatabase) -> int:
    return int(office.db.execute_sql("SELECT counter FROM sync_state WHERE one = 1").fetchone()[0])


def replica(office: OfficeDatabase) -> str:
    return str(office.db.execute_sql("SELECT replica FROM sync_state WHERE one = 1").fetchone()[0])


def next_write(office: OfficeDatabase) -> tuple[str, int]:
    """Step this replica's counter for a write made outside the capture triggers (a resolved conflict, a
    merge that counts as a write), as the triggers step it; returns (replica, counter) to stamp it with."""
    office.db.execute_sql("UPDATE sync_state SET counter = max(counter + 1, "
                          "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1")
    rep, count = office.db.execute_sql("SELECT replica, counter FROM sync_state WHERE one = 1").fetchone()
    return str(rep), int(count)


def record_home(office: OfficeDatabase) -> None:
    """Remember where this database lives (called when it is created, inside its transaction)."""
    if not has_sync(office):
        return
    path_text, inode = _home(office.path)
    office.set_meta("replica_path", path_text)
    office.set_meta("replica_inode", inode)
    rid = office.meta("replica_id") or ""
    _write_sidecar(office.path, rid, 0)
    _register(office, short_replica(rid), office.meta("site_id"))


def _register(office: OfficeDatabase, short: str, site_id: str | None) -> None:
    office.db.execute_sql(
        "INSERT OR IGNORE INTO sync_replica (replica, site_id, first_seen) VALUES (?, ?, datetime('now'))",
        (short, site_id))


def ensure_replica(office: OfficeDatabase) -> bool:
    """Check that this file is the replica it says it is; mint a new identity if it is a copy.

    Returns True when a new replica id was minted."""
    if not has_sync(office) or office.meta("site_id") is None:
        return False
    rid = office.meta("replica_id") or ""
    sidecar = _read_sidecar(office.path)
    path_text, inode = _home(office.path)
    recorded_path, recorded_inode = office.meta("replica_path"), office.meta("replica_inode")
    if recorded_path is None:
        with office.write():
            record_home(office)
        return False
    copied = recorded_path != path_text or recorded_inode != inode
    restored = sidecar is None or sidecar.get("replica_id") != rid or counter(office) < int(
        sidecar.get("exported_counter", 0))
    if not (copied or restored):
        return False
    mint_replica(office)
    return True


def held_partitions(office: OfficeDatabase) -> list[str]:
    """Partitions this replica has knowledge of: those of its records, those it was told about, and those
    its records have left or its set-aside copies lie in (migration 0008). So a move out of the last
    record of a partition still advances the receiver's knowledge of it, and a set-aside copy sent
    again (sync/departures.py `shadow_lines`) is acknowledged like any record."""
    departed = office.db.execute_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_departure'").fetchone()
    return [row[0] for row in office.db.execute_sql(
        "SELECT part FROM sync_row GROUP BY part UNION SELECT part FROM sync_knowledge"
        + (" UNION SELECT part FROM sync_departure GROUP BY part UNION SELECT part FROM sync_shadow GROUP BY part"
           if departed else ""))]


def mint_replica(office: OfficeDatabase) -> str:
    """A new replica id; what the old identity wrote stays known as held, under the old id."""
    old_short, old_counter = replica(office), counter(office)
    new_id = str(uuid.uuid4())
    with office.write():
        # Every partition it holds, set-aside copies' included: a copy set aside holds the old identity's
        # writes to it, and once they are claimed the receivers stop asking for it again.
        parts = held_partitions(office)
        for part in parts:
            office.db.execute_sql(
                "INSERT INTO sync_knowledge (part, replica, counter) VALUES (?, ?, ?) "
                "ON CONFLICT (part, replica) DO UPDATE SET counter = max(counter, excluded.counter)",
                (part, old_short, old_counter))
        office.set_meta("replica_id", new_id)
        # A copy (a specialist's laptop) or a restored backup numbers its requests like the office it came
        # from; a tag of its own keeps those numbers from clashing with the original's when they meet.
        office.set_meta("number_tag", new_id.replace("-", "")[:4].upper())
        path_text, inode = _home(office.path)
        office.set_meta("replica_path", path_text)
        office.set_meta("replica_inode", inode)
        _register(office, short_replica(new_id), office.meta("site_id"))
    _write_sidecar(office.path, new_id, 0)
    return new_id


def note_exported(office: OfficeDatabase) -> None:
    """This replica's counter has been shown to another office: a restore below it must re-identify."""
    _write_sidecar(office.path, office.meta("replica_id") or "", counter(office))
