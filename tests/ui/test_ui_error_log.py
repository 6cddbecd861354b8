"""Unexpected errors in the desk's workers land in the rotating log file with their time and traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from textual.worker import WorkerFailed

from dongwu_tui import logfile
from dongwu_tui.ui.app import DeskApp



@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The log file as `dongwu` installs it, in a temporary folder; the root logger restored afterwards."""
    path = tmp_path / "log" / "dongwu.log"
    monkeypatch.setattr(logfile, "log_path", lambda: path)
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [h for h in saved if not isinstance(h, logfile.LazyRotatingHandler)]
    handler = logfile.install()
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()
        root.handlers = saved


def _broken() -> None:
    staff = None
    staff.id  # type: ignore[union-attr]  # noqa: B018 - the dispatch dialog's kind of slip


async def test_a_worker_that_fails_is_logged_with_time_and_traceback(make_app, cast, settle, log_file: Path) -> None:
    app: DeskApp = make_app(cast.supervisor)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        worker = app.screen.run_worker(_broken, thread=True, exit_on_error=False, name="dispatch-dialog")
        with pytest.raises(WorkerFailed):
            await worker.wait()
        # The worker manager logs in the task's done callback, which runs after `wait` returns; on a busy
        # machine that can take more than one pause.
        for _ in range(100):
            await pilot.pause(0.02)
            if log_file.exists() and "dispatch-dialog" in log_file.read_text(encoding="utf-8"):
                break
    text = log_file.read_text(encoding="utf-8")
    assert "worker 'dispatch-dialog' failed" in text
    assert "Traceback (most recent call last)" in text and "AttributeError" in text
    assert text[:4].isdigit() and text[4] == "-"  # each record starts with its time


async def test_a_service_call_that_fails_unexpectedly_is_logged(make_app, cast, settle, log_file: Path) -> None:
    app: DeskApp = make_app(cast.supervisor)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.screen.fetch(_broken, then=print)  # type: ignore[attr-defined]
        await settle(app, pilot)
    text = log_file.read_text(encoding="utf-8")
    assert "unexpected error in a worker" in text and "AttributeError" in text and "Traceback" in text
