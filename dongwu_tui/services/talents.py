"""Talents: registering, editing, finding by phone, and the caseload lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peewee import Tuple

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.models import Call, ServiceRequest, Talent
from dongwu_tui.domain.pinyin import pinyin_keys
from dongwu_tui.domain.roles import Role
from dongwu_tui.domain.safetext import check_text
from dongwu_tui.storage import queries
from dongwu_tui.storage.convert import call_from_row, request_from_row, talent_from_row
from dongwu_tui.storage.identity import identity_clash

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

WRITERS = (Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class TalentFile:
    """A talent with what the desk knows about them: their calls and requests, newest first."""

    talent: Talent
    calls: list[Call]
    requests: list[ServiceRequest]


class TalentService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    def _resolve_refs(self, values: dict[str, Any]) -> dict[str, Any]:
        """Turn the names a person types (township, category, specialist, enterprise) into stored codes/ids."""
        directory = self.desk.directory
        resolved = dict(values)
        for key in ("township_code", "specialist_id", "enterprise_id"):
            # A blank optional reference (an emptied form field, `--township ""`) means none; stored
            # as "" it would point at no row and break the foreign key.
            if isinstance(resolved.get(key), str) and not resolved[key].strip():
                resolved[key] = None
        if resolved.get("township_code"):
            resolved["township_code"] = directory.township(resolved["township_code"]).code
        if resolved.get("category_code"):
            resolved["category_code"] = directory.code_of(
                directory.talent_categories, resolved["category_code"], "人才类别"
            )
        if resolved.get("level_code"):
            resolved["level_code"] = directory.code_of(directory.talent_levels, resolved["level_code"], "人才工程层级")
        if resolved.get("specialist_id"):
            specialist = directory.staff(resolved["specialist_id"])
            if specialist.role is not Role.SPECIALIST:
                raise ValidationFailed(f"{specialist.name}不是人才工作专员，不能作为联系专员。")
            resolved["specialist_id"] = specialist.id
        if resolved.get("enterprise_id"):
            resolved["enterprise_id"] = directory.enterprise(resolved["enterprise_id"]).id
        return resolved

    def add(self, **values: Any) -> Talent:
        self.desk.require(*WRITERS, action="登记人才")
        from dongwu_tui.domain.validation import TalentInput, parse  # pydantic: off the start-up path

        data = parse(TalentInput, **self._resolve_refs(values))
        at = self.desk.clock()
        talent_id = self.desk.new_id(at)
        full, initials = pinyin_keys(data.name)
        with self.desk.office.write():
            self._refuse_clash(data.id_kind.value, data.id_number, data.card_no)
            self.t.TalentRow.insert(
                id=talent_id,
                name_pinyin=full,
                name_initials=initials,
                **{**data.model_dump(), "id_kind": data.id_kind.value},
                **self.desk.record_fields(at),
            ).execute()
            self.desk.audit("talent", talent_id, "add", {"name": data.name})
        return self.get(talent_id)

    def update(self, ref: str, reason: str = "", **values: Any) -> Talent:
        self.desk.require(*WRITERS, action="修改人才信息")
        check_text(reason, "修改原因", multiline=True)
        current = self.get(ref)
        from dongwu_tui.sync.conflicts import refuse_if_conflicted  # sync: conflicts block saving

        refuse_if_conflicted(self.desk.office, "talent", current.id)
        from dongwu_tui.domain.validation import TalentUpdate, parse  # pydantic: off the start-up path

        given = {k: v for k, v in values.items() if v is not None}
        if given.get("id_number") and not given.get("id_kind"):
            given["id_kind"] = current.id_kind.value  # the number is checked against the kind it is of
        data = parse(TalentUpdate, **self._resolve_refs(given))
        changes = {k: v for k, v in data.model_dump(exclude_none=True).items() if getattr(current, k) != v}
        if "id_kind" in changes:
            changes["id_kind"] = data.id_kind.value if data.id_kind else changes["id_kind"]
        if not changes:
            return current
        at = self.desk.clock()
        row_changes: dict[str, Any] = dict(changes)
        if "name" in changes:
            row_changes["name_pinyin"], row_changes["name_initials"] = pinyin_keys(changes["name"])
        with self.desk.office.write():
            if {"id_number", "id_kind", "card_no"} & changes.keys():
                self._refuse_clash(changes.get("id_kind", current.id_kind.value),
                                   changes.get("id_number", current.id_number),
                                   changes.get("card_no"), exclude_id=current.id)
            self.t.TalentRow.update(updated_at=at, **row_changes).where(self.t.TalentRow.id == current.id).execute()
            audit = {k: {"from": getattr(current, k), "to": v} for k, v in changes.items()}
            self.desk.audit("talent", current.id, "update", audit, reason)
        return self.get(current.id)

    def _refuse_clash(self, id_kind: str | None, id_number: str | None, card_no: str | None,
                      exclude_id: str | None = None) -> None:
        clash = identity_clash(self.t, id_kind=id_kind, id_number=id_number, card_no=card_no,
                               exclude_id=exclude_id)
        if clash is not None:
            raise ValidationFailed(clash.message)

    def duplicate_identities(self) -> list[tuple[str, list[str]]]:
        """Resident ID numbers and card numbers that more than one live talent holds (from before the
        rule, or arrived by sync): (field, the talents' cards or ids), for a person to merge them."""
        return queries.duplicate_identities(self.desk.office.db)

    def get(self, ref: str) -> Talent:
        """A talent by id, card number or (when it names exactly one person) phone."""
        t = self.t.TalentRow
        ref = ref.strip()
        row = t.select().where((t.deleted == False) & ((t.id == ref) | (t.card_no == ref))).first()  # noqa: E712
        if row is None:
            matches = self.find_by_phone(ref) if ref.replace("-", "").isdigit() else []
            if len(matches) == 1:
                return matches[0]
            raise NotFound(f"没有找到人才「{ref}」。")
        return self._with_names(row)

    def _with_names(self, row: Any) -> Talent:
        enterprise = (
            self.t.EnterpriseRow.get_or_none(self.t.EnterpriseRow.id == row.enterprise_id)
            if row.enterprise_id else None
        )
        specialist = self.t.StaffRow.get_or_none(self.t.StaffRow.id == row.specialist_id) if row.specialist_id else None
        return talent_from_row(row, enterprise.name if enterprise else None, specialist.name if specialist else None)

    def find_by_phone(self, phone: str) -> list[Talent]:
        from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone

        try:
            number = normalize_phone(phone)
        except InvalidIdentifier:
            return []
        t = self.t.TalentRow
        rows = t.select().where((t.phone == number) & (t.deleted == False)).order_by(t.id).limit(5)  # noqa: E712
        return [self._with_names(row) for row in rows]

    def file(self, ref: str, limit: int = 50) -> TalentFile:
        talent = self.get(ref)
        c, r = self.t.CallRow, self.t.RequestRow
        calls = c.select().where((c.talent_id == talent.id) & (c.deleted == False)).order_by(c.at.desc()).limit(limit)  # noqa: E712
        requests = (
            r.select().where((r.talent_id == talent.id) & (r.deleted == False))  # noqa: E712
            .order_by(r.opened_at.desc()).limit(limit)
        )
        return TalentFile(talent, [call_from_row(row) for row in calls], [request_from_row(row) for row in requests])

    def list(
        self,
        *,
        township: str | None = None,
        category: str | None = None,
        specialist: str | None = None,
        limit: int | None = 50,
        after: tuple[str, str, str] | None = None,
    ) -> list[Talent]:
        """Talents in pinyin order, paged by key: pass the last (name_pinyin, name, id) as `after`."""
        t = self.t.TalentRow
        query = self._listed(township, category, specialist).order_by(t.name_pinyin, t.name, t.id)
        if after:
            query = query.where(Tuple(t.name_pinyin, t.name, t.id) > Tuple(*after))
        if limit:
            query = query.limit(limit)
        rows = list(query)
        # The names of enterprises and specialists, two lookups for the whole page.
        e, s = self.t.EnterpriseRow, self.t.StaffRow
        enterprise_ids = {row.enterprise_id for row in rows if row.enterprise_id}
        staff_ids = {row.specialist_id for row in rows if row.specialist_id}
        enterprises = {r.id: r.name for r in e.select(e.id, e.name).where(e.id.in_(enterprise_ids))}
        staff = {r.id: r.name for r in s.select(s.id, s.name).where(s.id.in_(staff_ids))}
        return [talent_from_row(row, enterprises.get(row.enterprise_id or ""), staff.get(row.specialist_id or ""))
                for row in rows]

    def count(self, *, township: str | None = None, category: str | None = None,
              specialist: str | None = None) -> int:
        """How many talents `list` would give without a limit."""
        return self._listed(township, category, specialist).count()

    def _listed(self, township: str | None, category: str | None, specialist: str | None) -> Any:
        t = self.t.TalentRow
        query = t.select().where(t.deleted == False)  # noqa: E712
        directory = self.desk.directory
        if township:
            query = query.where(t.township_code == directory.township(township).code)
        if category:
            query = query.where(t.category_code == directory.code_of(directory.talent_categories, category, "人才类别"))
        if specialist:
            query = query.where(t.specialist_id == directory.staff(specialist).id)
        return query
