"""Creating an office database: schema, catalogue, this office, its admin and its replica identity."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from dongwu_tui import __version__
from dongwu_tui.domain.errors import PermissionRefused, StorageError, ValidationFailed
from dongwu_tui.domain.ids import site_id_for_code
from dongwu_tui.domain.roles import Role, SiteKind
from dongwu_tui.services.desk import Desk
from dongwu_tui.storage.catalogue import load_catalogue, read_data_file
from dongwu_tui.storage.database import SCHEMA_VERSION, OfficeDatabase, open_database

DISTRICT_CODE = "wz"
DEFAULT_ADMIN = "系统管理员"
RECOVERY_VARIABLE = "DONGWU_RECOVERY_KEY"


def office_key(path: Path | str, actor: str | None) -> bytes | None:
    """The database key of an encrypted office (None for a plain one): the acting person's slot of the key
    ring opened with their password (DONGWU_PASSWORD or the command line's prompt; with no --as, every
    staff slot is tried), or the recovery key in DONGWU_RECOVERY_KEY."""
    from dongwu_tui.storage import keyring

    if not keyring.is_encrypted_file(path):
        return None
    keyring.read(path)  # a database copied without its key ring is refused here
    recovery = os.environ.get(RECOVERY_VARIABLE)
    if recovery:
        return keyring.unwrap_recovery(path, recovery)
    password = keyring.supplied_password()
    if password is None:
        raise StorageError(
            f"数据库 {Path(path).name} 已加密，需要密码：请在终端中运行以输入密码，或用环境变量 "
            f"{keyring.PASSWORD_VARIABLE} 提供；未做任何修改。"
        )
    return keyring.unwrap(path, actor, password)


def open_desk(path: Path | str, actor: str | None = None) -> Desk:
    """Open an existing office database and, when named, the staff member who acts. This is the in-process
    opener, for code that already holds the file (services, the demo, tests); the command line and the
    desk prove who acts first (cli/sessions.py `signed_in_desk`, the sign-in screen)."""
    office = open_database(path, key=office_key(path, actor))
    # Sync: a copied or restored database takes a new replica id before its first write.
    from dongwu_tui.sync.identity import ensure_replica

    ensure_replica(office)
    desk = Desk(office)
    if office.upgraded:
        with office.write():  # the derived tables complete for the new schema (the write ends with them)
            pass
    if actor:
        try:
            desk.actor = desk.directory.staff(actor)
            if not desk.actor.active:
                # A deactivated account reads nothing either: phone and ID numbers, caseloads and
                # timelines are for serving staff only.
                raise PermissionRefused(f"{desk.actor.name}的账号已停用，不能查看或办理任何业务。")
        except BaseException:
            office.close()
            raise
    return desk


def initialise(
    path: Path | str,
    site_name: str,
    kind: str,
    *,
    township: str | None = None,
    code: str | None = None,
    admin_name: str = DEFAULT_ADMIN,
    admin_password: str | None = None,
    desk_factory: type[Desk] = Desk,
    key: bytes | None = None,
    **desk_options: object,
) -> Desk:
    """Create the database for one office. A district centre also lists every township office, so it can
    dispatch to them from the first day; a township office learns about the others by sync. With `key`
    the new file is encrypted (the caller keeps the key ring: `initialise_encrypted`)."""
    try:
        site_kind = SiteKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"单位类型「{kind}」不正确，可选：district（区中心）、township（镇街道）、zone（开发区）。"
        ) from None
    if admin_password is not None:
        from dongwu_tui.domain.passwords import check_new_password

        check_new_password(admin_password, name=admin_name)  # before the file is made
    office = open_database(path, create=True, key=key)
    try:
        if office.meta("site_id"):
            raise StorageError(
                f"数据库 {office.path} 已经初始化过（本单位：{office.meta('site_name')}），未做任何修改。"
            )
        load_catalogue(office)
        desk = desk_factory(office, **desk_options)  # type: ignore[arg-type]
        directory = desk.directory
        township_code = None
        if site_kind is not SiteKind.DISTRICT:
            match = township or next((t.code for t in directory.townships.values() if t.name == site_name), None)
            if match is None:
                raise ValidationFailed(
                    f"镇（街道）或开发区单位须用 --township 指明所属板块（找不到名为「{site_name}」的板块）。"
                )
            township_code = directory.township(match).code
        site_code = code or (DISTRICT_CODE if site_kind is SiteKind.DISTRICT else township_code)
        assert site_code is not None
        with office.write():
            site_id = site_id_for_code(site_code)  # sync: same office, same id everywhere
            _set_identity(office, site_id, site_name)
            site = directory.add_site(site_code, site_name, site_kind.value, township_code, bootstrap=True,
                                      site_id=site_id)
            if site_kind is SiteKind.DISTRICT:
                # Retired townships too: their stations' old records and staff stay reachable.
                for t in directory.townships.values():
                    kind_of = SiteKind.ZONE if t.kind == "zone" else SiteKind.TOWNSHIP
                    directory.add_site(t.code, f"{t.name}人才工作站", kind_of.value, t.code, bootstrap=True)
                for unit in read_data_file("measures.toml").get("unit", []):
                    directory.add_site(unit["code"], unit["name"], SiteKind.DEPARTMENT.value, bootstrap=True)
            desk.actor = directory.add_staff(admin_name, Role.ADMIN.value, site.id, bootstrap=True)
            if admin_password is not None:
                # The admin chose this password at `dongwu init`: it needs no change at first sign-in.
                desk.accounts.set_initial(desk.actor, admin_password)
            # Sync: remember where this replica lives, so a copy is recognised as one.
            from dongwu_tui.sync.identity import record_home

            record_home(office)
        return desk
    except BaseException:
        office.close()
        raise


def _set_identity(office: OfficeDatabase, site_id: str, site_name: str) -> None:
    office.set_meta("site_id", site_id)
    office.set_meta("site_name", site_name)
    # The replica id names this copy of the database; sync gives a copied file a new one.
    office.set_meta("replica_id", str(uuid.uuid4()))
    office.set_meta("created_by_version", __version__)
    office.set_meta("schema_version", str(SCHEMA_VERSION))


def initialise_encrypted(path: Path | str, site_name: str, kind: str, password: str, *,
                         params: dict[str, int] | None = None, **options: object) -> tuple[Desk, str]:
    """`initialise` on an encrypted file: a new database key, wrapped for the first administrator (their
    password) and for a recovery key, returned to be shown once. A file or key ring already there is
    refused untouched; a failed creation leaves neither behind."""
    from dongwu_tui.storage import keyring

    path = Path(path).expanduser()
    if path.exists() or keyring.keyring_path(path).exists():
        raise StorageError(f"{path} 或其密钥文件已经存在，未做任何修改。")
    import secrets

    key = secrets.token_bytes(keyring.KEY_BYTES)
    try:
        desk = initialise(path, site_name, kind, key=key, **options)  # type: ignore[arg-type]
        assert desk.actor is not None
        try:
            recovery = _ring_for(path, key, desk.actor.id, desk.actor.name, password, params)
        except BaseException:
            desk.office.close()
            raise
    except BaseException:
        for suffix in ("", "-wal", "-shm", ".keys"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return desk, recovery


def _ring_for(path: Path, key: bytes, staff_id: str, name: str, password: str,
              params: dict[str, int] | None) -> str:
    from dongwu_tui.storage import keyring

    keyring.write(path, {"format": keyring.FORMAT, "version": 1, "slots": []})
    keyring.add_slot(path, key, staff_id, password, name=name, params=params)
    return keyring.new_recovery(path, key, params=params)


def encrypt_office(path: Path | str, staff: str, password: str, *,
                   params: dict[str, int] | None = None) -> str:
    """`dongwu encrypt`: a plain office database → encrypted in place, with one slot for `staff` (an
    administrator of the office, by name or id) and a recovery key, returned to be shown once."""
    import secrets

    from dongwu_tui.domain.roles import Role
    from dongwu_tui.storage import cipher, keyring

    path = Path(path).expanduser()
    if keyring.is_encrypted_file(path):
        raise StorageError(f"数据库 {path.name} 已经加密，未做任何修改。")
    desk = open_desk(path, staff)
    try:
        admin = desk.require(Role.ADMIN, action="加密数据库")
    finally:
        desk.office.close()
    key = secrets.token_bytes(keyring.KEY_BYTES)
    recovery: list[str] = []

    def write_ring() -> None:
        recovery.append(_ring_for(path, key, admin.id, admin.name, password, params))

    cipher.encrypt_file(path, key, before_swap=write_ring, password=keyring.supplied_password() or password)
    return recovery[0]


def decrypt_office(path: Path | str, staff: str | None) -> None:
    """`dongwu decrypt`: an encrypted office database → plain in place (an administrator's password or
    the recovery key opens it); the key ring goes once the plain file is in place."""
    from dongwu_tui.domain.roles import Role
    from dongwu_tui.storage import cipher, keyring

    path = Path(path).expanduser()
    if not keyring.is_encrypted_file(path):
        raise StorageError(f"数据库 {path.name} 没有加密，未做任何修改。")
    key = office_key(path, staff)
    assert key is not None
    if not os.environ.get(RECOVERY_VARIABLE):
        desk = open_desk(path, staff)
        try:
            desk.require(Role.ADMIN, action="解密数据库")
        finally:
            desk.office.close()
    cipher.decrypt_file(path, key, after_swap=lambda: keyring.keyring_path(path).unlink(missing_ok=True),
                        password=keyring.supplied_password())


def manage_key(desk: Desk, action: str, staff_ref: str | None = None, new_password: str | None = None,
               reason: str = "") -> str:
    """An administrator's change to the key ring of the open (encrypted) office: 'add' a slot for a staff
    member with their password, 'remove' one, or 'recovery' (a new recovery key, returned to be shown
    once). The change is written to the audit log (who, when, why); a password change of one's own slot
    is `change_password`."""
    from dongwu_tui.domain.roles import Role
    from dongwu_tui.storage import keyring

    path = desk.office.path
    desk.require(Role.ADMIN, action="管理数据库密钥")
    key = desk.office.key
    if key is None:
        raise StorageError(f"数据库 {path.name} 没有加密，没有密钥可管理。")
    with desk.office.write():  # the audit entry first: a key ring that cannot be written rolls it back
        if action == "recovery":
            desk.audit("keyring", keyring.RECOVERY, "recovery", {}, reason)
            return keyring.new_recovery(path, key)
        assert staff_ref is not None
        staff = desk.directory.staff(staff_ref)
        desk.audit("keyring", staff.id, action, {"name": staff.name}, reason)
        if action == "add":
            assert new_password is not None
            keyring.add_slot(path, key, staff.id, new_password, name=staff.name)
        elif action == "remove":
            keyring.remove_slot(path, staff.id)
    return ""


def change_password(path: Path | str, staff: str, old_password: str, new_password: str) -> None:
    """A person's own password change: their slot re-wrapped (nothing else in the ring or the database
    changes), with an audit entry."""
    from dongwu_tui.storage import keyring

    office = open_database(path, key=keyring.unwrap(path, staff, old_password))
    try:
        desk = Desk(office)
        desk.actor = desk.directory.staff(staff)
        with office.write():
            desk.audit("keyring", desk.actor.id, "passwd", {"name": desk.actor.name})
            keyring.rewrap_slot(path, desk.actor.id, old_password, new_password)
    finally:
        office.close()


def reload_catalogue(desk: Desk, reason: str = "") -> dict[str, dict[str, int]]:
    """Apply the edited catalogue files (administrators): see storage.catalogue.reload_catalogue. A
    district office also gets an office for each new handling unit and each new township."""
    from dongwu_tui.storage.catalogue import reload_catalogue as apply_files

    desk.require(Role.ADMIN, action="重新载入目录数据")
    with desk.office.write():
        changes = apply_files(desk.office)
        directory = desk.directory
        for cached in ("measures", "measure_categories", "townships", "industries", "talent_categories",
                       "talent_levels"):
            directory.__dict__.pop(cached, None)  # read again after the load
        if directory.this_site().kind is SiteKind.DISTRICT:
            codes = {site.code for site in directory.sites()}
            for unit in read_data_file("measures.toml").get("unit", []):
                if unit["code"] not in codes:
                    directory.add_site(unit["code"], unit["name"], SiteKind.DEPARTMENT.value, bootstrap=True)
            for t in directory.townships.values():
                if t.code not in codes:
                    kind_of = SiteKind.ZONE if t.kind == "zone" else SiteKind.TOWNSHIP
                    directory.add_site(t.code, f"{t.name}人才工作站", kind_of.value, t.code, bootstrap=True)
        desk.audit("catalogue", "data", "reload", changes, reason)
    return changes
