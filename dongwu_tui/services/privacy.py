"""Personal data on a need-to-know basis (PIPL minimum use), and who saw what.

Full phone and ID numbers are shown where the work needs them: to whoever takes the call, for the
caller on the line (intake); to a specialist, for the talents of their own caseload and the requests
assigned to them. Everywhere else they are masked, lists included, and so are the numbers written
inside free text (summaries, reasons, notes). A "reveal" with a reason shows one person in full for the
rest of the session and is recorded.

Every view of a person's full numbers (talent page, intake card, unmasked command output) and every
export about a person writes an access record: who, when, whose data, what and where (`access_log`,
migration 0015). Supervisors and administrators read them per person (`dongwu audit --talent CARD`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import StorageError, ValidationFailed
from dongwu_tui.domain.identifiers import mask_id, mask_phone, mask_text
from dongwu_tui.domain.roles import Role
from dongwu_tui.storage import access
from dongwu_tui.storage.database import translated_errors

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

# Fields that hold a phone or ID number, wherever they appear in an audit entry's changes.
NUMBER_FIELDS = {"phone": "phone", "id_number": "id"}
AUDIT_KEY = "audit_hash_key"

# What an access record says was shown.
WHAT_LABELS = {"numbers": "查看完整号码", "reveal": "申请显示完整号码", "export": "导出", "erase": "删除个人信息",
               "subject_export": "导出个人全部信息"}
ERASED_SUBJECT = "已删除"


@dataclass(frozen=True)
class AccessRecord:
    at: datetime
    actor: str
    what: str
    place: str
    reason: str
    subject: str

    @property
    def what_label(self) -> str:
        return WHAT_LABELS.get(self.what, self.what)


class PrivacyService:
    """Whether this desk's person may see one record's numbers in full, and the record of each view."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.revealed: set[str] = set()  # talents shown in full after a reveal, for this session

    # -- need to know -----------------------------------------------------------------------------

    def needs_numbers(self, *, talent_id: str | None = None, specialist_id: str | None = None,
                      assignee_id: str | None = None, caller: bool = False) -> bool:
        """True when the acting person's work needs this record's full numbers."""
        actor = self.desk.actor
        if actor is None or not actor.active:
            return False
        if caller or (talent_id is not None and talent_id in self.revealed):
            return True
        if actor.role is Role.SPECIALIST:
            return actor.id in (specialist_id, assignee_id)
        return False

    def talent_needs_numbers(self, talent_id: str, specialist_id: str | None) -> bool:
        """A talent in full for their specialist, for a specialist with one of their requests, after a reveal."""
        if self.needs_numbers(talent_id=talent_id, specialist_id=specialist_id):
            return True
        actor = self.desk.actor
        if actor is None or actor.role is not Role.SPECIALIST or not actor.active:
            return False
        with translated_errors():
            return access.has_assigned_request(self.desk.office.db, talent_id, actor.id)

    def own_talents(self, talent_ids: Iterable[str | None]) -> set[str]:
        """Of these talents, those whose numbers this person may see in full (one query)."""
        ids = sorted({t for t in talent_ids if t})
        actor = self.desk.actor
        shown = {t for t in ids if t in self.revealed}
        if not ids or actor is None or actor.role is not Role.SPECIALIST or not actor.active:
            return shown
        with translated_errors():
            return shown | access.talents_of_specialist(self.desk.office.db, ids, actor.id)

    @staticmethod
    def phone(value: str | None, full: bool) -> str:
        if not value:
            return ""
        return value if full else mask_phone(value)

    @staticmethod
    def id_number(value: str | None, full: bool) -> str:
        if not value:
            return ""
        return value if full else mask_id(value)

    @staticmethod
    def text(value: str | None, full: bool) -> str:
        """Free text with the ID and phone numbers inside it masked unless shown in full."""
        if not value:
            return value or ""
        return value if full else mask_text(value)

    # -- reveal and access records ------------------------------------------------------------------

    def reveal(self, talent_id: str, reason: str, place: str) -> None:
        """Show this person's numbers in full for the rest of the session, with a reason; recorded."""
        from dongwu_tui.domain.safetext import check_text

        self.desk.require(action="显示完整号码")
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed("显示完整号码须填写原因。")
        check_text(reason, "原因", multiline=False)
        self.record([talent_id], "reveal", place, reason)
        self.revealed.add(talent_id)

    def record(self, talent_ids: Iterable[str], what: str, place: str, reason: str = "") -> None:
        """One access record per person: who, when, whose data, what, where and why."""
        ids = list(dict.fromkeys(t for t in talent_ids if t))
        if not ids:
            return
        desk = self.desk
        at = desk.clock()
        actor_id = desk.actor.id if desk.actor else None
        rows = [(desk.new_id(at), str(at), actor_id, talent_id, what, place, reason) for talent_id in ids]
        with desk.office.write():
            access.insert(desk.office.db, rows)

    def record_export(self, place: str, subject: str, *, masked: bool = False) -> None:
        """An export that is not about one person (a sync file, a roster, a report): one record, with its
        scope. `masked`: the export holds no number in full (a report), so a database open read-only,
        where nothing can be recorded, still gives it."""
        desk = self.desk
        at = desk.clock()
        try:
            with desk.office.write():
                access.insert_export(desk.office.db, desk.new_id(at), str(at), desk.actor.id if desk.actor else None,
                                     subject, place)
        except StorageError as error:
            if not (masked and "只读" in str(error)):
                raise

    def exports(self) -> list[AccessRecord]:
        """The exports not about one person (sync files, reports), oldest first."""
        self.desk.require(Role.SUPERVISOR, Role.ADMIN, action="查看个人信息访问记录")
        from dongwu_tui.storage.convert import _dt

        with translated_errors():
            rows = access.exports(self.desk.office.db)
        return [AccessRecord(_dt(at) or datetime.min, who, what, place, reason, subject)
                for at, who, what, place, reason, subject in rows]

    def accesses(self, ref: str) -> list[AccessRecord]:
        """Who saw or exported this person's data, oldest first: for supervisors and administrators."""
        self.desk.require(Role.SUPERVISOR, Role.ADMIN, action="查看个人信息访问记录")
        talent_id = self._talent_id(ref)
        with translated_errors():
            rows = access.of_talent(self.desk.office.db, talent_id)
        from dongwu_tui.storage.convert import _dt

        return [AccessRecord(_dt(at) or datetime.min, who, what, place, reason, subject)
                for at, who, what, place, reason, subject in rows]

    def erase(self, ref: str, reason: str) -> dict[str, int]:
        """Erase one person's personal data at this office; the erasure travels by sync (PIPL art. 47)."""
        return erase(self.desk, ref, reason)

    def subject_export(self, ref: str, place: str) -> dict[str, Any]:
        return subject_export(self.desk, ref, place)

    def retention(self, *, dry_run: bool) -> dict[str, Any]:
        return retention(self.desk, dry_run=dry_run)

    def _talent_id(self, ref: str) -> str:
        """A talent by id or card, erased ones included (their access records stay)."""
        with translated_errors():
            found = access.talent_id(self.desk.office.db, ref.strip())
        return found if found is not None else self.desk.talents.get(ref).id


# --------------------------------------------------------------------------- erasure, subject access, retention


def erase(desk: Desk, ref: str, reason: str) -> dict[str, int]:
    from dongwu_tui.domain.safetext import check_text
    from dongwu_tui.storage import erasure

    desk.require(Role.SUPERVISOR, action="删除个人信息")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("删除个人信息须填写原因（--reason）。")
    check_text(reason, "删除原因", multiline=False)
    talent = desk.talents.get(ref)
    with desk.office.write():
        # The erasure's audit entry is the tombstone that sync carries: no personal data in it.
        desk.audit("talent", talent.id, erasure.ERASE_ACTION, {"erased": True}, reason)
        desk.privacy.record([talent.id], "erase", "dongwu talent erase", mask_text(reason))
        done = erasure.erase_person(desk.office.db, talent.id, phone=talent.phone)
    return done


def subject_export(desk: Desk, ref: str, place: str) -> dict[str, Any]:
    """Everything this office holds about one person (subject access), in full; the export is recorded."""
    import json

    desk.require(Role.SUPERVISOR, Role.ADMIN, action="导出个人全部信息")
    file = desk.talents.file(ref, limit=100_000)
    talent = file.talent
    with translated_errors():
        audit = access.audit_of_talent(desk.office.db, talent.id)
    accesses = desk.privacy.accesses(talent.id)
    desk.privacy.record([talent.id], "subject_export", place)

    def iso(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "talent": {"id": talent.id, "name": talent.name, "phone": talent.phone, "id_kind": talent.id_kind.value,
                   "id_number": talent.id_number, "card_no": talent.card_no, "category": talent.category_code,
                   "level": talent.level_code, "enterprise": talent.enterprise_name,
                   "township": talent.township_code, "specialist": talent.specialist_name, "notes": talent.notes,
                   "created_at": iso(talent.created_at), "updated_at": iso(talent.updated_at)},
        "calls": [{"at": iso(c.at), "direction": c.direction.value, "phone": c.phone, "summary": c.summary,
                   "measure": c.measure, "outcome": c.outcome.value} for c in file.calls],
        "requests": [{"number": r.number, "measure": r.measure, "status": r.status.value, "phone": r.phone,
                      "summary": r.summary, "opened_at": iso(r.opened_at), "resolution": r.resolution,
                      "events": [{"at": iso(e.at), "action": e.action, "by": e.actor_name, "reason": e.reason}
                                 for e in r.events]}
                     for r in (desk.requests.get(r.id) for r in file.requests)],
        "audit": [{"at": str(at), "by": who, "action": action, "reason": reason, "changes": json.loads(changes)}
                  for at, who, action, reason, changes in audit],
        "accesses": [{"at": iso(a.at), "by": a.actor, "what": a.what_label, "place": a.place, "reason": a.reason}
                     for a in accesses],
    }


def retention(desk: Desk, *, dry_run: bool) -> dict[str, Any]:
    """Anonymise archived requests older than the data file's `archived_years` (data/retention.toml)."""
    from datetime import timedelta

    from dongwu_tui.storage import erasure
    from dongwu_tui.storage.catalogue import read_data_file

    if not dry_run or desk.actor is not None:
        desk.require(Role.SUPERVISOR, Role.ADMIN, action="按保存期限匿名化工单")
    years = read_data_file("retention.toml").get("archived_years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise ValidationFailed("retention.toml 的 archived_years 应为不小于 1 的整数。")
    today = desk.clock().date()
    try:
        cutoff_day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff_day = today.replace(year=today.year - years, day=28) + timedelta(days=1)
    cutoff = cutoff_day.isoformat()
    db = desk.office.db
    with translated_errors():
        counts = erasure.expired_counts(db, cutoff)
    if not dry_run and (counts["requests"] or counts["calls"]):
        with desk.office.write():
            erasure.anonymise_expired(db, cutoff)
            desk.audit("site", desk.site_id, "retention", {"archived_before": cutoff, **counts},
                       reason=f"保存期限 {years} 年")
    return {"archived_years": years, "cutoff": cutoff, "dry_run": dry_run, **counts}


# --------------------------------------------------------------------------- the audit log


def audit_key(desk: Desk) -> bytes:
    """This office's secret for the audit log's keyed hashes (made on first use, kept in `meta`)."""
    key = desk.office.meta(AUDIT_KEY)
    if key is None:
        key = secrets.token_hex(32)
        access.ensure_meta(desk.office.db, AUDIT_KEY, key)
        key = desk.office.meta(AUDIT_KEY) or key
    return key.encode()


def keyed_hash(key: bytes, value: str) -> str:
    """Equal for equal numbers, useless for finding the number: enough to tell whether it changed."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


def _masked(kind: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    return mask_phone(value) if kind == "phone" else mask_id(value)


def _redact_value(desk: Desk, kind: str, value: Any) -> Any:
    if isinstance(value, dict) and {"from", "to"} & value.keys():
        key = audit_key(desk)
        redacted = {side: _masked(kind, value.get(side)) for side in ("from", "to") if side in value}
        redacted["hash"] = {side: keyed_hash(key, str(value[side])) if value.get(side) else None
                            for side in ("from", "to") if side in value}
        return redacted
    return _masked(kind, value)


def redact_changes(desk: Desk, changes: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's changes with no phone or ID number in clear: each number field masked (a change
    keeps a keyed hash of both sides), a conflict resolution's values of such a field masked, and the numbers
    written inside any other text masked."""
    redacted: dict[str, Any] = {}
    number_kind = NUMBER_FIELDS.get(str(changes.get("field", "")))
    for name, value in changes.items():
        kind = NUMBER_FIELDS.get(name)
        if kind is not None:
            redacted[name] = _redact_value(desk, kind, value)
        elif number_kind is not None and name in ("value", "versions"):
            redacted[name] = ([_masked(number_kind, v) for v in value] if isinstance(value, list)
                              else _masked(number_kind, value))
        else:
            redacted[name] = _scrub_text(value)
    return redacted


def _scrub_text(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _scrub_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_text(v) for v in value]
    return value
