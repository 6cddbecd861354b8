"""Closure status: how many requests each measure, category, township and specialist holds, closed and overdue.

Counted in SQL over the request table (storage/queries.py, `status_counts`), so the figures are exactly
the rows behind them:
- total: every request except merged ones (a merged request lives on in the one it joined);
- closed: resolved, visited or archived;
- open: new, dispatched, in progress or returned;
- overdue: open and past its due date (today not counted as late).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.models import CLOSED_STATUSES, Status
from dongwu_tui.storage.queries import status_counts

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk


def _empty() -> dict[str, Any]:
    return {"total": 0, "closed": 0, "open": 0, "overdue": 0, "merged": 0, "by_status": {s.value: 0 for s in Status}}


class StatsService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _grouped(self, key: str, today: date, since: date | None, until: date | None) -> dict[Any, dict[str, Any]]:
        groups: dict[Any, dict[str, Any]] = defaultdict(_empty)
        for group_key, status, count, overdue in status_counts(self.desk.office.db, key, today, since, until):
            entry = groups[group_key]
            entry["by_status"][status] += count
            if status == Status.MERGED.value:
                entry["merged"] += count
                continue
            entry["total"] += count
            entry["overdue"] += overdue
            if Status(status) in CLOSED_STATUSES:
                entry["closed"] += count
            else:
                entry["open"] += count
        return groups

    def closure(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        today = self.desk.clock().date()
        directory = self.desk.directory
        by_measure = self._grouped("measure_number", today, since, until)
        measures = []
        for number, measure in directory.measures.items():
            measures.append({"measure": number, "name": measure.name, "category": measure.category_code,
                             **by_measure.get(number, _empty())})
        categories = []
        for category in directory.measure_categories:
            entry = _empty()
            for row in measures:
                if row["category"] == category.code:
                    for field in ("total", "closed", "open", "overdue", "merged"):
                        entry[field] += row[field]
                    for status, count in row["by_status"].items():
                        entry["by_status"][status] += count
            categories.append({"category": category.code, "name": category.name, **entry})
        by_township = self._grouped("township_code", today, since, until)
        townships = [
            {"township": code, "name": township.name, **by_township.get(code, _empty())}
            for code, township in directory.townships.items()
        ]
        if None in by_township:
            townships.append({"township": None, "name": "未分板块", **by_township[None]})
        by_specialist = self._grouped("assignee_id", today, since, until)
        specialists = []
        for staff_id, entry in by_specialist.items():
            if staff_id is None:
                continue
            staff = directory.staff(staff_id)
            specialists.append({"staff_id": staff_id, "name": staff.name, "office": staff.office_name, **entry})
        specialists.sort(key=lambda row: (-row["total"], row["name"]))
        totals = _empty()
        for row in measures:
            for field in ("total", "closed", "open", "overdue", "merged"):
                totals[field] += row[field]
            for status, count in row["by_status"].items():
                totals["by_status"][status] += count
        return {
            "as_of": today.isoformat(),
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "totals": totals,
            "by_measure": measures,
            "by_category": categories,
            "by_township": townships,
            "by_specialist": specialists,
        }
