"""Creating an office database: schema, catalogue, this office, its admin and its replica identity."""

from __future__ import annotations

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


def open_desk(path: Path | str, actor: str | None = None) -> Desk:
    """Open an existing office database and, when named, the staff member who acts."""
    office = open_database(path)
    # Sync (issue 4): a copied or restored database takes a new replica id before its first write.
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
    desk_factory: type[Desk] = Desk,
    **desk_options: object,
) -> Desk:
    """Create the database for one office. A district centre also lists every township office, so it can
    dispatch to them from the first day; a township office learns about the others by sync."""
    try:
        site_kind = SiteKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"单位类型「{kind}」不正确，可选：district（区中心）、township（镇街道）、zone（开发区）。"
        ) from None
    office = open_database(path, create=True)
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
            site_id = site_id_for_code(site_code)  # sync (issue 4): same office, same id everywhere
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
            # Sync (issue 4): remember where this replica lives, so a copy is recognised as one.
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
