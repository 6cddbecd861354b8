"""Running service calls off the UI thread.

A screen calls `self.fetch(tag, function)`: the function runs in a thread worker (exclusive per tag, so a
newer search replaces an older one), and its result comes back as a `Fetched` message that the screen's
`on_fetched` hands to `got_<tag>`. A DeskError (refused move, bad input, locked or missing database)
comes back as `FetchFailed` and is shown as a toast; the app never dies of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.worker import get_current_worker

from dongwu_tui.domain.errors import DeskError

log = logging.getLogger(__name__)


class Fetched(Message):
    def __init__(self, tag: str, value: Any) -> None:
        super().__init__()
        self.tag = tag
        self.value = value


class FetchFailed(Message):
    def __init__(self, tag: str, message: str) -> None:
        super().__init__()
        self.tag = tag
        self.message = message


def failure_message(error: BaseException) -> str:
    if isinstance(error, DeskError):
        return error.message
    from dongwu_tui.storage.database import as_storage_error

    storage = as_storage_error(error)  # a read that met a damaged page or a locked file
    if storage is not None:
        log.warning("database error in a worker: %s", storage.message, exc_info=error)
        return storage.message
    log.error("unexpected error in a worker", exc_info=error)
    return f"操作未完成：程序内部错误（{type(error).__name__}）。数据未受影响，请重试或联系管理员。"


class FetchMixin:
    """For widgets and screens: `fetch` runs a service call in a thread worker and posts the result."""

    def fetch(self, tag: str, function: Callable[[], Any]) -> None:
        def run() -> None:
            worker = get_current_worker()
            try:
                value = function()
            except Exception as error:  # noqa: BLE001 - every failure becomes a message, never a crash
                if not worker.is_cancelled:
                    self.post_message(FetchFailed(tag, failure_message(error)))  # type: ignore[attr-defined]
                return
            finally:
                self._close_thread_connection()
            if not worker.is_cancelled:
                self.post_message(Fetched(tag, value))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            run, thread=True, exclusive=True, exit_on_error=False, group=f"{id(self)}:{tag}", name=tag
        )

    def _close_thread_connection(self) -> None:
        """The worker's thread ends with it: its connection goes back to the pool (`OfficeDatabase.release`)."""
        desk = getattr(self, "desk", None) or getattr(self.app, "desk", None)  # type: ignore[attr-defined]
        office = getattr(desk, "office", None)
        if office is not None:
            office.release()

    def on_fetched(self, message: Fetched) -> None:
        handler = getattr(self, f"got_{message.tag}", None)
        message.stop()
        if handler is not None:
            handler(message.value)

    def on_fetch_failed(self, message: FetchFailed) -> None:
        handler = getattr(self, f"failed_{message.tag}", None)
        message.stop()
        if handler is not None:
            handler(message.message)
        else:
            self.app.notify(message.message, title="未完成", severity="error", timeout=8)  # type: ignore[attr-defined]
