"""A database this process has open keeps its locks: asking whether it is encrypted must not open the file
(closing any descriptor drops the process's POSIX locks, and another process would then delete the WAL
under the open connections)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dongwu_tui.storage import keyring
from dongwu_tui.storage.database import open_database

OTHER_PROCESS = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
connection.close()
"""


def test_a_header_check_on_an_open_database_leaves_its_wal_alone(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    office = open_database(path, create=True)
    try:
        office.db.execute_sql("CREATE TABLE probe (x)")
        office.db.execute_sql("INSERT INTO probe VALUES (1)")
        assert keyring.is_encrypted_file(path) is False
        subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], check=True)
        assert Path(f"{path}-wal").exists()  # the other process saw this one still reading
        assert office.db.execute_sql("SELECT count(*) FROM probe").fetchone()[0] == 1
    finally:
        office.close()
    assert keyring._held == {}


def test_a_closed_database_is_read_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    open_database(path, create=True).close()
    assert keyring.is_encrypted_file(path) is False
    path.write_bytes(b"\x8f" * 4096)
    assert keyring.is_encrypted_file(path) is True
