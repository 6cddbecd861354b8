"""The desk in a browser tab (`dongwu serve`): what differs from the terminal.

- Keys the browser keeps for itself (Ctrl+N, Ctrl+T, Ctrl+W, Ctrl+P in some, F5) never reach the page: each
  desk binding on one of them gets an Alt key as well, shown first in the key line and the help. The
  office's own remaps (config.toml) still win.
- Several operators work the same database at once: a change made in another tab shows in this tab's lists
  and counts within `POLL_S` seconds, without a key press (one `PRAGMA data_version` read per poll).
- A session left alone for the idle limit ends; the browser says so and saved work stays saved.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dongwu_tui.ui.app import DeskApp

# Binding id → keys: the Alt alternative first (what the key line and help show), then the usual key, which
# still works where the browser lets it through (a kiosk window, Ctrl+P in some browsers).
SERVE_KEYMAP = {
    "intake.save_next": "alt+n,ctrl+n",
    "requests.list": "alt+t,ctrl+t",
    "talents.list": "alt+t,ctrl+t",
    "app.palette": "alt+p,ctrl+p",
    "sync.refresh": "alt+r,f5",
    "dashboard.refresh": "alt+r,f5",
}
PALETTE_KEY = "alt+p"

POLL_S = 1.0
IDLE_CHECK_S = 15.0


def in_browser() -> bool:
    """Whether this desk process is a `dongwu serve` session (the server sets DONGWU_SERVE=1)."""
    return os.environ.get("DONGWU_SERVE") == "1"


def idle_limit_s() -> float:
    try:
        return max(1.0, float(os.environ.get("DONGWU_IDLE_MINUTES", "30")) * 60)
    except ValueError:
        return 30 * 60.0


def serve_keymap(user_keymap: dict[str, str]) -> dict[str, str]:
    return {**SERVE_KEYMAP, **user_keymap}


def start(app: DeskApp) -> None:
    """Once the desk is open: watch the database for other sessions' writes and end the session when idle."""
    app.last_input = time.monotonic()
    # A thread of its own rather than a Textual worker: it runs as long as the app, and waiting for the
    # app's workers to finish (a screen's reads) must not wait for it.
    threading.Thread(target=_watch, args=(app,), name="serve-watch", daemon=True).start()
    app.set_interval(min(IDLE_CHECK_S, idle_limit_s() / 2), lambda: _check_idle(app))


def _watch(app: DeskApp) -> None:
    from dongwu_tui.storage.changes import ChangeSignal

    office = app.desk.office
    signal = ChangeSignal(office.path, getattr(office, "key", None))
    try:
        while app.is_running:
            time.sleep(POLL_S)
            try:
                if signal.changed() and app.is_running:
                    app.call_from_thread(data_changed, app)
            except Exception:  # noqa: BLE001 - a busy file, or the app closing: the next poll tries again
                continue
    finally:
        signal.close()


def data_changed(app: DeskApp) -> None:
    """Every screen of the current workspace that shows a list reads it again (keeping its place), and the
    request views their counts."""
    for screen in app.screen_stack:
        came_back = getattr(screen, "came_back", None)
        if came_back is not None:
            came_back()
        counts = getattr(screen, "_refresh_counts", None)
        if counts is not None:
            counts()


def _check_idle(app: DeskApp) -> None:
    if time.monotonic() - app.last_input >= idle_limit_s():
        app.exit(return_code=0, message="空闲时间过长，会话已结束。")
