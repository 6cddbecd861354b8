"""Where the program keeps its files on this machine (platformdirs picks the platform's convention)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "dongwu"


def default_database_path() -> Path:
    """The office database: $DONGWU_DB if set, else the platform's user data folder."""
    override = os.environ.get("DONGWU_DB")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "office.db"


def user_config_dir() -> Path:
    from platformdirs import user_config_dir as platform_config_dir

    return Path(platform_config_dir(APP_NAME, appauthor=False))


def user_holidays_dir() -> Path:
    return user_config_dir() / "holidays"


def user_log_path() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False)) / "dongwu.log"


# Files the desk makes hold personal data (the database and its WAL, the log, the key ring, exports):
# readable by their owner only. Folders it makes: 0700.
FILE_MODE = 0o600
FOLDER_MODE = 0o700
PRIVATE_UMASK = 0o077


def private_umask() -> int:
    """Make every file and folder this process creates from now on owner-only (SQLite's WAL and shared
    memory files, the log's rotated files, report and sync exports included); returns the old umask.
    The command line sets it once at start."""
    old = os.umask(PRIVATE_UMASK)
    return old


def make_private_folder(path: Path) -> None:
    """`mkdir -p` with 0700 for the folders it creates (folders that exist keep their mode)."""
    path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, FOLDER_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write a file whole, 0600: a new file beside it, flushed to disk, renamed over the target, so a
    crash leaves the old file or the new one."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename in it survives a power cut (a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
def user_state_dir() -> Path:
    """Per-user state (command-line session tokens): $DONGWU_STATE_DIR if set, else the platform's folder."""
    override = os.environ.get("DONGWU_STATE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir as platform_state_dir

    return Path(platform_state_dir(APP_NAME, appauthor=False))
