"""The figures without the per-request and per-call passes: the same counts from the monthly facts, no
unit or operator rows and no extra figures, and the report says it is partial."""

from __future__ import annotations

from dongwu_tui.reports.definitions import COUNT_FIELDS
from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import span


def test_the_facts_alone_give_every_count_field(desk, cast, act, talent):
    operator = act(cast.operator)
    for measure in (8, 11, 11):
        operator.calls.log(phone=talent.phone, summary="咨询事项", measure=measure, outcome="request",
                           dispatch_to="mudu", dispatch_staff=cast.specialist.id, force_new=True)
    reports = ReportService(act(cast.supervisor))
    everything = span(None, None)
    full, first = reports.figures(everything), reports.figures(everything, passes=False)
    assert first.partial and not full.partial
    assert first.by_unit == [] == first.by_operator and full.by_unit and full.by_operator
    assert {k: first.total[k] for k in COUNT_FIELDS} == {k: full.total[k] for k in COUNT_FIELDS}
    assert first.total["requests"] == 3 and full.total["calls"] == 3 and first.total["calls"] == 0
