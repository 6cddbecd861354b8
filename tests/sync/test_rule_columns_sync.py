"""The request clock's own columns (first dispatch, the unit's dispatch, the signing limit, the first
resolution and whether it was on time, rework, extensions, returns rejected, the visit) travel with the
request, so a township's figures and the centre's agree on what was late."""

from __future__ import annotations

from dongwu_tui.services.desk import Desk
from dongwu_tui.sync import engine

RULE_COLUMNS = ("first_dispatched_at", "unit_dispatched_at", "sign_due_date", "first_resolved_at", "first_on_time",
                "rework_count", "extensions_used", "extension_days_used", "return_rejections", "visit_result",
                "visit_solved", "visit_unreached", "review_result", "due_date", "status")


def send(src, dst, tmp_path, code):
    return engine.import_file(dst, engine.export_file(src, code, tmp_path / "out").path)


def rule_columns(office, request_id):
    return office.db.execute_sql(f"SELECT {', '.join(RULE_COLUMNS)} FROM service_request WHERE id = ?",
                                 (request_id,)).fetchone()


def test_the_clock_columns_travel_both_ways(offices, tmp_path):
    centre = Desk(offices["wz"])
    admin = centre.acting_as(centre.directory.staff("系统管理员"))
    operator = admin.directory.add_staff("王话务", "operator")
    specialist = admin.directory.add_staff("李专员", "specialist", "mudu")
    hotline = centre.acting_as(operator)
    hotline.talents.add(name="陈人才", phone="13800138000", category_code="industry", township_code="mudu")
    logged = hotline.calls.log(phone="13800138000", summary="咨询人才公寓", measure=11, outcome="request")
    request_id = logged.request.id
    hotline.requests.move(logged.request.number, "dispatch", to_site="mudu", to_staff="李专员")
    send(offices["wz"], offices["mudu"], tmp_path, "mudu")
    at_centre = rule_columns(offices["wz"], request_id)
    assert at_centre[0] is not None and at_centre[2] is not None
    assert rule_columns(offices["mudu"], request_id) == at_centre

    township = Desk(offices["mudu"]).acting_as(specialist)
    township.requests.move(logged.request.number, "sign")
    township.requests.move(logged.request.number, "resolve", reason="已安排看房")
    send(offices["mudu"], offices["wz"], tmp_path, "wz")
    at_township = rule_columns(offices["mudu"], request_id)
    assert at_township[3] is not None and at_township[4] == 1  # resolved, on time
    assert rule_columns(offices["wz"], request_id) == at_township
