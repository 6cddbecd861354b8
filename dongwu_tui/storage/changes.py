"""A cheap signal that someone else has written to the office database (desks open side by side, `dongwu
serve`'s browser sessions): SQLite's `PRAGMA data_version` on one connection of its own. The number
changes when another connection commits, and reading it touches no table, so one poll a second per desk
costs nothing next to reading a list again."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class ChangeSignal:
    """`changed()` is true once after each commit made by any other connection, this process's included."""

    def __init__(self, path: Path | str, key: bytes | None = None) -> None:
        """`key`: an encrypted office database's key (OfficeDatabase.key), None for a plain file."""
        if key is not None:
            from dongwu_tui.storage.cipher import connect

            self._connection = connect(path, key, timeout=1.0)
        else:
            uri = Path(path).resolve().as_uri() + "?mode=ro"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=1.0)
        self._version = self._read()

    def _read(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._read()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        self._connection.close()
