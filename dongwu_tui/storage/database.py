"""Opening an office database: pragmas, migrations, the schema version check and error translation.

One SQLite file per office. WAL lets the screens read while a write is under way and lets a second
copy of the program open the same file; write transactions begin IMMEDIATE so that they take the write
lock up front and wait (busy timeout) instead of failing half-way through on a lock upgrade.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee
from playhouse.pool import PooledSqliteDatabase

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.storage import keyring
from dongwu_tui.storage.tables import Tables, bind_tables

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 5000
PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("synchronous", "normal"),
)

# The page cache of each encrypted connection, in KiB (SQLite's default is 2 MiB).
ENCRYPTED_CACHE_KIB = 64 * 1024

logging.getLogger("peewee.migrations").setLevel(logging.WARNING)


def known_migrations() -> list[str]:
    return sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))


def schema_version_of(names: list[str]) -> int:
    return max((int(name.split("_", 1)[0]) for name in names), default=0)


SCHEMA_VERSION = schema_version_of(known_migrations())


def storage_message(error: BaseException) -> str:
    """A Chinese sentence for a database failure, saying what happened and that nothing was saved."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return "数据库正被另一个程序使用（可能是另一个窗口中的东吴人才服务台），请稍后重试；本次操作未保存。"
    if "disk is full" in text or "database or disk is full" in text or "no space" in text:
        return "磁盘空间已满，本次操作未保存，原有数据未受影响；请清理磁盘后重试。"
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return "数据库文件已损坏或不是东吴人才服务台的数据库，未做任何修改。"
    if "readonly" in text or "read-only" in text:
        return "数据库文件是只读的，本程序无法写入；请检查文件及所在文件夹的权限。"
    if "unable to open" in text:
        return "无法打开数据库文件，请检查路径和权限。"
    return f"数据库操作失败（{error}），本次操作未保存。"


# On some failures (disk full, I/O error) SQLite rolls the transaction back by itself; the ROLLBACK
# (or ROLLBACK TO savepoint) that peewee then issues fails with one of these, hiding the real cause.
_ROLLBACK_FAILURES = ("no transaction is active", "no such savepoint")


def _original_error(error: BaseException) -> BaseException:
    """The failure that started it all, looking past a failed rollback to the error it was cleaning up."""
    current = error
    while current.__context__ is not None and any(text in str(current).lower() for text in _ROLLBACK_FAILURES):
        current = current.__context__
    return current


_DATABASE_ERRORS = (peewee.OperationalError, peewee.DatabaseError, sqlite3.OperationalError, sqlite3.DatabaseError)
# A value the SQLite driver cannot bind (an integer beyond 64 bits) fails before reaching SQLite.
_BIND_ERRORS = (OverflowError,)


def as_storage_error(error: BaseException) -> StorageError | None:
    """The StorageError a database failure means to the user, None for anything else. Integrity errors are
    left to the services, which know which rule a row broke."""
    if isinstance(error, StorageError):
        return error
    if isinstance(error, _BIND_ERRORS) and "sqlite" in str(error).lower():
        return StorageError("数值过大，超出了数据库能保存的范围；未做任何修改。")
    if not isinstance(error, _DATABASE_ERRORS) or isinstance(error, peewee.IntegrityError | sqlite3.IntegrityError):
        return None
    original = _original_error(error)
    return original if isinstance(original, StorageError) else StorageError(storage_message(original))


def is_damage(error: BaseException) -> bool:
    text = str(error).lower()
    return "malformed" in text or "not a database" in text or "file is encrypted" in text


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn SQLite failures into StorageError with a Chinese message: reads and writes alike."""
    try:
        yield
    except (*_DATABASE_ERRORS, *_BIND_ERRORS) as error:
        translated = as_storage_error(error)
        if translated is None:
            raise
        raise translated from error


class OfficeDatabase:
    """An open office database with its bound models."""

    def __init__(self, path: Path, database: PooledSqliteDatabase, key: bytes | None = None) -> None:
        self.path = path
        self.db = database
        self.key = key  # the database key of an encrypted file (storage/keyring.py), None for a plain one
        self.tables: Tables = bind_tables(database)
        self._checked = False
        # Brings the derived tables that depend on more than the rows (the working-day table, from the
        # desk's calendar) up to date: run at the end of every outermost write transaction, inside it, so
        # that whatever a write leaves is complete and a read never has to write. Set by the desk.
        self.derive: Callable[[], None] | None = None
        self.upgraded = False  # migrations ran when it was opened
        self._held = keyring.hold_file(path, encrypted=key is not None)  # see keyring._held

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE); nested calls become savepoints. The first write of this
        open database is preceded by `check_integrity`."""
        if not self._checked:
            self.check_integrity()
        outermost = not self.db.in_transaction()
        try:
            with translated_errors(), self.db.atomic():
                yield
                if outermost and self.derive is not None:
                    self.derive()
        except StorageError as error:
            if is_damage(error.__cause__ or error):
                self._checked = False
            raise

    def check_integrity(self) -> None:
        """Refuse to write to a damaged file: SQLite writes a page it can read even when others are damaged,
        and every write to such a file risks spreading the damage. `PRAGMA quick_check` reads every page
        once without comparing indexes to tables (a small fraction of integrity_check's time), so it runs before
        the first write of each open database (one command, one desk session), not before reads, which fail
        by themselves on a damaged page. A damage error met while writing asks for it again."""
        with translated_errors():
            rows = self.db.execute_sql("PRAGMA quick_check(1)").fetchall()
        if rows != [("ok",)]:
            logging.getLogger(__name__).error("quick_check of %s: %s", self.path, rows)
            raise StorageError(storage_message(sqlite3.DatabaseError("database disk image is malformed")))
        self._checked = True

    # -- metadata ---------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.tables.Meta.get_or_none(self.tables.Meta.key == key)
        return row.value if row is not None else default

    def set_meta(self, key: str, value: str) -> None:
        self.tables.Meta.insert(key=key, value=value).on_conflict_replace().execute()

    def applied_migrations(self) -> list[str]:
        # The runner's own history table, read directly: importing playhouse.migrations (and argparse with
        # it) only to list it cost ~25 ms of every start-up; the runner is loaded when there is work.
        if not self.db.table_exists("schema_migration"):
            return []
        return sorted(name for (name,) in self.db.execute_sql("SELECT name FROM schema_migration"))

    @property
    def schema_version(self) -> int:
        return schema_version_of(self.applied_migrations())

    def release(self) -> None:
        """Hand this thread's connection back to the pool, for the next thread that reads (a worker ends with
        its thread; peewee keeps one connection per thread). Kept while a transaction is open."""
        if not self.db.is_closed() and not self.db.in_transaction():
            self.db.close()

    def close(self) -> None:
        """Close every connection of the pool, this thread's included (the last one out checkpoints)."""
        self.db.close_all()
        keyring.release_file(self._held)
        self._held = None


class _PooledCipherDatabase(PooledSqliteDatabase):
    """The pooled database on SQLCipher (storage/cipher.py): each new connection is given the raw database
    key before anything else reads the file."""

    def _connect(self):  # type: ignore[no-untyped-def]
        from dongwu_tui.storage.cipher import connect

        conn = connect(self.database, self.connect_params["cipher_key"], timeout=self._timeout)
        try:
            self._add_conn_hooks(conn)
        except Exception:
            conn.close()
            raise
        return conn


def _connect(path: Path) -> PooledSqliteDatabase:
    # journal_mode=wal is persistent: it rewrites the file header. It is switched on only once the
    # file is known to be ours (open_database), so refusing a foreign file leaves it untouched.
    session_pragmas = [(key, value) for key, value in PRAGMAS if key != "journal_mode"]
    # Pooled: the desk reads in short-lived worker threads, one connection each (peewee's are per thread).
    # A new SQLite connection to the district database costs ~5 ms (its pragmas make SQLite read the whole
    # schema) and starts with an empty page cache; closing a worker's connection now hands it to the next
    # worker instead. A connection moves between threads only through the pool, used by one at a time
    # (hence check_same_thread off); one handed back inside a transaction is rolled back, and an idle one
    # holds no snapshot, so it does not hold back WAL checkpoints. No cap: a worker never waits. (The pool
    # takes `timeout` as its own wait; SQLite's busy wait is the busy_timeout pragma of every connection.)
    database = PooledSqliteDatabase(
        str(path), pragmas=session_pragmas, lock_type="IMMEDIATE", max_connections=None, check_same_thread=False
    )
    database.connect(reuse_if_open=True)
    return database


def _connect_encrypted(path: Path, key: bytes) -> PooledSqliteDatabase:
    """`_connect` on SQLCipher. Each page read from the file is decrypted and its HMAC checked, so a page
    SQLite's own cache holds costs nothing while one the OS cache holds costs its decryption: encrypted
    connections keep a larger page cache (ENCRYPTED_CACHE_KIB per connection, its pages allocated as used)."""
    session_pragmas = [(name, value) for name, value in PRAGMAS if name != "journal_mode"]
    session_pragmas.append(("cache_size", -ENCRYPTED_CACHE_KIB))
    database = _PooledCipherDatabase(
        str(path), pragmas=session_pragmas, lock_type="IMMEDIATE", max_connections=None, cipher_key=key)
    database.connect(reuse_if_open=True)
    return database


def open_database(path: Path | str, *, create: bool = False, key: bytes | None = None) -> OfficeDatabase:
    """Open (and, with create, make) an office database, upgrading an older schema. With `key`, the file is
    an encrypted one (SQLCipher; storage/keyring.py gives the key).

    A database written by a newer program is refused: its tables may mean things this program
    does not know, and writing to it could damage it.
    """
    path = Path(path).expanduser()
    if not path.exists() and not create:
        raise StorageError(f"数据库文件不存在：{path}。请先运行 dongwu init 或 dongwu demo 创建数据库。")
    if create:
        from dongwu_tui.storage.paths import FILE_MODE, make_private_folder

        try:
            make_private_folder(path.parent)
        except OSError as error:
            raise StorageError(f"无法创建数据库所在的文件夹 {path.parent}：{error.strerror}。") from error
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))  # personal data: 0600
        except FileExistsError:
            pass
        except OSError as error:
            raise StorageError(f"无法创建数据库文件 {path}：{error.strerror}。") from error
    with translated_errors():
        database = _connect(path) if key is None else _connect_encrypted(path, key)
        office = OfficeDatabase(path, database, key)
        try:
            _check_and_upgrade(office, create=create)
            database.pragma("journal_mode", dict(PRAGMAS)["journal_mode"], permanent=True)
        except BaseException:
            office.close()  # nothing left open on a file that was refused or failed to upgrade
            raise
    return office


def _check_and_upgrade(office: OfficeDatabase, *, create: bool) -> None:
    tables = set(office.db.get_tables())
    if tables and "schema_migration" not in tables:
        raise StorageError(f"文件 {office.path} 不是东吴人才服务台的数据库，未做任何修改。")
    if not tables and not create:
        raise StorageError(f"数据库 {office.path} 尚未初始化。请先运行 dongwu init 或 dongwu demo。")
    applied = office.applied_migrations()
    unknown = sorted(set(applied) - set(known_migrations()))
    if unknown:
        raise StorageError(
            f"数据库 {office.path} 由更新版本的程序创建（数据库版本 {schema_version_of(applied)}，"
            f"本程序只支持到版本 {SCHEMA_VERSION}）。请升级东吴人才服务台后再打开，数据库未做任何修改。"
        )
    if len(applied) < len(known_migrations()):
        from playhouse.migrations import Runner

        Runner(office.db, str(MIGRATIONS_DIR)).up()
        office.db.pragma("user_version", SCHEMA_VERSION)
        office.upgraded = True
