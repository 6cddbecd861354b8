"""Snapshots of the main screens over fixed data (fixed clock, fixed request numbers, no random text on screen)."""

from __future__ import annotations

import pytest

from dongwu_tui.ui.screens.request import RequestScreen

SIZE = (140, 40)


@pytest.fixture
def scene(desk, cast, talent, open_request):
    # The calendar is shared by the session; a test that counted into an unpublished year leaves a
    # warning behind that the desk would show as a toast at start-up.
    desk.calendar.fallback_years.clear()
    operator = desk.acting_as(cast.operator)
    operator.talents.add(name="王芳", phone="13700002222", category_code="young", township_code="luzhi",
                         card_no="DW000002")
    operator.talents.add(name="Anna Müller", phone="18600003333", category_code="international",
                         township_code="mudu", id_kind="passport", id_number="E12345678")
    first = open_request(measure=11)
    open_request(measure=12, summary="子女转学需要协调学位", dispatch=False)
    desk.acting_as(cast.specialist).requests.move(first.id, "sign")
    desk.acting_as(cast.specialist).requests.move(first.id, "progress", reason="已联系人才，正在协调房源")
    return first


async def _settle(pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_intake_known_caller(snap_compare, make_app, cast, talent, scene):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press(*talent.phone)
        await _settle(pilot)
        await pilot.press("1", "1")
        await _settle(pilot)

    assert snap_compare(make_app(cast.operator), terminal_size=SIZE, run_before=run_before)


def test_talents_caseload(snap_compare, make_app, cast, scene):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f3")
        await _settle(pilot)

    assert snap_compare(make_app(cast.supervisor), terminal_size=SIZE, run_before=run_before)


def test_request_views(snap_compare, make_app, cast, scene):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("7")
        await _settle(pilot)

    assert snap_compare(make_app(cast.supervisor), terminal_size=SIZE, run_before=run_before)


def test_request_page(snap_compare, make_app, cast, scene):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        pilot.app.push_screen(RequestScreen(scene.id))
        await _settle(pilot)

    assert snap_compare(make_app(cast.specialist), terminal_size=SIZE, run_before=run_before)
