"""The figures as JSON-ready dicts: the `kpis` block of `dongwu stats --json`."""

from __future__ import annotations

from typing import Any

from dongwu_tui.reports.definitions import COUNT_FIELDS, EXTRA_FIELDS, KPIS
from dongwu_tui.reports.engine import Figures, Report, Row

_KEY_NAMES = {"measure": "measure", "category": "category", "township": "township", "specialist": "staff_id",
              "unit": "unit", "operator": "staff_id"}


def figures_dict(figures: Figures) -> dict[str, Any]:
    return {**figures, **figures.kpis()}


def _row_dict(row: Row) -> dict[str, Any]:
    entry: dict[str, Any] = {_KEY_NAMES[row.axis]: row.key, "name": row.name}
    if row.category is not None:
        entry["category"] = row.category
    if row.axis in ("specialist", "unit", "operator"):
        entry["office"] = row.office
    return {**entry, **figures_dict(row.figures)}


def kpis_dict(report: Report) -> dict[str, Any]:
    return {
        "period": report.period.as_dict(),
        "as_of": report.as_of.isoformat(),
        "definitions": [
            {"key": k.key, "label": k.label, "numerator": k.numerator, "denominator": k.denominator, "kind": k.kind}
            for k in KPIS
        ],
        "counts": {**{key: field.label for key, field in COUNT_FIELDS.items()}, **EXTRA_FIELDS},
        "total": figures_dict(report.total),
        "by_measure": [_row_dict(row) for row in report.by_measure],
        "by_category": [_row_dict(row) for row in report.by_category],
        "by_township": [_row_dict(row) for row in report.by_township],
        "by_specialist": [_row_dict(row) for row in report.by_specialist],
        "by_unit": [_row_dict(row) for row in report.by_unit],
        "by_operator": [_row_dict(row) for row in report.by_operator],
    }
