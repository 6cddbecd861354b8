"""A list that is a view over the database: drawn line by line, fetching only the pages about to be seen.

`PagedList` is a ScrollView using Textual's Line API: `virtual_size` is the row count, `render_line(y)`
draws one row, and the count and pages of rows arrive from the app's reader thread (`FetchMixin.read`: a
search typed key by key reads only for the latest key) keyed by the sort key of their first row
(the anchors), so scrolling to row 80,000 of 100,000 costs one indexed query, not an OFFSET scan.
Pages and rendered lines are kept in LRU caches; nothing else is held in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from msgspec import Struct
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dongwu_tui.domain.safetext import printable
from dongwu_tui.services.views import PAGE_SIZE, PagedQuery
from dongwu_tui.ui.work import FetchMixin

MAX_PAGES = 64
GAP = "  "


# What a list shows first: the row count, the page holding the cursor, and (when that page is not the first)
# the page anchors that found it.
Loaded = tuple[int, list[Any], list[tuple[Any, ...]] | None]


def first_load(query: PagedQuery, first_index: int = 0) -> Loaded:
    """The count and the page holding row `first_index`: what `PagedList.set_query` reads in its worker, and what
    a workspace reads ahead before its list exists (`DeskScreen.prepare`, start-up)."""
    count = query.count()
    anchors = query.anchors() if first_index and count > PAGE_SIZE else None
    start = anchors[first_index // PAGE_SIZE] if anchors and first_index // PAGE_SIZE < len(anchors) else None
    return count, query.page(start), anchors


class Column(Struct, frozen=True):
    title: str
    width: int  # terminal cells; 0 means "take what is left"
    text: Callable[[Any], str]
    align: str = "left"


def fit(text: str, width: int, align: str = "left") -> str:
    """Pad or cut `text` to exactly `width` terminal cells (a Chinese character is two), with every
    character a terminal acts on spelled out (stored text goes to the terminal as it is drawn here)."""
    text = printable(text)
    if cell_len(text) > width:
        cut = set_cell_size(text, max(0, width - 1))
        return set_cell_size(cut + "…", width)
    pad = " " * (width - cell_len(text))
    return pad + text if align == "right" else text + pad


def layout(columns: Sequence[Column], total: int) -> list[int]:
    fixed = sum(c.width for c in columns if c.width) + cell_len(GAP) * (len(columns) - 1)
    flexible = [c for c in columns if not c.width]
    rest = max(6, total - fixed) // max(1, len(flexible)) if flexible else 0
    return [c.width or rest for c in columns]


def header_line(columns: Sequence[Column], total: int) -> str:
    widths = layout(columns, total)
    return GAP.join(fit(c.title, w, c.align) for c, w in zip(columns, widths, strict=True))


class PagedList(FetchMixin, ScrollView, can_focus=True):
    """Rows of a `PagedQuery` with a cursor; Enter opens the row under it."""

    DEFAULT_CSS = """
    PagedList { height: 1fr; scrollbar-size-vertical: 1; overflow-y: scroll; overflow-x: hidden; }
    PagedList > .paged-list--cursor { background: $accent 40%; text-style: bold; }
    PagedList:focus > .paged-list--cursor { background: $accent; color: $text; }
    PagedList > .paged-list--empty { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"paged-list--cursor", "paged-list--empty"}

    # The rows' count is the virtual height. The list's box never depends on it (the scrollbar is always
    # shown: `overflow-y: scroll`), so a new count moves the scrollbar's thumb and lays nothing out; as a
    # Widget's, each search's count cost a layout and a repaint of the whole screen.
    virtual_size = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("up", "cursor(-1)", "上移", show=False, id="list.up"),
        Binding("down", "cursor(1)", "下移", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "上一页", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "下一页", show=False, id="list.page_down"),
        Binding("home", "edge(0)", "第一条", show=False, id="list.first"),
        Binding("end", "edge(1)", "最后一条", show=False, id="list.last"),
        Binding("enter", "open", "打开", id="list.open"),
    ]

    class Counted(Message):
        def __init__(self, paged_list: PagedList, count: int) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.count = count

    class Highlighted(Message):
        def __init__(self, paged_list: PagedList, index: int, row: Any | None) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.index = index
            self.row = row

    class Selected(Message):
        def __init__(self, paged_list: PagedList, index: int, row: Any) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.index = index
            self.row = row

    def __init__(self, columns: Sequence[Column], *, empty_text: str = "没有符合条件的记录",
                 counted: Callable[[PagedList.Counted], object] | None = None, **kwargs: Any) -> None:
        """`counted`: called with each new count as the rows are shown, in the same turn, so that a count line
        it updates is drawn in the same frame as the rows; without it, a `Counted` message is posted (it
        reaches the screen a few message hops later, often after that frame)."""
        super().__init__(**kwargs)
        self._counted = counted
        self.columns = list(columns)
        self.empty_text = empty_text
        self.query_source: PagedQuery | None = None
        self.count: int | None = None
        self.cursor = 0
        self._generation = 0
        self._anchors: list[tuple[Any, ...]] | None = None
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._lines: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._layout: tuple[int, list[int], int] | None = None  # (list width, column widths, cells drawn)

    # -- the source -------------------------------------------------------------------------------

    def set_query(self, query: PagedQuery, *, keep_cursor: bool = False, loaded: Loaded | None = None) -> None:
        """Show another query; its count and first page are read as `read_query` reads them, unless they come
        `loaded` already (`first_load`, read in a worker before the list existed: start-up)."""
        if loaded is None:
            self.read_query(lambda: query, keep_cursor=keep_cursor)
            return
        self._restart(keep_cursor)
        self.query_source = query
        self._show_loaded(loaded)

    def read_query(self, make: Callable[[], PagedQuery], *, keep_cursor: bool = False) -> None:
        """Show the query `make()` returns, made in the reader thread together with its count and first page:
        making a search's query reads the database too (the enterprises a short name matches), and the UI
        thread never does. The rows on show stay until the new ones arrive."""
        generation = self._restart(keep_cursor)
        first_index = (self.cursor // PAGE_SIZE) * PAGE_SIZE if keep_cursor else 0

        def load() -> tuple[PagedQuery, Loaded]:
            query = make()
            return query, first_load(query, first_index)

        self.read(load, then=partial(self.made, generation), group="load")

    def _restart(self, keep_cursor: bool) -> int:
        """A new generation of rows: reads for the one before are dropped as they come back."""
        self._generation += 1
        self._pending.clear()
        if not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False)
        return self._generation

    def made(self, generation: int, value: tuple[PagedQuery, Loaded]) -> None:
        if generation == self._generation:
            self.query_source, loaded = value
            self._show_loaded(loaded)

    def refresh_rows(self) -> None:
        """Reload the same query (after a change), keeping the cursor where it was."""
        if self.query_source is not None:
            self.set_query(self.query_source, keep_cursor=True)

    def _show_loaded(self, loaded: Loaded) -> None:
        count, first, anchors = loaded
        generation = self._generation
        query = self.query_source
        assert query is not None
        self.count = count
        self._anchors = anchors
        self._pages.clear()
        self._lines.clear()
        page_index = (self.cursor // PAGE_SIZE) if anchors else 0
        self._pages[page_index] = first
        self.cursor = min(self.cursor, max(0, count - 1))
        self.virtual_size = Size(self.size.width, max(count, 1))
        self.refresh()
        self._announce_count(count)
        self._announce()
        if count > PAGE_SIZE and anchors is None:
            # Once these rows are drawn: the anchors are needed only to jump further than the next page.
            self.call_after_refresh(self.fetch, query.anchors, partial(self.anchors_read, generation))
        if query.capped:
            # A broad search counted up to its cap ("1000+"); the exact figure follows from a worker, started
            # once these rows are drawn (its thread would otherwise share the interpreter with their drawing).
            self.call_after_refresh(self.fetch, query.exact_count, partial(self.counted_exactly, generation))

    def counted_exactly(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self.count = count
        self.virtual_size = Size(self.size.width, max(count, 1))
        self.refresh()
        self._announce_count(count)

    def anchors_read(self, generation: int, anchors: list[tuple[Any, ...]]) -> None:
        if generation == self._generation:
            self._anchors = anchors
            self.refresh()

    def _request_page(self, page: int) -> None:
        if page in self._pending or self.query_source is None:
            return
        start: tuple[Any, ...] | None
        inclusive = True
        if self._anchors is not None and page < len(self._anchors):
            start = self._anchors[page]
        elif page - 1 in self._pages and len(self._pages[page - 1]) == PAGE_SIZE:
            start, inclusive = self._pages[page - 1][-1].key, False
        elif page == 0:
            start = None
        else:
            return  # the anchors are on their way; render_line asks again when they arrive
        self._pending.add(page)
        query, generation = self.query_source, self._generation
        self.read(lambda: query.page(start, inclusive=inclusive), then=partial(self.page_read, generation, page),
                  group=f"page_{page}")

    def page_read(self, generation: int, page: int, rows: list[Any]) -> None:
        self._pending.discard(page)
        if generation != self._generation:
            return
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if page * PAGE_SIZE < top + height and top < (page + 1) * PAGE_SIZE:
            self.refresh()  # rows on show were "……" (never kept in the line cache); a page read ahead is not
        if self.cursor // PAGE_SIZE == page:
            self._announce()

    def row(self, index: int) -> Any | None:
        page = self._pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        self._pages.move_to_end(index // PAGE_SIZE)
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> Any | None:
        return self.row(self.cursor) if self.count else None

    # -- drawing ----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if self.count is None or self.count == 0:
            if y != 0:
                return Strip.blank(width)
            text = "正在加载……" if self.count is None else self.empty_text
            style = self.get_component_rich_style("paged-list--empty")
            return Strip([Segment(fit(" " + text, width), style)])
        if index >= self.count:
            return Strip.blank(width)
        selected = index == self.cursor
        key = (index, width, selected)
        cached = self._lines.get(key)
        if cached is not None:
            return cached
        row = self.row(index)
        if row is None:
            self._request_page(index // PAGE_SIZE)
            return Strip([Segment(fit(" ……", width), self.get_component_rich_style("paged-list--empty"))])
        widths, drawn = self._widths(width)
        text = " " + GAP.join(fit(c.text(row), w, c.align) for c, w in zip(self.columns, widths, strict=True))
        if drawn != width:
            text = fit(text, width)
        style = self.get_component_rich_style("paged-list--cursor") if selected else Style()
        strip = Strip([Segment(text, style)], width)  # its width given: not measured again, cell by cell
        self._lines[key] = strip
        return strip

    def _widths(self, width: int) -> tuple[list[int], int]:
        """The columns' widths for a list `width` cells wide, and the cells a row drawn with them takes (each
        cell is fitted to its width exactly): once per width, not once per row."""
        if self._layout is None or self._layout[0] != width:
            widths = layout(self.columns, width - 1)
            self._layout = (width, widths, 1 + sum(widths) + cell_len(GAP) * (len(widths) - 1))
        return self._layout[1], self._layout[2]

    def watch_virtual_size(self, size: Size) -> None:
        if self.is_mounted:
            # As a layout would set them (Widget._scroll_update): the thumb's size needs both, whichever of
            # the count and the list's first layout came first.
            bar = self.vertical_scrollbar
            bar.window_virtual_size = size.height
            bar.window_size = self.container_size.height - self.scrollbar_size_horizontal
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def notify_style_update(self) -> None:
        # A drawn line holds the cursor's style, which changes with focus (`PagedList:focus`) and the theme.
        super().notify_style_update()
        self._lines.clear()

    def on_resize(self) -> None:
        self._lines.clear()
        if self.count is not None:
            self.virtual_size = Size(self.size.width, max(self.count, 1))

    # -- moving -----------------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self.count:
            return
        index = max(0, min(self.count - 1, index))
        if index == self.cursor:
            return
        previous, self.cursor = self.cursor, index
        height = self.scrollable_content_region.height or 1
        top = self.scroll_offset.y
        if index < top or index >= top + height:
            top = index if index < top else index - height + 1
            self.scroll_to(y=top, animate=False)
            self.refresh()
        else:
            # Only the two rows whose cursor mark changed are drawn again; the others come from the line cache.
            self.refresh_line(previous)
            self.refresh_line(index)
        # After the frame: the worker reading ahead would otherwise share the interpreter with its drawing.
        self.call_after_refresh(self._prefetch, top, height)
        self._announce()

    def _prefetch(self, top: int, height: int) -> None:
        """Ask for the pages one screen above and below the rows in view, so that moving or paging on shows rows
        at once rather than "……" while their page loads (a page read only once a key needed it was the slow
        tail of page down)."""
        if not self.count:
            return  # nothing loaded yet, or nothing to show: the list's own load reads the first page
        last_row = self.count - 1
        for page in range(max(0, top - height) // PAGE_SIZE, min(last_row, top + 2 * height) // PAGE_SIZE + 1):
            if page not in self._pages:
                self._request_page(page)

    def _announce_count(self, count: int) -> None:
        if self._counted is not None:
            self._counted(self.Counted(self, count))
        else:
            self.post_message(self.Counted(self, count))

    def _announce(self) -> None:
        if self.count:
            self.post_message(self.Highlighted(self, self.cursor, self.row(self.cursor)))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_edge(self, end: int) -> None:
        self._move_to((self.count or 1) - 1 if end else 0)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(self, self.cursor, row))

    def scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False)
