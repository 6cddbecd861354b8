"""What every desk screen shares: the title line, the footer, Esc to go back, and the worker plumbing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from dongwu_tui.ui.keybar import KeyBar
from dongwu_tui.ui.work import FetchMixin

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.ui.app import DeskApp


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary; color: $text; text-style: bold; padding: 0 1; }
    """

    def __init__(self, *args: Any, notice: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notice = notice  # the opening frame has no database yet, so no conflicts to count

    def compose(self) -> ComposeResult:
        if self.notice:
            # sync: the open-conflict count, on every workspace's title line.
            from dongwu_tui.ui.sync_notice import ConflictNotice

            yield ConflictNotice()


def go_back(screen: Screen) -> None:
    """Esc on a workspace reached with a key from another one (the dashboard, sync): the screen under it if there
    is one, else the workspace it was opened from, and the one before that on the next Esc (the role's first
    workspace when there is none)."""
    app = screen.app
    if len(app.screen_stack) > 1:
        app.pop_screen()
        return
    history: list[str] = getattr(app, "mode_history", [])
    while history and (history[-1] == app.current_mode or history[-1] not in app.MODES):
        history.pop()
    if history:
        target = history.pop()
    else:
        first_mode = getattr(app, "first_mode", None)  # DeskApp's: the role's first workspace
        target = first_mode() if first_mode is not None else app.current_mode
    if target != app.current_mode and target in app.MODES:
        app.switch_mode(target)


class StylesKeptUntilAway(Screen):
    """A screen whose resumes skip Textual's restyle of every node until another screen has once covered it
    (`tweaks.keep_styles_on_resume`): the workspaces, the opening frame and the sign-in screen."""

    _been_away = False

    @on(events.ScreenSuspend)
    def _went_away(self) -> None:
        self._been_away = True

    @on(events.ScreenResume)
    def _styles_still_current(self, event: events.ScreenResume) -> None:
        from dongwu_tui.ui.tweaks import keep_styles_on_resume

        keep_styles_on_resume(event, self._been_away)


class DeskScreen(FetchMixin, StylesKeptUntilAway):
    """A workspace screen. Subclasses set TITLE_TEXT and compose their body in `body()`."""

    TITLE_TEXT = ""
    BINDINGS = [Binding("escape", "back", "返回", id="screen.back")]

    @property
    def desk(self) -> Desk:
        return self.desk_app.desk

    @property
    def desk_app(self) -> DeskApp:
        return self.app  # type: ignore[return-value]

    @classmethod
    def prepare(cls, desk: Desk) -> Any:
        """What this workspace shows first, read ahead before it exists: at start-up the worker that opens the
        database reads it for the role's first workspace, so that its first frame has its rows.
        None: nothing to read ahead; the workspace fetches as it mounts. Runs in a worker, never on the UI
        thread."""
        return None

    def prepared(self) -> Any:
        """What `prepare` read for this workspace at start-up: once, for the first screen of its kind (None
        otherwise, and for a desk opened before the app started, as in the tests)."""
        return self.desk_app.take_prepared(type(self))

    def compose(self) -> ComposeResult:
        yield TitleBar(self.title_text(), id="title")
        yield from self.body()
        yield KeyBar()  # Textual's compact Footer, drawn as one widget (ui/keybar.py)

    def body(self) -> ComposeResult:
        yield from ()

    def title_text(self) -> str:
        actor = self.desk.actor
        who = f"{actor.name}（{actor.role.label}）" if actor else ""
        site = self.desk_app.site_name
        return f"东吴人才服务台 · {self.TITLE_TEXT}    {who}  {site}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
