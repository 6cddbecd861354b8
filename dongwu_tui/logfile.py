"""The program's log file: every unexpected error, with its time and traceback, in one size-bounded file.

The command line and the desk screens both install it on the root logger (`install`), so an error logged
anywhere (a command, a screen action, a worker thread) lands in the same place. The file rotates: at most
LOG_BYTES per file and LOG_BACKUPS old files, so a desk left running for months cannot fill the disk.
Nothing is opened or created until the first record: start-up neither touches the disk nor imports
logging.handlers.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def log_path() -> Path:
    from dongwu_tui.storage.paths import user_log_path

    return user_log_path()


class LazyRotatingHandler(logging.Handler):
    """A RotatingFileHandler made on the first record; a log folder that cannot be made loses the record
    (never the command or the desk)."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(level=logging.WARNING)
        self._path = path
        self._file: logging.Handler | None = None
        self._opening = threading.Lock()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else log_path()

    def _target(self) -> logging.Handler | None:
        with self._opening:
            if self._file is None:
                from logging.handlers import RotatingFileHandler

                from dongwu_tui.storage.paths import FILE_MODE, make_private_folder

                try:
                    make_private_folder(self.path.parent)
                    handler = RotatingFileHandler(self.path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                  encoding="utf-8")
                    self.path.chmod(FILE_MODE)  # errors and their tracebacks quote personal data
                except OSError:
                    return None
                handler.setFormatter(self.formatter)
                self._file = handler
            return self._file

    def emit(self, record: logging.LogRecord) -> None:
        target = self._target()
        if target is not None:
            target.emit(record)  # RotatingFileHandler reports its own write errors through handleError

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def install() -> LazyRotatingHandler:
    """The rotating log file on the root logger (once per process), warnings and errors only. Nothing goes
    to stderr: the command line's stderr is one Chinese line, and the desk owns the terminal."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, LazyRotatingHandler):
            return handler
    handler = LazyRotatingHandler()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    return handler


def written_to() -> Path | None:
    """Where the installed log file is (for telling the user), None if it could not be opened."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LazyRotatingHandler):
            return handler.path if handler._file is not None else None
    return None
