"""Fixtures shared by the sync tests."""

from __future__ import annotations

import pytest

from .offices import make_offices


@pytest.fixture
def offices(tmp_path):
    """A centre (wz) and two townships (mudu, xukou), enrolled and trusting each other."""
    offices = make_offices(tmp_path, ["mudu", "xukou"])
    yield offices
    for office in offices.values():
        office.close()
