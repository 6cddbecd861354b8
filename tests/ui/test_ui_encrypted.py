"""The desk screens on an encrypted office: opened with the acting person's password, refused in one line
without it (the command line's path, `open_and_run`, headless)."""

from __future__ import annotations

import pytest
from deskkit import TEST_PASSWORD
from test_ui_startup import _headless

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.services.setup import initialise_encrypted
from dongwu_tui.storage import keyring
from dongwu_tui.ui.app import DeskApp, open_and_run

FAST = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}


@pytest.fixture
def encrypted_office(tmp_path, clock, calendar, monkeypatch):
    monkeypatch.setattr(keyring, "DEFAULT_PARAMS", FAST)
    monkeypatch.delenv(keyring.PASSWORD_VARIABLE, raising=False)
    keyring._supplied.clear()
    path = tmp_path / "mudu.db"
    desk, _recovery = initialise_encrypted(path, "木渎镇人才工作站", "township", "admin-password", township="mudu",
                                           clock=clock, calendar=calendar)
    supervisor = desk.directory.add_staff("周督办", "supervisor")
    desk.accounts.reset(supervisor.id, TEST_PASSWORD, must_change=False)  # the account's password opens the file
    desk.office.close()
    yield path
    keyring._supplied.clear()


def test_the_desk_opens_an_encrypted_office_with_the_persons_password(encrypted_office, monkeypatch):
    seen: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(seen))
    keyring.supply_password(TEST_PASSWORD)  # what the command line's prompt hands over
    assert open_and_run(encrypted_office, "周督办") == 0
    assert seen["screen"] == "RequestsScreen"  # the sign-in screen took the same password


@pytest.mark.parametrize(("password", "message"), [(None, "已加密，需要密码"), ("wrong-password", "密码不正确")])
def test_without_the_right_password_the_desk_reports_one_line(encrypted_office, monkeypatch, password, message):
    seen: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(seen))
    if password:
        keyring.supply_password(password)
    before = encrypted_office.read_bytes()
    with pytest.raises(StorageError, match=message):
        open_and_run(encrypted_office, "周督办")
    assert encrypted_office.read_bytes() == before
