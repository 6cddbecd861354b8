"""Running service calls off the UI thread.

A screen calls `self.fetch(function, then=self.show_page)`: the function runs in a thread worker and its
result is handed to `then` on the UI thread. Workers are exclusive per callback (or per `group`, when one
callback serves several kinds of read), so a newer search replaces an older one, and the result of a
worker that was cancelled (replaced, or its screen gone) is dropped. A failure (a DeskError: refused move,
bad input, locked or missing database; or anything unexpected, which is also logged) goes to `failed`
when one is given, and is otherwise shown as a toast; the app never dies of it.

`self.read(function, then=...)` does the same through the app's long-lived reader thread (`Reader`): for
short reads made on every key (a search as you type, the rows of a list), it skips the start of a fresh
worker and its state messages. A newer read of the same group drops an older one not yet started.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from textual.message import Message
from textual.worker import Worker, get_current_worker

from dongwu_tui.domain.errors import DeskError

log = logging.getLogger(__name__)

T = TypeVar("T")


class WorkDone(Message, Generic[T]):
    """A worker's result, for the callback it was started with."""

    def __init__(self, ticket: Ticket, then: Callable[[T], Any], value: T) -> None:
        super().__init__()
        self.ticket = ticket
        self.then = then
        self.value = value


class WorkFailed(Message):
    """A worker's failure, already worded for the person at the desk."""

    def __init__(self, ticket: Ticket, failed: Callable[[str], Any] | None, message: str) -> None:
        super().__init__()
        self.ticket = ticket
        self.failed = failed
        self.message = message


class Ticket:
    """One piece of background work: cancelled when a newer one of its group starts, or its owner goes."""

    __slots__ = ("cancelled", "worker")

    def __init__(self, worker: Worker[Any] | None = None) -> None:
        self.worker = worker
        self.cancelled = False

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled or (self.worker is not None and self.worker.is_cancelled)


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


def _callback_name(callback: Callable[..., Any]) -> str:
    while isinstance(callback, partial):
        callback = callback.func
    return getattr(callback, "__name__", type(callback).__name__)


class Reader:
    """One long-lived thread that runs short reads in turn, for the whole app.

    Requests wait in a queue; a request whose group has a newer one waiting (or already running) is
    skipped, so a burst of keys costs one query for the last key, not one per key. Results go back as
    `WorkDone` / `WorkFailed` messages to the node that asked, like a worker's.
    """

    def __init__(self, release: Callable[[], None] | None = None) -> None:
        self._queue: queue.SimpleQueue[tuple[Any, str, Ticket, Callable[[], Any], Callable[..., Any],
                                             Callable[[str], Any] | None] | None] = queue.SimpleQueue()
        self._latest: dict[str, Ticket] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._waiting = 0  # submitted and not yet run or skipped
        self._release = release
        self._thread: threading.Thread | None = None

    def submit(self, node: Any, group: str, function: Callable[[], Any], then: Callable[..., Any],
               failed: Callable[[str], Any] | None) -> Ticket:
        ticket = Ticket()
        with self._lock:
            previous = self._latest.get(group)
            if previous is not None:
                previous.cancelled = True
            self._latest[group] = ticket
            self._waiting += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dongwu-reader", daemon=True)
                self._thread.start()
        self._queue.put((node, group, ticket, function, then, failed))
        return ticket

    def cancel_group(self, group: str) -> None:
        with self._lock:
            ticket = self._latest.pop(group, None)
        if ticket is not None:
            ticket.cancelled = True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every read submitted so far has run (or been skipped); False on timeout. For tests and
        benchmarks: the desk itself never waits for its reader."""
        with self._idle:
            return self._idle.wait_for(lambda: self._waiting == 0, timeout)

    async def settled(self, timeout: float = 10.0) -> bool:
        """`wait_idle` without blocking the event loop."""
        import asyncio

        return await asyncio.to_thread(self.wait_idle, timeout)

    def _done_one(self, group: str, ticket: Ticket) -> None:
        with self._idle:
            if self._latest.get(group) is ticket:
                del self._latest[group]  # nothing newer waits: the group is forgotten (a list asks for many pages)
            self._waiting -= 1
            self._idle.notify_all()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                try:
                    self._run_one(*item)
                finally:
                    self._done_one(item[1], item[2])
        finally:
            if self._release is not None:
                self._release()

    @staticmethod
    def _run_one(node: Any, _group: str, ticket: Ticket, function: Callable[[], Any], then: Callable[..., Any],
                 failed: Callable[[str], Any] | None) -> None:
        if ticket.is_cancelled:
            return
        try:
            value = function()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message, never a crash
            if not ticket.is_cancelled:
                node.post_message(WorkFailed(ticket, failed, failure_message(error)))
            return
        if not ticket.is_cancelled:
            node.post_message(WorkDone(ticket, then, value))


class FetchMixin:
    """For widgets and screens: `fetch` and `read` run a service call off the UI thread and hand its result to
    a callback on the UI thread."""

    def fetch(self, function: Callable[[], T], then: Callable[[T], Any], *,
              failed: Callable[[str], Any] | None = None, group: str | None = None) -> Worker[None]:
        name = group or _callback_name(then)
        ticket = Ticket()

        def run() -> None:
            try:
                value = function()
            except Exception as error:  # noqa: BLE001 - every failure becomes a message, never a crash
                if not ticket.is_cancelled:
                    self.post_message(WorkFailed(ticket, failed, failure_message(error)))  # type: ignore[attr-defined]
                return
            finally:
                self._close_thread_connection()
            if not ticket.is_cancelled:
                self.post_message(WorkDone(ticket, then, value))  # type: ignore[attr-defined]

        def start() -> None:
            ticket.worker = get_current_worker()
            run()

        worker: Worker[None] = self.run_worker(  # type: ignore[attr-defined]
            start, thread=True, exclusive=True, exit_on_error=False, group=f"{id(self)}:{name}", name=name
        )
        ticket.worker = worker
        return worker

    def read(self, function: Callable[[], T], then: Callable[[T], Any], *,
             failed: Callable[[str], Any] | None = None, group: str | None = None) -> Ticket:
        """A short read through the app's reader thread (see `Reader`); the app without one (a bare test app)
        runs it in a worker as `fetch` does."""
        name = group or _callback_name(then)
        reader = getattr(self.app, "reader", None)  # type: ignore[attr-defined]
        if reader is None:
            worker = self.fetch(function, then, failed=failed, group=name)
            return Ticket(worker)
        return reader.submit(self, f"{id(self)}:{name}", function, then, failed)

    def _close_thread_connection(self) -> None:
        """The worker's thread ends with it: its connection goes back to the pool (`OfficeDatabase.release`)."""
        desk = getattr(self, "desk", None) or getattr(self.app, "desk", None)  # type: ignore[attr-defined]
        office = getattr(desk, "office", None)
        if office is not None:
            office.release()

    def on_work_done(self, message: WorkDone[Any]) -> None:
        message.stop()
        message.prevent_default()  # one class's handler per message: a subclass's would run it again
        if not message.ticket.is_cancelled:
            message.then(message.value)

    def on_work_failed(self, message: WorkFailed) -> None:
        message.stop()
        message.prevent_default()
        if message.ticket.is_cancelled:
            return
        if message.failed is not None:
            message.failed(message.message)
        else:
            self.app.notify(message.message, title="未完成", severity="error", timeout=8)  # type: ignore[attr-defined]
