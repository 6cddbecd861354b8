"""Background work: results go to the callback they were asked for, on the UI thread; replaced or cancelled
work is dropped; failures become a toast or the `failed` callback; the reader thread runs the latest read."""

from __future__ import annotations

import threading
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from dongwu_tui.domain.errors import DeskError
from dongwu_tui.ui.work import FetchMixin, Reader


class Box(FetchMixin, Static):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[str, Any, bool]] = []
        self.failures: list[str] = []

    def show(self, value: Any) -> None:
        self.got.append(("show", value, threading.current_thread() is threading.main_thread()))

    def other(self, value: Any) -> None:
        self.got.append(("other", value, threading.current_thread() is threading.main_thread()))

    def tagged(self, tag: str, value: Any) -> None:
        self.got.append((tag, value, threading.current_thread() is threading.main_thread()))

    def failed(self, message: str) -> None:
        self.failures.append(message)


class BoxApp(App[None]):
    def __init__(self, *, with_reader: bool = False) -> None:
        super().__init__()
        self.reader: Reader | None = Reader() if with_reader else None

    def compose(self) -> ComposeResult:
        yield Box()

    def on_unmount(self) -> None:
        if self.reader is not None:
            self.reader.stop()


def _slow(value: Any, seconds: float = 0.3) -> Any:
    time.sleep(seconds)
    return value


async def _wait_for(pilot: Any, condition: Any, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        await pilot.pause(0.02)


async def test_a_result_goes_to_its_callback_on_the_ui_thread() -> None:
    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.fetch(lambda: 41 + 1, then=box.show)
        await _wait_for(pilot, lambda: box.got)
        assert box.got == [("show", 42, True)]


async def test_a_newer_fetch_for_the_same_callback_drops_the_older_result() -> None:
    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.fetch(lambda: _slow("old"), then=box.show)
        box.fetch(lambda: "new", then=box.show)
        box.fetch(lambda: _slow("other"), then=box.other)  # another callback: not replaced
        await _wait_for(pilot, lambda: len(box.got) >= 2)
        await pilot.pause(0.5)  # the old worker's sleep is over: its result would have arrived by now
        assert sorted(name_value[:2] for name_value in box.got) == [("other", "other"), ("show", "new")]


async def test_a_cancelled_worker_result_is_dropped() -> None:
    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        worker = box.fetch(lambda: _slow("late", 0.2), then=box.show)
        worker.cancel()
        await pilot.pause(0.5)
        assert box.got == []


async def test_partial_callbacks_carry_their_context_and_share_one_group() -> None:
    from functools import partial

    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.fetch(lambda: _slow(1), then=partial(box.tagged, "first"))
        box.fetch(lambda: 2, then=partial(box.tagged, "second"))
        await _wait_for(pilot, lambda: box.got)
        await pilot.pause(0.5)
        assert box.got == [("second", 2, True)]


async def test_a_failure_goes_to_failed_or_becomes_a_toast() -> None:
    def refuse() -> None:
        raise DeskError("不能这样做。")

    app = BoxApp()
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.fetch(refuse, then=box.show, failed=box.failed)
        await _wait_for(pilot, lambda: box.failures)
        assert box.failures == ["不能这样做。"] and box.got == []
        box.fetch(refuse, then=box.other)
        await _wait_for(pilot, lambda: app._notifications)
        assert [n.message for n in app._notifications] == ["不能这样做。"]


async def test_the_reader_runs_only_the_latest_of_a_burst() -> None:
    app = BoxApp(with_reader=True)
    ran: list[str] = []
    gate, started = threading.Event(), threading.Event()

    def query(text: str) -> str:
        if text == "w":
            started.set()
            gate.wait(2)  # the reader is busy with the first key while the others are typed
        ran.append(text)
        return text

    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.read(lambda: query("w"), then=box.show)
        assert started.wait(2)
        for text in ("wa", "wan", "wang"):
            box.read(lambda text=text: query(text), then=box.show)
        gate.set()
        await _wait_for(pilot, lambda: box.got)
        await pilot.pause(0.2)
        assert ran == ["w", "wang"]  # "w" was running; "wa" and "wan" were replaced before they started
        assert box.got == [("show", "wang", True)]
        assert {t.name for t in threading.enumerate()} >= {"dongwu-reader"}
    assert "dongwu-reader" not in {t.name for t in threading.enumerate()}  # stopped with the app


async def test_the_reader_reports_failures_like_a_worker() -> None:
    app = BoxApp(with_reader=True)
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        box.read(lambda: 1 / 0, then=box.show, failed=box.failed)
        await _wait_for(pilot, lambda: box.failures)
        assert box.failures and "ZeroDivisionError" in box.failures[0]
        box.read(lambda: "still running", then=box.show)
        await _wait_for(pilot, lambda: box.got)
        assert box.got == [("show", "still running", True)]


async def test_the_reader_forgets_groups_it_has_finished() -> None:
    app = BoxApp(with_reader=True)
    async with app.run_test() as pilot:
        box = app.query_one(Box)
        for page in range(50):
            box.read(lambda page=page: page, then=box.show, group=f"page_{page}")
        assert app.reader is not None and await app.reader.settled()
        await pilot.pause()
        assert len(box.got) == 50
        assert app.reader._latest == {}
