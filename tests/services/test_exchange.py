"""Who may exchange sync files (the office's setting) and the sync keys of a plain office, sealed by an
exchange key each exchanging person opens with their own password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from deskkit import TEST_PASSWORD, Cast

from dongwu_tui.domain.errors import PermissionRefused, StorageError, ValidationFailed
from dongwu_tui.domain.roles import Role
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import initialise, open_desk
from dongwu_tui.storage import keyring, sealing
from dongwu_tui.sync import trust

SUPERVISOR_PASSWORD = "zhou-supervisor-2026"  # not the admin's: each opens the keys with their own
FAST = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}


@pytest.fixture(autouse=True)
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(keyring, "DEFAULT_PARAMS", FAST)
    monkeypatch.delenv(keyring.PASSWORD_VARIABLE, raising=False)
    keyring._supplied.clear()
    yield
    keyring._supplied.clear()


@pytest.fixture
def centre(desk: Desk, cast: Cast, tmp_path: Path) -> Path:
    """A plain district office whose admin, operator, specialist and supervisor have passwords (set by the
    admin at the keyboard), with sync keys and a certified township (mudu) to export to. Closed: each test
    opens it as a new process would, holding nothing."""
    desk.accounts.set_initial(cast.admin, TEST_PASSWORD)
    for person in (cast.operator, cast.specialist):
        desk.accounts.reset(person.id, TEST_PASSWORD, must_change=False)
    desk.accounts.reset(cast.supervisor.id, SUPERVISOR_PASSWORD, must_change=False)
    keyring.supply_password(TEST_PASSWORD)
    desk.sync.keys()
    mudu = initialise(tmp_path / "mudu.db", "木渎镇人才工作站", "township", township="mudu")
    desk.sync.trust(json.loads(json.dumps(trust.enrolment_request(mudu.office))))
    mudu.office.close()
    keyring._supplied.clear()
    path = desk.office.path
    desk.office.close()
    return path


def _as(path: Path, name: str, password: str | None) -> Desk:
    keyring._supplied.clear()
    if password is not None:
        keyring.supply_password(password)
    return open_desk(path, name)


def _export_refused(path: Path, name: str, password: str | None, out: Path, match: str) -> None:
    """`name`'s export with `password` given to the process is refused with `match`."""
    desk = _as(path, name, password)
    try:
        with pytest.raises(StorageError, match=match):
            desk.sync.export("mudu", out)
    finally:
        desk.office.close()


def _rows(desk: Desk) -> list[tuple]:
    return desk.office.db.execute_sql(
        "SELECT name, value FROM sync_key UNION ALL SELECT key, value FROM meta ORDER BY 1").fetchall()


# -- the exchange roles ---------------------------------------------------------------------------------


def test_exchange_roles_default_to_supervisors_and_admins(desk: Desk, cast: Cast) -> None:
    assert desk.sync.roles() == (Role.SUPERVISOR, Role.ADMIN)
    with pytest.raises(PermissionRefused, match="人才工作专员不能导入同步文件"):
        desk.acting_as(cast.specialist).sync.import_files([])


def test_only_an_admin_sets_the_exchange_roles(desk: Desk, cast: Cast) -> None:
    for person in (cast.supervisor, cast.specialist, cast.operator):
        with pytest.raises(PermissionRefused, match="不能设置可交换同步文件的角色"):
            desk.acting_as(person).sync.set_roles("supervisor,specialist", reason="镇街只有专员")
    with pytest.raises(PermissionRefused):
        desk.acting_as(None).sync.set_roles("specialist", reason="无人")
    assert desk.sync.roles() == (Role.SUPERVISOR, Role.ADMIN)


def test_a_specialist_exchanges_once_the_office_lets_them_and_the_change_is_audited(desk: Desk, cast: Cast,
                                                                                   clock) -> None:
    chosen = desk.sync.set_roles("人才工作专员、supervisor", reason="镇街工作站只有专员")
    assert chosen == (Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
    desk.acting_as(cast.specialist).sync.import_files([])  # allowed now
    with pytest.raises(PermissionRefused):
        desk.acting_as(cast.operator).sync.import_files([])
    entry = desk.office.db.execute_sql(
        "SELECT actor_id, at, action, reason, changes FROM audit_log WHERE action = 'exchange_roles'").fetchone()
    assert entry[0] == cast.admin.id and entry[1] is not None and entry[3] == "镇街工作站只有专员"
    changes = json.loads(entry[4])
    assert changes["before"] == ["supervisor", "admin"] and changes["after"] == ["specialist", "supervisor", "admin"]
    # Administrators may always exchange, whatever the setting names.
    assert desk.sync.set_roles("specialist", reason="只留专员") == (Role.SPECIALIST, Role.ADMIN)
    with pytest.raises(PermissionRefused):
        desk.acting_as(cast.supervisor).sync.import_files([])


def test_bad_role_names_are_refused_and_nothing_is_set(desk: Desk) -> None:
    with pytest.raises(ValidationFailed, match="角色「boss」不正确"):
        desk.sync.set_roles("supervisor,boss", reason="试")
    with pytest.raises(ValidationFailed, match="原因"):
        desk.sync.set_roles("supervisor", reason=" ")
    assert desk.office.meta("exchange_roles") is None


# -- the sync keys of a plain office ---------------------------------------------------------------------


def test_a_supervisor_exports_with_their_own_password(centre: Path, cast: Cast, tmp_path: Path) -> None:
    supervisor = _as(centre, cast.supervisor.name, SUPERVISOR_PASSWORD)
    stored = dict(supervisor.office.db.execute_sql("SELECT name, value FROM sync_key").fetchall())
    assert stored["sign_sk"].startswith(sealing.EXCHANGE_SEALED) and "seal_salt" not in stored
    result = supervisor.sync.export("mudu", tmp_path / "out")
    assert result.path.exists()
    supervisor.office.close()


def test_a_wrong_or_missing_password_is_refused_and_nothing_changes(centre: Path, cast: Cast,
                                                                     tmp_path: Path) -> None:
    supervisor = _as(centre, cast.supervisor.name, "not-the-password")
    before = _rows(supervisor)
    with pytest.raises(StorageError, match="密码不正确"):
        supervisor.sync.export("mudu", tmp_path / "out")
    assert _rows(supervisor) == before and not (tmp_path / "out").exists()
    supervisor.office.close()
    _export_refused(centre, cast.supervisor.name, None, tmp_path / "out", "DONGWU_PASSWORD")


def test_the_admin_password_opens_nothing_for_a_supervisor(centre: Path, cast: Cast, tmp_path: Path) -> None:
    """Each wrap is opened by its own person's password only."""
    _export_refused(centre, cast.supervisor.name, TEST_PASSWORD, tmp_path / "out", "密码不正确")


def test_only_people_who_may_exchange_hold_a_wrap(centre: Path, cast: Cast) -> None:
    desk = _as(centre, cast.admin.name, None)
    held = sealing.wraps(desk.office.db.execute_sql)
    assert set(held) == {cast.admin.id, cast.supervisor.id}
    assert all(w["key"] for w in held.values())
    assert TEST_PASSWORD not in json.dumps(held)
    desk.office.close()


def test_losing_the_right_removes_the_wrap_and_gaining_it_waits_for_the_password(centre: Path, cast: Cast,
                                                                                 tmp_path: Path) -> None:
    admin = _as(centre, cast.admin.name, None)
    admin.sync.set_roles("specialist", reason="只留专员")
    assert set(sealing.wraps(admin.office.db.execute_sql)) == {cast.admin.id}
    admin.office.close()
    # The specialist's password was set before they had the right: their first export makes their wrap,
    # which waits for someone holding the key.
    _export_refused(centre, cast.specialist.name, TEST_PASSWORD, tmp_path / "out", "还没有拿到本单位的同步密钥")
    admin = _as(centre, cast.admin.name, TEST_PASSWORD)
    admin.sync.export("mudu", tmp_path / "out")  # the admin's key hands itself to the waiting wrap
    admin.office.close()
    specialist = _as(centre, cast.specialist.name, TEST_PASSWORD)
    assert specialist.sync.export("mudu", tmp_path / "out", full=True).path.exists()
    specialist.office.close()


def test_a_password_set_by_an_admin_holding_the_key_gives_a_full_wrap(centre: Path, cast: Cast,
                                                                      tmp_path: Path) -> None:
    admin = _as(centre, cast.admin.name, TEST_PASSWORD)  # the admin's own password, as DONGWU_PASSWORD
    admin.accounts.reset(cast.supervisor.id, "supervisor-new-2026", must_change=False)
    admin.office.close()
    supervisor = _as(centre, cast.supervisor.name, "supervisor-new-2026")
    assert supervisor.sync.export("mudu", tmp_path / "out").path.exists()
    supervisor.office.close()
    _export_refused(centre, cast.supervisor.name, SUPERVISOR_PASSWORD, tmp_path / "out", "密码不正确")


def test_a_password_change_keeps_the_key(centre: Path, cast: Cast, tmp_path: Path) -> None:
    desk = _as(centre, cast.supervisor.name, None)
    desk.accounts.change(cast.supervisor.id, SUPERVISOR_PASSWORD, "supervisor-own-2026")
    desk.office.close()
    supervisor = _as(centre, cast.supervisor.name, "supervisor-own-2026")
    assert supervisor.sync.export("mudu", tmp_path / "out").path.exists()
    supervisor.office.close()


def test_keys_sealed_by_the_admin_password_still_work_and_move_to_the_exchange_key(
        desk: Desk, cast: Cast) -> None:
    """An office whose keys were sealed by the administrator's password (before the exchange key)."""
    desk.accounts.set_initial(cast.admin, TEST_PASSWORD)
    execute = desk.office.db.execute_sql
    with desk.office.write():
        execute("DELETE FROM sync_key WHERE name LIKE 'exchange-wrap:%'")
        for name in sealing.PRIVATE_NAMES:
            sealing.write(execute, name, bytes(32 * [7 if name == "sign_sk" else 9]), None, TEST_PASSWORD)
    path = desk.office.path
    desk.office.close()
    admin = _as(path, cast.admin.name, TEST_PASSWORD)
    assert sealing.old_format(admin.office.db.execute_sql)
    admin.sync.unlock()
    stored = dict(admin.office.db.execute_sql("SELECT name, value FROM sync_key").fetchall())
    assert stored["sign_sk"].startswith(sealing.EXCHANGE_SEALED) and "seal_salt" not in stored
    admin.office.close()
    again = _as(path, cast.admin.name, TEST_PASSWORD)
    again.sync.unlock()
    assert bytes(trust.load_keys(again.office).signing) == bytes(32 * [7])
    again.office.close()


def test_a_deactivated_person_loses_their_wrap(centre: Path, cast: Cast) -> None:
    """However the staff row was deactivated (here as a sync import would write it), the next use of the
    keys removes the wrap."""
    admin = _as(centre, cast.admin.name, TEST_PASSWORD)
    with admin.office.write():
        admin.office.db.execute_sql("UPDATE staff SET active = 0 WHERE id = ?", (cast.supervisor.id,))
    admin.sync.unlock()
    assert set(sealing.wraps(admin.office.db.execute_sql)) == {cast.admin.id}
    admin.office.close()


def test_signing_in_hands_the_key_to_waiting_wraps(centre: Path, cast: Cast) -> None:
    """The admin signing in at the desk completes a wrap made while no one held the key."""
    desk = _as(centre, cast.admin.name, None)
    desk.accounts.reset(cast.supervisor.id, "supervisor-temp-2026", must_change=False)  # no key at hand
    assert sealing.wraps(desk.office.db.execute_sql)[cast.supervisor.id]["key"] is None
    desk.office.close()
    desk = _as(centre, cast.admin.name, None)
    desk.accounts.sign_in(cast.admin.name, TEST_PASSWORD)
    assert sealing.wraps(desk.office.db.execute_sql)[cast.supervisor.id]["key"] is not None
    desk.office.close()


def test_encrypting_the_office_moves_the_keys_to_the_database_key(centre: Path, cast: Cast) -> None:
    from dongwu_tui.services.setup import encrypt_office

    admin = _as(centre, cast.admin.name, TEST_PASSWORD)
    admin.sync.unlock()
    signing = bytes(trust.load_keys(admin.office).signing)
    admin.office.close()
    encrypt_office(centre, cast.admin.name, TEST_PASSWORD)
    encrypted = _as(centre, cast.admin.name, TEST_PASSWORD)
    execute = encrypted.office.db.execute_sql
    assert not sealing.wraps(execute) and not sealing.exchange_sealed(execute)
    assert bytes(trust.load_keys(encrypted.office).signing) == signing
    encrypted.office.close()


def test_a_sign_in_with_nothing_waiting_opens_the_wrap_only_when_sync_needs_it(centre: Path, cast: Cast,
                                                                               tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Each wrap opening is a key derivation: a sign-in keeps the password, and the first export opens."""
    opened: list[str] = []
    real = sealing.open_wrap
    monkeypatch.setattr(sealing, "open_wrap",
                        lambda wrap, password: opened.append(wrap["name"]) or real(wrap, password))
    desk = _as(centre, cast.supervisor.name, None)
    assert all(w["key"] for w in sealing.wraps(desk.office.db.execute_sql).values())  # nothing waits
    desk.accounts.sign_in(cast.supervisor.name, SUPERVISOR_PASSWORD)
    assert opened == []
    assert desk.sync.export("mudu", tmp_path / "out").path.exists()  # no DONGWU_PASSWORD: the sign-in's
    assert opened == [cast.supervisor.name]
    desk.office.close()
