"""How a list shows a capped count."""

from __future__ import annotations


def test_a_capped_count_shows_as_cap_plus_until_the_exact_figure_comes(desk, cast):
    operator = desk.acting_as(cast.operator)
    for name, phone in [("陈晓明", "13900001111"), ("陈晓东", "13900002222"), ("陈晓红", "13900003333")]:
        operator.talents.add(name=name, phone=phone, category_code="young", township_code="luzhi")
    query = desk.views.talents(search="陈晓")
    query.count_cap = 2
    count = query.count()
    assert count == 3 and query.capped and query.shown_count(count) == "2+"
    exact = query.exact_count()
    assert exact == 3 and query.shown_count(exact) == "2+"  # cap + 1 matches: the figure cannot tell more
    query.count_cap = 1
    assert query.count() == 2 and query.shown_count(query.exact_count()) == "3"
    query.count_cap = 10
    assert query.count() == 3 and not query.capped and query.shown_count(3) == "3"
