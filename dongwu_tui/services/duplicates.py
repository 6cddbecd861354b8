"""Duplicate talents: finding them (exact and likely) and merging two into one (supervisors).

Exact: two live talents with the same resident ID number or the same card number. Likely: the same phone
and a similar name (compared as written and as pinyin, so 张伟 / 張偉 / Zhang Wei meet), or the same
name at the same enterprise. The merge itself is storage.merge's rule, shared with sync.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.domain.pinyin import pinyin_keys
from dongwu_tui.domain.roles import Role

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

# Names at least this similar (0–100, rapidfuzz's ratio, as written or as pinyin) on one phone are likely one
# person: 张伟/张玮 (same pinyin), 欧阳娜娜/欧阳娜 (86), not 张伟/李娜.
LIKELY_SCORE = 80
MERGE_FIELDS = {
    "name": ("姓名",), "phone": ("手机", "电话"), "id_number": ("身份证号", "证件号码", "证件"),
    "category_code": ("人才类别", "类别"), "level_code": ("人才工程层级", "层级"),
    "enterprise_id": ("企业",), "township_code": ("所属板块", "板块"), "specialist_id": ("专员", "联系专员"),
    "card_no": ("东吴人才卡号", "卡号", "人才卡"), "notes": ("备注",),
}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    kind: str  # exact | likely
    reason: str
    score: int  # 100 for exact
    talents: list[tuple[str, str, str | None]]  # (id, name, card_no)


def _spelling(name: str, pinyin: str) -> str:
    return re.sub(r"[^a-z]", "", (pinyin or pinyin_keys(name)[0]).lower())


def find_duplicates(desk: Desk) -> list[DuplicateGroup]:
    desk.require(Role.SUPERVISOR, action="查看重复登记的人才")
    from rapidfuzz import fuzz  # kept off the start-up path

    db = desk.office.db
    groups: list[DuplicateGroup] = []
    exact_pairs: set[frozenset[str]] = set()
    for field, label, extra in (("id_number", "身份证号相同", "AND id_kind = 'resident'"), ("card_no", "卡号相同", "")):
        members: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        for value, tid, name, card in db.execute_sql(
                f"SELECT {field}, id, name, card_no FROM talent WHERE deleted = 0 AND {field} IN ("
                f"SELECT {field} FROM talent WHERE deleted = 0 AND {field} IS NOT NULL AND {field} <> '' {extra} "
                f"GROUP BY {field} HAVING count(*) > 1) {extra} ORDER BY id"):
            members[value].append((tid, name, card))
        for talents in members.values():
            ids = [t[0] for t in talents]
            exact_pairs |= {frozenset((a, b)) for a in ids for b in ids if a != b}
            groups.append(DuplicateGroup("exact", label, 100, talents))
    likely: list[DuplicateGroup] = []
    for key, label, sql in (
            ("phone", "手机相同、姓名相近",
             "SELECT phone, id, name, name_pinyin, card_no FROM talent WHERE deleted = 0 AND phone IN ("
             "SELECT phone FROM talent WHERE deleted = 0 GROUP BY phone HAVING count(*) > 1) ORDER BY id"),
            ("enterprise", "同一企业、姓名相同",
             "SELECT name || '/' || enterprise_id, id, name, name_pinyin, card_no FROM talent WHERE deleted = 0 "
             "AND enterprise_id IS NOT NULL AND (name, enterprise_id) IN (SELECT name, enterprise_id FROM talent "
             "WHERE deleted = 0 AND enterprise_id IS NOT NULL GROUP BY name, enterprise_id HAVING count(*) > 1) "
             "ORDER BY id")):
        members2: dict[str, list[tuple[str, str, str, str | None]]] = defaultdict(list)
        for value, tid, name, pinyin, card in db.execute_sql(sql):
            members2[value].append((tid, name, pinyin, card))
        for talents2 in members2.values():
            for i, a in enumerate(talents2):
                for b in talents2[i + 1:]:
                    if frozenset((a[0], b[0])) in exact_pairs:
                        continue
                    score = int(max(fuzz.ratio(a[1], b[1]),
                                    fuzz.ratio(_spelling(a[1], a[2]), _spelling(b[1], b[2]))))
                    if score >= LIKELY_SCORE:
                        likely.append(DuplicateGroup("likely", label, score,
                                                     [(a[0], a[1], a[3]), (b[0], b[1], b[3])]))
    likely.sort(key=lambda g: (-g.score, g.talents[0][0]))
    return groups + likely


def _field(name: str) -> str:
    name = name.strip()
    for key, labels in MERGE_FIELDS.items():
        if name == key or name in labels:
            return key
    choices = "、".join(labels[0] for labels in MERGE_FIELDS.values())
    raise ValidationFailed(f"「{name}」不是可选取的字段，可选：{choices}。")


def merge_talents(desk: Desk, keep_ref: str, other_ref: str, *, take: list[str] | None = None,
                  reason: str = "") -> dict[str, Any]:
    """Keep `keep_ref`, with the fields named in `take` from `other_ref`; the other's calls and requests
    move to it and the other becomes a tombstone pointing to it."""
    from dongwu_tui.domain.safetext import check_text
    from dongwu_tui.storage.identity import identity_clash
    from dongwu_tui.storage.merge import merge_talent_rows

    actor = desk.require(Role.SUPERVISOR, action="合并人才")
    check_text(reason, "合并原因", multiline=True)
    keep, other = desk.talents.get(keep_ref), desk.talents.get(other_ref)
    if keep.id == other.id:
        raise ValidationFailed("保留的人才和并入的人才是同一条记录。")
    fields = [_field(name) for name in take or []]
    if "id_number" in fields:
        fields.append("id_kind")
    row = desk.office.db.execute_sql(
        f"SELECT {', '.join(MERGE_FIELDS)}, id_kind FROM talent WHERE id = ?", (other.id,)).fetchone()
    theirs = dict(zip([*MERGE_FIELDS, "id_kind"], row, strict=True))
    took = {k: theirs[k] for k in dict.fromkeys(fields)}
    at = desk.clock()
    why = reason or "合并重复登记"
    before: dict[str, Any] = {}
    with desk.office.write():
        changes = merge_talent_rows(desk.office, keep.id, other.id, at=at, actor_id=actor.id, reason=why)
        if took:
            current = desk.office.db.execute_sql(
                f"SELECT {', '.join(took)} FROM talent WHERE id = ?", (keep.id,)).fetchone()
            before = dict(zip(took, current, strict=True))
            took = {k: v for k, v in took.items() if before[k] != v}
        if took:
            clash = identity_clash(desk.office.tables, id_kind=took.get("id_kind", keep.id_kind.value),
                                   id_number=took.get("id_number"), card_no=took.get("card_no"), exclude_id=keep.id)
            if clash is not None:
                raise ValidationFailed(clash.message)
            sets = dict(took)
            if "name" in sets:
                sets["name_pinyin"], sets["name_initials"] = pinyin_keys(sets["name"])
            desk.office.db.execute_sql(
                f"UPDATE talent SET {', '.join(f'{k} = ?' for k in sets)}, updated_at = ? WHERE id = ?",
                (*sets.values(), at, keep.id))
        desk.audit("talent", keep.id, "merge", {"merged": other.id, **{k: {"from": before[k], "to": v}
                                                                        for k, v in took.items()}}, why)
    return {"keep": keep.id, "keep_name": keep.name, "other": other.id, "other_name": other.name,
            "calls": changes["calls"], "requests": changes["requests"], "took": sorted(took)}
