"""Personal data on a need-to-know basis, and the record of who saw what."""

from __future__ import annotations

from deskkit import TALENT_PHONE, Cast

import pytest

from dongwu_tui.domain.errors import PermissionRefused, ValidationFailed
from dongwu_tui.domain.models import Talent
from dongwu_tui.services.desk import Desk

ID_NUMBER = "11010519491231002X"


def _other_talent(desk: Desk, cast: Cast) -> Talent:
    return desk.acting_as(cast.operator).talents.add(
        name="孙他人", phone="13700137000", id_number="110105194912310097", category_code="industry",
        level_code="district", township_code="mudu", specialist_id=cast.specialist2.id, card_no="DW-0002")


def _accesses(desk: Desk, talent_id: str) -> list[tuple]:
    return desk.office.db.execute_sql(
        "SELECT actor_id, what, place, reason FROM access_log WHERE talent_id = ? ORDER BY at, id",
        [talent_id]).fetchall()


def test_a_specialist_sees_their_own_caseload_in_full_and_others_masked(desk: Desk, cast: Cast,
                                                                        talent: Talent) -> None:
    other = _other_talent(desk, cast)
    views = desk.acting_as(cast.specialist).views
    lines = {line.name: line.phone for line in views.talents().page()}
    assert lines[talent.name] == TALENT_PHONE
    assert lines[other.name] == "137****7000"
    own = views.talent_profile(talent.id)
    assert own.phone == TALENT_PHONE and own.id_number == ID_NUMBER
    theirs = views.talent_profile(other.id)
    assert theirs.phone == "137****7000" and ID_NUMBER[:3] not in theirs.id_number[3:]
    assert theirs.id_number == "110***********0097"


def test_an_operator_sees_masked_numbers_outside_the_call(desk: Desk, cast: Cast, talent: Talent) -> None:
    views = desk.acting_as(cast.operator).views
    assert [line.phone for line in views.talents().page()] == ["138****8000"]
    profile = views.talent_profile(talent.id)
    assert "****" in profile.phone and "*" in profile.id_number
    assert _accesses(desk, talent.id) == []
    # The caller on the line: the card is for them, and the view is recorded.
    card = views.caller_card(TALENT_PHONE)
    assert card is not None and card.talent.id == talent.id
    assert _accesses(desk, talent.id) == [(cast.operator.id, "numbers", "来电登记", "")]


def test_a_reveal_needs_a_reason_shows_one_person_and_is_recorded(desk: Desk, cast: Cast, talent: Talent) -> None:
    other = _other_talent(desk, cast)
    supervisor = desk.acting_as(cast.supervisor)
    with pytest.raises(ValidationFailed):
        supervisor.privacy.reveal(talent.id, "  ", "人才档案")
    supervisor.privacy.reveal(talent.id, "核对来电人身份", "人才档案")
    assert supervisor.views.talent_profile(talent.id).phone == TALENT_PHONE
    assert "****" in supervisor.views.talent_profile(other.id).phone
    rows = _accesses(desk, talent.id)
    assert rows[0] == (cast.supervisor.id, "reveal", "人才档案", "核对来电人身份")
    assert rows[1] == (cast.supervisor.id, "numbers", "人才档案", "")
    assert _accesses(desk, other.id) == []


def test_supervisors_read_the_access_records_per_person(desk: Desk, cast: Cast, talent: Talent) -> None:
    desk.acting_as(cast.specialist).views.talent_profile(talent.id)
    with pytest.raises(PermissionRefused):
        desk.acting_as(cast.specialist).privacy.accesses(talent.card_no or "")
    records = desk.acting_as(cast.supervisor).privacy.accesses("DW-0001")
    assert [(r.actor, r.what, r.place) for r in records] == [("李专员", "numbers", "人才档案")]


def test_free_text_numbers_are_masked_where_numbers_are(desk: Desk, cast: Cast, talent: Talent) -> None:
    result = desk.acting_as(cast.operator).calls.log(
        phone=TALENT_PHONE, summary=f"来电人身份证 {ID_NUMBER}，另留电话 13912345678", measure=11,
        outcome="request")
    assert result.request is not None
    supervisor = desk.acting_as(cast.supervisor).views
    line = supervisor.requests("all").page()[0]
    assert ID_NUMBER not in line.summary and "13912345678" not in line.summary
    page = supervisor.request_page(result.request.id)
    assert ID_NUMBER not in page.summary and page.phone == "138****8000"
    timeline = supervisor.timeline(talent.id)
    assert all(ID_NUMBER not in entry.detail for entry in timeline)
    own = desk.acting_as(cast.specialist).views.timeline(talent.id)
    assert any(ID_NUMBER in entry.detail for entry in own)


def test_the_audit_log_keeps_numbers_masked_with_a_hash_that_tells_a_change(desk: Desk, cast: Cast,
                                                                             talent: Talent) -> None:
    operator = desk.acting_as(cast.operator)
    operator.talents.update(talent.id, reason="来电人称新号码 13912345678 已启用", phone="13912345678",
                            id_number="110105194912310097")
    operator.talents.update(talent.id, reason="改回", phone=TALENT_PHONE)
    rows = desk.office.db.execute_sql(
        "SELECT changes, reason FROM audit_log WHERE entity = 'talent' AND action = 'update' ORDER BY at, id"
    ).fetchall()
    text = repr(rows)
    for number in (TALENT_PHONE, "13912345678", ID_NUMBER, "110105194912310097"):
        assert number not in text
    import json

    first = json.loads(rows[0][0])
    assert first["phone"]["from"] == "138****8000" and first["phone"]["to"] == "139****5678"
    assert first["phone"]["hash"]["from"] != first["phone"]["hash"]["to"]
    second = json.loads(rows[1][0])
    assert second["phone"]["hash"]["to"] == first["phone"]["hash"]["from"]  # the same number again
    assert "139****5678" in rows[0][1]


def test_erasure_removes_the_person_everywhere_and_keeps_the_case_facts(desk: Desk, cast: Cast,
                                                                        talent: Talent) -> None:
    operator = desk.acting_as(cast.operator)
    logged = operator.calls.log(phone=TALENT_PHONE, summary=f"咨询人才公寓，身份证 {ID_NUMBER}", measure=11,
                                outcome="request", dispatch_to="mudu", dispatch_staff=cast.specialist.name)
    assert logged.request is not None
    desk.acting_as(cast.specialist).views.talent_profile(talent.id)  # an access record to keep
    before = desk.acting_as(cast.supervisor).stats.closure()["totals"]
    with pytest.raises(PermissionRefused):
        operator.privacy.erase("DW-0001", "本人申请")
    supervisor = desk.acting_as(cast.supervisor)
    with pytest.raises(ValidationFailed):
        supervisor.privacy.erase("DW-0001", " ")
    supervisor.privacy.erase("DW-0001", "本人申请删除（个人信息保护法第四十七条）")

    db = desk.office.db
    text = repr([db.execute_sql(f"SELECT * FROM {table}").fetchall()
                 for table in ("talent", "call", "service_request", "request_event", "audit_log")])
    for personal in (talent.name, TALENT_PHONE, ID_NUMBER, "DW-0001"):
        assert personal not in text, personal
    assert db.execute_sql("SELECT count(*) FROM talent_fts WHERE talent_fts MATCH ?",
                          [f'"{talent.name}"']).fetchone()[0] == 0
    assert [line.name for line in supervisor.views.talents().page()] == []
    # The anonymous facts stay: the request is still counted, with its measure, status and township.
    assert supervisor.stats.closure()["totals"] == before
    facts = db.execute_sql("SELECT measure_number, status, township_code FROM service_request").fetchall()
    assert facts == [(11, "dispatched", "mudu")]
    records = supervisor.privacy.accesses(talent.id)
    assert {r.subject for r in records} == {"已删除"} and [r.what for r in records][-1] == "erase"
    tombstone = db.execute_sql("SELECT changes FROM audit_log WHERE action = 'erase'").fetchall()
    assert tombstone == [('{"erased": true}',)]


def test_retention_dry_run_says_what_it_would_anonymise(desk: Desk, cast: Cast, talent: Talent, clock) -> None:
    operator = desk.acting_as(cast.operator)
    logged = operator.calls.log(phone=TALENT_PHONE, summary=f"旧案 {ID_NUMBER}", measure=4, outcome="answered",
                                resolution="已答复")
    assert logged.request is not None
    desk.acting_as(cast.supervisor).requests.move(logged.request.id, "archive")
    supervisor = desk.acting_as(cast.supervisor)
    assert supervisor.privacy.retention(dry_run=True)["requests"] == 0
    clock.now = clock.now.replace(year=clock.now.year + 6)
    plan = supervisor.privacy.retention(dry_run=True)
    assert (plan["requests"], plan["calls"], plan["archived_years"]) == (1, 1, 5)
    assert ID_NUMBER in repr(desk.office.db.execute_sql("SELECT summary FROM service_request").fetchall())
    done = supervisor.privacy.retention(dry_run=False)
    assert done["requests"] == 1
    rows = desk.office.db.execute_sql("SELECT phone, summary, measure_number, status FROM service_request").fetchall()
    assert rows == [("", "（个人信息已删除）", 4, "archived")]
    assert supervisor.privacy.retention(dry_run=True)["requests"] == 0


def test_subject_export_holds_everything_about_the_person_and_is_recorded(desk: Desk, cast: Cast,
                                                                          talent: Talent) -> None:
    desk.acting_as(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询人才公寓", measure=11,
                                            outcome="request")
    supervisor = desk.acting_as(cast.supervisor)
    data = supervisor.privacy.subject_export("DW-0001", place="dongwu talent export")
    assert data["talent"]["phone"] == TALENT_PHONE and data["talent"]["id_number"] == ID_NUMBER
    assert [c["summary"] for c in data["calls"]] == ["咨询人才公寓"]
    assert [r["summary"] for r in data["requests"]] == ["咨询人才公寓"]
    assert data["audit"][0]["action"] == "add"
    assert [r.what for r in supervisor.privacy.accesses("DW-0001")][-1] == "subject_export"


def test_a_roster_export_is_recorded_with_its_scope(desk: Desk, cast: Cast, talent: Talent, tmp_path) -> None:
    from dongwu_tui.services.roster import RosterService

    assert RosterService(desk.acting_as(cast.operator)).export_file("talents", tmp_path / "名册.csv") == 1
    [record] = desk.acting_as(cast.supervisor).privacy.exports()
    assert (record.actor, record.what, record.place) == ("王话务", "export", "名册 名册.csv")
    assert "1 条" in record.subject
