"""A served desk on the fixture database (tests/conftest.py: the district office, its cast and a talent)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from servekit import serving  # noqa: E402


@pytest.fixture
def served(db_path, cast, talent, desk):
    desk.office.release()
    with serving(db_path, "--max-sessions", "3") as url:
        yield url
