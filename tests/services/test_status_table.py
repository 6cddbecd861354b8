"""Statuses are declared once (domain/models.py STATUS_RULES): their labels, the open and closed lists and
the saved request views that list a status are read from that table."""

from __future__ import annotations

from msgspec.structs import replace

from dongwu_tui.domain import models
from dongwu_tui.domain.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STATUS_RULES,
    WORKING_STATUSES,
    Status,
    statuses_sql,
    view_status,
)


def test_every_status_is_declared_once_and_the_lists_follow() -> None:
    assert set(STATUS_RULES) == set(Status)
    assert OPEN_STATUSES == {Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED}
    assert CLOSED_STATUSES == {Status.RESOLVED, Status.VISITED, Status.ARCHIVED}
    assert WORKING_STATUSES == {Status.DISPATCHED, Status.IN_PROGRESS} <= OPEN_STATUSES
    assert Status.MERGED not in OPEN_STATUSES | CLOSED_STATUSES
    assert not any(rule.open and rule.closed for rule in STATUS_RULES.values())
    views = [view for rule in STATUS_RULES.values() for view in rule.views]
    assert len(views) == len(set(views))
    assert view_status("to_sign") is Status.DISPATCHED and view_status("returned") is Status.RETURNED
    assert statuses_sql(WORKING_STATUSES) == "'dispatched', 'in_progress'"


def test_labels_and_saved_views_are_read_from_the_table(desk, cast, talent, act, monkeypatch) -> None:
    operator, specialist = act(cast.operator), act(cast.specialist)

    def log(dispatch: bool) -> str:
        result = operator.calls.log(phone=talent.phone, summary="咨询事项", measure=11, outcome="request",
                                    force_new=True, **({"dispatch_to": "mudu", "dispatch_staff": cast.specialist.id}
                                                       if dispatch else {}))
        assert result.request is not None
        return result.request.number

    log(dispatch=False)
    log(dispatch=False)
    log(dispatch=True)
    specialist.requests.move(log(dispatch=True), "sign")
    specialist.requests.move(log(dispatch=True), "return", reason="不属于本板块")
    views = act(cast.supervisor).views
    counts = views.view_counts()
    assert (counts["to_sign"], counts["in_progress"], counts["returned"]) == (1, 1, 1)

    # Give 待签收 to the new requests instead: the view's count and its list follow the table.
    monkeypatch.setitem(STATUS_RULES, Status.DISPATCHED, replace(STATUS_RULES[Status.DISPATCHED], views=()))
    monkeypatch.setitem(STATUS_RULES, Status.NEW, replace(STATUS_RULES[Status.NEW], label="新受理",
                                                          views=("to_sign",)))
    assert views.view_counts()["to_sign"] == 2
    assert views.requests("to_sign").count() == 2
    assert Status.NEW.label == "新受理" == models.STATUS_RULES[Status.NEW].label
