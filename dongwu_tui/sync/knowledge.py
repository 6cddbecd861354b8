"""What a replica holds, per partition, and who subscribes to what.

knowledge[P][R] = n: this replica holds every write of replica R up to counter n to records of
partition P. Its own writes are always held. A file advances knowledge only where the receiver already
held the file's base (no gap), so an old, replayed or mis-based file cannot make it over-claim.
"""

from __future__ import annotations

from typing import Any

from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync.identity import counter, held_partitions, replica

Knowledge = dict[str, dict[str, int]]
EVERYONE = "*"


def subscriptions(kind: str, township_code: str | None) -> set[str] | None:
    """The partitions an office receives: the centre all (None), a township the shared ones and its own."""
    if kind == "district":
        return None
    return {EVERYONE, township_code or ""}


def knowledge(office: OfficeDatabase) -> Knowledge:
    own, now = replica(office), counter(office)
    result: Knowledge = {part: {own: now} for part in held_partitions(office)}
    for part, rep, count in office.db.execute_sql("SELECT part, replica, counter FROM sync_knowledge"):
        if rep != own:
            result.setdefault(part, {own: now})[rep] = count
    return result


def restrict(known: Knowledge, parts: set[str] | None) -> Knowledge:
    return {p: dict(v) for p, v in known.items() if parts is None or p in parts}


def advance(office: OfficeDatabase, base: Knowledge, top: Knowledge, *, gap_check: bool = True) -> list[str]:
    """Raise knowledge to the file's top where the file's base leaves no gap; returns the gapped entries."""
    own = replica(office)
    current: Knowledge = {}
    for part, rep, count in office.db.execute_sql("SELECT part, replica, counter FROM sync_knowledge"):
        current.setdefault(part, {})[rep] = count
    gaps = []
    for part, vector in top.items():
        for rep, count in vector.items():
            if rep == own:
                continue
            have = current.get(part, {}).get(rep, 0)
            needed = base.get(part, {}).get(rep, 0)
            if gap_check and have < needed:
                gaps.append(f"{part}/{rep}")
                continue
            if count > have:
                office.db.execute_sql(
                    "INSERT INTO sync_knowledge (part, replica, counter) VALUES (?, ?, ?) "
                    "ON CONFLICT (part, replica) DO UPDATE SET counter = max(counter, excluded.counter)",
                    (part, rep, int(count)))
    return gaps


def newer_than(vv: dict[str, Any], base: dict[str, int]) -> bool:
    return any(int(c) > base.get(r, 0) for r, c in vv.items())
