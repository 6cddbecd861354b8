"""The conflict inbox: fields changed on two sides, edits against deletes, and request forks.

A conflict is a field whose concurrent versions disagree (`sync_sibling.open`). Each version shows its
value, the office, the person and the time of its write. Resolving is a new local write that has seen
every version, so it supersedes them at every office it reaches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from dongwu_tui.domain import labels
from dongwu_tui.domain.chinatime import from_millis
from dongwu_tui.domain.identifiers import mask_id, mask_phone, mask_text
from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync import identity
from dongwu_tui.sync.errors import SyncRefused

LABEL_COLUMN = {"talent": "name", "enterprise": "name", "service_request": "number", "staff": "name", "site": "name"}
TABLE_LABEL = {"talent": "人才", "enterprise": "企业", "service_request": "工单", "staff": "工作人员", "site": "单位",
               "call": "来电", "request_event": "工单记录", "audit_log": "操作日志",
               "standard_answer": "标准答复", "answer_use": "答复引用", "callback": "回电"}


def field_label(field: str, table: str | None = None) -> str:
    """What a person calls a field that can be in conflict; an unknown column shows its own name."""
    return labels.field_label(field, table)


@dataclass
class ConflictVersion:
    value: Any
    replica: str
    counter: int
    office: str
    person: str
    at: str
    mine: bool
    record_id: str | None = None  # a duplicate's version is a whole talent: this one

    def as_dict(self) -> dict[str, Any]:
        shown = {"value": self.value, "office": self.office, "person": self.person, "at": self.at, "mine": self.mine,
                 "replica": self.replica, "counter": self.counter}
        return shown if self.record_id is None else {**shown, "record_id": self.record_id}


@dataclass
class Conflict:
    id: str
    table: str
    record_id: str
    record: str
    field: str
    kind: str  # edit | delete | fork | duplicate
    versions: list[ConflictVersion]

    @property
    def field_label(self) -> str:
        return field_label(self.field, self.table)

    def masked(self) -> Conflict:
        """The same conflict with phone and ID numbers masked, in their fields and inside free text: for
        everyone who does not need them in full (README: personal data). Resolving takes a version by its
        number, so the stored values are never replaced by these."""
        field = "" if self.kind == "duplicate" else self.field  # a duplicate's value is a name and a number
        return replace(self, versions=[replace(v, value=mask_value(field, v.value)) for v in self.versions])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "table": self.table, "record_id": self.record_id, "record": self.record,
                "field": self.field, "field_label": self.field_label, "kind": self.kind,
                "versions": [v.as_dict() for v in self.versions]}


def mask_value(field: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if field == "phone":
        return mask_phone(value)
    if field == "id_number":
        return mask_id(value)
    return mask_text(value)


def conflict_id(table: str, record_id: str, field: str) -> str:
    return hashlib.sha1(f"{table}/{record_id}/{field}".encode()).hexdigest()[:10]


def _time(counter: int) -> str:
    """When a write was made (its counter is a hybrid logical clock in ms): China time with the offset."""
    return from_millis(counter).replace(microsecond=0).isoformat()


def list_conflicts(office: OfficeDatabase, table: str | None = None) -> list[Conflict]:
    db = office.db
    own_site = office.meta("site_id")
    sites = {sid: name for sid, name in db.execute_sql("SELECT id, name FROM site")}
    replica_site = {r: s for r, s in db.execute_sql("SELECT replica, site_id FROM sync_replica")}
    staff = {sid: name for sid, name in db.execute_sql("SELECT id, name FROM staff")}
    query = "SELECT tbl, id, field, versions FROM sync_sibling WHERE open = 1"
    args: list[Any] = []
    if table:
        query += " AND tbl = ?"
        args.append(table)
    result = []
    for tbl, rid, fld, versions_text in db.execute_sql(query + " ORDER BY detected_at, tbl, id, field", args):
        label_col = LABEL_COLUMN.get(tbl)
        label = None
        if label_col:
            row = db.execute_sql(f'SELECT "{label_col}" FROM "{tbl}" WHERE id = ?', (rid,)).fetchone()
            label = row[0] if row else None
        versions = []
        for value, rep, counter, actor in json.loads(versions_text):
            site_id = replica_site.get(rep)
            versions.append(ConflictVersion(value, rep, int(counter), sites.get(site_id, site_id or "未知单位"),
                                            staff.get(actor, "未知"), _time(int(counter)), site_id == own_site))
        kind = "delete" if fld == "deleted" else "fork" if (tbl, fld) == ("service_request", "status") else "edit"
        result.append(Conflict(conflict_id(tbl, rid, fld), tbl, rid, f"{TABLE_LABEL.get(tbl, tbl)} {label or rid}",
                               fld, kind, versions))
    if table in (None, "talent"):
        result += list_duplicates(office)
    return result


# The numbers that name one person: a resident ID number, a 东吴人才卡 number. (Passport numbers are unique
# only within the issuing country.)
IDENTITY_FIELDS = {"id_number": "id_kind = 'resident' AND id_number IS NOT NULL AND id_number <> ''",
                   "card_no": "card_no IS NOT NULL AND card_no <> ''"}


def _duplicate_sql(field: str, columns: str) -> str:
    """Live talents sharing `field`'s number with a talent registered at another office (a duplicate
    that arrived by sync, or that this office's file sent elsewhere met there)."""
    where = f"deleted = 0 AND {IDENTITY_FIELDS[field]}"
    return (f"SELECT {columns} FROM talent WHERE {where} AND {field} IN "
            f"(SELECT {field} FROM talent WHERE {where} GROUP BY {field} HAVING count(DISTINCT site_id) > 1)")


def list_duplicates(office: OfficeDatabase) -> list[Conflict]:
    """The same person registered at two offices, met here by sync: one conflict per shared number, one
    version per talent, resolved by choosing the talent to keep (`resolve`)."""
    db = office.db
    own_site = office.meta("site_id")
    sites = {sid: name for sid, name in db.execute_sql("SELECT id, name FROM site")}
    staff = {sid: name for sid, name in db.execute_sql("SELECT id, name FROM staff")}
    replica_site = {r: s for r, s in db.execute_sql("SELECT replica, site_id FROM sync_replica")}
    result: list[Conflict] = []
    seen: set[frozenset[str]] = set()
    for field in IDENTITY_FIELDS:
        groups: dict[str, list[tuple[Any, ...]]] = {}
        for row in db.execute_sql(_duplicate_sql(field, f"{field}, id, name, site_id, created_at")
                                  + f" ORDER BY {field}, created_at, id"):
            groups.setdefault(row[0], []).append(row[1:])
        for number, talents in groups.items():
            ids = frozenset(t[0] for t in talents)
            if ids in seen:  # the same two talents share both numbers: one conflict
                continue
            seen.add(ids)
            versions = []
            for rid, name, site_id, created_at in talents:
                stamps_row = db.execute_sql("SELECT stamps FROM sync_row WHERE tbl = 'talent' AND id = ?",
                                            (rid,)).fetchone()
                stamp = json.loads(stamps_row[0]).get("*", [None, 0]) if stamps_row else [None, 0]
                rep, counter = stamp[0], int(stamp[1])
                actor = stamp[2] if len(stamp) > 2 else None
                office_id = site_id or replica_site.get(rep)
                at = _time(counter) if counter else str(created_at)
                versions.append(ConflictVersion(f"{name} {number}", rep or "", counter,
                                                sites.get(office_id, office_id or "未知单位"), staff.get(actor, "未知"),
                                                at, office_id == own_site, rid))
            first = talents[0]
            result.append(Conflict(conflict_id("talent", first[0], f"duplicate/{field}"), "talent", first[0],
                                   f"人才 {first[1]}", field, "duplicate", versions))
    return result


def duplicate_count(office: OfficeDatabase) -> int:
    return len(list_duplicates(office))


def open_conflict_count(office: OfficeDatabase) -> int:
    siblings = int(office.db.execute_sql("SELECT count(*) FROM sync_sibling WHERE open = 1").fetchone()[0])
    return siblings + duplicate_count(office)


def record_in_conflict(office: OfficeDatabase, table: str, record_id: str) -> bool:
    if not identity.has_sync(office):
        return False
    return office.db.execute_sql("SELECT 1 FROM sync_sibling WHERE tbl = ? AND id = ? AND open = 1 LIMIT 1",
                                 (table, record_id)).fetchone() is not None


def find(office: OfficeDatabase, ref: str) -> list[Conflict]:
    """Conflicts by conflict id, or all of one record (by record id or its label, e.g. a request number)."""
    every = list_conflicts(office)
    matches = [c for c in every if c.id == ref or c.record_id == ref or c.record.split(" ", 1)[-1] == ref]
    if not matches:
        raise SyncRefused("no-conflict", f"没有编号或记录为「{ref}」的未处理冲突（dongwu sync conflicts 可查看）。")
    return matches


def choose(conflict: Conflict, take: str | None, value: Any = None) -> Any:
    """The value to write; for a duplicate, the id of the talent to keep."""
    if conflict.kind == "duplicate":
        if value is not None:
            raise SyncRefused("bad-choice", f"冲突 {conflict.id} 是重复登记的人才，请用 --take 序号 选择保留哪一位。")
        chosen = _choose_version(conflict, take)
        return chosen.record_id
    if value is not None:
        return value
    return _choose_version(conflict, take).value


def _choose_version(conflict: Conflict, take: str | None) -> ConflictVersion:
    if take in ("mine", "theirs"):
        picks = [v for v in conflict.versions if v.mine == (take == "mine")]
        if len(picks) == 0:
            raise SyncRefused("bad-choice",
                              f"冲突 {conflict.id} 中没有{'本单位' if take == 'mine' else '其他单位'}的版本。")
        if len({json.dumps(p.value) for p in picks}) > 1:
            raise SyncRefused("bad-choice",
                              f"冲突 {conflict.id} 有多个{'本单位' if take == 'mine' else '其他单位'}的版本，"
                              "请用序号选择。")
        return picks[0]
    if take and take.isdigit() and 1 <= int(take) <= len(conflict.versions):
        return conflict.versions[int(take) - 1]
    raise SyncRefused("bad-choice", "请用 --take mine|theirs|序号 选择一个版本，或用 --value 给出新值。")


def resolve(office: OfficeDatabase, conflict: Conflict, value: Any, actor_id: str | None, at: str) -> None:
    """Write the chosen value as a new local version that has seen every sibling."""
    if conflict.kind == "duplicate":
        merge_duplicates(office, conflict, str(value), actor_id, at)
        return
    db = office.db
    table, rid, fld = conflict.table, conflict.record_id, conflict.field
    extra: dict[str, Any] = {"updated_at": at}
    if table == "talent" and fld == "name":
        from dongwu_tui.domain.pinyin import pinyin_keys

        extra["name_pinyin"], extra["name_initials"] = pinyin_keys(str(value))
    fields = {fld: value, **extra}
    with office.write():
        if conflict.kind == "fork":
            fields.update(_lost_branch_fields(office, conflict, value))
        replica, counter = identity.next_write(office)
        db.execute_sql("UPDATE sync_state SET capture = 0 WHERE one = 1")
        assignments = ", ".join(f'"{c}" = ?' for c in fields)
        db.execute_sql(f'UPDATE "{table}" SET {assignments} WHERE id = ?', [*fields.values(), rid])
        vv_text, stamps_text = db.execute_sql("SELECT vv, stamps FROM sync_row WHERE tbl = ? AND id = ?",
                                              (table, rid)).fetchone()
        vv, stamps = json.loads(vv_text), json.loads(stamps_text)
        vv[replica] = counter
        for name in fields:
            stamps[name] = [replica, counter, actor_id] if actor_id else [replica, counter]
        db.execute_sql("UPDATE sync_row SET vv = ?, stamps = ? WHERE tbl = ? AND id = ?",
                       (json.dumps(vv), json.dumps(stamps), table, rid))
        db.execute_sql("DELETE FROM sync_sibling WHERE tbl = ? AND id = ? "
                       f"AND field IN ({', '.join('?' * len(fields))})",
                       [table, rid, *fields])
        db.execute_sql("UPDATE sync_state SET capture = 1 WHERE one = 1")


def merge_duplicates(office: OfficeDatabase, conflict: Conflict, keep_id: str, actor_id: str | None,
                     at: str) -> None:
    """Keep one talent of a duplicate: the others' calls and requests move to it and they are deleted
    (a tombstone, like every delete), each with an audit entry. Ordinary writes, so they travel."""
    from dongwu_tui.storage.merge import merge_talent_rows

    others = [v.record_id for v in conflict.versions if v.record_id and v.record_id != keep_id]
    with office.write():
        for other in others:
            merge_talent_rows(office, keep_id, other, at=at, actor_id=actor_id,
                              reason="同步发现重复登记，合并到保留的人才")


# What a request move writes besides its status and the clock: the marks of the branch it belongs to
# (lifecycle.py). Assignment and due date are not among them: they are kept by whichever branch wins.
BRANCH_FIELDS = ("return_reason", "signed_at", "resolved_at", "resolution", "direct", "visited_at", "satisfied",
                 "archived_at", "merged_into_id", "extension_days", "extension_reason")


def _lost_branch_fields(office: OfficeDatabase, conflict: Conflict, value: Any) -> dict[str, Any]:
    """A request fork resolved: the branch fields written by a losing move (the very write that set the
    losing status) go back to empty, so a request back in 办理中 carries no 退单 reason of the branch that
    lost. A field the winning side also wrote is its own conflict and is left to it."""
    lost = {(v.replica, v.counter) for v in conflict.versions if v.value != value}
    row = office.db.execute_sql("SELECT stamps FROM sync_row WHERE tbl = ? AND id = ?",
                                (conflict.table, conflict.record_id)).fetchone()
    if not lost or row is None:
        return {}
    stamps = json.loads(row[0])
    siblings = {f for (f,) in office.db.execute_sql("SELECT field FROM sync_sibling WHERE tbl = ? AND id = ?",
                                                    (conflict.table, conflict.record_id))}
    not_null = {name: default for _, name, _, notnull, default, _ in
                office.db.execute_sql(f'PRAGMA table_info("{conflict.table}")') if notnull}
    cleared: dict[str, Any] = {}
    for name in BRANCH_FIELDS:
        stamp = stamps.get(name)
        if name in siblings or not stamp or (stamp[0], int(stamp[1])) not in lost:
            continue
        cleared[name] = _empty(not_null[name]) if name in not_null else None
    return cleared


def _empty(default_sql: str | None) -> Any:
    """A NOT NULL column's declared default (`''`, `0`) as a value."""
    text = (default_sql or "").strip()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    return int(text) if text.lstrip("-").isdigit() else ""


def refuse_if_conflicted(office: OfficeDatabase, table: str, record_id: str) -> None:
    """Services call this before saving a record: a record in conflict waits for a person's choice."""
    if record_in_conflict(office, table, record_id):
        fields = [c.field_label for c in list_conflicts(office, table) if c.record_id == record_id]
        raise SyncRefused("conflicted",
                          f"该{TABLE_LABEL.get(table, '记录')}与其他单位的修改存在冲突（{'、'.join(fields)}），"
                          "须先选定冲突字段的取值（dongwu sync conflicts / sync resolve），本次未保存。")
