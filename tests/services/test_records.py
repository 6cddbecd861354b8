"""Records: who may sign, who may read, one timeline everywhere, identity, text safety and lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from deskkit import TALENT_PHONE, Cast

from dongwu_tui.domain.errors import PermissionRefused
from dongwu_tui.domain.models import ServiceRequest, Staff, Talent
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import open_desk

Act = Callable[[Staff], Desk]
HOUSING = 11


def dispatched(act: Act, cast: Cast, **dispatch: str) -> ServiceRequest:
    result = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询人才公寓申请条件", measure=HOUSING,
                                          outcome="request")
    assert result.request is not None
    return act(cast.operator).requests.move(result.request.number, "dispatch", **dispatch)


# ------------------------------------------------------------------------------ 21: who may sign


def test_a_specialist_of_another_township_cannot_sign_an_office_request(act: Act, cast: Cast,
                                                                         talent: Talent) -> None:
    request = dispatched(act, cast, to_site="mudu")
    luzhi = act(cast.specialist_luzhi)
    assert "sign" not in [m.value for m in luzhi.requests.allowed_moves(request)]
    with pytest.raises(PermissionRefused, match="其他单位"):
        luzhi.requests.move(request.number, "sign")
    assert act(cast.supervisor).requests.get(request.number).assignee_id is None
    signed = act(cast.specialist2).requests.move(request.number, "sign")
    assert signed.assignee_id == cast.specialist2.id


def test_a_supervisor_may_sign_for_the_office(act: Act, cast: Cast, talent: Talent) -> None:
    request = dispatched(act, cast, to_site="mudu")
    assert act(cast.supervisor).requests.move(request.number, "sign").status.value == "in_progress"


# ------------------------------------------------------------------------------ 22: deactivated accounts


def test_a_deactivated_account_opens_nothing(desk: Desk, cast: Cast, db_path: Path) -> None:
    desk.office.db.execute_sql("UPDATE staff SET active = 0 WHERE id = ?", (cast.specialist.id,))
    with pytest.raises(PermissionRefused, match="已停用"):
        open_desk(db_path, cast.specialist.name)
    reopened = open_desk(db_path, cast.specialist2.name)
    reopened.office.close()


# ------------------------------------------------------------------------------ 23: one timeline


def test_the_timeline_does_not_depend_on_local_row_order(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    request = dispatched(act, cast, to_site="mudu", to_staff="李专员")
    act(cast.specialist).requests.move(request.number, "sign")
    before = [ev.id for ev in desk.requests.get(request.number).events]
    # An office that received the same events by sync holds them under other rowids.
    db = desk.office.db
    db.execute_sql("CREATE TEMP TABLE ev AS SELECT * FROM request_event WHERE request_id = ?", (request.id,))
    db.execute_sql("PRAGMA foreign_keys = OFF")
    db.execute_sql("DELETE FROM request_event WHERE request_id = ?", (request.id,))
    db.execute_sql("INSERT INTO request_event SELECT * FROM ev ORDER BY id DESC")
    assert [ev.id for ev in desk.requests.get(request.number).events] == before


# ------------------------------------------------------------------------------ 18: terminal controls

ATTACK = "\x1b]0;pwned\x07张伟"


@pytest.mark.parametrize("name", [ATTACK, "张\u202e伟", "张\u200b伟", "张伟\r", "张\x7f伟", "张\x9b伟"])
def test_a_name_with_terminal_controls_is_refused(act: Act, cast: Cast, name: str) -> None:
    from dongwu_tui.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="姓名含有控制字符"):
        act(cast.operator).talents.add(name=name + "x", phone="13912345678", category_code="industry")


def test_every_text_field_of_every_write_is_checked(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    from dongwu_tui.domain.errors import ValidationFailed

    operator = act(cast.operator)
    with pytest.raises(ValidationFailed, match="来电摘要"):
        operator.calls.log(phone=TALENT_PHONE, summary="咨询\x1b[2J", measure=HOUSING, outcome="request")
    with pytest.raises(ValidationFailed, match="备注"):
        operator.talents.update(talent.card_no or "", notes="好\u2066的")
    with pytest.raises(ValidationFailed, match="修改原因"):
        operator.talents.update(talent.card_no or "", reason="改\x1b", notes="好")
    with pytest.raises(ValidationFailed, match="企业名称"):
        desk.directory.add_enterprise("苏州\x1b科技有限公司", "91350100M000100Y43")
    with pytest.raises(ValidationFailed, match="姓名"):
        desk.directory.add_staff("王\x07芳", "operator")
    request = dispatched(act, cast, to_site="mudu", to_staff="李专员")
    with pytest.raises(ValidationFailed, match="原因"):
        act(cast.specialist).requests.move(request.number, "return", reason="不归我\x1b[2J")
    # Free text may run over several lines.
    operator.talents.update(talent.card_no or "", notes="第一行\n第二行")


def test_printable_spells_out_what_a_terminal_acts_on() -> None:
    from dongwu_tui.domain.safetext import printable

    assert printable(ATTACK) == "\\u001b]0;pwned\\u0007张伟"
    assert printable("张\u202e伟\u200b") == "张\\u202e伟\\u200b"
    assert printable("一\n二") == "一 二" and printable("一\n二", keep_lines=True) == "一\n二"
    assert printable("陈人才 DW-0001") == "陈人才 DW-0001"


# ------------------------------------------------------------------------------ 20: one identity, one talent


def test_a_second_talent_with_the_same_resident_id_or_card_is_refused(desk: Desk, act: Act, cast: Cast,
                                                                      talent: Talent) -> None:
    from dongwu_tui.domain.errors import ValidationFailed

    operator = act(cast.operator)
    with pytest.raises(ValidationFailed, match="证件号码已登记给人才 陈人才（人才卡 DW-0001）"):
        operator.talents.add(name="陈某某", phone="13912345678", category_code="industry",
                             id_number=talent.id_number)
    with pytest.raises(ValidationFailed, match="东吴人才卡号已登记给人才 陈人才（人才卡 DW-0001）"):
        operator.talents.add(name="陈某某", phone="13912345678", category_code="industry", card_no="DW-0001")
    other = operator.talents.add(name="李某某", phone="13912345678", category_code="industry", card_no="DW-0002")
    with pytest.raises(ValidationFailed, match="人才卡 DW-0001"):
        operator.talents.update(other.id, card_no="DW-0001")
    with pytest.raises(ValidationFailed, match="人才卡 DW-0001"):
        operator.talents.update(other.id, id_number=talent.id_number)
    # A passport number is unique only within its country: not compared.
    operator.talents.add(name="Anna Smith", phone="13912345679", category_code="international",
                         id_kind="passport", id_number="E12345678")
    operator.talents.add(name="Emma Smith", phone="13912345670", category_code="international",
                         id_kind="passport", id_number="E12345678")
    assert desk.talents.get("DW-0001").id == talent.id
    assert desk.talents.duplicate_identities() == []


def test_duplicates_held_already_are_listed_not_fatal(desk: Desk, act: Act, cast: Cast, talent: Talent,
                                                      db_path: Path) -> None:
    from dongwu_tui.storage.identity import identity_clash

    other = act(cast.operator).talents.add(name="李某某", phone="13912345678", category_code="industry",
                                           card_no="DW-0002")
    # From before the rule, or arrived by sync: the database holds it and still opens.
    desk.office.db.execute_sql("UPDATE talent SET id_number = ? WHERE id = ?", (talent.id_number, other.id))
    assert desk.talents.duplicate_identities() == [("id_number", ["DW-0001", "DW-0002"])]
    clash = identity_clash(desk.office.tables, id_kind="resident", id_number=talent.id_number, card_no=None,
                           exclude_id=talent.id)
    assert clash is not None and clash.card_no == "DW-0002"
    indexes = {row[0] for row in desk.office.db.execute_sql("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "talent_id_number" in indexes
    open_desk(db_path).office.close()


# ------------------------------------------------------------------------------ 15: lists


def test_four_digits_find_a_caller_by_the_end_of_their_number(desk: Desk, act: Act, cast: Cast,
                                                              talent: Talent) -> None:
    other = act(cast.operator).talents.add(name="李某某", phone="13912345678", category_code="industry")
    found = lambda text: {line.id for line in desk.views.talents(search=text).page(None)}  # noqa: E731
    assert found("5678") == {other.id}
    assert found(TALENT_PHONE[-4:]) == {talent.id}
    assert found("2345") == {other.id}  # anywhere in the number
    assert found("139") == {other.id}  # three digits: the start only


def test_names_sort_by_pinyin_in_the_caseload_and_talent_list(desk: Desk, act: Act, cast: Cast) -> None:
    operator = act(cast.operator)
    for name, phone in (("张伟", "13900000001"), ("王芳", "13900000002"), ("阿里", "13900000003"),
                        ("陈晓明", "13900000004")):
        operator.talents.add(name=name, phone=phone, category_code="industry")
    expected = ["阿里", "陈晓明", "王芳", "张伟"]
    assert [line.name for line in desk.views.talents().page(None)] == expected
    assert [t.name for t in desk.talents.list()] == expected
    first = desk.talents.list(limit=2)
    last = first[-1]
    after = (desk.office.db.execute_sql("SELECT name_pinyin FROM talent WHERE id = ?", (last.id,)).fetchone()[0],
             last.name, last.id)
    assert [t.name for t in desk.talents.list(after=after)] == expected[2:]


def test_talent_list_gives_enterprise_and_specialist_names(desk: Desk, act: Act, cast: Cast,
                                                           talent: Talent) -> None:
    enterprise = desk.directory.add_enterprise("苏州某某科技有限公司", "91350100M000100Y43", "mudu")
    act(cast.operator).talents.update(talent.id, enterprise_id=enterprise.id)
    listed = desk.talents.list()[0]
    assert (listed.enterprise_name, listed.specialist_name) == ("苏州某某科技有限公司", "李专员")


def test_a_merged_request_names_the_request_it_joined(desk: Desk, act: Act, cast: Cast, talent: Talent) -> None:
    first = dispatched(act, cast, to_site="mudu")
    second = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="再次咨询人才公寓", measure=HOUSING,
                                          outcome="request", force_new=True).request
    assert second is not None
    act(cast.supervisor).requests.move(second.number, "merge", into=first.number, reason="同一事项")
    page = act(cast.supervisor).views.request_page(second.number)
    assert page.merged_into == first.number
    assert desk.requests.number_of(page.request.merged_into_id) == first.number
