"""What the list workspaces (talents, requests) share: a search box above one paged list."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import ModalScreen
from textual.widgets import Input

from dongwu_tui.ui.fields import SearchField
from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.base import DeskScreen


class ReloadsWhenBack:
    """For a screen showing a PagedList: coming back to it after being away (a record, another workspace)
    calls `came_back`, which reads the list again, since what it shows may have changed meanwhile. Not on the
    resumes Textual sends as a screen first opens (twice, when it is switched to as a mode): reading again
    then would only throw away the first load (start-up). Nor after a dialog over it (help, the
    palette, a move's reason): the screen stayed where it was, and what a dialog changes, its own result
    reads again once the change is done."""

    _away = False

    def came_back(self) -> None:
        self.query_one(PagedList).refresh_rows()  # type: ignore[attr-defined]

    def on_screen_suspend(self) -> None:
        # Suspend arrives once the screen that covers this one is on top of the stack.
        if not isinstance(self.app.screen, ModalScreen):  # type: ignore[attr-defined]
            self._away = True

    def on_screen_resume(self) -> None:
        if self._away:
            self._away = False
            self.came_back()


class ListWorkspace(ReloadsWhenBack, DeskScreen):
    """Typing in the search box (`search_field`, id `search`) reads the list again (`reload_list`, each
    workspace's own: the current search and filters) as each key is taken; Enter there, or
    `action_focus_list`, moves to the list; `action_search` comes back to the box."""

    reload_list: Callable[[], None]

    def search_field(self, placeholder: str) -> SearchField:
        return SearchField(placeholder=placeholder, id="search", changed=lambda _value: self.reload_list())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(PagedList).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(PagedList).focus()
