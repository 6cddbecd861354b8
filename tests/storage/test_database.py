"""The office database file: how it is opened, what is refused, and what a failed write leaves behind.

A refused file must come back byte for byte as it was: an office that points the desk at the wrong
file (another program's database, a damaged copy, one from a newer version) must not lose it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest
from deskkit import DISTRICT_NAME, TALENT_PHONE, Cast
from playhouse.migrations import Runner

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.domain.models import Staff
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import initialise, open_desk
from dongwu_tui.storage import tables
from dongwu_tui.storage.database import MIGRATIONS_DIR, SCHEMA_VERSION, known_migrations, open_database

Act = Callable[[Staff], Desk]
SYNCED_COLUMNS = {"id", "site_id", "created_at", "updated_at", "deleted"}


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and what lies next to it (an opened SQLite file may leave -wal/-shm files)."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(p.name for p in path.parent.iterdir())


def columns(connection: sqlite3.Connection, table: str) -> dict[str, tuple]:
    return {row[1]: row for row in connection.execute(f'PRAGMA table_info("{table}")')}


@pytest.fixture
def closed_db(tmp_path: Path) -> Path:
    """An initialised office database, closed, with its WAL checkpointed into the main file."""
    path = tmp_path / "closed" / "office.db"
    initialise(path, DISTRICT_NAME, "district").office.close()
    return path


# ------------------------------------------------------------------------------ opening


def test_connection_pragmas(desk: Desk, closed_db: Path) -> None:
    for office in (desk.office, open_database(closed_db)):
        db = office.db
        assert db.pragma("journal_mode") == "wal"
        assert db.pragma("foreign_keys") == 1
        assert db.pragma("busy_timeout") > 0
        assert db.pragma("synchronous") == 1  # NORMAL
    office.close()


def test_a_worker_threads_connection_goes_to_the_next_one_and_close_closes_them_all(closed_db: Path) -> None:
    office = open_database(closed_db)
    seen: list[tuple[sqlite3.Connection, int, int]] = []  # the connections themselves: no id reused

    def worker() -> None:  # what a desk worker does (ui/work.py): read, then hand its connection back
        office.db.execute_sql("SELECT count(*) FROM staff").fetchone()
        seen.append((office.db.connection(), office.db.pragma("foreign_keys"), office.db.pragma("busy_timeout")))
        office.release()

    for _ in range(3):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert all(connection is seen[0][0] for connection, _, _ in seen)  # one connection, handed on
    assert {(keys, busy) for _, keys, busy in seen} == {(1, 5000)}  # with the session's pragmas
    assert (closed_db.parent / "office.db-wal").exists()
    office.close()
    # Every connection closed, the last one out checkpointed: no -wal or -shm file is left.
    assert not [p.name for p in closed_db.parent.iterdir() if p.name.endswith(("-wal", "-shm"))]


def test_migrations_are_applied_and_the_version_recorded(desk: Desk) -> None:
    office = desk.office
    assert office.applied_migrations() == known_migrations()
    assert known_migrations()[0] == "0001_initial"
    assert office.schema_version == SCHEMA_VERSION == int(known_migrations()[-1].split("_")[0]) >= 1
    assert office.db.pragma("user_version") == SCHEMA_VERSION
    assert office.meta("schema_version") == str(SCHEMA_VERSION)


def test_reopening_applies_nothing_new(closed_db: Path, dump) -> None:
    before = dump(closed_db)
    office = open_database(closed_db)
    assert office.applied_migrations() == known_migrations()
    office.close()
    assert dump(closed_db) == before


def test_an_older_database_is_brought_up_to_date_and_keeps_its_data(tmp_path: Path) -> None:
    if len(known_migrations()) < 2:
        pytest.skip("only one schema version exists")
    path = tmp_path / "old.db"
    database = peewee.SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "foreign_keys": 1})
    Runner(database, str(MIGRATIONS_DIR)).up(target=known_migrations()[0])
    database.execute_sql("INSERT INTO meta (key, value) VALUES ('site_name', '旧版数据库')")
    database.close()
    office = open_database(path)
    try:
        assert office.applied_migrations() == known_migrations()
        assert office.schema_version == SCHEMA_VERSION and office.db.pragma("user_version") == SCHEMA_VERSION
        assert office.meta("site_name") == "旧版数据库"
    finally:
        office.close()


def test_the_models_match_the_migrated_schema(desk: Desk) -> None:
    connection = sqlite3.connect(f"file:{desk.office.path}?mode=ro", uri=True)
    try:
        existing = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for model in tables.MODELS:
            table = model._meta.table_name
            assert table in existing, table
            schema = columns(connection, table)
            fields = {field.column_name: field for field in model._meta.sorted_fields}
            assert set(fields) <= set(schema), (table, set(fields) - set(schema))
            assert set(schema) <= set(fields), (table, set(schema) - set(fields))
            for name, field in fields.items():
                _cid, _name, _type, notnull, _default, pk = schema[name]
                if field.primary_key:
                    assert pk, (table, name)
                else:
                    assert field.null == (not notnull), (table, name, "nullability")
    finally:
        connection.close()


def test_every_synced_table_carries_the_exchange_columns(desk: Desk) -> None:
    synced = [model for model in tables.MODELS if issubclass(model, tables._Synced)]
    names = {model._meta.table_name for model in synced}
    assert names == {"site", "staff", "enterprise", "talent", "call", "service_request", "request_event", "audit_log",
                     "standard_answer", "answer_use", "callback"}
    connection = sqlite3.connect(f"file:{desk.office.path}?mode=ro", uri=True)
    try:
        for table in sorted(names):
            schema = columns(connection, table)
            assert SYNCED_COLUMNS <= set(schema), table
            assert schema["id"][5] == 1, table  # the primary key
            for name in SYNCED_COLUMNS:
                assert schema[name][3] == 1 or schema[name][5] == 1, (table, name)  # NOT NULL
    finally:
        connection.close()


# ------------------------------------------------------------------------------ refused files


def test_a_database_from_a_newer_version_is_refused_and_untouched(closed_db: Path) -> None:
    connection = sqlite3.connect(closed_db)
    connection.execute("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01 00:00:00')")
    connection.commit()
    connection.close()
    before = fingerprint(closed_db)
    with pytest.raises(StorageError) as caught:
        open_database(closed_db)
    assert str(caught.value) == (
        f"数据库 {closed_db} 由更新版本的程序创建（数据库版本 9999，本程序只支持到版本 {SCHEMA_VERSION}）。"
        "请升级东吴人才服务台后再打开，数据库未做任何修改。"
    )
    with pytest.raises(StorageError, match="更新版本"):
        open_desk(closed_db, "系统管理员")
    assert fingerprint(closed_db) == before


def test_another_programs_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "contacts.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE contact (name TEXT, phone TEXT)")
    connection.execute("INSERT INTO contact VALUES ('张三', '13800138000')")
    connection.commit()
    connection.close()
    before = fingerprint(path)
    with pytest.raises(StorageError) as caught:
        open_database(path)
    assert str(caught.value) == f"文件 {path} 不是东吴人才服务台的数据库，未做任何修改。"
    assert fingerprint(path) == before
    with pytest.raises(StorageError, match="不是东吴人才服务台的数据库"):
        initialise(path, DISTRICT_NAME, "district")
    assert fingerprint(path) == before


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04 this is a zip file, not a database" * 50, b"SQLite format 3\x00" + b"\xff" * 2000]
)
def test_a_garbage_file_is_refused_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "office.db"
    path.write_bytes(content)
    before = fingerprint(path)
    with pytest.raises(StorageError) as caught:
        open_database(path)
    assert str(caught.value) == "数据库文件已损坏或不是东吴人才服务台的数据库，未做任何修改。"
    assert fingerprint(path) == before


def test_an_empty_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    path.touch()
    with pytest.raises(StorageError, match="尚未初始化。请先运行 dongwu init"):
        open_database(path)
    assert fingerprint(path) == (hashlib.sha256(b"").hexdigest(), ["office.db"])


def test_a_missing_file_is_refused_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "office.db"
    with pytest.raises(StorageError) as caught:
        open_database(path)
    assert str(caught.value) == f"数据库文件不存在：{path}。请先运行 dongwu init 或 dongwu demo 创建数据库。"
    assert not path.exists() and not path.parent.exists()


def test_initialising_twice_is_refused(closed_db: Path, dump) -> None:
    before = dump(closed_db)
    with pytest.raises(StorageError, match=f"已经初始化过（本单位：{DISTRICT_NAME}），未做任何修改"):
        initialise(closed_db, DISTRICT_NAME, "district")
    assert dump(closed_db) == before


# ------------------------------------------------------------------------------ failed writes


def test_a_locked_database_refuses_the_write_and_keeps_nothing(desk: Desk, act: Act, cast: Cast, dump) -> None:
    before = dump(desk)
    desk.office.db.pragma("busy_timeout", 50)  # one desk connection serves every acting_as desk
    other = sqlite3.connect(desk.office.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(StorageError) as caught:
            act(cast.operator).calls.log(
                phone="13912345678", summary="咨询人才公寓", measure=11, outcome="request",
                new_talent={"name": "孙新来", "category_code": "young"},
            )
        assert str(caught.value) == (
            "数据库正被另一个程序使用（可能是另一个窗口中的东吴人才服务台），请稍后重试；本次操作未保存。"
        )
        with pytest.raises(StorageError, match="正被另一个程序使用"):
            act(cast.admin).directory.add_staff("新同事", "operator")
        # Reading still works while the other program writes (WAL).
        assert desk.directory.staff("王话务").id == cast.operator.id
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert dump(desk) == before
    # Once the other program lets go, the same write goes through.
    result = act(cast.operator).calls.log(phone="13912345678", summary="咨询人才公寓", measure=11, outcome="request")
    assert result.request is not None


def _fill_to_the_brim(desk: Desk) -> None:
    db = desk.office.db
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    assert db.execute_sql(f"PRAGMA max_page_count = {pages + 1}").fetchone()[0] == pages + 1


def test_a_full_disk_in_one_big_write_keeps_the_data_as_it_was(desk: Desk, act: Act, cast: Cast, dump) -> None:
    operator = act(cast.operator)
    operator.talents.add(name="陈人才", phone=TALENT_PHONE, category_code="industry")
    before = dump(desk)
    _fill_to_the_brim(desk)
    with pytest.raises(StorageError) as caught:
        with desk.office.write():  # one transaction of many service writes, each a savepoint
            for i in range(80):
                operator.talents.add(name=f"人才{i:03d}", phone=f"139{i:08d}", category_code="young", notes="备" * 500)
    assert str(caught.value) == "磁盘空间已满，本次操作未保存，原有数据未受影响；请清理磁盘后重试。"
    assert not desk.office.db.in_transaction()
    assert dump(desk) == before
    desk.office.db.execute_sql("PRAGMA max_page_count = 1073741823")
    operator.talents.add(name="周新人", phone="13700001111", category_code="young")


def test_a_full_disk_in_a_single_service_call_keeps_the_data_as_it_was(desk: Desk, act: Act, cast: Cast,
                                                                       dump) -> None:
    operator = act(cast.operator)
    _fill_to_the_brim(desk)
    for i in range(200):
        before = dump(desk, "talent", "audit_log", "call", "service_request", "request_event", "meta")
        try:
            operator.calls.log(phone=f"139{i:08d}", summary="咨询" + "人才公寓" * 100, measure=11, outcome="request",
                               new_talent={"name": f"人才{i:03d}", "category_code": "young", "notes": "备" * 500})
        except StorageError as error:
            assert str(error) == "磁盘空间已满，本次操作未保存，原有数据未受影响；请清理磁盘后重试。"
            assert dump(desk, "talent", "audit_log", "call", "service_request", "request_event", "meta") == before
            break
    else:
        pytest.fail("the database never filled up")
