"""Finding talents and measures from what a person types: Chinese, pinyin, initials, phone, card, enterprise.

Two paths, because SQLite's trigram tokenizer cannot match fewer than three characters:
- 3 characters and more: the FTS5 trigram indexes `talent_fts` / `enterprise_fts` (substring match);
- 1–2 characters: prefix ranges on the plain indexes of name, pinyin, initials, phone and card number.

Digits match the start of a phone number, and from 4 digits on anywhere in it (the trigram index holds
the phone): callers are found by the last four digits.

The result is a SQL condition over `talent t` that `services.views` pages by key, so a search is a
view like any other list and never loads more than the rows on screen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from msgspec import Struct

from dongwu_tui.domain.models import Measure

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

TRIGRAM_MIN = 3
PHONE_MIN = 3
PHONE_ANYWHERE_MIN = 4
# The highest code point: `x >= 'ab' AND x < 'ab' || MAX_CHAR` is a prefix match that uses an index.
MAX_CHAR = "\U0010ffff"
_DIGITS_RE = re.compile(r"[0-9 \-]+")
_ASCII_LETTERS_RE = re.compile(r"[A-Za-z]+")
_CARD_RE = re.compile(r"[A-Za-z0-9\-]+")


class Condition(Struct, frozen=True):
    """A WHERE fragment over `talent t` and its parameters."""

    sql: str
    params: tuple[object, ...]


def _fts_phrase(text: str) -> str:
    # Double quotes make the query one FTS5 string; a quote inside is escaped by doubling.
    return '"' + text.replace('"', '""') + '"'


def _prefix(column: str, value: str) -> tuple[str, list[object]]:
    return f"({column} >= ? AND {column} < ?)", [value, value + MAX_CHAR]


def _column(name: str, indexed: bool) -> str:
    # A unary `+` keeps SQLite from using an index for this term: the scan form of a search filters rows
    # met while walking another index (the list's order) instead of collecting matches and sorting them.
    return name if indexed else f"+{name}"


def query_kind(text: str) -> str:
    """phone, pinyin, card or chinese: which columns a typed query is compared with."""
    if _DIGITS_RE.fullmatch(text):
        return "phone"
    if _ASCII_LETTERS_RE.fullmatch(text):
        return "pinyin"
    if _CARD_RE.fullmatch(text):
        return "card"
    return "chinese"


def short_enterprise_query(text: str) -> bool:
    """Whether a query takes the 1–2 character enterprise path (a scan of enterprise names)."""
    text = text.strip()
    return bool(text) and query_kind(text) == "chinese" and len(text) < TRIGRAM_MIN


def talent_condition(text: str, *, indexed: bool = True,
                     enterprise_ids: list[str] | None = None) -> Condition | None:
    """The WHERE condition that finds talents for a typed query; None when there is nothing to search.

    `indexed=False` gives the same condition with its terms kept off the indexes (see `_column`): the
    form for a broad search, whose first page is found fastest by walking the list's own order.
    `enterprise_ids`: the enterprises a 1–2 character query matches, when the caller looked them up once
    (see `short_enterprise_query`); the condition then lists them instead of scanning names again."""
    text = text.strip()
    if not text:
        return None
    kind = query_kind(text)
    parts: list[str] = []
    params: list[object] = []

    def add(sql: str, values: list[object]) -> None:
        parts.append(sql)
        params.extend(values)

    def col(name: str) -> str:
        return _column(name, indexed)

    def fts(columns: str, value: str) -> None:
        add(
            f"{col('t.rowid')} IN (SELECT rowid FROM talent_fts WHERE talent_fts MATCH ?)",
            [f"{{{columns}}}: {_fts_phrase(value)}"],
        )

    if kind == "phone":
        digits = text.replace(" ", "").replace("-", "")
        if len(digits) < PHONE_MIN:
            # Every mobile starts with 1: one or two digits would match the whole caseload.
            return Condition("0", ())
        add(*_prefix(col("t.phone"), digits))
        if len(digits) >= PHONE_ANYWHERE_MIN:
            # Hotline staff ask for the last four digits: 4 and more match anywhere in the number.
            fts("phone card_no", digits)
        elif len(digits) >= TRIGRAM_MIN:
            fts("card_no", digits)
    elif kind == "pinyin":
        lower = text.lower()
        add(*_prefix(col("t.name_initials"), lower))
        add(*_prefix(col("t.name_pinyin"), lower))
        if len(lower) >= TRIGRAM_MIN:
            fts("name_pinyin name_initials card_no", lower)
        else:
            add(*_prefix(col("t.card_no"), text.upper()))
    elif kind == "card":
        add(*_prefix(col("t.card_no"), text.upper()))
        if len(text) >= TRIGRAM_MIN:
            fts("card_no", text)
    else:
        add(*_prefix(col("t.name"), text))
        if len(text) >= TRIGRAM_MIN:
            fts("name", text)
            add(
                f"{col('t.enterprise_id')} IN (SELECT e.id FROM enterprise e WHERE e.rowid IN "
                "(SELECT rowid FROM enterprise_fts WHERE enterprise_fts MATCH ?))",
                [_fts_phrase(text)],
            )
        elif enterprise_ids is not None:
            if enterprise_ids:
                add(f"{col('t.enterprise_id')} IN ({', '.join('?' for _ in enterprise_ids)})", list(enterprise_ids))
        else:
            # Enterprises are few (one for every several talents): a scan of their names is cheap.
            add(
                f"{col('t.enterprise_id')} IN "
                "(SELECT e.id FROM enterprise e WHERE e.deleted = 0 AND instr(e.name, ?) > 0)",
                [text],
            )
    return Condition("(" + " OR ".join(parts) + ")", tuple(params))


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
        elif query in name or query in measure.initials or (len(query) >= TRIGRAM_MIN and query in measure.pinyin):
            # A short run of letters inside the full pinyin crosses syllables ("gy" in "songyu"): noise.
            score = 1
        elif query in measure.category_name:
            score = 2
        else:
            continue
        scored.append((score, measure.number, measure))
    return [m for _, _, m in sorted(scored, key=lambda item: (item[0], item[1]))]
