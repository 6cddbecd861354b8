"""The office database encrypted at rest: the key ring, encrypted offices, converting in place, sealed sync
keys and owner-only files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from deskkit import Clock

from dongwu_tui.domain.calendar import WorkingCalendar
from dongwu_tui.domain.errors import StorageError
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import (
    change_password,
    decrypt_office,
    encrypt_office,
    initialise,
    initialise_encrypted,
    manage_key,
    open_desk,
)
from dongwu_tui.storage import keyring
from dongwu_tui.storage.database import open_database

ID_NUMBER = "11010519491231002X"
PASSWORD = "木渎镇-admin-2026"
# Cheap argon2id for tests; the ring records each slot's parameters, so opening follows them.
FAST = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}


@pytest.fixture(autouse=True)
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "DEFAULT_PARAMS", FAST)
    monkeypatch.delenv(keyring.PASSWORD_VARIABLE, raising=False)
    monkeypatch.delenv("DONGWU_RECOVERY_KEY", raising=False)
    keyring._supplied.clear()
    yield
    keyring._supplied.clear()


def _register(desk: Desk) -> None:
    operator = desk.directory.add_staff("王话务", "operator")
    desk.acting_as(operator).talents.add(
        name="陈人才", phone="13800138000", id_number=ID_NUMBER, category_code="industry",
        township_code="mudu", card_no="DW-0001")


def _found(desk: Desk) -> int:
    """Talents found by the desk's search for digits inside the phone number, checked against a trigram
    match run directly on the FTS5 table."""
    direct = desk.office.db.execute_sql("SELECT count(*) FROM talent_fts WHERE talent_fts MATCH '\"00138\"'")
    assert direct.fetchone()[0] == 1
    return desk.views.talents(search="0013800").count()


def _file_bytes(path: Path) -> bytes:
    return b"".join(Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists())


@pytest.fixture
def encrypted(tmp_path: Path, clock: Clock, calendar: WorkingCalendar) -> Iterator[tuple[Path, str]]:
    """A township office created encrypted, with one talent; open (WAL not yet checkpointed)."""
    path = tmp_path / "mudu.db"
    desk, recovery = initialise_encrypted(path, "木渎镇人才工作站", "township", PASSWORD, township="mudu",
                                          clock=clock, calendar=calendar)
    _register(desk)
    yield path, recovery, desk
    desk.office.close()


# -- the key ring ---------------------------------------------------------------------------------------


def test_key_ring_slots_unwrap_rewrap_and_remove(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    key, recovery = keyring.create(db, "staff-1", "first-password", name="王芳")
    assert stat.S_IMODE(keyring.keyring_path(db).stat().st_mode) == 0o600
    assert keyring.unwrap(db, "staff-1", "first-password") == key
    assert keyring.unwrap(db, "王芳", "first-password") == key  # by name too
    assert keyring.unwrap_recovery(db, recovery.lower().replace("-", " ")) == key
    with pytest.raises(StorageError, match="密码不正确"):
        keyring.unwrap(db, "staff-1", "wrong-password")
    with pytest.raises(StorageError, match="恢复密钥不正确"):
        keyring.unwrap_recovery(db, keyring.new_recovery_key())

    keyring.add_slot(db, key, "staff-2", "second-password", name="李强")
    before = {s["id"]: s for s in keyring.read(db)["slots"]}
    keyring.rewrap_slot(db, "staff-2", "second-password", "changed-password")
    after = {s["id"]: s for s in keyring.read(db)["slots"]}
    assert after["staff-1"] == before["staff-1"] and after["recovery"] == before["recovery"]  # one slot only
    assert after["staff-2"] != before["staff-2"]
    assert keyring.unwrap(db, "staff-2", "changed-password") == key
    with pytest.raises(StorageError):
        keyring.unwrap(db, "staff-2", "second-password")
    with pytest.raises(StorageError, match="原密码不正确"):
        keyring.rewrap_slot(db, "staff-1", "nope-nope", "whatever-new")

    keyring.remove_slot(db, "staff-2")
    with pytest.raises(StorageError, match="没有密钥"):
        keyring.unwrap(db, "staff-2", "changed-password")
    with pytest.raises(StorageError, match="不能删除"):
        keyring.remove_slot(db, "staff-1")  # the last person's slot stays
    assert "first-password" not in keyring.keyring_path(db).read_text(encoding="utf-8")


# -- an encrypted office ---------------------------------------------------------------------------------


def test_an_encrypted_office_holds_no_id_number_in_clear_and_its_search_works(encrypted) -> None:
    path, _recovery, desk = encrypted
    assert keyring.is_encrypted_file(path)
    assert Path(f"{path}-wal").exists()
    data = _file_bytes(path)
    assert ID_NUMBER.encode() not in data and "陈人才".encode() not in data
    assert b"SQLite format 3" not in data
    # The FTS5 trigram tables work in this SQLite build: the desk's search, and a trigram match itself.
    assert _found(desk) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(f"{path}-wal").stat().st_mode) == 0o600


def test_an_encrypted_office_opens_with_a_password_or_the_recovery_key_only(encrypted, monkeypatch) -> None:
    path, recovery, desk = encrypted
    desk.office.close()
    with pytest.raises(StorageError, match="已加密，需要密码"):
        open_desk(path, "系统管理员")
    keyring.supply_password("not-the-password")
    with pytest.raises(StorageError, match="密码不正确"):
        open_desk(path, "系统管理员")
    keyring.supply_password(PASSWORD)
    opened = open_desk(path, "系统管理员")
    assert opened.views.talents(search="陈人才").count() == 1
    opened.office.close()
    keyring._supplied.clear()
    monkeypatch.setenv("DONGWU_RECOVERY_KEY", recovery)
    opened = open_desk(path)
    assert opened.views.talents().count() == 1
    opened.office.close()


def test_a_database_copied_without_its_key_ring_is_refused_untouched(encrypted) -> None:
    path, _recovery, desk = encrypted
    desk.office.close()
    keyring.keyring_path(path).rename(path.with_name("elsewhere.keys"))
    before = path.read_bytes()
    keyring.supply_password(PASSWORD)
    with pytest.raises(StorageError, match="找不到它的密钥文件 mudu.db.keys"):
        open_desk(path, "系统管理员")
    assert path.read_bytes() == before


def test_a_key_ring_of_another_database_is_refused(encrypted, tmp_path: Path, clock, calendar) -> None:
    path, _recovery, desk = encrypted
    desk.office.close()
    other = tmp_path / "other.db"
    initialise_encrypted(other, "胥口镇人才工作站", "township", PASSWORD, township="xukou",
                         clock=clock, calendar=calendar)[0].office.close()
    keyring.keyring_path(other).replace(keyring.keyring_path(path))
    keyring.supply_password(PASSWORD)
    with pytest.raises(StorageError, match="密钥文件与数据库不匹配"):
        open_desk(path, "系统管理员")


def test_an_admin_gives_a_person_a_key_and_a_password_change_rewraps_one_slot(encrypted) -> None:
    path, _recovery, desk = encrypted
    manage_key(desk, "add", "王话务", "operator-password", reason="新同事")
    assert [s["name"] for s in keyring.slots(path)] == ["系统管理员", "恢复密钥", "王话务"]
    assert desk.office.db.execute_sql("SELECT action FROM audit_log WHERE entity = 'keyring'").fetchall() == [("add",)]
    desk.office.close()
    keyring.supply_password("operator-password")
    operator = open_desk(path, "王话务")
    operator.office.close()
    admin_slot = keyring.read(path)["slots"][0]
    change_password(path, "王话务", "operator-password", "operator-new-password")
    assert keyring.read(path)["slots"][0] == admin_slot
    keyring.supply_password("operator-new-password")
    operator = open_desk(path, "王话务")
    assert operator.office.db.execute_sql(
        "SELECT action, actor_id FROM audit_log WHERE entity = 'keyring' ORDER BY at, id").fetchall()[-1] == (
        "passwd", operator.actor.id)
    operator.office.close()


# -- encrypt and decrypt in place -----------------------------------------------------------------------


def _rows(desk: Desk) -> dict[str, list[tuple]]:
    names = [n for (n,) in desk.office.db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name")]
    rows = {n: sorted(map(repr, desk.office.db.execute_sql(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    rows["meta"] = [r for r in rows["meta"] if "replica_inode" not in r]  # the file's inode: a new file
    return rows


def test_encrypt_and_decrypt_in_place_keep_every_row(db_path: Path, clock, calendar) -> None:
    desk = initialise(db_path, "木渎镇人才工作站", "township", township="mudu", clock=clock, calendar=calendar)
    _register(desk)
    desk.office.db.execute_sql("ANALYZE")
    statistics = sorted(desk.office.db.execute_sql("SELECT * FROM sqlite_stat1").fetchall())
    before = _rows(desk)
    desk.office.close()
    assert ID_NUMBER.encode() in _file_bytes(db_path)

    recovery = encrypt_office(db_path, "系统管理员", PASSWORD)
    assert keyring.is_encrypted_file(db_path) and ID_NUMBER.encode() not in _file_bytes(db_path)
    assert not list(db_path.parent.glob("*.converting*"))
    keyring.supply_password(PASSWORD)
    opened = open_desk(db_path, "系统管理员")
    assert _rows(opened) == before
    assert _found(opened) == 1
    # The planner's statistics come along, so the lists keep their plans.
    assert sorted(opened.office.db.execute_sql("SELECT * FROM sqlite_stat1").fetchall()) == statistics
    opened.office.close()

    keyring._supplied.clear()
    os.environ["DONGWU_RECOVERY_KEY"] = recovery
    try:
        decrypt_office(db_path, None)
    finally:
        del os.environ["DONGWU_RECOVERY_KEY"]
    assert not keyring.is_encrypted_file(db_path) and not keyring.keyring_path(db_path).exists()
    plain = open_desk(db_path)
    assert _rows(plain) == before
    plain.office.close()


def test_only_an_admin_encrypts(db_path: Path, clock, calendar) -> None:
    desk = initialise(db_path, "木渎镇人才工作站", "township", township="mudu", clock=clock, calendar=calendar)
    desk.directory.add_staff("王话务", "operator")
    desk.office.close()
    before = db_path.read_bytes()
    with pytest.raises(Exception, match="不能加密数据库"):
        encrypt_office(db_path, "王话务", PASSWORD)
    assert db_path.read_bytes() == before and not keyring.keyring_path(db_path).exists()


# -- sync private keys ------------------------------------------------------------------------------------


def test_sync_private_keys_are_sealed_by_the_database_key_and_follow_it_through_decrypt(encrypted) -> None:
    from dongwu_tui.sync.trust import ensure_keys, load_keys

    path, _recovery, desk = encrypted
    keys = ensure_keys(desk.office)
    stored = dict(desk.office.db.execute_sql("SELECT name, value FROM sync_key").fetchall())
    assert stored["sign_sk"].startswith("sealed:") and stored["box_sk"].startswith("sealed:")
    desk.office.close()

    keyring.supply_password(PASSWORD)
    decrypt_office(path, "系统管理员")  # plain now: sealed by the administrator's password instead
    plain = open_database(path)
    stored = dict(plain.db.execute_sql("SELECT name, value FROM sync_key").fetchall())
    assert stored["sign_sk"].startswith("sealed:")
    assert bytes(load_keys(plain).signing) == bytes(keys.signing)
    keyring._supplied.clear()
    with pytest.raises(StorageError, match="管理员密码"):
        load_keys(plain)
    plain.close()


def test_a_crash_between_the_key_ring_and_the_swap_leaves_the_plain_file_in_use(db_path: Path, clock,
                                                                                 calendar) -> None:
    """The moment a kill -9 can hardly be timed to: the ring is written, the new file not yet renamed."""
    from dongwu_tui.storage import cipher

    desk = initialise(db_path, "木渎镇人才工作站", "township", township="mudu", clock=clock, calendar=calendar)
    _register(desk)
    before = _rows(desk)
    desk.office.close()

    def ring_then_crash() -> None:
        keyring.create(db_path, "x", PASSWORD)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cipher.encrypt_file(db_path, b"k" * 32, before_swap=ring_then_crash)
    assert keyring.keyring_path(db_path).exists() and not keyring.is_encrypted_file(db_path)
    assert not list(db_path.parent.glob("*.converting*"))
    plain = open_desk(db_path)  # the file says it is plain: no password asked
    assert _rows(plain) == before
    plain.office.close()
    encrypt_office(db_path, "系统管理员", PASSWORD)  # and encrypting again finishes the job
    keyring.supply_password(PASSWORD)
    opened = open_desk(db_path, "系统管理员")
    assert _rows(opened) == before
    opened.office.close()
