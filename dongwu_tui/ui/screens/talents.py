"""Talents (人才): the caseload as a view over the database, with filters and search as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from dongwu_tui.domain.models import Staff
from dongwu_tui.domain.roles import Role
from dongwu_tui.services.views import TalentLine
from dongwu_tui.ui.lines import Column, PagedList, first_load, header_line
from dongwu_tui.ui.screens.listing import ListWorkspace

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

TALENT_COLUMNS = [
    Column("姓名", 14, lambda t: t.name),
    Column("电话", 13, lambda t: t.phone),
    Column("类别", 12, lambda t: t.category),
    Column("板块", 14, lambda t: t.township),
    Column("专员", 8, lambda t: t.specialist),
    Column("人才卡", 9, lambda t: t.card_no),
    Column("企业", 0, lambda t: t.enterprise),
]


def _own_caseload(desk: Desk) -> str | None:
    """A specialist opens on their own caseload: their id as the first specialist filter (None: everyone)."""
    actor = desk.actor
    return actor.id if actor is not None and actor.role is Role.SPECIALIST else None


class TalentsScreen(ListWorkspace):
    TITLE_TEXT = "人才"
    BINDINGS = [
        Binding("slash", "search", "搜索", id="talents.search"),
        Binding("ctrl+r", "clear_filters", "清除筛选", id="talents.clear", priority=True),
        Binding("ctrl+t", "focus_list", "到列表", id="talents.list", priority=True),
        Binding("ctrl+d", "duplicates", "重复登记", id="talents.duplicates", priority=True, show=False),
        Binding("ctrl+o", "import_roster", "导入名册", id="talents.import", priority=True, show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ready = False

    def body(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield self.search_field("搜索：姓名、拼音、首字母、电话、人才卡号或企业")
            yield Select([], prompt="全部板块", id="township")
            yield Select([], prompt="全部类别", id="category")
            yield Select([], prompt="全部专员", id="specialist")
        yield Static("", id="talents-header", classes="list-header")
        yield PagedList(TALENT_COLUMNS, id="talents-list", counted=self.show_count)
        yield Static("正在加载……", id="talents-count", classes="hint")

    @classmethod
    def prepare(cls, desk: Desk) -> Any:
        query = desk.views.talents(search="", township=None, category=None, specialist_id=_own_caseload(desk))
        return cls._catalogue(desk), query, first_load(query)

    @staticmethod
    def _catalogue(desk: Desk) -> tuple[dict[str, str], dict[str, str], list[Staff]]:
        return (
            {code: t.name for code, t in desk.directory.townships.items()},
            dict(desk.directory.talent_categories),
            desk.directory.staff_list(role=Role.SPECIALIST.value),
        )

    def on_mount(self) -> None:
        prepared = self.prepared()
        if prepared is None:
            desk = self.desk
            self.fetch(lambda: self._catalogue(desk), then=self.catalogue_read)
        else:
            catalogue, query, loaded = prepared
            self._show_catalogue(catalogue)
            self.ready = True
            self.query_one(PagedList).set_query(query, loaded=loaded)
        self.query_one(PagedList).focus()

    def catalogue_read(self, value: tuple[dict[str, str], dict[str, str], list[Staff]]) -> None:
        self._show_catalogue(value)
        self.ready = True
        self.reload_list()

    def _show_catalogue(self, value: tuple[dict[str, str], dict[str, str], list[Staff]]) -> None:
        townships, categories, specialists = value
        self.query_one("#township", Select).set_options([(n, c) for c, n in townships.items()])
        self.query_one("#category", Select).set_options([(n, c) for c, n in categories.items()])
        specialist = self.query_one("#specialist", Select)
        specialist.set_options([(f"{s.name} · {s.office_name.removesuffix('人才工作站')}", s.id) for s in specialists])
        own = _own_caseload(self.desk)
        if own is not None:
            with specialist.prevent(Select.Changed):
                specialist.value = own

    def on_resize(self) -> None:
        self.query_one("#talents-header", Static).update(header_line(TALENT_COLUMNS, self.size.width - 2))

    def _filters(self) -> dict[str, Any]:
        def value(selector: str) -> str | None:
            chosen = self.query_one(selector, Select).value
            return chosen if isinstance(chosen, str) else None

        return {
            "search": self.query_one("#search", Input).value,
            "township": value("#township"),
            "category": value("#category"),
            "specialist_id": value("#specialist"),
        }

    def reload_list(self) -> None:
        if not self.ready:
            return
        views, filters = self.desk.views, self._filters()
        self.query_one(PagedList).read_query(lambda: views.talents(**filters))

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload_list()

    def show_count(self, message: PagedList.Counted) -> None:
        filters = self._filters()
        shown = "搜索结果" if filters["search"].strip() else "人才"
        query = message.paged_list.query_source
        figure = query.shown_count(message.count) if query is not None else str(message.count)
        # A box of one line (desk.tcss): the new figure is drawn without a layout of the screen.
        self.query_one("#talents-count", Static).update(f"{shown}共 {figure} 人　Enter 打开档案　/ 搜索", layout=False)

    def on_paged_list_selected(self, message: PagedList.Selected) -> None:
        from dongwu_tui.ui.screens.talent import TalentScreen

        line: TalentLine = message.row
        self.app.push_screen(TalentScreen(line.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "duplicates":  # the duplicates view and its merge are the supervisors'
            actor = self.desk.actor
            return actor is not None and actor.role is Role.SUPERVISOR
        return super().check_action(action, parameters)

    def action_duplicates(self) -> None:
        from dongwu_tui.ui.screens.duplicates import DuplicatesScreen

        self.app.push_screen(DuplicatesScreen())

    def action_import_roster(self) -> None:
        from dongwu_tui.ui.screens.roster_import import RosterImportScreen

        self.app.push_screen(RosterImportScreen())

    def action_clear_filters(self) -> None:
        for select in self.query(Select):
            with select.prevent(Select.Changed):
                select.clear()
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""  # the search box reads the list again as its value changes (SearchField)
        else:
            self.reload_list()
