"""A screen's frames at most once per update period, and as soon as a period has passed since the last.

Textual draws a screen from its update timer (`Screen._update_timer`, a Textual `Timer` at the update
period, paused while nothing changes). A `Timer` keeps a grid from its first tick and, after a pause, skips
to the grid point *after* the next one: the first change after a quiet moment draws at once (the echo of a
key), but the next change (that key's rows, read a few ms later) then waits 1–2 periods for its frame,
12 ms on average at 1/120 s, although the last frame was drawn long enough before.

`FrameClock` stands in for that timer (the screen uses only its `resume` and `pause`): a frame is due one
period after the start of the last, or at once when that time has passed; it still waits for the screen
to be idle, as Textual's does, so that every change made meanwhile shows in the one frame.
tests/ui/test_tweaks.py checks the spacing of frames and that a second change draws one period after the
first, not two.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen


class FrameClock:
    """`resume()`: draw the screen (`Screen._on_timer_update`) once the period since the last frame is over.
    `pause()`: the frame asked for is no longer wanted (a layout drew it meanwhile)."""

    __slots__ = ("_handle", "_last", "_period", "_screen")

    def __init__(self, screen: Screen, period: float) -> None:
        self._screen = screen
        self._period = period
        self._last = float("-inf")
        self._handle: asyncio.TimerHandle | None = None

    def resume(self) -> None:
        if self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        self._handle = loop.call_at(max(loop.time(), self._last + self._period), self._fire)

    def pause(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def stop(self) -> None:
        self.pause()

    def _fire(self) -> None:
        self._handle = None
        screen = self._screen
        app = screen.app
        if app._exit or not screen.is_attached:
            return
        self._last = asyncio.get_running_loop().time()
        try:
            screen._on_timer_update()
        except Exception as error:  # noqa: BLE001 - as Textual's timer does: the app reports it and closes
            app._handle_exception(error)


def apply(period: float) -> None:
    """Every screen made from now on draws by a `FrameClock` of `period` seconds."""
    from textual.screen import Screen

    def update_timer(screen: Any) -> FrameClock:
        clock = screen.__dict__.get("_frame_clock")
        if clock is None:
            clock = screen.__dict__["_frame_clock"] = FrameClock(screen, period)
        return clock

    Screen._update_timer = property(update_timer)  # type: ignore[assignment,method-assign]
