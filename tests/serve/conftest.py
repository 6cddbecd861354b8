"""A served desk on the fixture database (tests/conftest.py: the district office, its cast and a talent)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # deskkit

from servekit import serving  # noqa: E402


@pytest.fixture
def passwords(desk, cast):
    """Everyone of the cast signs in with deskkit.TEST_PASSWORD (set by the admin, no change asked)."""
    from deskkit import TEST_PASSWORD

    admin = desk.acting_as(cast.admin)
    for person in (cast.operator, cast.specialist, cast.supervisor):
        admin.accounts.reset(person.id, TEST_PASSWORD, must_change=False)


@pytest.fixture
def served(db_path, cast, talent, desk, passwords):
    desk.office.release()
    with serving(db_path, "--max-sessions", "3") as url:
        yield url
