"""The desk application: who is working, the three workspaces (intake, talents, requests), help and palette.

Each workspace is a Textual mode with its own screen stack: F2/F3/F4 switch between them from anywhere
and Esc goes back within one. The role of the person at the desk decides where they start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState
from textual.worker_manager import WorkerManager

from dongwu_tui.ui import tweaks
from dongwu_tui.ui.screens.base import StylesKeptUntilAway

tweaks.apply()  # Textual's private API, all in ui/tweaks/: see there

if TYPE_CHECKING:
    from dongwu_tui.domain.models import Staff
    from dongwu_tui.services.accounts import SignedIn
    from dongwu_tui.services.desk import Desk
    from dongwu_tui.ui.screens.base import DeskScreen
    from dongwu_tui.ui.screens.signin import SignInScreen
    from dongwu_tui.ui.work import Reader

# By role (domain.roles.Role, a StrEnum: its members look up their values). The domain, storage and services
# modules load after the first frame when the desk starts from the command line (start-up).
log = logging.getLogger(__name__)

# Minutes without a key or a click before the lock screen covers the desk (config.toml `[desk]
# idle_lock_minutes`; 0 turns the lock off).
DEFAULT_IDLE_LOCK_MINUTES = 10.0

FIRST_MODE = {"operator": "intake", "specialist": "talents", "supervisor": "requests", "admin": "talents"}


def open_and_run(db: Path | None, actor: str | None) -> int:
    """`dongwu [--db PATH] [--as STAFF]` on a terminal: the desk's first frame (title and keys) comes first,
    the database is opened after it (start-up), then the sign-in screen asks who is working and
    their password (`--as` only fills in the name). A database that cannot be opened comes back out of the
    app as the error open_desk raised, for the command line to report as before."""
    from dongwu_tui import logfile
    from dongwu_tui.ui.config import load_idle_lock_minutes, load_keymap

    logfile.install()  # errors in the desk's actions and workers go to the rotating log file

    def opener() -> Desk:
        from dongwu_tui.services.setup import open_desk
        from dongwu_tui.storage.paths import default_database_path

        return open_desk(db if db is not None else default_database_path())

    from dongwu_tui.ui import serve

    keymap, warning = load_keymap()
    idle_minutes, idle_warning = load_idle_lock_minutes(default=DEFAULT_IDLE_LOCK_MINUTES)
    in_browser = serve.in_browser()
    if in_browser:
        keymap = serve.serve_keymap(keymap)
    app = DeskApp(opener=opener, keymap=keymap, config_warning=warning or idle_warning, sign_in_as=actor,
                  idle_lock_minutes=idle_minutes, in_browser=in_browser)
    try:
        app.run()
    finally:
        if app.desk is not None:
            app.desk.office.close()
    if app.open_error is not None:
        raise app.open_error
    return 0


class _LoggingWorkerManager(WorkerManager):
    """Every worker of the app ends here (its task's done callback, Textual 8.2): one that ended in an error
    it did not hand to `_handle_exception` (exit_on_error off, as the desk's workers run) is logged with its
    traceback, whoever started it. Service calls made through `fetch` catch their own errors and log the
    unexpected ones in ui/work.py; what reaches here is a worker's own code failing."""

    def _remove_worker(self, worker: Worker) -> None:
        if worker.state is WorkerState.ERROR and not worker.exit_on_error and worker.error is not None:
            log.error("worker %r failed", worker.name, exc_info=worker.error)
        super()._remove_worker(worker)


class OpeningScreen(StylesKeptUntilAway):
    """The first frame while the database opens: the title line and the keys that work everywhere."""

    def compose(self) -> ComposeResult:
        from dongwu_tui.ui.keybar import KeyBar
        from dongwu_tui.ui.screens.base import TitleBar

        yield TitleBar("东吴人才服务台", id="title", notice=False)
        yield KeyBar()


def _desk_commands() -> type[Provider]:
    # Textual takes a callable here so that the palette's module loads when the palette first opens.
    from dongwu_tui.ui.palette import DeskCommands

    return DeskCommands


# The workspaces, one Textual mode each: (module, class), imported when first opened.
WORKSPACES = {
    "intake": ("dongwu_tui.ui.screens.intake", "IntakeScreen"),
    "talents": ("dongwu_tui.ui.screens.talents", "TalentsScreen"),
    "requests": ("dongwu_tui.ui.screens.requests", "RequestsScreen"),
    "dashboard": ("dongwu_tui.ui.screens.dashboard", "DashboardScreen"),
    "sync": ("dongwu_tui.ui.screens.sync", "SyncScreen"),
}


# Shown while F9 drops one person's workspaces and builds the next person's (DeskApp._restart_as).
SWITCHING_MODE = "switching"


def workspace_class(mode: str) -> type[DeskScreen]:
    module, name = WORKSPACES[mode]
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def _workspace(mode: str) -> Screen:
    """A workspace made for `switch_mode`, styled as current (`tweaks.style_as_current`)."""
    return tweaks.style_as_current(workspace_class(mode)())


class DeskApp(App[None]):
    TITLE = "东吴人才服务台"
    CSS_PATH = "desk.tcss"
    COMMANDS = {_desk_commands}
    ENABLE_COMMAND_PALETTE = True
    MODES = {mode: partial(_workspace, mode) for mode in WORKSPACES}

    BINDINGS = [
        Binding("f2", "open_mode('intake')", "来电登记", id="app.intake", priority=True),
        Binding("f3", "open_mode('talents')", "人才", id="app.talents", priority=True),
        Binding("f4", "open_mode('requests')", "工单", id="app.requests", priority=True),
        Binding("f6", "open_mode('dashboard')", "督办看板", id="app.dashboard", priority=True),
        Binding("f7", "open_mode('sync')", "同步", id="app.sync", priority=True),
        Binding("f1", "help", "帮助", id="app.help_f1", priority=True),
        Binding("question_mark", "help", "帮助", show=False, id="app.help"),
        Binding("f9", "switch_user", "切换用户", show=False, id="app.switch_user", priority=True),
        Binding("ctrl+p", "command_palette", "命令面板", show=False, id="app.palette", priority=True),
        Binding("ctrl+q", "quit", "退出", id="app.quit", priority=True),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    # Open sync conflicts, shown on every title line (ui/sync_notice.py) (0 until counted).
    conflicts_open: reactive[int] = reactive(0)

    def __init__(self, desk: Desk | None = None, *, opener: Callable[[], Desk] | None = None, site_name: str = "",
                 keymap: dict[str, str] | None = None, config_warning: str | None = None,
                 sign_in_as: str | None = None, idle_lock_minutes: float = DEFAULT_IDLE_LOCK_MINUTES,
                 in_browser: bool = False, **kwargs: Any) -> None:
        """Either an open `desk` (the tests: the desk of a person signed in with the accounts service,
        `AccountService.sign_in(...).desk`), or an `opener` that opens it after the first frame (the command
        line, `open_and_run`); a desk with nobody acting starts on the sign-in screen (`sign_in_as`: the name
        it fills in). After `idle_lock_minutes` without a key or a click the lock screen covers the desk."""
        if desk is not None and desk.actor is not None:
            # Known at launch: the role's workspace is the first screen composed, rather than switched to from
            # Textual's default screen once mounted, which would parse the whole stylesheet twice more.
            self.DEFAULT_MODE = FIRST_MODE.get(desk.actor.role, "talents")  # type: ignore[misc]
        super().__init__(**kwargs)
        self._workers = _LoggingWorkerManager(self)
        # None only while the opener runs, before any workspace exists (the actions below wait for it).
        self.desk: Desk = desk  # type: ignore[assignment]
        self._opener = opener
        self._prepared: dict[type, Any] = {}  # DeskScreen.prepare's reading for the first workspace
        self.open_error: Exception | None = None
        self.site_name = site_name
        self._startup_keymap = keymap or {}
        self._config_warning = config_warning
        self.mode_history: list[str] = []  # the workspaces left by a key, latest last: Esc on the dashboard or sync
        self._reader: Reader | None = None
        self.theme = "textual-dark"
        self._sign_in_as = sign_in_as
        self._sign_in: SignInScreen | None = None  # the first sign-in, up from the first frame until it is done
        self.idle_lock_s = idle_lock_minutes * 60
        self.last_input = time.monotonic()
        self.locked = False
        self._idle_timer: Any = None
        # A `dongwu serve` session (ui/serve.py): Alt keys for those the browser keeps, other tabs' writes
        # shown without a key press, an idle limit.
        self.in_browser = in_browser
        if in_browser:
            self.COMMAND_PALETTE_BINDING = "alt+p"

    # -- start-up -------------------------------------------------------------------------------

    def run(self, *args: Any, **kwargs: Any) -> Any:
        with tweaks.fast_switching():
            return super().run(*args, **kwargs)

    @property
    def reader(self) -> Reader:
        """The thread that runs the short reads made on every key (`FetchMixin.read`), started on first use."""
        if self._reader is None:
            from dongwu_tui.ui.work import Reader

            self._reader = Reader(release=self._release_reader_connection)
        return self._reader

    def _release_reader_connection(self) -> None:
        if self.desk is not None:
            self.desk.office.release()

    def on_unmount(self) -> None:
        if self._reader is not None:
            self._reader.stop()
        tweaks.restore_collector()

    def get_default_screen(self) -> Screen:
        return OpeningScreen() if self.desk is None else super().get_default_screen()

    def on_mount(self) -> None:
        if self._startup_keymap:
            self.set_keymap(self._startup_keymap)
        if self._config_warning:
            self.notify(self._config_warning, title="配置", severity="warning", markup=False)
        if self.desk is None:
            # A desk opened from the command line has nobody acting yet: sign-in comes first, and is up from the
            # first frame, taking the name and the password while the database opens in a worker. The worker
            # starts once that frame is drawn: its imports would otherwise share the interpreter with it.
            self._push_sign_in()
            assert self._sign_in is not None
            self._sign_in.call_after_refresh(self.run_worker, self._open_desk, thread=True, exit_on_error=False,
                                             name="open-desk")
        else:
            self._begin()

    def first_mode(self) -> str:
        """The workspace the person at the desk starts on (and Esc on the dashboard or sync goes back to)."""
        actor = self.desk.actor if self.desk is not None else None
        return FIRST_MODE.get(actor.role, "talents") if actor is not None else self.current_mode

    def _warn_keymap(self) -> None:
        """A remap that takes another binding's key, or names no binding, is said once after the first workspace
        is drawn (it imports every screen to look) and in the help."""
        from dongwu_tui.ui.config import desk_keymap_warnings

        warnings = desk_keymap_warnings(self._startup_keymap, type(self))
        if warnings:
            self.notify("\n".join(warnings), title="按键设置冲突", severity="warning", timeout=15, markup=False)

    def _open_desk(self) -> None:
        """In a worker, while the opening frame is drawn: open the database and read what the role's first
        workspace shows first (`DeskScreen.prepare`), so that it comes up with its rows (start-up)."""
        assert self._opener is not None
        try:
            desk = self._opener()
            site_name = self.site_name or desk.office.meta("site_name") or ""
        except Exception as error:  # noqa: BLE001 - handed back to the command line, which reports it
            self.call_from_thread(self._not_opened, error)
            return
        try:
            if desk.actor is not None:
                workspace = workspace_class(FIRST_MODE.get(desk.actor.role, "talents"))
                self._prepared[workspace] = workspace.prepare(desk)
        except Exception:  # noqa: BLE001 - nothing read ahead: the workspace reads as it mounts, and reports
            pass
        finally:
            desk.office.release()  # this thread's connection, back to the pool for the first worker
        self.call_from_thread(self._opened, desk, site_name)

    def _not_opened(self, error: Exception) -> None:
        from dongwu_tui.domain.errors import DeskError

        self.open_error = error
        self.exit(return_code=2 if isinstance(error, DeskError) else 1)

    def _opened(self, desk: Desk, site_name: str) -> None:
        self.desk = desk
        self.site_name = site_name
        self._begin()

    def take_prepared(self, workspace: type) -> Any:
        return self._prepared.pop(workspace, None)

    def delay_update(self, delay: float = 0.05) -> None:
        if tweaks.hold_frames(self, OpeningScreen):
            super().delay_update(delay)

    def _begin(self) -> None:
        self.call_after_refresh(tweaks.freeze_startup_objects)
        self._last_full_collection = time.monotonic()
        self.set_interval(2.0, self._collect_when_idle)
        if self.in_browser:
            from dongwu_tui.ui import serve

            serve.start(self)
        if self.desk.actor is None:
            if self._sign_in is None:
                self._push_sign_in()
            else:
                self._sign_in.desk_opened()
        else:
            self._start_as(self.desk.actor)

    def _push_sign_in(self) -> None:
        from dongwu_tui.ui.screens.signin import SignInScreen

        self._sign_in = SignInScreen(name=self._sign_in_as)
        self.push_screen(self._sign_in, self._signed_in)

    def _signed_in(self, signed: SignedIn | None) -> None:
        self._sign_in = None
        if signed is None:
            self.exit()
            return
        self.desk = signed.desk
        try:  # the first workspace comes up with its rows, as when the desk opens for a known person
            workspace = workspace_class(FIRST_MODE.get(signed.staff.role, "talents"))
            self._prepared[workspace] = workspace.prepare(signed.desk)
        except Exception:  # noqa: BLE001 - nothing read ahead: the workspace reads as it mounts, and reports
            pass
        self._start_as(signed.staff)

    def _start_as(self, staff: Staff) -> None:
        self.desk = self.desk.acting_as(staff)
        self.last_input = time.monotonic()
        if self._idle_timer is None and self.idle_lock_s > 0:
            self._idle_timer = self.set_interval(min(30.0, self.idle_lock_s / 4), self.lock_if_idle)
        self.sub_title = f"{staff.name} · {staff.role.label}"
        self.switch_mode(FIRST_MODE.get(staff.role, "talents"))
        # What nobody waits for comes after the first frame (start-up).
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        for warning in self.desk.calendar.warnings():
            self.notify(warning, title="工作日历", severity="warning", markup=False)
        if self._startup_keymap:
            self._warn_keymap()
        self.refresh_conflict_count()

    def refresh_conflict_count(self) -> None:
        """Count open sync conflicts in a worker; the title lines and banners follow `conflicts_open`."""
        desk = self.desk

        def count() -> None:
            try:
                found = desk.sync.conflict_count()
            except Exception:  # noqa: BLE001 - an uncountable inbox shows nothing rather than stop the desk
                return
            finally:
                desk.office.release()
            self.call_from_thread(setattr, self, "conflicts_open", found)

        self.run_worker(count, thread=True, exclusive=True, exit_on_error=False, group="conflict-count",
                        name="conflict-count")

    # -- moving about ---------------------------------------------------------------------------

    async def action_open_mode(self, mode: str, **values: Any) -> None:
        if self.desk is None or self.desk.actor is None or self.locked:
            return
        if mode != self.current_mode:
            self.mode_history = [*self.mode_history[-19:], self.current_mode]
        # Awaited so that a workspace opened for the first time is composed before it is filled in.
        await self.switch_mode(mode)
        if values:
            # The form itself, not a page opened from it (a caller's record, opened from intake with Ctrl+O).
            while len(self.screen_stack) > 1 and getattr(self.screen, "prefill", None) is None:
                await self.pop_screen()
            screen = self.screen
            hook = getattr(screen, "prefill", None)
            if hook is not None:
                hook(**values)

    def start_call(self, **values: Any) -> None:
        """Go to intake with fields filled in (from a talent's page: their number)."""
        self.call_later(self.action_open_mode, "intake", **values)

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        """Every notification (screens call this one) names stored records: shown with terminal controls
        spelled out."""
        from dongwu_tui.domain.safetext import printable

        super().notify(printable(str(message), keep_lines=True), *args, **kwargs)

    def open_talent(self, talent_id: str) -> None:
        """A talent's record over the current screen (a request's and a talent's pages open each other)."""
        from dongwu_tui.ui.screens.talent import TalentScreen

        self.push_screen(TalentScreen(talent_id))

    def open_request(self, request_id: str) -> None:
        """A request's page over the current screen."""
        from dongwu_tui.ui.screens.request import RequestScreen

        self.push_screen(RequestScreen(request_id))

    def unsaved_call(self) -> bool:
        """Whether a workspace holds a half-typed call (intake) that leaving would drop."""
        for stack in self._screen_stacks.values():
            for screen in stack:
                unsaved = getattr(screen, "unsaved_call", None)
                if unsaved is not None and unsaved():
                    return True
        return False

    def _unless_unsaved(self, what: str, then: Callable[[], Any]) -> None:
        """`then()` at once, or after the person confirms that the half-typed call may be dropped."""
        from dongwu_tui.ui.screens.dialogs import ConfirmDialog

        if not self.unsaved_call():
            then()
            return
        if isinstance(self.screen, ConfirmDialog):
            return
        question = f"来电登记中还有未保存的来电，{what}将丢弃已填写的内容。确定{what}吗？"

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.push_screen(ConfirmDialog(f"确定{what}？", question), answered)

    async def action_quit(self) -> None:
        self._unless_unsaved("退出", self.exit)

    def action_switch_user(self) -> None:
        from dongwu_tui.ui.screens.signin import SignInScreen

        if self.desk is None or self.desk.actor is None or isinstance(self.screen, SignInScreen):
            return
        if self.locked:  # the next person signs in over the lock; the locked person's call is not theirs to keep
            self._choose_user()
            return
        self._unless_unsaved("切换用户", self._choose_user)

    def _choose_user(self) -> None:
        """F9: the next person signs in with their password; their desk replaces the current one."""
        from dongwu_tui.ui.screens.signin import SignInScreen

        def chosen(signed: SignedIn | None) -> None:
            if signed is not None:
                self.locked = False
                self.call_later(self._restart_as, signed.staff)

        self.push_screen(SignInScreen(switching=True), chosen)

    def _collect_when_idle(self) -> None:
        """Full garbage collections run here, between keys, not inside a frame (`tweaks.collect_when_idle`)."""
        now = time.monotonic()
        if tweaks.collect_when_idle(now - self.last_input, now - self._last_full_collection):
            self._last_full_collection = now

    # -- the idle lock --------------------------------------------------------------------------

    def lock_if_idle(self) -> None:
        """The interval timer's tick: lock once the desk has had no key or click for the configured time."""
        if not self.locked and self.desk is not None and self.desk.actor is not None and \
                time.monotonic() - self.last_input >= self.idle_lock_s:
            self.lock()

    def lock(self) -> None:
        """Cover everything with the lock screen: toasts go too, since they may name a caller."""
        from dongwu_tui.ui.screens.signin import LockScreen

        self.locked = True
        self.clear_notifications()
        self.push_screen(LockScreen())

    def unlock(self) -> None:
        from dongwu_tui.ui.screens.signin import LockScreen

        self.locked = False
        self.last_input = time.monotonic()
        if isinstance(self.screen, LockScreen):
            self.pop_screen()

    async def _restart_as(self, staff: Staff) -> None:
        """Every workspace and every screen opened from one holds its person: the title line, the actions
        allowed, masking, counts. All of them are dropped and the new person starts on their first screen,
        as if they had just opened the desk. A holding screen (the opening frame's title and keys) is shown
        meanwhile, because Textual removes only modes that are not on show."""
        self.desk = self.desk.acting_as(staff)
        self.sub_title = f"{staff.name} · {staff.role.label}"
        self._prepared.clear()
        self.mode_history = []  # Esc on the dashboard or sync does not go back into the previous person's desk
        self.add_mode(SWITCHING_MODE, OpeningScreen)
        await self.switch_mode(SWITCHING_MODE)
        for mode in WORKSPACES:
            if mode in self._modes:
                await self.remove_mode(mode)
            self.add_mode(mode, self.MODES[mode])
        await self.switch_mode(FIRST_MODE.get(staff.role, "talents"))
        await self.remove_mode(SWITCHING_MODE)
        self.refresh_conflict_count()

    def _watch_app_focus(self, focus: bool) -> None:
        super()._watch_app_focus(focus)
        # Textual focuses a screen's first field only while the app has focus, and a browser session starts
        # without it (textual-serve's driver): the first screen shown then (who is working) would take no
        # typing. When focus comes (the tab is clicked, the first key), a screen with nothing focused gets it.
        if focus and self.screen_stack and self.screen.focused is None:
            self.screen._update_auto_focus()

    def action_help(self) -> None:
        from dongwu_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen) and not self.locked:
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        from dongwu_tui.ui.palette import ChinesePalette

        # Textual types is_open for App[object], which App[None] is not; the app is what it asks about.
        palette_open = ChinesePalette.is_open(cast("App[object]", self))
        if self.desk is not None and self.use_command_palette and not palette_open and not self.locked:
            self.push_screen(ChinesePalette())

    def action_help_quit(self) -> None:
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"退出请按 {self.get_key_display(active.binding)}", title="要退出吗？", markup=False)
                return

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.last_input = time.monotonic()  # the idle lock counts from the last key or click
        if isinstance(event, events.Paste) and not event.is_forwarded:
            self._paste_on_one_line(event)
        await super().on_event(event)

    def _paste_on_one_line(self, paste: events.Paste) -> None:
        """Textual's one-line Input keeps only the first line of a paste. The desk's fields are all one line:
        the pasted lines are joined with spaces instead (blank lines dropped), and the person is told."""
        from textual.widgets import Input

        if not isinstance(self.focused, Input) or len(paste.text.splitlines()) < 2:
            return
        lines = [line.strip() for line in paste.text.splitlines() if line.strip()]
        paste.text = " ".join(lines)
        if len(lines) > 1:
            self.notify(f"粘贴的内容有 {len(lines)} 行，已用空格合并为一行，请检查。", title="粘贴",
                        severity="warning", markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("退出", "关闭东吴人才服务台", self.action_quit)
        yield SystemCommand("帮助", "查看本页的按键", self.action_help)

    def _handle_exception(self, error: Exception) -> None:
        """The last line of defence on a real terminal: a bug in one action must not close the desk in front
        of a caller. The traceback goes to the log file and the user sees a short Chinese notice. Headless
        runs (the tests) keep Textual's behaviour so that bugs fail loudly."""
        if self.is_headless:
            super()._handle_exception(error)
            return
        from dongwu_tui.domain.errors import DeskError

        if isinstance(error, DeskError):
            self.show_error(error.message)
            return
        from dongwu_tui import logfile

        log.error("unexpected error in the desk", exc_info=error)
        path = logfile.written_to()
        where = f"，详情已记录在 {path}" if path else ""
        self.notify(f"操作未完成：程序内部错误（{type(error).__name__}）{where}。", title="内部错误",
                    severity="error", timeout=10, markup=False)

    def show_error(self, message: str) -> None:
        self.notify(message, title="未完成", severity="error", timeout=8, markup=False)
