"""Start-up (issue 6): the key line, one load per result, nothing asked twice, the collector back on."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.worker import WorkerCancelled

from deskkit import TEST_PASSWORD

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.services.views import ViewService
from dongwu_tui.ui.app import DeskApp, open_and_run
from dongwu_tui.ui.keybar import KeyBar
from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.tweaks import SWITCH_INTERVAL_S

SIZE = (140, 40)


async def test_the_key_line_shows_the_keys_and_a_click_presses_one(make_app, cast, settle):
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        strip = bar.render_line(0)
        line = strip.text
        assert strip.cell_length == SIZE[0]
        assert line.startswith("⏎ 打开 / 搜索 ^t 到列表 ^v 视图 ^q 退出 f2 来电登记 f3 人才 f4 工单")
        assert line.rstrip().endswith("▏^p 命令面板")
        x = cell_len(line[: line.index("f3 人才")])  # a Chinese character takes two cells
        await pilot.click(KeyBar, offset=(x + 1, 0))
        await settle(app, pilot)
        assert app.current_mode == "talents"


async def test_opening_the_request_views_asks_once(make_app, cast, settle, open_request, monkeypatch):
    """One count of the views and one count-and-first-page when the first screen opens. Each result used to
    be handled twice (Textual calls every class's handler in the MRO) and the resume that follows the mount
    asked for both again."""
    open_request()
    loads: list[int] = []
    counts: list[int] = []
    made = PagedList.made
    view_counts = ViewService.view_counts

    def counting_made(self, generation, value):
        loads.append(value)
        made(self, generation, value)

    def counting_counts(self, *args, **kwargs):
        counts.append(1)
        return view_counts(self, *args, **kwargs)

    monkeypatch.setattr(PagedList, "made", counting_made)
    monkeypatch.setattr(ViewService, "view_counts", counting_counts)
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RequestsScreen"
        assert len(loads) == 1
        assert len(counts) == 1


def test_the_collector_is_back_on_after_the_first_frame(desk, cast):
    """cli.main switches the cyclic collector off for start-up; the desk switches it on after its first frame,
    with what start-up made frozen."""
    code = f"""
import asyncio, gc
from dongwu_tui.services.setup import open_desk
from dongwu_tui.ui.app import DeskApp

gc.disable()
desk = open_desk({str(desk.office.path)!r}, {cast.supervisor.name!r})

async def go():
    async with DeskApp(desk).run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        print(gc.isenabled(), gc.get_freeze_count() > 0)

asyncio.run(go())
"""
    desk.office.close()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def _headless(seen: dict[str, object], look=None):
    """DeskApp.run for open_and_run in a test: headless, until the first workspace has settled (then `look`)."""

    def run(self) -> None:
        async def go() -> None:
            async with self.run_test(size=SIZE) as pilot:
                for _ in range(6):
                    try:
                        await self.workers.wait_for_complete()
                    except WorkerCancelled:  # the app is closing (a database that cannot be opened)
                        return
                    await pilot.pause()
                    if type(self.screen).__name__ == "SignInScreen" and self.focused is not None and \
                            self.focused.id == "password":  # the person `--as` named types their password
                        await pilot.press(*TEST_PASSWORD, "enter")
                seen["screen"] = type(self.screen).__name__
                seen["styles"] = [(type(w).__name__, str(w.rich_style), str(w.styles.background))
                                  for w in self.screen.walk_children()]
                self.clear_notifications()  # toasts come and go on their own clock
                await pilot.pause()
                seen["drawn"] = re.sub(r"terminal-\d+", "terminal", self.export_screenshot())
                if look is not None:
                    look(self, seen)

        asyncio.run(go())

    return run


def test_the_first_frame_comes_before_the_database(desk, cast, monkeypatch, signed_in):
    """From the command line the first frame is the sign-in screen over the title line and keys, asking the
    `--as` person for their password; the database opens after that frame (the opener runs then), and the
    role's workspace follows the sign-in."""
    path = desk.office.path
    signed_in(cast.supervisor)  # their password, typed on the sign-in screen
    desk.office.close()
    seen: dict[str, object] = {}
    open_desk = DeskApp._open_desk

    def opening(self) -> None:
        seen["opening"] = (type(self.screen).__name__, self.desk, self.screen_stack[0].query_one("#title").render(),
                           self.screen.query_one("#signin-message").render())
        open_desk(self)

    monkeypatch.setattr(DeskApp, "_open_desk", opening)
    monkeypatch.setattr(DeskApp, "run", _headless(seen))
    assert open_and_run(path, cast.supervisor.name) == 0
    screen, desk_then, title, asked = seen["opening"]  # type: ignore[misc]
    assert (screen, desk_then) == ("SignInScreen", None)
    assert "东吴人才服务台" in str(title)
    assert str(asked) == f"{cast.supervisor.name}，请输入密码。"
    assert seen["screen"] == "RequestsScreen"


def test_a_database_that_cannot_be_opened_comes_back_as_its_error(tmp_path, monkeypatch):
    """As before the first frame moved ahead: the command line gets open_desk's error (exit 2, one line)."""
    seen: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(seen))
    with pytest.raises(StorageError, match="数据库文件不存在"):
        open_and_run(tmp_path / "missing.db", "周督办")


def test_from_the_opening_frame_the_workspace_asks_once_and_is_styled_once(desk, cast, open_request,
                                                                             monkeypatch, signed_in):
    """The command line's path: the opening frame, then `switch_mode` to the role's workspace. Textual resumes a
    screen switched to for the first time twice and restyles the whole app for it twice (the stylesheet parsed
    again each time); the workspace must still load its rows and its view counts once, and nothing is parsed
    again for it (ui/app.py `_styled`)."""
    from textual.css.stylesheet import Stylesheet

    open_request()
    path = desk.office.path
    signed_in(cast.supervisor)  # their password, typed on the sign-in screen
    desk.office.close()
    calls: dict[str, int] = {"set_query": 0, "counts": 0, "reparse": 0}
    set_query, view_counts, reparse = PagedList.set_query, ViewService.view_counts, Stylesheet.reparse
    open_desk = DeskApp._open_desk

    def counting(name, function):
        def counted(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return counted

    def opening(self) -> None:
        calls["reparse"] = 0  # from here on: the stylesheet was made for the opening frame
        open_desk(self)

    monkeypatch.setattr(PagedList, "set_query", counting("set_query", set_query))
    monkeypatch.setattr(ViewService, "view_counts", counting("counts", view_counts))
    monkeypatch.setattr(Stylesheet, "reparse", counting("reparse", reparse))
    monkeypatch.setattr(DeskApp, "_open_desk", opening)
    seen: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(seen))
    assert open_and_run(path, cast.supervisor.name) == 0
    assert seen["screen"] == "RequestsScreen"
    assert calls == {"set_query": 1, "counts": 1, "reparse": 0}
    # Styled as well as a workspace made the usual way (the first screen of a desk opened before the app).
    monkeypatch.undo()
    usual: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(usual))
    from dongwu_tui.services.setup import open_desk as open_the_desk

    opened = open_the_desk(path, cast.supervisor.name)
    DeskApp.run(DeskApp(opened, site_name=opened.office.meta("site_name") or ""))
    assert usual["screen"] == "RequestsScreen"
    assert seen["styles"] == usual["styles"]
    assert seen["drawn"] == usual["drawn"]


def test_a_specialist_opens_on_their_caseload_read_ahead(desk, cast, talent, monkeypatch, signed_in):
    """A specialist's first workspace is the talents list of their own caseload: read ahead with the database
    (TalentsScreen.prepare) and shown with one query, the specialist filter set to them."""
    from textual.widgets import Select

    own = desk.acting_as(cast.specialist).views.talents(specialist_id=cast.specialist.id).count()
    path = desk.office.path
    signed_in(cast.specialist)  # their password, typed on the sign-in screen
    desk.office.close()
    calls = {"set_query": 0, "loaded": 0}
    set_query = PagedList.set_query

    def counted(self, query, **kwargs):
        calls["set_query"] += 1
        calls["loaded"] += kwargs.get("loaded") is not None
        return set_query(self, query, **kwargs)

    def look(app, seen) -> None:
        seen["specialist"] = app.screen.query_one("#specialist", Select).value
        seen["count"] = app.screen.query_one(PagedList).count

    monkeypatch.setattr(PagedList, "set_query", counted)
    seen: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(seen, look))
    assert open_and_run(path, cast.specialist.name) == 0
    assert seen["screen"] == "TalentsScreen"
    assert calls == {"set_query": 1, "loaded": 1}
    assert seen["specialist"] == cast.specialist.id
    assert own > 0 and seen["count"] == own


async def test_keys_that_do_not_fit_the_key_line_are_left_out_whole(make_app, cast, settle):
    app = make_app(cast.supervisor)
    async with app.run_test(size=(70, 30)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        keys, _palette = bar._keys()
        items = [f"{display} {description}" for _key, display, description, _enabled in keys]
        left = bar.render_line(0).text.split("▏")[0].rstrip()
        shown = [n for n in range(len(items) + 1) if left == " ".join(items[:n])]
        assert shown and 0 < shown[0] < len(items), left  # some keys shown in full, the rest left out


def test_the_desk_runs_with_a_short_switch_interval(monkeypatch):
    """While the desk runs, Python hands the GIL over every millisecond, so that Textual's writer thread puts
    a drawn frame on the terminal soon (DeskApp.run); the interval is put back as the desk closes."""
    seen: list[float] = []
    monkeypatch.setattr(App, "run", lambda self, *args, **kwargs: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL_S
    DeskApp(opener=lambda: None).run()  # type: ignore[arg-type]
    assert seen == [SWITCH_INTERVAL_S]
    assert sys.getswitchinterval() == before


def _restyles(monkeypatch) -> list[str]:
    """The screens (by class name) that Textual styles again, one entry per pass over a screen's nodes."""
    from textual.screen import Screen

    restyled: list[str] = []
    update_node_styles = Screen.update_node_styles

    def counting(self, animate: bool = True) -> None:
        restyled.append(type(self).__name__)
        update_node_styles(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", counting)
    return restyled


def test_a_workspace_that_was_never_away_is_drawn_alike_without_the_restyles(desk, cast, open_request,
                                                                              monkeypatch, signed_in):
    """Textual styles a screen again on each resume; a workspace switched to from the opening frame resumes
    twice before its first frame, with the styles it mounted with. It skips those passes (DeskScreen
    `_styles_still_current`): no restyle at all, and styled and drawn exactly as with them."""
    from dongwu_tui.ui.screens.base import DeskScreen

    open_request()
    path = desk.office.path
    signed_in(cast.supervisor)  # their password, typed on the sign-in screen
    desk.office.close()
    restyled = _restyles(monkeypatch)
    skipped: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(skipped))
    assert open_and_run(path, cast.supervisor.name) == 0
    assert skipped["screen"] == "RequestsScreen"
    assert "RequestsScreen" not in restyled
    monkeypatch.setattr(DeskScreen, "_been_away", True)  # Textual's way: a restyle on every resume
    restyled.clear()
    usual: dict[str, object] = {}
    monkeypatch.setattr(DeskApp, "run", _headless(usual))
    assert open_and_run(path, cast.supervisor.name) == 0
    assert restyled.count("RequestsScreen") == 2
    assert skipped["styles"] == usual["styles"]
    assert skipped["drawn"] == usual["drawn"]


async def test_a_workspace_back_from_another_is_restyled_as_it_resumes(make_app, cast, settle, monkeypatch):
    restyled = _restyles(monkeypatch)
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RequestsScreen"
        assert "RequestsScreen" not in restyled
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RequestsScreen"
        assert "RequestsScreen" in restyled
