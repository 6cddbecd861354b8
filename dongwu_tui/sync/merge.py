"""Merging two states of one record, field by field, without ever picking a silent winner.

Each field holds a set of versions `[value, replica, counter, actor]` that are mutually concurrent;
normally one. A record carries a version vector {replica: counter} of every write merged into it. The
merge of two states keeps a version if both sides have it, or if the other side has not seen its write
(the other's vector is below its counter). This is the multi-value register merge: commutative,
associative and idempotent, so files can be applied in any order, any number of times.

Two versions left with different values are a conflict for a person (bookkeeping columns and values
derived from another field excepted: they follow deterministic rules and never ask). The value kept in
the table meanwhile is the version with the highest (counter, replica): the same at every office.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Version = list[Any]  # [value, replica, counter, actor]

# Columns the desk maintains itself: several versions are normal and settled by rule.
BOOKKEEPING = {"updated_at": max, "created_at": min}
HIDDEN = {"updated_at", "created_at", "site_id", "name_pinyin", "name_initials"}


def stamp_of(stamps: dict[str, Any], field: str) -> list[Any]:
    stamp = stamps.get(field)
    return stamp if stamp else stamps["*"]


def versions_of(field: str, value: Any, stamps: dict[str, Any], siblings: dict[str, list[Version]]) -> list[Version]:
    if field in siblings:
        return siblings[field]
    stamp = stamp_of(stamps, field)
    return [[value, stamp[0], stamp[1], stamp[2] if len(stamp) > 2 else None]]


def _key(version: Version) -> tuple[int, str]:
    return (int(version[2]), str(version[1]))


def merge_versions(mine: list[Version], vv_mine: dict[str, int], theirs: list[Version],
                   vv_theirs: dict[str, int]) -> list[Version]:
    mine_keys = {(v[1], int(v[2])) for v in mine}
    theirs_keys = {(v[1], int(v[2])) for v in theirs}
    kept = [v for v in mine if (v[1], int(v[2])) in theirs_keys or vv_theirs.get(v[1], 0) < int(v[2])]
    kept += [v for v in theirs if (v[1], int(v[2])) not in mine_keys and vv_mine.get(v[1], 0) < int(v[2])]
    return sorted(kept, key=_key, reverse=True)


VersionsMerge = Callable[[list[Version], dict[str, int], list[Version], dict[str, int]], list[Version]]


@dataclass(frozen=True)
class MergeRules:
    """How an import merges a record and what it checks of a file's base: the rules above. The import
    takes them as a parameter, so a test can hand in a broken rule and see the property test catch it."""

    merge_versions: VersionsMerge = merge_versions
    gap_check: bool = True  # refuse to claim knowledge a file's base does not cover (knowledge.advance)
    erasure_wins: bool = True  # an erased person stays erased, whatever a file brings (storage/erasure.py)


RULES = MergeRules()


def display_value(field: str, versions: list[Version]) -> Any:
    rule = BOOKKEEPING.get(field)
    if rule is not None and len(versions) > 1:
        present = [v[0] for v in versions if v[0] is not None]
        return rule(present) if present else None
    return versions[0][0]


def is_open(field: str, versions: list[Version]) -> bool:
    if field in HIDDEN or len(versions) < 2:
        return False
    first = versions[0][0]
    return any(v[0] != first for v in versions[1:])


def dominated(vv_in: dict[str, int], vv_local: dict[str, int]) -> bool:
    """Everything in the incoming state is already merged here."""
    return all(vv_local.get(r, 0) >= c for r, c in vv_in.items())


def merge_record(fields: list[str], local: dict[str, Any], incoming: dict[str, Any],
                 merge_field: VersionsMerge = merge_versions) -> dict[str, Any]:
    """Merge two record states; each is {values, stamps, siblings, vv}. Returns the merged state and
    the fields whose stored value changed and the fields that newly need a person."""
    vv_l, vv_i = local["vv"], incoming["vv"]
    values: dict[str, Any] = {}
    stamps: dict[str, Any] = {}
    siblings: dict[str, list[Version]] = {}
    changed: list[str] = []
    opened: list[str] = []
    for field in fields:
        mine = versions_of(field, local["values"][field], local["stamps"], local["siblings"])
        theirs = versions_of(field, incoming["values"][field], incoming["stamps"], incoming["siblings"])
        merged = merge_field(mine, vv_l, theirs, vv_i)
        value = display_value(field, merged)
        values[field] = value
        top = merged[0]
        stamps[field] = [top[1], top[2], top[3]] if top[3] else [top[1], top[2]]
        if len(merged) > 1:
            siblings[field] = merged
            if is_open(field, merged) and not is_open(field, mine):
                opened.append(field)
        if value != local["values"][field]:
            changed.append(field)
    vv = dict(vv_l)
    for replica, counter in vv_i.items():
        if counter > vv.get(replica, 0):
            vv[replica] = counter
    return {"values": values, "stamps": stamps, "siblings": siblings, "vv": vv, "changed": changed,
            "opened": opened}
