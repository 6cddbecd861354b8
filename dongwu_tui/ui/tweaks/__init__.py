"""Every place where the desk reaches into Textual's private API (Textual 8.2.8), in one package.

Each tweak below says what it holds and what it gains; the measurements behind the figures are in
docs/PERFORMANCE.md ("Textual tweaks"), taken with `python -m bench.startup_bench` and
`python -m bench.typing_bench`, each tweak switched off in a copy of the package beside the desk as it is.
A Textual upgrade is checked here first: tests/ui/test_ui_startup.py, tests/ui/test_ui_wide.py and
tests/ui/test_tweaks.py notice when one stops holding.

- `wide` (wide.py): the compositor does not cut a double-width character in two at the edge of a widget an
  overlay covers. Correctness, not speed.
- `frames` (frames.py): a screen's next frame is due one update period after its last, not on a timer's grid
  that, after a quiet moment, made the frame after the first wait up to two periods.
- `apply()`: installs `wide` and `frames` with the screen update period, once, as the app module is imported.
- `style_as_current`: a workspace made for a mode switch takes the app's CSS generation, so that Textual
  does not restyle the whole app for it.
- `fast_switching`: Python's switch interval at 1 ms while the desk runs.
- `hold_frames`: no 50 ms frame hold when leaving the opening frame.
- `freeze_startup_objects`: what start-up made goes to the collector's permanent generation, and full
  collections wait for an idle moment (`collect_when_idle`).
- `keep_styles_on_resume`: a workspace (or the sign-in screen) never away skips the restyle of its first
  resumes.
- `NoMatchesText`: the command palette's "no matches" line in the palette's own words.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.events import ScreenResume
    from textual.screen import Screen

# Textual draws a screen at most once per update period (1/60 s). Rows read for a key that arrive just after
# a frame wait for the next one; at 1/120 s that wait is at most ~8 ms, and frames still coalesce every change
# made within a period. When the next frame is due: `frames.FrameClock`. Search as you type, key → matching
# rows: see PERFORMANCE.md.
SCREEN_UPDATE_PERIOD_S = 1 / 120

# Textual's writer thread puts each frame on the terminal, and takes the GIL three times to do it (as it wakes,
# after the write, after the flush). While the UI thread is busy, each take waits for Python's switch interval,
# 5 ms by default. At 1 ms a frame is on the terminal a few ms after it is drawn, and a worker's query leaves
# the UI thread sooner too.
SWITCH_INTERVAL_S = 0.001

# The collector's oldest generation is collected only while nobody types (`collect_when_idle`): a full pass
# over the desk's heap took 22-24 ms, and the automatic one fell inside a frame, so the key that triggered it
# waited for it (the tail of search as you type, key → rows: PERFORMANCE.md). Young generations stay automatic.
FULL_COLLECTION_THRESHOLD = 1_000_000  # gen-1 passes before an automatic full pass: never, in practice
IDLE_BEFORE_FULL_S = 1.0  # no key or click for this long: a full pass will not hold up a key
FULL_AT_LEAST_EVERY_S = 120.0  # and a desk typed at without a pause still gets one

_applied = False
_threshold_before: tuple[int, int, int] | None = None


def apply() -> None:
    """Once, as the desk's app module is imported: the compositor patch and the screens' frame clock."""
    global _applied
    if _applied:
        return
    from dongwu_tui.ui.tweaks import frames, wide

    wide.apply()
    frames.apply(SCREEN_UPDATE_PERIOD_S)
    _applied = True


def style_as_current(screen: Screen) -> Screen:
    """A workspace made for `switch_mode`: Textual restyles the whole app (`refresh_css`: the stylesheet parsed
    again, every node styled again) for any screen whose CSS generation is behind the app's, and a new
    screen's is -1, so the first switch to each mode did it twice. A new screen is styled as it is
    registered, with the stylesheet as it is then: current, once a screen is on show and the CSS has not been
    invalidated (a theme change) since that screen was styled. Then the new screen is current from the start.
    The first screen of all, made as the app starts, keeps Textual's way. tests/ui/test_ui_startup.py counts
    the parses, and compares the drawn screen with a workspace made the usual way."""
    app = screen.app
    generation = app._css_update_count
    if app.screen_stack and (generation == 0 or app.screen._css_update_count == generation):
        screen._css_update_count = generation
    return screen


@contextmanager
def fast_switching() -> Iterator[None]:
    """`SWITCH_INTERVAL_S` while the desk runs; the interpreter's own afterwards."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def hold_frames(app: App[Any], opening: type[Screen]) -> bool:
    """Whether `App.delay_update` may hold frames (Textual holds every frame for 50 ms when it switches modes,
    to hide the new screen being built). Not when leaving the `opening` frame: it already shows the title line
    and keys the workspace has, and holding it only kept the first rows back."""
    return not isinstance(app.screen, opening)


def freeze_startup_objects() -> None:
    """cli.main switches the cyclic collector off for start-up: what start-up made lives as long as the desk,
    so it moves to the permanent generation instead of being scanned again and again; then the collector is
    back on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    global _threshold_before
    if _threshold_before is None:
        _threshold_before = gc.get_threshold()
        young, middle, _full = _threshold_before
        gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


def restore_collector() -> None:
    """As the app ends (a test process runs many): the collector's thresholds as they were."""
    global _threshold_before
    if _threshold_before is not None:
        gc.set_threshold(*_threshold_before)
        _threshold_before = None


def collect_when_idle(idle_s: float, since_full_s: float) -> bool:
    """A full collection now, when the desk has been idle `idle_s` and one is due (as many gen-1 passes since
    the last as Python's default would wait for, 10), or when none ran for `FULL_AT_LEAST_EVERY_S`. True when
    it ran. Called from the app's timer (DeskApp._collect_when_idle)."""
    due = gc.get_count()[2] >= 10
    if (due and idle_s >= IDLE_BEFORE_FULL_S) or since_full_s >= FULL_AT_LEAST_EVERY_S:
        gc.collect()
        return True
    return False


def keep_styles_on_resume(event: ScreenResume, been_away: bool) -> None:
    """Textual styles every node of a screen again on each resume, and a workspace opened as a mode resumes
    twice before its first frame: two passes over every node that find the styles it was given as it mounted.
    Nothing can have changed while it was never away: a theme change restyles the screen on show there and
    then (App.refresh_css). Once it has been away, every resume restyles, Textual's way."""
    if not been_away:
        event.refresh_styles = False


class NoMatchesText:
    """For a CommandPalette: its "no matches" line after Textual's countdown says `NO_MATCHES_TEXT` instead of
    Textual's English words (`CommandPalette._start_no_matches_countdown`, the same steps otherwise)."""

    NO_MATCHES_TEXT = "No matches found"

    def _start_no_matches_countdown(self: Any, search_value: str) -> None:
        from rich.align import Align
        from rich.text import Text
        from textual.command import CommandList
        from textual.widgets.option_list import Option

        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(self.NO_MATCHES_TEXT, style="not bold")), disabled=True,
                           id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


__all__ = [
    "SCREEN_UPDATE_PERIOD_S", "SWITCH_INTERVAL_S", "apply", "collect_when_idle", "fast_switching",
    "freeze_startup_objects", "restore_collector",
    "NoMatchesText", "hold_frames", "keep_styles_on_resume", "style_as_current",
]
