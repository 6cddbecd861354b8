"""PagedList on its own, over an in-memory query: what a key draws again, pages read ahead, the cursor's style."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import Struct
from rich.cells import cell_len
from textual.app import App, ComposeResult

from dongwu_tui.services.views import PAGE_SIZE
from dongwu_tui.ui.lines import Column, PagedList


class Row(Struct, frozen=True):
    number: int
    name: str
    key: tuple[Any, ...]


class ListQuery:
    """The part of PagedQuery that PagedList uses, over `count` numbered rows. It notes each page read, and
    whether any of that page's rows were on show in `shown_by` (a PagedList) at the time."""

    capped = False

    def __init__(self, count: int) -> None:
        self.rows = [Row(i, f"第{i}行人才服务记录", (i,)) for i in range(count)]
        self.reads: list[tuple[int, bool]] = []  # (page, some of its rows on show as it was read)
        self.shown_by: PagedList | None = None

    def count(self) -> int:
        return len(self.rows)

    def anchors(self) -> list[tuple[Any, ...]]:
        return [row.key for row in self.rows[::PAGE_SIZE]]

    def page(self, start: tuple[Any, ...] | None = None, *, inclusive: bool = True) -> list[Row]:
        first = 0 if start is None else start[0] + (0 if inclusive else 1)
        on_show = False
        if self.shown_by is not None:
            top, height = self.shown_by.scroll_offset.y, self.shown_by.scrollable_content_region.height
            on_show = first < top + height and top < first + PAGE_SIZE
        self.reads.append((first // PAGE_SIZE, on_show))
        return self.rows[first:first + PAGE_SIZE]


class ListApp(App[None]):
    def __init__(self, query: ListQuery) -> None:
        super().__init__()
        self.list_query = query
        self.drawn_rows: list[int] = []  # each row drawn afresh (not from the line cache)

    def compose(self) -> ComposeResult:
        def number(row: Row) -> str:
            self.drawn_rows.append(row.number)
            return str(row.number)

        # Two columns share what is left: an odd width leaves a cell over; a narrow list cuts the row.
        yield PagedList([Column("编号", 6, number), Column("名称", 0, lambda row: row.name),
                         Column("备注", 0, lambda row: "已办结")])

    def on_mount(self) -> None:
        paged = self.query_one(PagedList)
        paged.set_query(self.list_query)  # type: ignore[arg-type]
        paged.focus()


async def _settle(app: App[None], pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_moving_the_cursor_draws_only_the_two_rows_it_changes():
    app = ListApp(ListQuery(250))
    async with app.run_test(size=(60, 20)) as pilot:
        await _settle(app, pilot)
        paged = app.query_one(PagedList)
        assert len(app.drawn_rows) >= paged.scrollable_content_region.height  # the first screen, drawn once
        app.drawn_rows.clear()
        await pilot.press("down")
        await _settle(app, pilot)
        assert paged.cursor == 1
        assert sorted(app.drawn_rows) == [0, 1]  # the row left and the row reached; the rest from the cache


async def test_the_next_page_is_read_before_paging_reaches_it():
    query = ListQuery(250)
    app = ListApp(query)
    async with app.run_test(size=(60, 20)) as pilot:
        await _settle(app, pilot)
        paged = app.query_one(PagedList)
        query.shown_by = paged
        height = paged.scrollable_content_region.height
        while paged.scroll_offset.y + 2 * height < PAGE_SIZE:
            await pilot.press("pagedown")
            await _settle(app, pilot)
        await pilot.press("pagedown", "pagedown")  # no settling: the rows must be there at once
        shown = [paged.render_line(y).text for y in range(height)]
        assert paged.scroll_offset.y + height > PAGE_SIZE
        assert not any("……" in line for line in shown)
        top = paged.scroll_offset.y
        assert all(f"第{top + y}行" in line for y, line in enumerate(shown))
        # Page 1 was read once, while none of its rows were on show yet (read only when a row needed it, as
        # before, the read would find them on show as "……").
        assert [on_show for page, on_show in query.reads if page == 1] == [False]


async def test_the_cursor_row_is_drawn_again_when_the_list_loses_focus():
    app = ListApp(ListQuery(30))
    async with app.run_test(size=(60, 20)) as pilot:
        await _settle(app, pilot)
        paged = app.query_one(PagedList)
        focused = paged.render_line(0).text, [s.style for s in paged.render_line(0)]
        app.set_focus(None)
        await pilot.pause()
        unfocused = [s.style for s in paged.render_line(0)]
        assert unfocused != focused[1]
        paged._lines.clear()  # what a line drawn afresh looks like
        assert [s.style for s in paged.render_line(0)] == unfocused


@pytest.mark.parametrize("width", [14, 40, 41, 57, 60])
async def test_every_row_is_exactly_as_wide_as_the_list(width):
    app = ListApp(ListQuery(30))
    async with app.run_test(size=(width, 12)) as pilot:
        await _settle(app, pilot)
        paged = app.query_one(PagedList)
        inner = paged.scrollable_content_region.width
        for y in range(5):
            strip = paged.render_line(y)
            assert strip.cell_length == inner
            assert cell_len(strip.text) == inner
