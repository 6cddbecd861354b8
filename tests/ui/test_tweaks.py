"""Textual's private API is reached only from ui/tweaks/, and each tweak there does what it says."""

from __future__ import annotations

import re
from pathlib import Path

import textual.screen

from dongwu_tui.ui import tweaks
from dongwu_tui.ui.app import DeskApp

UI = Path(tweaks.__file__).resolve().parent.parent
SIZE = (140, 40)

# What only ui/tweaks/ may touch: Textual's private attributes and modules, and the interpreter settings.
PRIVATE = re.compile(
    r"_css_update_count|textual\._compositor|UPDATE_PERIOD|setswitchinterval|gc\.freeze|_no_matches"
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


async def test_the_desk_screens_update_at_the_tweaked_period(make_app, cast, settle) -> None:
    assert textual.screen.UPDATE_PERIOD == tweaks.SCREEN_UPDATE_PERIOD_S < 1 / 60
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen._update_timer._interval == tweaks.SCREEN_UPDATE_PERIOD_S


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
