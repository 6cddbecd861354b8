"""Sync as a service of the desk (`desk.sync`): the sync layer's operations, each checking the acting role.

Keys, certificates, revocation and trust files are the administrator's; moving files in and out and
resolving conflicts are for the exchange roles the office chose (`roles`/`set_roles`: stored in the
office database, changed by an administrator with an audit entry; supervisors and administrators unless
set, administrators always); the status and the conflict inbox may be read by any active staff member,
and with no one acting (masked). A resolved conflict is an audit entry: who chose, which conflict, which
version was taken and the value written.

On a plain office the private keys are sealed by the office's exchange key, which each person allowed to
exchange holds through a wrap opened by their own password (storage/sealing.py): `unlock` opens the
acting person's wrap with the password given to this process before keys are used, and `give_wrap`
makes a person's wrap whenever their account password is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import StorageError, ValidationFailed
from dongwu_tui.domain.roles import Role
from dongwu_tui.services.exchange import (
    ADMIN,
    ROLES_META,
    allowed_ids,
    exchange_roles,
    parse_roles,
    remember,
    remembered,
)
from dongwu_tui.sync import conflicts as cf

if TYPE_CHECKING:
    from dongwu_tui.domain.models import Staff
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.sync.engine import ExportResult, ImportResult, Preview, Progress
    from dongwu_tui.sync.errors import SyncRefused
    from dongwu_tui.sync.service import PeerStatus, SyncDesk


class SyncService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _engine(self) -> SyncDesk:
        """Made per call, in the caller's thread: opening it reads the database and may note a new replica."""
        from dongwu_tui.sync.service import SyncDesk

        return SyncDesk(self.desk.office, self.desk.actor.id if self.desk.actor else None)

    def _exchanger(self, action: str) -> Staff:
        return self.desk.require(*exchange_roles(self.desk.office), action=action)

    def unlock(self) -> None:
        """On a plain office, open the acting person's wrap of the exchange key with the password given to
        this process (DONGWU_PASSWORD or the command line's prompt), before the private keys are used.
        Keys kept in clear stay usable without one; once sealed, a password is needed. An administrator's
        password also seals keys still kept in clear or by the administrator's password, and makes the
        office's exchange key if it has none. A wrong password is refused before anything is written."""
        import secrets

        from dongwu_tui.storage import keyring, sealing

        office = self.desk.office
        actor = self.desk.actor
        if office.key is not None or actor is None:
            return
        execute = sealing.of(office)
        password = keyring.supplied_password()
        key = remembered(office)
        if key is None and password is None:
            if sealing.exchange_sealed(execute):
                raise StorageError(sealing.NEED_PASSWORD)
            return  # keys in clear, or by the administrator's password (sync/trust.py asks for it)
        allowed = allowed_ids(office)
        wrap = sealing.wraps(execute).get(actor.id)
        if key is None and wrap is not None and actor.id in allowed:
            key = sealing.open_wrap(wrap, password)  # type: ignore[arg-type]
        if key is None:
            if not self.desk.accounts.password_matches(actor.id, password):  # type: ignore[arg-type]
                if sealing.old_format(execute):
                    sealing.read(execute, "sign_sk", None, password)  # the administrator's password opens them
                    return
                raise StorageError(sealing.WRONG_PASSWORD)
        waiting = False
        with office.write():
            sealing.keep_wraps(execute, allowed)
            if key is None and actor.role is Role.ADMIN and not sealing.key_exists(execute):
                key = secrets.token_bytes(32)
            if key is None:
                if wrap is None and actor.id in allowed:
                    # Kept though this command stops here: the wrap waits for the key (`hand_out`).
                    sealing.new_wrap(execute, actor.id, actor.name, password, None)  # type: ignore[arg-type]
                waiting = sealing.key_exists(execute) and not sealing.old_format(execute)
            else:
                if wrap is None and password:
                    sealing.new_wrap(execute, actor.id, actor.name, password, key)
                sealing.hand_out(execute, key)
                if not sealing.old_format(execute) or (actor.role is Role.ADMIN and password):
                    sealing.seal_all(execute, key, password)
        if key is None:
            if waiting:
                raise StorageError(f"{actor.name}还没有拿到本单位的同步密钥：须由系统管理员或已能交换同步文件的人员"
                                   "先导出或导入一次（或登录桌面）后才能使用；未导出或导入任何内容。")
            return  # keys sealed by the administrator's password: opened by it (sync/trust.py)
        remember(office, key)

    # -- the exchange roles (administrators) --------------------------------------------------------

    def roles(self) -> tuple[Role, ...]:
        return exchange_roles(self.desk.office)

    def set_roles(self, roles: tuple[Role, ...] | str, reason: str) -> tuple[Role, ...]:
        """The office's exchange roles (administrators always included), with an audit entry. People who
        lose the right lose their wrap of the exchange key now; those who gain it get one the next time
        their password is given (sign-in, a password change or reset, or their first export)."""
        from dongwu_tui.storage import sealing

        self.desk.require(*ADMIN, action="设置可交换同步文件的角色")
        if not reason or not reason.strip():
            raise ValidationFailed("请用 --reason 说明修改原因。")
        chosen = parse_roles(roles) if isinstance(roles, str) else tuple(
            role for role in Role if role in set(roles) | {Role.ADMIN})
        office = self.desk.office
        before = exchange_roles(office)
        with office.write():
            office.set_meta(ROLES_META, ",".join(role.value for role in chosen))
            removed = sealing.keep_wraps(sealing.of(office), allowed_ids(office))
            self.desk.audit("site", self.desk.site_id, "exchange_roles", {
                "before": [role.value for role in before], "after": [role.value for role in chosen],
                "wraps_removed": removed}, reason=reason.strip())
        return chosen

    def _reader(self, action: str) -> None:
        """Reading: anyone active, or no one named (then numbers are masked)."""
        if self.desk.actor is not None:
            self.desk.require(action=action)

    # -- keys and trust (administrators) ------------------------------------------------------------

    def keys(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="创建同步密钥")
        self.unlock()
        return self._engine().keys()

    def enrolment(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="生成入网申请")
        self.unlock()
        return self._engine().enrolment()

    def trust(self, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.desk.require(*ADMIN, action="认证单位或安装信任文件")
        self.unlock()
        return self._engine().trust(document)

    def trust_bundle(self) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="生成信任文件")
        self.unlock()
        return self._engine().trust_bundle()

    def revoke(self, site_ref: str) -> dict[str, Any]:
        self.desk.require(*ADMIN, action="吊销单位证书")
        self.unlock()
        return self._engine().revoke(site_ref)

    # -- files (supervisors and administrators) -----------------------------------------------------

    def export(self, to: str, folder: Path, *, full: bool = False, progress: Progress | None = None
               ) -> ExportResult:
        self._exchanger(action="导出同步文件")
        self.unlock()
        result = self._engine().export(to, folder, full=full, progress=progress)
        # Who saw what: a sync file carries personal data in full; one record per file.
        self.desk.privacy.record_export(f"同步文件 {result.path.name}",
                                        f"发往 {result.peer}：人才 {result.counts.get('talent', 0)} 条")
        return result

    def preview(self, path: Path) -> Preview:
        self._exchanger(action="导入同步文件")
        self.unlock()
        return self._engine().preview(path)

    def import_file(self, path: Path, *, accept_future: bool = False, progress: Progress | None = None
                    ) -> ImportResult:
        self._exchanger(action="导入同步文件")
        self.unlock()
        return self._engine().import_file(path, accept_future=accept_future, progress=progress)

    def import_files(self, paths: list[Path], *, accept_future: bool = False, progress: Progress | None = None
                     ) -> list[tuple[Path, ImportResult | SyncRefused]]:
        self._exchanger(action="导入同步文件")
        self.unlock()
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
        actor = self._exchanger(action="处理同步冲突")
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
