"""A small demo office shared by the report tests (built once per session: a few seconds)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from dongwu_tui.services.demo import build_demo

DEMO_NOW = datetime(2026, 11, 20, 17, 0)


@pytest.fixture(scope="session")
def demo_now() -> datetime:
    return DEMO_NOW


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path, talents=150, now=DEMO_NOW)
    return path
