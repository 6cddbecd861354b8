"""Fixtures for the desk screens: the shared fixed-clock database (tests/conftest.py) plus a few requests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deskkit import TEST_PASSWORD

from dongwu_tui.domain.models import ServiceRequest, Staff
from dongwu_tui.services.accounts import SignedIn
from dongwu_tui.services.desk import Desk
from dongwu_tui.ui.app import DeskApp

SIZE = (140, 40)


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    # The desk reads keymaps from the user's config folder; tests must not see the machine's own.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def make_app(desk: Desk, cast, signed_in) -> Callable[[Staff], DeskApp]:
    """The desk of `actor`, who signed in with their password through the accounts service."""

    def make(actor: Staff) -> DeskApp:
        return DeskApp(signed_in(actor).desk, site_name="吴中区高层次人才服务中心")

    return make


@pytest.fixture
def signed_in(desk: Desk, cast) -> Callable[[Staff], SignedIn]:
    """`signed_in(person)`: the real sign-in with TEST_PASSWORD, which the admin set for them (no change
    required) the first time they are asked for."""

    def sign(actor: Staff) -> SignedIn:
        accounts = desk.accounts
        if not accounts.has_password(actor.id):
            if actor.role.value == "admin":
                accounts.set_initial(actor, TEST_PASSWORD)
            else:
                desk.acting_as(cast.admin).accounts.reset(actor.id, TEST_PASSWORD, must_change=False)
        return accounts.sign_in(actor.id, TEST_PASSWORD)

    return sign


async def _settle(app: DeskApp, pilot, rounds: int = 3) -> None:
    """Let workers finish and their messages land, a few times over (one result often starts another)."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        if app._reader is not None:  # the reads made on every key (ui/work.py Reader)
            await app._reader.settled()
        await pilot.pause()


@pytest.fixture
def settle():
    return _settle


@pytest.fixture
def open_request(desk: Desk, cast, talent) -> Callable[..., ServiceRequest]:
    """A request logged by the operator for the fixture talent, optionally dispatched to their specialist."""

    def make(measure: int = 11, summary: str = "咨询人才公寓申请条件", dispatch: bool = True) -> ServiceRequest:
        operator = desk.acting_as(cast.operator)
        result = operator.calls.log(phone=talent.phone, summary=summary, measure=measure, outcome="request",
                                    force_new=True)
        assert result.request is not None
        if dispatch:
            operator.requests.move(result.request.number, "dispatch", to_site="mudu", to_staff=cast.specialist.id)
        return desk.requests.get(result.request.number)

    return make
