"""The desk session: one open office database, who is acting, the clock and the working-day calendar.

Every service hangs off a Desk, so each write knows who made it and when. Tests and the demo builder
pass their own clock (and a seeded random source for ids) to replay time deterministically.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.calendar import WorkingCalendar
from dongwu_tui.domain.chinatime import CHINA_TZ, china_now  # noqa: F401 (the desk's clock; services import it here)
from dongwu_tui.domain.errors import PermissionRefused, StorageError
from dongwu_tui.domain.ids import uuid7
from dongwu_tui.domain.models import Staff
from dongwu_tui.domain.roles import Role
from dongwu_tui.storage.database import OfficeDatabase

if TYPE_CHECKING:
    from dongwu_tui.reports.engine import ReportService
    from dongwu_tui.services.accounts import AccountService
    from dongwu_tui.services.answers import AnswerService
    from dongwu_tui.services.callbacks import CallbackService
    from dongwu_tui.services.calls import CallService
    from dongwu_tui.services.directory import DirectoryService
    from dongwu_tui.services.privacy import PrivacyService
    from dongwu_tui.services.requests import RequestService
    from dongwu_tui.services.search import SearchService
    from dongwu_tui.services.stats import StatsService
    from dongwu_tui.services.sync import SyncService
    from dongwu_tui.services.talents import TalentService
    from dongwu_tui.services.views import ViewService


def holiday_dirs() -> list[Path]:
    """Where offices put next year's schedule files: the shipped data/holidays and the user's config."""
    from dongwu_tui.storage.catalogue import data_dir
    from dongwu_tui.storage.paths import user_holidays_dir

    return [data_dir() / "holidays", user_holidays_dir()]


def default_calendar() -> WorkingCalendar:
    return WorkingCalendar(extra_dirs=holiday_dirs())


@dataclass
class Desk:
    office: OfficeDatabase
    actor: Staff | None = None
    clock: Callable[[], datetime] = china_now
    calendar: WorkingCalendar = field(default_factory=default_calendar)
    rng: random.Random | None = None

    def __post_init__(self) -> None:
        if self.office.derive is None:
            self.office.derive = self.derive

    def derive(self) -> None:
        """The working-day table from this desk's calendar, and the facts' working days with it (run by
        the office database at the end of every write)."""
        from dongwu_tui.reports.facts import ensure_workdays

        ensure_workdays(self.office.db, self.calendar, self.clock().date())

    # -- identity ---------------------------------------------------------------------------------

    @cached_property
    def site_id(self) -> str:
        site_id = self.office.meta("site_id")
        if site_id is None:
            raise StorageError("数据库尚未设置本单位，请先运行 dongwu init。")
        return site_id

    def new_id(self, at: datetime | None = None) -> str:
        return uuid7(at or self.clock(), self.rng)

    def require(self, *roles: Role, action: str) -> Staff:
        """The acting staff member, refused unless their role is one of `roles`."""
        if self.actor is None:
            raise PermissionRefused(f"「{action}」需要指明操作人（命令行用 --as 姓名）。")
        if not self.actor.active:
            raise PermissionRefused(f"{self.actor.name}的账号已停用，不能{action}。")
        if roles and self.actor.role not in roles:
            allowed = "、".join(role.label for role in roles)
            raise PermissionRefused(f"{self.actor.role.label}不能{action}，该操作仅限{allowed}。")
        return self.actor

    def record_fields(self, at: datetime) -> dict[str, Any]:
        """The columns every exchanged record carries."""
        return {"site_id": self.site_id, "created_at": at, "updated_at": at, "deleted": False}

    def audit(self, entity: str, entity_id: str, action: str, changes: dict[str, Any], reason: str = "") -> None:
        """One audit entry; phone and ID numbers in `changes` are kept masked, with a keyed hash (privacy)."""
        from dongwu_tui.domain.identifiers import mask_text
        from dongwu_tui.services.privacy import redact_changes

        changes, reason = redact_changes(self, changes), mask_text(reason)
        at = self.clock()
        self.office.tables.AuditRow.insert(
            id=self.new_id(at),
            at=at,
            actor_id=self.actor.id if self.actor else None,
            entity=entity,
            entity_id=entity_id,
            action=action,
            reason=reason,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
            **self.record_fields(at),
        ).execute()

    # -- services ---------------------------------------------------------------------------------

    @cached_property
    def accounts(self) -> AccountService:
        from dongwu_tui.services.accounts import AccountService

        return AccountService(self)

    @cached_property
    def directory(self) -> DirectoryService:
        from dongwu_tui.services.directory import DirectoryService

        return DirectoryService(self)

    @cached_property
    def talents(self) -> TalentService:
        from dongwu_tui.services.talents import TalentService

        return TalentService(self)

    @cached_property
    def calls(self) -> CallService:
        from dongwu_tui.services.calls import CallService

        return CallService(self)

    @cached_property
    def requests(self) -> RequestService:
        from dongwu_tui.services.requests import RequestService

        return RequestService(self)

    @cached_property
    def stats(self) -> StatsService:
        from dongwu_tui.services.stats import StatsService

        return StatsService(self)

    @cached_property
    def views(self) -> ViewService:
        from dongwu_tui.services.views import ViewService

        return ViewService(self)

    @cached_property
    def privacy(self) -> PrivacyService:
        from dongwu_tui.services.privacy import PrivacyService

        return PrivacyService(self)

    @cached_property
    def search(self) -> SearchService:
        from dongwu_tui.services.search import SearchService

        return SearchService(self)

    @cached_property
    def answers(self) -> AnswerService:
        from dongwu_tui.services.answers import AnswerService

        return AnswerService(self)

    @cached_property
    def callbacks(self) -> CallbackService:
        from dongwu_tui.services.callbacks import CallbackService

        return CallbackService(self)

    @cached_property
    def sync(self) -> SyncService:
        from dongwu_tui.services.sync import SyncService

        return SyncService(self)

    @property
    def reports(self) -> ReportService:
        """The supervisor's figures and the periodic report: for supervisors and administrators, and with
        no one acting (`dongwu stats` and `dongwu report` without --as; the figures carry no personal data)."""
        from dongwu_tui.reports.engine import ReportService

        if self.actor is not None:
            self.require(Role.SUPERVISOR, Role.ADMIN, action="查看统计和通报")
        return ReportService(self)

    def acting_as(self, actor: Staff | None) -> Desk:
        """The same desk with another person acting (the UI's user switch, the demo's cast)."""
        return Desk(self.office, actor, self.clock, self.calendar, self.rng)
