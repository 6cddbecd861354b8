"""What the list workspaces (talents, requests) share: a search box above one paged list."""

from __future__ import annotations

from textual.widgets import Input

from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.base import DeskScreen


class ListWorkspace(DeskScreen):
    """Typing in `#search` reloads the list (`reload`); Enter there, or `action_focus_list`, moves to the
    list; `action_search` comes back to the box."""

    def reload(self) -> None:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(PagedList).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(PagedList).focus()
