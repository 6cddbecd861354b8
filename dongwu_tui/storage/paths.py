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


def user_state_dir() -> Path:
    """Per-user state (command-line session tokens): $DONGWU_STATE_DIR if set, else the platform's folder."""
    override = os.environ.get("DONGWU_STATE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir as platform_state_dir

    return Path(platform_state_dir(APP_NAME, appauthor=False))
