"""A key typed in a field, and a list's new count, draw again what changed and lay nothing out (ui/fields.py,
ui/lines.py); a search box starts its list's read in the same turn as the key."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input

from dongwu_tui.ui.fields import Field, SearchField
from dongwu_tui.ui.lines import Column, PagedList
from tests.ui.test_paged_list import ListQuery

CSS = "Input { width: 20; height: 1; border: none; padding: 0 1; }"


class Layouts:
    """Counts the screen layouts (Textual's `Screen._refresh_layout`) made while it is on."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        layout = Screen._refresh_layout

        def counted(screen, *args, **kwargs):
            self.count += 1
            return layout(screen, *args, **kwargs)

        monkeypatch.setattr(Screen, "_refresh_layout", counted)


class FieldsApp(App[None]):
    CSS = CSS

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, bool]] = []  # (value, whether the Changed message had been handled)
        self.handled: list[str] = []

    def compose(self) -> ComposeResult:
        yield Field(id="field")
        yield Input(id="input")
        yield SearchField(id="search", changed=lambda value: self.changes.append((value, value in self.handled)))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.handled.append(event.value)


async def test_typing_in_a_field_lays_nothing_out_where_an_input_does(monkeypatch):
    layouts = Layouts(monkeypatch)
    app = FieldsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        app.query_one("#field", Field).focus()
        await pilot.pause()
        layouts.count = 0
        await pilot.press(*"张三丰")
        await pilot.pause()
        assert app.query_one("#field", Field).value == "张三丰"
        assert layouts.count == 0
        app.query_one("#input", Input).focus()
        await pilot.pause()
        await pilot.press(*"张三丰")
        await pilot.pause()
        assert layouts.count >= 3  # Textual's Input: one layout of the screen per key


async def test_a_long_value_scrolls_as_in_textual_s_input():
    app = FieldsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        seen = {}
        for selector in ("#field", "#input"):
            box = app.query_one(selector, Input)
            box.focus()
            await pilot.press(*"吴中区高层次人才服务中心木渎人才工作站")
            await pilot.pause()
            typed = (box.scroll_x, box.cursor_screen_offset.x)
            await pilot.press(*["backspace"] * 8)
            await pilot.pause()
            erased = (box.scroll_x, box.cursor_screen_offset.x)
            await pilot.press("home")
            await pilot.pause()
            seen[selector] = (typed, erased, box.scroll_x)
        assert seen["#field"] == seen["#input"]
        assert seen["#field"][0][0] > 0  # scrolled to keep the cursor in view


async def test_a_search_field_calls_back_with_the_key_before_the_changed_message():
    app = FieldsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.query_one("#search", SearchField).focus()
        await pilot.press("c", "y")
        await pilot.pause()
        assert app.changes == [("c", False), ("cy", False)]
        assert app.handled[-2:] == ["c", "cy"]  # Input.Changed is still posted, and handled after


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PagedList([Column("编号", 6, lambda row: str(row.number)), Column("名称", 0, lambda row: row.name)])


async def test_a_new_row_count_moves_the_scrollbar_and_lays_nothing_out(monkeypatch):
    layouts = Layouts(monkeypatch)
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        paged = app.query_one(PagedList)
        paged.set_query(ListQuery(500))  # type: ignore[arg-type]
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        bar = paged.vertical_scrollbar
        assert (paged.virtual_size.height, bar.window_virtual_size) == (500, 500)
        layouts.count = 0
        for count in (3, 250, 0, 40):  # a search typed key by key: fewer rows than the list is high, and more
            paged.set_query(ListQuery(count))  # type: ignore[arg-type]
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert bar.window_virtual_size == max(count, 1)
            assert bar.window_size == paged.container_size.height  # the thumb's other measure, as a layout sets it
            assert paged.show_vertical_scrollbar  # always shown: the list's width never changes with its rows
        assert layouts.count == 0
        last = paged.scrollable_content_region.height - 1
        assert f"第{last}行" in paged.render_line(last).text  # the rows of the last count, drawn
