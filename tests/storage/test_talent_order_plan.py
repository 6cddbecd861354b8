"""The talent list's page anchors walk every live talent in pinyin order: from the index alone, for the
whole list and for each filter the screens offer (a table look-up per row tripled their cost)."""

from __future__ import annotations

import pytest

from dongwu_tui.services.desk import Desk


@pytest.mark.parametrize("filters", [{}, {"township": "mudu"}, {"category": "industry"}, {"specialist_id": "x"}])
def test_the_anchor_walk_reads_only_an_index(desk: Desk, filters: dict[str, str]) -> None:
    connection = desk.office.db.connection()
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    try:
        desk.views.talents(**filters).anchors()
    finally:
        connection.set_trace_callback(None)
    anchors = next(s for s in statements if "row_number()" in s)
    plan = " / ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {anchors}"))
    assert "COVERING INDEX" in plan and "pinyin_order" in plan, plan
