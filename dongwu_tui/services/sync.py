"""Sync as a service of the desk (`desk.sync`): the sync layer's operations, each checking the acting role.

Keys, certificates, revocation and trust files are the administrator's; moving files in and out and
resolving conflicts are for supervisors and administrators; the status and the conflict inbox may be read
by any active staff member, and with no one acting (masked). A resolved conflict is an audit entry: who
chose, which conflict, which version was taken and the value written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.roles import Role
from dongwu_tui.sync import conflicts as cf

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.sync.engine import ExportResult, ImportResult, Preview, Progress
    from dongwu_tui.sync.errors import SyncRefused
    from dongwu_tui.sync.service import PeerStatus, SyncDesk

ADMIN = (Role.ADMIN,)
EXCHANGE = (Role.SUPERVISOR, Role.ADMIN)


class SyncService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _engine(self) -> SyncDesk:
        """Made per call, in the caller's thread: opening it reads the database and may note a new replica."""
        from dongwu_tui.sync.service import SyncDesk

        return SyncDesk(self.desk.office, self.desk.actor.id if self.desk.actor else None)

    def _reader(self, action: str) -> None:
        """Reading: anyone active, or no one named (then numbers are masked)."""
        if self.desk.actor is not None:
            self.desk.require(action=action)

    # -- keys and trust (administrators) ------------------------------------------------------------

    def keys(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="创建同步密钥")
        return self._engine().keys()

    def enrolment(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="生成入网申请")
        return self._engine().enrolment()

    def trust(self, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.desk.require(*ADMIN, action="认证单位或安装信任文件")
        return self._engine().trust(document)

    def trust_bundle(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="生成信任文件")
        return self._engine().trust_bundle()

    def revoke(self, site_ref: str) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="吊销单位证书")
        return self._engine().revoke(site_ref)

    # -- files (supervisors and administrators) -----------------------------------------------------

    def export(self, to: str, folder: Path, *, full: bool = False, progress: Progress | None = None
               ) -> ExportResult:
        self.desk.require(*EXCHANGE, action="导出同步文件")
        result = self._engine().export(to, folder, full=full, progress=progress)
        # Who saw what: a sync file carries personal data in full; one record per file.
        self.desk.privacy.record_export(f"同步文件 {result.path.name}",
                                        f"发往 {result.peer}：人才 {result.counts.get('talent', 0)} 条")
        return result

    def preview(self, path: Path) -> Preview:
        self.desk.require(*EXCHANGE, action="导入同步文件")
        return self._engine().preview(path)

    def import_file(self, path: Path, *, accept_future: bool = False, progress: Progress | None = None
                    ) -> ImportResult:
        self.desk.require(*EXCHANGE, action="导入同步文件")
        return self._engine().import_file(path, accept_future=accept_future, progress=progress)

    def import_files(self, paths: list[Path], *, accept_future: bool = False, progress: Progress | None = None
                     ) -> list[tuple[Path, ImportResult | SyncRefused]]:
        self.desk.require(*EXCHANGE, action="导入同步文件")
        return self._engine().import_files(paths, accept_future=accept_future, progress=progress)

    def default_folder(self) -> Path:
        """Where the sync screen offers to put and look for files: beside the database."""
        return self.desk.office.path.parent / "同步文件"

    # -- status and the conflict inbox (any active staff) -------------------------------------------

    def status(self) -> list[PeerStatus]:
        self._reader("查看同步状态")
        return self._engine().status()

    def conflicts(self, table: str | None = None) -> list[cf.Conflict]:
        self._reader("查看同步冲突")
        return self._engine().conflicts(table)

    def conflict_count(self) -> int:
        """Open conflicts; 0 for a database without the sync tables."""
        from dongwu_tui.sync import identity

        self._reader("查看同步冲突")
        return cf.open_conflict_count(self.desk.office) if identity.has_sync(self.desk.office) else 0

    def record_in_conflict(self, table: str, record_id: str) -> bool:
        self._reader("查看同步冲突")
        return cf.record_in_conflict(self.desk.office, table, record_id)

    def record_conflicts(self, table: str, record_id: str) -> list[cf.Conflict]:
        """The open conflicts of one record (masked as `conflicts` is); none when it has none."""
        if not self.record_in_conflict(table, record_id):
            return []
        return [c for c in self.conflicts(table) if c.record_id == record_id]

    # -- resolving (supervisors and administrators) -------------------------------------------------

    def resolve(self, ref: str, *, take: str | None = None, value: Any = None) -> list[cf.Conflict]:
        """Write the chosen value of every conflict `ref` names, each with an audit entry, in one transaction."""
        actor = self.desk.require(*EXCHANGE, action="处理同步冲突")
        engine = self._engine()
        office = self.desk.office
        at = str(self.desk.clock())
        targets = cf.find(office, ref)
        with office.write():
            for conflict in targets:
                chosen = cf.choose(conflict, take, value)
                cf.resolve(office, conflict, chosen, actor.id, at)
                if conflict.kind == "duplicate":
                    continue  # merging the duplicates writes its own audit entry per talent removed
                self.desk.audit(conflict.table, conflict.record_id, "resolve_conflict", {
                    "conflict": conflict.id, "field": conflict.field, "kind": conflict.kind,
                    "taken": "value" if value is not None else take, "value": chosen,
                    "versions": [v.value for v in conflict.versions]}, reason="处理同步冲突")
        return engine.shown(targets)
