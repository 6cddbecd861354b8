"""The encrypted office database: SQLCipher connections, and converting a file in place either way.

SQLCipher (the `sqlcipher3` wheel, SQLCipher 4 community: AES-256 pages with an HMAC-SHA512 each) is a
drop-in for the standard sqlite3 module, so the pool, the pragmas, the migrations and peewee work on it
unchanged; its build has FTS5 with the trigram tokenizer the desk's search needs, and WAL (the WAL file
is encrypted page by page too). The key given is the raw 32-byte database key of the key ring
(storage/keyring.py), passed as `x'…'`, so SQLCipher skips its own PBKDF2 (argon2id already stretched the
password) and a new connection costs no more than a plain one.

`encrypt_file` / `decrypt_file` build the converted copy beside the database, check it (quick_check, the
same row count in every table), flush it to disk and rename it over the original: a crash at any point
leaves the old file or the new one, whole. Whether a file is encrypted is read from the file itself
(keyring.is_encrypted_file), so the key ring can be written before the swap and removed after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.storage.paths import FILE_MODE, sync_folder

BUSY_TIMEOUT_S = 5.0


def _key_literal(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("database key must be 32 bytes")
    return f"\"x'{key.hex()}'\""


def _driver() -> Any:
    try:
        from sqlcipher3 import dbapi2
    except ImportError as error:  # pragma: no cover - the wheel is a dependency
        raise StorageError("本机未安装 sqlcipher3，无法打开加密的数据库。") from error
    return dbapi2


def connect(path: str | Path, key: bytes, *, timeout: float = BUSY_TIMEOUT_S, check: bool = True) -> Any:
    """A SQLCipher connection with the key set; `check` reads the schema at once, so a wrong key is refused
    here, in Chinese, and not as a 'not a database' error on the first query."""
    driver = _driver()
    conn = driver.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA key = {_key_literal(key)}")
        if check:
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except driver.DatabaseError as error:
                raise StorageError(
                    f"数据库 {Path(path).name} 无法用这个密钥打开：密钥文件与数据库不匹配，或数据库已损坏；未做任何修改。"
                ) from error
    except BaseException:
        conn.close()
        raise
    return conn


def _counts(conn: Any, schema: str = "main") -> dict[str, int]:
    names = [name for (name,) in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {name: conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0] for name in names}


def _remove_with_sidecars(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _convert(path: Path, source_key: bytes | None, target_key: bytes | None,
             before_swap: Callable[[], None] | None, after_swap: Callable[[], None] | None,
             password: str | None) -> None:
    path = Path(path).expanduser()
    if not path.exists():
        raise StorageError(f"数据库文件不存在：{path}。")
    building = path.with_name(f"{path.name}.converting")
    _remove_with_sidecars(building)  # what an interrupted conversion left: never the database itself
    driver = _driver()
    source = connect(path, source_key) if source_key is not None else driver.connect(
        str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        busy = source.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy is not None and busy[0]:
            raise StorageError("数据库正被另一个程序使用（可能是另一个窗口中的东吴人才服务台），请先关闭后重试；未做任何修改。")
        target_literal = _key_literal(target_key) if target_key is not None else "''"
        source.execute(f"ATTACH DATABASE ? AS target KEY {target_literal}", (str(building),))  # not in a transaction
        source.execute("BEGIN IMMEDIATE")  # nobody writes while the copy is made
        version = source.execute("PRAGMA data_version").fetchone()[0]
        expected = _counts(source)
        user_version = source.execute("PRAGMA user_version").fetchone()[0]
        source.execute("SELECT sqlcipher_export('target')")
        source.execute(f"PRAGMA target.user_version = {int(user_version)}")
        _copy_statistics(source)
        source.execute("COMMIT")  # the copy's pages; the database itself is unchanged
        source.execute("DETACH DATABASE target")
        # The write lock again, through the swap: a write that slipped in between shows in data_version.
        source.execute("BEGIN IMMEDIATE")
        if source.execute("PRAGMA data_version").fetchone()[0] != version:
            raise StorageError("转换期间数据库被另一个程序修改，未做任何修改；请关闭其他窗口后重试。")
        os.chmod(building, FILE_MODE)
        _check_copy(building, source_key, target_key, expected, password)
        _fsync(building)
        if before_swap is not None:
            before_swap()
        os.replace(building, path)
        sync_folder(path.parent)
        if after_swap is not None:
            after_swap()
    except BaseException:
        _remove_with_sidecars(building)
        raise
    finally:
        source.close()


def _copy_statistics(source: Any) -> None:
    """sqlcipher_export copies tables, not the planner's statistics (sqlite_stat1, made by ANALYZE): without
    them the copy would plan the desk's lists differently (a temporary B-tree for an ORDER BY an index
    serves). They are copied as they are instead of running ANALYZE again on the whole file."""
    if not source.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        return
    source.execute("ANALYZE target.sqlite_master")  # creates target.sqlite_stat1
    source.execute("DELETE FROM target.sqlite_stat1")
    source.execute("INSERT INTO target.sqlite_stat1 (tbl, idx, stat) SELECT tbl, idx, stat FROM main.sqlite_stat1")


def _check_copy(building: Path, old_key: bytes | None, key: bytes | None, expected: dict[str, int],
                password: str | None) -> None:
    from dongwu_tui.storage import sealing

    copy = connect(building, key) if key is not None else _driver().connect(str(building), isolation_level=None)
    try:
        if copy.execute("PRAGMA quick_check(1)").fetchall() != [("ok",)] or _counts(copy) != expected:
            raise StorageError("转换后的数据库校验未通过，原数据库未做任何修改。")
        sealing.reseal(copy.execute, old_key, key, password)  # private keys follow the database key
        # The converted file is the same replica, in the same place: it takes the inode it will have once
        # renamed into place, so sync (sync/identity.py) does not take it for a copy.
        copy.execute("UPDATE meta SET value = ? WHERE key = 'replica_inode'", (str(os.stat(building).st_ino),))
        copy.execute("PRAGMA journal_mode = wal")
    finally:
        copy.close()


def encrypt_file(path: Path | str, key: bytes, before_swap: Callable[[], None] | None = None,
                 password: str | None = None) -> None:
    """A plain database → encrypted with `key`, in place; `before_swap` writes the key ring. Private keys
    sealed by the administrator's `password` are sealed by the database key instead."""
    _convert(Path(path), None, key, before_swap, None, password)


def decrypt_file(path: Path | str, key: bytes, after_swap: Callable[[], None] | None = None,
                 password: str | None = None) -> None:
    """An encrypted database → plain, in place; `after_swap` removes the key ring. Private keys sealed by
    the database key are sealed by the administrator's `password` instead (kept as they are without one)."""
    _convert(Path(path), key, None, None, after_swap, password)
