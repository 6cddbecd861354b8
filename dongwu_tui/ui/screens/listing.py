"""What the list workspaces (talents, requests) share: a search box above one paged list."""

from __future__ import annotations

from textual.widgets import Input

from dongwu_tui.ui.lines import PagedList
from dongwu_tui.ui.screens.base import DeskScreen


class ListWorkspace(DeskScreen):
    """Typing in `#search` reloads the list (`reload`); Enter there, or `action_focus_list`, moves to the
    list; `action_search` comes back to the box. Coming back to the workspace (from a record, another
    workspace) calls `came_back`: what it shows may have changed meanwhile."""

    _away = False

    def reload(self) -> None:
        raise NotImplementedError

    def came_back(self) -> None:
        self.query_one(PagedList).refresh_rows()

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        # Only after being away: Textual also resumes a screen as it first opens (twice, when it is switched to
        # as a mode), and reading again then would only throw away the first load (start-up, issue 6).
        if self._away:
            self._away = False
            self.came_back()

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
