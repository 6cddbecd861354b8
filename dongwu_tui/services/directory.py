"""Offices, staff, enterprises and the catalogue: the reference data the rest of the desk points at."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.ids import site_id_for_code
from dongwu_tui.domain.models import Enterprise, Industry, Measure, MeasureCategory, Site, Staff, Township
from dongwu_tui.domain.roles import Role
from dongwu_tui.storage.convert import enterprise_from_row, measure_from_row, site_from_row, staff_from_row

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk


class DirectoryService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables
        self._this_site: Site | None = None
        self._staff_by_id: dict[str, Staff] = {}

    # -- catalogue (read-only here; loaded from data files) ------------------------------------

    @cached_property
    def measures(self) -> dict[int, Measure]:
        categories = {row.code: row.name for row in self.t.MeasureCategoryRow.select()}
        rows = self.t.MeasureRow.select().order_by(self.t.MeasureRow.number)
        return {row.number: measure_from_row(row, categories.get(row.category_code, "")) for row in rows}

    @cached_property
    def measure_categories(self) -> list[MeasureCategory]:
        rows = self.t.MeasureCategoryRow.select().order_by(self.t.MeasureCategoryRow.position)
        return [MeasureCategory(row.code, row.name) for row in rows]

    def measure(self, number: int) -> Measure:
        try:
            return self.measures[int(number)]
        except (KeyError, ValueError):
            raise NotFound(f"没有编号为 {number} 的服务举措（应为 1–{len(self.measures)}）。") from None

    @cached_property
    def townships(self) -> dict[str, Township]:
        rows = self.t.TownshipRow.select().order_by(self.t.TownshipRow.position)
        return {row.code: Township(row.code, row.name, row.kind, bool(row.retired)) for row in rows}

    def township(self, ref: str) -> Township:
        """A township by code or by its Chinese name."""
        ref = ref.strip()
        if ref in self.townships:
            return self.townships[ref]
        for township in self.townships.values():
            if township.name == ref:
                return township
        raise NotFound(f"没有名为「{ref}」的板块。")

    @cached_property
    def industries(self) -> dict[str, Industry]:
        rows = self.t.IndustryRow.select().order_by(self.t.IndustryRow.position)
        return {row.code: Industry(row.code, row.name) for row in rows}

    @cached_property
    def talent_categories(self) -> dict[str, str]:
        rows = self.t.TalentCategoryRow.select().order_by(self.t.TalentCategoryRow.position)
        return {row.code: row.name for row in rows}

    @cached_property
    def talent_levels(self) -> dict[str, str]:
        rows = self.t.TalentLevelRow.select().order_by(self.t.TalentLevelRow.position)
        return {row.code: row.name for row in rows}

    def code_of(self, table: dict[str, str], ref: str | None, what: str) -> str | None:
        """Accept a code or its Chinese name for a catalogue entry."""
        if ref is None or ref == "":
            return None
        if ref in table:
            return ref
        for code, name in table.items():
            if name == ref:
                return code
        raise NotFound(f"没有名为「{ref}」的{what}，可选：{'、'.join(table.values())}。")

    # -- offices --------------------------------------------------------------------------------

    def sites(self) -> list[Site]:
        rows = self.t.SiteRow.select().where(self.t.SiteRow.deleted == False).order_by(self.t.SiteRow.code)  # noqa: E712
        return [site_from_row(row) for row in rows]

    def site(self, ref: str) -> Site:
        """An office by id, code or name."""
        s = self.t.SiteRow
        row = (
            s.select()
            .where((s.deleted == False) & ((s.id == ref) | (s.code == ref) | (s.name == ref)))  # noqa: E712
            .first()
        )
        if row is None:
            raise NotFound(f"没有名为「{ref}」的单位。")
        return site_from_row(row)

    def this_site(self) -> Site:
        if self._this_site is None:
            self._this_site = self.site(self.desk.site_id)
        return self._this_site

    def add_site(self, code: str, name: str, kind: str, township: str | None = None, *, bootstrap: bool = False,
                 site_id: str | None = None) -> Site:
        """Add an office. Admins manage offices; `bootstrap` is the one write `init` makes before any staff exists."""
        if not bootstrap:
            self.desk.require(Role.ADMIN, action="添加单位")
        township_code = self.township(township).code if township else None
        from dongwu_tui.domain.validation import SiteInput, parse  # pydantic: off the start-up path

        data = parse(SiteInput, code=code, name=name, kind=kind, township_code=township_code)
        if self.t.SiteRow.select().where(
            (self.t.SiteRow.code == data.code) & (self.t.SiteRow.deleted == False)  # noqa: E712
        ).exists():
            raise ValidationFailed(f"单位代码「{data.code}」已被使用。")
        at = self.desk.clock()
        site_id = site_id or site_id_for_code(data.code)  # sync: same office, same id everywhere
        with self.desk.office.write():
            self.t.SiteRow.insert(
                id=site_id, code=data.code, name=data.name, kind=data.kind.value, township_code=data.township_code,
                **self.desk.record_fields(at),
            ).execute()
            if not bootstrap:
                self.desk.audit("site", site_id, "add", data.model_dump(mode="json"))
        return self.site(site_id)

    # -- staff ----------------------------------------------------------------------------------

    def _office_names(self) -> dict[str, str]:
        return {row.id: row.name for row in self.t.SiteRow.select(self.t.SiteRow.id, self.t.SiteRow.name)}

    def staff_list(self, role: str | None = None, office: str | None = None, limit: int | None = None) -> list[Staff]:
        s = self.t.StaffRow
        query = self._staff_listed(role, office).order_by(s.role, s.name, s.id)
        if limit:
            query = query.limit(limit)
        names = self._office_names()
        return [staff_from_row(row, names.get(row.office_id, "")) for row in query]

    def staff_count(self, role: str | None = None, office: str | None = None) -> int:
        """How many staff members `staff_list` would give without a limit."""
        return self._staff_listed(role, office).count()

    def _staff_listed(self, role: str | None, office: str | None) -> Any:
        s = self.t.StaffRow
        query = s.select().where(s.deleted == False)  # noqa: E712
        if role:
            query = query.where(s.role == Role(role).value)
        if office:
            query = query.where(s.office_id == self.site(office).id)
        return query

    def staff(self, ref: str) -> Staff:
        """A staff member by id or by name; a name shared by two people must be given as an id."""
        s = self.t.StaffRow
        ref = ref.strip()
        if ref in self._staff_by_id:
            return self._staff_by_id[ref]
        rows = list(s.select().where((s.deleted == False) & ((s.id == ref) | (s.name == ref))).limit(3))  # noqa: E712
        if not rows and len(ref) >= 8:
            rows = list(s.select().where((s.deleted == False) & s.id.startswith(ref)).limit(3))  # noqa: E712
        if not rows:
            raise NotFound(f"没有名为「{ref}」的工作人员。")
        if len(rows) > 1:
            raise NotFound(f"有多名工作人员叫「{ref}」，请用编号指明：{'、'.join(r.id for r in rows)}。")
        staff = staff_from_row(rows[0], self._office_names().get(rows[0].office_id, ""))
        self._staff_by_id[staff.id] = staff
        return staff

    def add_staff(self, name: str, role: str, office: str | None = None, phone: str | None = None,
                  *, bootstrap: bool = False) -> Staff:
        if not bootstrap:
            self.desk.require(Role.ADMIN, action="添加工作人员")
        office_id = self.site(office).id if office else self.desk.site_id
        from dongwu_tui.domain.validation import StaffInput, parse  # pydantic: off the start-up path

        data = parse(StaffInput, name=name, role=role, office_id=office_id, phone=phone)
        at = self.desk.clock()
        staff_id = self.desk.new_id(at)
        with self.desk.office.write():
            self.t.StaffRow.insert(
                id=staff_id, name=data.name, role=data.role.value, office_id=data.office_id, phone=data.phone,
                active=True, **self.desk.record_fields(at),
            ).execute()
            self.desk.audit("staff", staff_id, "add", data.model_dump(mode="json"))
        return self.staff(staff_id)

    def specialists_of(self, site_id: str) -> list[Staff]:
        s = self.t.StaffRow
        rows = s.select().where(
            (s.deleted == False) & (s.active == True) & (s.role == Role.SPECIALIST.value) & (s.office_id == site_id)  # noqa: E712
        ).order_by(s.name)
        return [staff_from_row(row) for row in rows]

    # -- enterprises ----------------------------------------------------------------------------

    def add_enterprise(self, name: str, credit_code: str, township: str | None = None,
                       industry: str | None = None) -> Enterprise:
        self.desk.require(Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN, action="登记企业")
        township_code = self.township(township).code if township else None
        industry_code = self.code_of({c: i.name for c, i in self.industries.items()}, industry, "行业")
        from dongwu_tui.domain.validation import EnterpriseInput, parse  # pydantic: off the start-up path

        data = parse(EnterpriseInput, name=name, credit_code=credit_code, township_code=township_code,
                     industry_code=industry_code)
        e = self.t.EnterpriseRow
        if e.select().where((e.credit_code == data.credit_code) & (e.deleted == False)).exists():  # noqa: E712
            raise ValidationFailed(f"统一社会信用代码 {data.credit_code} 已登记。")
        at = self.desk.clock()
        enterprise_id = self.desk.new_id(at)
        with self.desk.office.write():
            e.insert(id=enterprise_id, **data.model_dump(), **self.desk.record_fields(at)).execute()
            self.desk.audit("enterprise", enterprise_id, "add", data.model_dump(mode="json"))
        return self.enterprise(enterprise_id)

    def enterprise(self, ref: str) -> Enterprise:
        """An enterprise by id, credit code or exact name."""
        e = self.t.EnterpriseRow
        row = e.select().where(
            (e.deleted == False) & ((e.id == ref) | (e.credit_code == ref.upper()) | (e.name == ref))  # noqa: E712
        ).first()
        if row is None:
            raise NotFound(f"没有找到企业「{ref}」。")
        return enterprise_from_row(row)

    def enterprises(self, limit: int | None = None) -> list[Enterprise]:
        e = self.t.EnterpriseRow
        query = e.select().where(e.deleted == False).order_by(e.name, e.id)  # noqa: E712
        if limit:
            query = query.limit(limit)
        return [enterprise_from_row(row) for row in query]

    def enterprise_count(self) -> int:
        """How many enterprises `enterprises` would give without a limit."""
        e = self.t.EnterpriseRow
        return e.select().where(e.deleted == False).count()  # noqa: E712
