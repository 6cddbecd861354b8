"""Finding measures from what a person types: number, Chinese words, full pinyin or pinyin initials.

Talents are found by a SQL condition (storage/queries.py, `talent_condition`) that `services.views`
pages by key, so a talent search is a view like any other list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dongwu_tui.domain.models import Measure

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

# A run of letters shorter than this inside the full pinyin of a measure crosses syllables ("gy" in
# "songyu"): only longer runs match inside it.
PINYIN_INSIDE_MIN = 3


class SearchService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def measures(self, text: str, limit: int = 18) -> list[Measure]:
        """Measures matching a number, Chinese words, full pinyin or pinyin initials, best first."""
        catalogue = list(self.desk.directory.measures.values())
        return match_measures(catalogue, text)[:limit]


def match_measures(catalogue: list[Measure], text: str) -> list[Measure]:
    """Rank the catalogue against a typed query; a pure function so the intake form can call it on cached data."""
    query = text.strip().lower()
    if not query:
        return list(catalogue)
    if query.isdigit():
        exact = [m for m in catalogue if str(m.number) == query]
        starts = [m for m in catalogue if str(m.number).startswith(query) and m not in exact]
        return exact + starts
    scored: list[tuple[int, int, Measure]] = []
    for measure in catalogue:
        name = measure.name.lower()
        if name.startswith(query) or measure.initials.startswith(query) or measure.pinyin.startswith(query):
            score = 0
        elif query in name or query in measure.initials or (
                len(query) >= PINYIN_INSIDE_MIN and query in measure.pinyin):
            score = 1
        elif query in measure.category_name:
            score = 2
        else:
            continue
        scored.append((score, measure.number, measure))
    return [m for _, _, m in sorted(scored, key=lambda item: (item[0], item[1]))]
