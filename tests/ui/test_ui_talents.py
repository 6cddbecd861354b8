"""The caseload: search by a 2-character name, pinyin initials, phone prefix; the talent's page."""

from __future__ import annotations

import pytest

from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.talent import TalentScreen
from dongwu_tui.ui.screens.talents import TalentsScreen
from dongwu_tui.ui.work import FetchMixin

SIZE = (140, 40)


@pytest.fixture
def people(desk, cast, talent):
    operator = desk.acting_as(cast.operator)
    others = [("陈晓明", "13900001111"), ("王芳", "13700002222"), ("张伟", "18600003333")]
    for name, phone in others:
        operator.talents.add(name=name, phone=phone, category_code="young", township_code="luzhi")
    return talent


@pytest.mark.parametrize(("typed", "expected"), [
    ("陈人", {"陈人才"}),            # 1–2 characters: the name-prefix path
    ("王芳", {"王芳"}),
    ("crc", {"陈人才"}),             # pinyin initials
    ("chen", {"陈人才", "陈晓明"}),   # full pinyin, trigram path
    ("1380013", {"陈人才"}),         # phone prefix
])
async def test_search_as_you_type(make_app, cast, desk, people, settle, typed, expected):
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        await pilot.press("slash", *typed)
        await settle(app, pilot)
        paged = app.screen.query_one(PagedList)
        names = {paged.row(i).name for i in range(paged.count)}
        assert names == expected
        # The list is what the database holds for that search.
        ids = {paged.row(i).id for i in range(paged.count)}
        assert ids == {line.id for line in desk.views.talents(search=typed).page(None)}
        await pilot.press("enter", "enter")  # to the list, open the first
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen)
        assert app.screen.talent.name in expected


async def test_specialist_opens_on_their_caseload_and_sees_numbers(make_app, cast, desk, people, settle):
    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        paged = app.screen.query_one(PagedList)
        assert paged.count == 1 and paged.row(0).phone == people.phone
        await pilot.press("enter")
        await settle(app, pilot)
        profile = str(app.screen.query_one("#profile").render())
        assert people.phone in profile and "11010519491231002X" in profile


async def test_supervisor_sees_masked_numbers(make_app, cast, desk, people, open_request, settle):
    open_request()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        paged = app.screen.query_one(PagedList)
        assert all("****" in paged.row(i).phone for i in range(paged.count))
        app.push_screen(TalentScreen(people.id))
        await settle(app, pilot)
        profile = str(app.screen.query_one("#profile").render())
        assert "138****8000" in profile and "11010519491231002X" not in profile
        timeline = app.screen.query_one("#timeline")
        prompts = [str(timeline.get_option_at_index(i).prompt) for i in range(timeline.option_count)]
        assert any("工单 WZ-" in p for p in prompts) and any("☎ 来电" in p for p in prompts)


async def test_help_palette_and_escape(make_app, cast, people, settle):
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        text = str(app.screen.query_one("#help-body").render())
        assert "搜索" in text and "来电登记" in text and "帮助" in text
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        from dongwu_tui.ui.palette import ChinesePalette

        assert isinstance(app.screen, ChinesePalette)
        await pilot.press(*"ss")  # 搜索 by its pinyin initials
        await pilot.pause(0.6)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen) and app.focused.id == "search"


async def test_new_request_from_a_talent_page_opens_intake_filled_in(make_app, cast, desk, people, settle):
    """From the caseload, `r` on a talent's page starts a call for them even before intake was ever opened."""
    from dongwu_tui.ui.screens.intake import IntakeScreen

    app = make_app(cast.specialist)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentScreen)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.query_one("#phone").value == people.phone
        await pilot.press("1", "1")
        await settle(app, pilot)
        await pilot.press(*"上门走访", "ctrl+s")
        await settle(app, pilot)
    requests = desk.requests.list(talent=people.id)
    assert [r.summary for r in requests] == ["上门走访"]


async def test_a_supervisor_starting_a_call_does_not_see_the_full_number(make_app, cast, desk, people, settle):
    """Supervisors see numbers masked everywhere; a call started from a talent's page keeps the number
    for the record but shows it as dots, and the call is saved with the real number."""
    from dongwu_tui.ui.screens.intake import IntakeScreen

    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(TalentScreen(people.id))
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        box = app.screen.query_one("#phone")
        assert box.value == people.phone and box.password
        assert people.phone[-4:] not in app.export_screenshot()   # what is drawn: dots, not digits
        await pilot.press("1", "1")
        await settle(app, pilot)
        await pilot.press(*"回访电话", "ctrl+s")
        await settle(app, pilot)
        assert app.screen.query_one("#phone").password          # the saved call stays on screen, masked
        await pilot.press("ctrl+n")                              # the next call starts with a plain field
        await settle(app, pilot)
        assert not app.screen.query_one("#phone").password
    assert [r.summary for r in desk.requests.list(talent=people.id)] == ["回访电话"]


async def test_search_as_you_type_reads_on_the_reader_not_a_worker_per_key(make_app, cast, people, settle,
                                                                           monkeypatch) -> None:
    """Each key of a search reads the count and first page on the app's one reader thread: no thread worker is
    started for it, and the list ends on the rows of the whole text."""
    fetched: list[str] = []
    fetch = FetchMixin.fetch

    def counting_fetch(self, function, then, **kwargs):
        if isinstance(self, PagedList):
            fetched.append(getattr(then, "func", then).__name__)
        return fetch(self, function, then, **kwargs)

    monkeypatch.setattr(FetchMixin, "fetch", counting_fetch)
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, TalentsScreen)
        fetched.clear()
        await pilot.press("slash", *"chen")
        await settle(app, pilot)
        assert "loaded" not in fetched and "made" not in fetched  # the rows come from the reader, not a worker
        assert app._reader is not None and app._reader._thread is not None
        paged = app.screen.query_one(PagedList)
        assert {paged.row(i).name for i in range(paged.count)} == {"陈人才", "陈晓明"}


async def test_ctrl_r_clears_the_search_and_reads_the_whole_list_once(make_app, cast, people, settle,
                                                                       monkeypatch) -> None:
    from dongwu_tui.ui.work import Reader

    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("slash", *"chen")
        await settle(app, pilot)
        paged = app.screen.query_one(PagedList)
        assert paged.count == 2
        reads: list[str] = []
        submit = Reader.submit

        def counting(self, node, group, function, then, failed):
            if group.endswith(":load"):
                reads.append(group)
            return submit(self, node, group, function, then, failed)

        monkeypatch.setattr(Reader, "submit", counting)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.screen.query_one("#search").value == ""
        assert paged.count == 4  # every talent again
        assert len(reads) == 1  # one read of the list, not one for the box and one for the filters
