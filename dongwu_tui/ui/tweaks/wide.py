"""Chinese text on layers: Textual's compositor, taught not to cut a double-width character in two.

Textual (8.2.8) draws a screen line by line in "chops": every edge of every visible widget on a line is a cut,
each widget's line is divided at all the cuts inside it, and the frontmost widget fills each piece. A widget
on a layer (the Select overlay, a toast, a dialog) is divided at the edges of the widgets it covers too, and a
Chinese character that straddles such an edge is divided into two spaces: the overlay of a Select over a
label showed "请选  收件单位" for 请选择收件单位 (Textual issue #6357, open as of 8.2.8).

Here a widget's line is divided only where it meets a piece another widget has already filled (where it is
really covered); the pieces it fills side by side stay one strip, and the cuts inside that strip get an
empty placeholder, so that the widgets behind do not fill them. The partial update's chop ends follow the
strips, so that a merged strip is written out whole. Nothing else in the compositor changes.

`apply()` is called once when the desk's app module is imported (ui/app.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

_COVERED = Strip([], 0)  # fills a cut inside a strip that starts further left: nothing to write there
_applied = False


def _render_chops(self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]) -> Sequence[
        Mapping[int, Strip | None]]:
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    intersection = Region.intersection
    # Front to back: a piece filled by a widget is not filled again by the ones behind it.
    for region, clip, strips in self._get_renders(crop):
        render_region = intersection(region, clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips):
            if not is_rendered_line(y):
                continue
            chops_line = chops[y]
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            # Runs of pieces that are all free or all filled: the strip is divided only between runs.
            starts: list[int] = []
            free: list[bool] = []
            for cut in final_cuts[:-1]:
                is_free = chops_line[cut] is None
                if not free or free[-1] is not is_free:
                    starts.append(cut)
                    free.append(is_free)
            if not starts:
                continue
            ends = [*starts[1:], final_cuts[-1]]
            pieces = strip.divide([end - render_x for end in ends])
            for start, end, is_free, piece in zip(starts, ends, free, pieces):
                if is_free:
                    chops_line[start] = piece
                    for cut in final_cuts:
                        if start < cut < end:
                            chops_line[cut] = _COVERED
    return chops


def _render_partial_update(self: Compositor) -> ChopsUpdate | None:
    update = _original_partial(self)
    if update is None:
        return None
    # Where each chop's strip ends (a merged strip runs past the next cut); lines outside the update are not read.
    ends: list[list[int]] = [[] for _ in update.chops]
    for y in {y for y, _, _ in update.spans}:
        ends[y] = [x if strip is None else x + strip.cell_length for x, strip in update.chops[y].items()]
    update.chop_ends = ends
    return update


_original_partial: Any = Compositor.render_partial_update


def apply() -> None:
    global _applied
    if not _applied:
        Compositor._render_chops = _render_chops  # type: ignore[method-assign,assignment]
        Compositor.render_partial_update = _render_partial_update  # type: ignore[method-assign]
        _applied = True
