"""Chinese text on an overlay: the Select's options are drawn whole over the widgets they cover (ui/tweaks/wide.py)."""

from __future__ import annotations

import re

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Select

import dongwu_tui.ui.app  # noqa: F401 - the desk's app module applies ui/tweaks/wide.py as it is imported

OPTIONS = [("产业人才", "industry"), ("郭巷街道人才工作站", "guoxiang"), ("木渎镇人才工作站", "mudu")]
PROMPT = "请选择收件单位"
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Dialog(App[None]):
    """A dialog's labels under the Select's overlay, their right edges (x = 12) in the middle of the options'
    characters (which start at x = 9: the padding, the Select's margin and border, the option's padding)."""

    CSS = """
    Vertical { padding: 1 3; width: 60; height: auto; }
    Label { width: 9; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("收件单位")
            yield Select(OPTIONS, prompt=PROMPT, id="to")
            for text in ("导出方式", "增量", "存放文件夹", "导出", "文件"):
                yield Label(text)


def screen_lines(app: App) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_select_overlay_shows_every_character_of_chinese_options():
    app = Dialog()
    async with app.run_test(size=(70, 16)) as pilot:
        app.query_one("#to", Select).focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        text = "\n".join(lines)
        for label, _ in OPTIONS:
            assert label in text, text
        assert text.count(PROMPT) == 2, text  # the Select's own line and the overlay's blank option
        # The partial update the terminal receives writes them whole too.
        compositor = app.screen._compositor
        compositor._dirty_regions.add(compositor.size.region)
        update = compositor.render_partial_update()
        written = CSI.sub("", update.render_segments(app.console))
        for label, _ in OPTIONS:
            assert label in written
