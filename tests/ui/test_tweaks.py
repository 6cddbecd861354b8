"""Textual's private API is reached only from ui/tweaks/, and each tweak there does what it says."""

from __future__ import annotations

import asyncio
import gc
import re
from pathlib import Path

from dongwu_tui.ui import tweaks
from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.tweaks.frames import FrameClock

UI = Path(tweaks.__file__).resolve().parent.parent
SIZE = (140, 40)

# What only ui/tweaks/ may touch: Textual's private attributes and modules, and the interpreter settings.
PRIVATE = re.compile(
    r"_css_update_count|textual\._compositor|UPDATE_PERIOD|_update_timer|_on_timer_update|setswitchinterval"
    r"|gc\.freeze|gc\.set_threshold|gc\.collect\(|_no_matches"
    r"|refresh_styles\s*="
)


def test_private_textual_api_is_used_only_in_the_tweaks_package() -> None:
    found = []
    for path in UI.rglob("*.py"):
        if "tweaks" in path.relative_to(UI).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE.search(line):
                found.append(f"{path.relative_to(UI)}:{number}: {line.strip()}")
    assert found == []


async def test_the_desk_screens_draw_by_the_frame_clock(make_app, cast, settle) -> None:
    assert tweaks.SCREEN_UPDATE_PERIOD_S < 1 / 60
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        clock = app.screen._update_timer
        assert isinstance(clock, FrameClock) and clock._period == tweaks.SCREEN_UPDATE_PERIOD_S


class _Screen:
    """What a FrameClock uses of a screen: the frame, its app, whether it is still there."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.is_attached = True
        self.app = type("App", (), {"_exit": False, "_handle_exception": staticmethod(print)})()

    def _on_timer_update(self) -> None:
        self.frames.append(asyncio.get_running_loop().time())


async def test_a_frame_is_due_one_period_after_the_last_not_on_a_grid() -> None:
    period = 0.05
    screen = _Screen()
    clock = FrameClock(screen, period)  # type: ignore[arg-type]
    clock.resume()
    await asyncio.sleep(0.01)
    assert len(screen.frames) == 1  # after a quiet moment: at once
    clock.resume()  # a change just after that frame (a key's rows after its echo)
    clock.resume()  # asked again before it is drawn: still one frame
    await asyncio.sleep(2.5 * period)
    assert len(screen.frames) == 2
    # One period after the first; Textual's timer skipped to the grid point after the next (1–2 periods).
    assert period <= screen.frames[1] - screen.frames[0] < 1.5 * period
    clock.resume()
    clock.pause()  # a layout drew it meanwhile
    await asyncio.sleep(2 * period)
    assert len(screen.frames) == 2
    screen.is_attached = False
    clock.resume()  # the screen is gone before its frame is due: nothing is drawn
    await asyncio.sleep(2 * period)
    assert len(screen.frames) == 2


async def test_the_palette_says_no_match_in_chinese(make_app, cast, settle) -> None:
    from textual.command import CommandList

    app: DeskApp = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.press(*"zqxzqx")
        await pilot.pause(1.5)  # Textual's countdown before it says there is no match
        options = app.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(i).prompt.renderable) for i in range(options.option_count)]
        assert any("没有匹配的操作" in text for text in shown), shown


def test_full_collections_wait_for_an_idle_moment() -> None:
    gc.collect()
    assert not tweaks.collect_when_idle(idle_s=5.0, since_full_s=1.0)  # none due
    for _ in range(10):
        gc.collect(1)  # each young pass counts toward the next full one, as the automatic ones do
    assert gc.get_count()[2] >= 10
    assert not tweaks.collect_when_idle(idle_s=0.2, since_full_s=5.0)  # due, but someone is typing
    assert tweaks.collect_when_idle(idle_s=2.0, since_full_s=5.0)
    assert gc.get_count()[2] == 0
    assert tweaks.collect_when_idle(idle_s=0.0, since_full_s=tweaks.FULL_AT_LEAST_EVERY_S)  # never starved


async def test_the_desk_leaves_full_collections_to_its_idle_timer_while_it_runs(make_app, cast, settle) -> None:
    before = gc.get_threshold()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert gc.get_threshold() == (before[0], before[1], tweaks.FULL_COLLECTION_THRESHOLD)
    assert gc.get_threshold() == before  # a test process runs many apps
