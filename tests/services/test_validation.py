"""Input checks at the boundary: every bad value is refused with a Chinese sentence naming the problem,
and a refused input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from deskkit import Cast

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.models import IdKind, Staff
from dongwu_tui.domain.validation import CallInput, EnterpriseInput, StaffInput, TalentInput, parse
from dongwu_tui.services.desk import Desk

GOOD_TALENT = {"name": "陈人才", "phone": "13800138000", "category_code": "industry"}
GOOD_CALL = {"phone": "13800138000", "summary": "咨询人才公寓", "measure": 11, "outcome": "request"}
GOOD_STAFF = {"name": "王话务", "role": "operator", "office_id": "site-1"}
CREDIT_CODE = "91320506MA1MA5TR0Y"
RESIDENT_ID = "11010519491231002X"

Act = Callable[[Staff], Desk]


def refused(model: type, **values: Any) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse(model, **values)
    message = str(caught.value)
    assert message.endswith("。") and "Traceback" not in message
    return message


BAD_INPUTS = [
    # (model, values, the whole message)
    ("bad mobile", TalentInput, {**GOOD_TALENT, "phone": "1380013800"}, "手机号码应为 11 位数字，以 1 开头。"),
    ("letters in phone", TalentInput, {**GOOD_TALENT, "phone": "138abc"}, "电话号码只能包含数字、空格和连字符。"),
    ("service number", CallInput, {**GOOD_CALL, "phone": "12345"},
     "不接受 12345、110 等服务号码，请填写手机号码或座机号码。"),
    ("bad landline", StaffInput, {**GOOD_STAFF, "phone": "0512-123"},
     "座机号码格式不正确：区号以 0 开头，号码 7–8 位。"),
    ("ID check digit", TalentInput, {**GOOD_TALENT, "id_number": "110105194912310021"},
     "身份证号码校验位错误：应为 X。"),
    ("ID birth date", TalentInput, {**GOOD_TALENT, "id_number": "110105194913310021"},
     "身份证号码中的出生日期 19491331 无效。"),
    ("ID length", TalentInput, {**GOOD_TALENT, "id_number": "11010519491231"}, "身份证号码应为 18 位，当前为 14 位。"),
    ("ID province", TalentInput, {**GOOD_TALENT, "id_number": "991105194912310021"},
     "身份证号码前两位 99 不是有效的省级行政区划代码。"),
    ("passport", TalentInput, {**GOOD_TALENT, "id_kind": "passport", "id_number": "E1-2"},
     "护照号码应为 5–17 位英文字母或数字。"),
    ("credit code check char", EnterpriseInput, {"name": "苏州东吴科技有限公司", "credit_code": "91320506MA1MA5TR0A"},
     "统一社会信用代码校验位错误：应为 Y。"),
    ("credit code length", EnterpriseInput, {"name": "苏州东吴科技有限公司", "credit_code": "9132050"},
     "统一社会信用代码应为 18 位，当前为 7 位。"),
    ("credit code character", EnterpriseInput, {"name": "苏州东吴科技有限公司", "credit_code": "91320506MA1MA5TRIY"},
     "统一社会信用代码含有不允许的字符「I」。"),
    ("missing name", TalentInput, {k: v for k, v in GOOD_TALENT.items() if k != "name"}, "缺少必填项：姓名。"),
    ("missing phone", CallInput, {k: v for k, v in GOOD_CALL.items() if k != "phone"}, "缺少必填项：电话号码。"),
    ("missing credit code", EnterpriseInput, {"name": "苏州东吴科技有限公司"}, "缺少必填项：统一社会信用代码。"),
    ("missing role", StaffInput, {"name": "王话务", "office_id": "site-1"}, "缺少必填项：角色。"),
    ("short name", StaffInput, {**GOOD_STAFF, "name": "王"}, "姓名太短（至少 2 个字）。"),
    ("long name", TalentInput, {**GOOD_TALENT, "name": "陈" * 31}, "姓名太长（最多 30 个字）。"),
    ("long notes", TalentInput, {**GOOD_TALENT, "notes": "备" * 501}, "备注太长（最多 500 个字）。"),
    ("long summary", CallInput, {**GOOD_CALL, "summary": "问" * 501}, "来电摘要太长（最多 500 个字）。"),
    ("long enterprise", EnterpriseInput, {"name": "企" * 61, "credit_code": CREDIT_CODE},
     "企业名称太长（最多 60 个字）。"),
    ("card characters", TalentInput, {**GOOD_TALENT, "card_no": "东吴卡001"},
     "东吴人才卡号只能包含字母、数字和连字符。"),
    ("card length", TalentInput, {**GOOD_TALENT, "card_no": "D" * 21}, "东吴人才卡号太长（最多 20 个字）。"),
    ("empty category", TalentInput, {**GOOD_TALENT, "category_code": "  "}, "人才类别不能为空。"),
    ("empty level", TalentInput, {**GOOD_TALENT, "level_code": ""}, "人才工程层级不能为空。"),
    ("measure out of range", CallInput, {**GOOD_CALL, "measure": 19}, "服务举措应在 1–18 之间（收到 19）。"),
    ("measure not a number", CallInput, {**GOOD_CALL, "measure": "十一"}, "服务举措应为整数。"),
    ("request without measure", CallInput, {**GOOD_CALL, "measure": None},
     "当场答复或转工单时必须选择服务举措（1–18）。"),
    ("answer without reply", CallInput, {**GOOD_CALL, "outcome": "answered"}, "当场答复时必须填写答复内容。"),
    ("negative duration", CallInput, {**GOOD_CALL, "duration_s": -5}, "通话时长应在 0–21600 之间（收到 -5）。"),
    ("unknown field", TalentInput, {**GOOD_TALENT, "shoe_size": "42"}, "不认识的字段：shoe_size。"),
]


@pytest.mark.parametrize(("model", "values", "message"), [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_each_bad_input_is_refused_with_a_chinese_message(model: type, values: dict[str, Any], message: str) -> None:
    assert refused(model, **values) == message


def test_every_problem_is_listed_once() -> None:
    message = refused(TalentInput, name="陈", phone="abc", category_code="")
    assert message == "姓名太短（至少 2 个字）；电话号码只能包含数字、空格和连字符；人才类别不能为空。"


def test_enum_choices_are_listed() -> None:
    message = refused(StaffInput, **{**GOOD_STAFF, "role": "boss"})
    assert message.startswith("角色不正确，可选值：")
    for role in ("operator", "specialist", "supervisor", "admin"):
        assert role in message


def test_good_input_is_normalised() -> None:
    talent = parse(TalentInput, name=" 陈人才 ", phone="+86 138-0013-8000", category_code="industry",
                   id_number="11010519491231002x")
    assert (talent.name, talent.phone, talent.id_number, talent.id_kind) == (
        "陈人才", "13800138000", RESIDENT_ID, IdKind.RESIDENT)
    assert talent.level_code == "none"
    assert parse(TalentInput, **GOOD_TALENT, id_kind="passport", id_number="e1234567").id_number == "E1234567"
    assert parse(CallInput, **{**GOOD_CALL, "phone": "66881234"}).phone == "051266881234"
    enterprise = parse(EnterpriseInput, name="苏州东吴科技有限公司", credit_code=CREDIT_CODE.lower())
    assert enterprise.credit_code == CREDIT_CODE
    assert parse(StaffInput, **GOOD_STAFF, phone=None).phone is None


# ------------------------------------------------------------------------------ through the services


def test_bad_input_through_the_services_writes_nothing(desk: Desk, act: Act, cast: Cast, dump) -> None:
    operator = act(cast.operator)
    talent = operator.talents.add(**GOOD_TALENT, card_no="DW-0001")
    operator.directory.add_enterprise("苏州东吴科技有限公司", CREDIT_CODE, "mudu", "生物医药")
    before = dump(desk)
    attempts: list[tuple[Callable[[], object], type[Exception], str]] = [
        (lambda: operator.talents.add(**{**GOOD_TALENT, "phone": "1380013800"}), ValidationFailed,
         "手机号码应为 11 位数字"),
        (lambda: operator.talents.add(**GOOD_TALENT, id_number="110105194912310021"), ValidationFailed,
         "身份证号码校验位错误：应为 X"),
        (lambda: operator.talents.add(**GOOD_TALENT, id_number="110105194902300021"), ValidationFailed,
         "身份证号码中的出生日期 19490230 无效"),
        (lambda: operator.talents.add(phone="13800138000", category_code="industry"), ValidationFailed,
         "缺少必填项：姓名"),
        (lambda: operator.talents.add(**GOOD_TALENT, notes="备" * 501), ValidationFailed, "备注太长"),
        (lambda: operator.talents.add(**GOOD_TALENT, card_no="卡 1"), ValidationFailed, "东吴人才卡号只能包含"),
        (lambda: operator.talents.add(**GOOD_TALENT, level_code=""), ValidationFailed, "人才工程层级不能为空"),
        (lambda: operator.talents.add(**{**GOOD_TALENT, "category_code": "神仙"}), NotFound,
         "没有名为「神仙」的人才类别，可选：科技领军人才"),
        (lambda: operator.talents.add(**GOOD_TALENT, township_code="火星"), NotFound, "没有名为「火星」的板块"),
        (lambda: operator.talents.add(**GOOD_TALENT, specialist_id="周督办"), ValidationFailed,
         "周督办不是人才工作专员，不能作为联系专员"),
        (lambda: operator.talents.update(talent.id, phone="0512-123"), ValidationFailed, "座机号码格式不正确"),
        (lambda: operator.talents.update(talent.id, name="陈"), ValidationFailed, "姓名太短"),
        (lambda: operator.directory.add_enterprise("苏州吴越科技有限公司", "91320506MA1MA5TR0A"), ValidationFailed,
         "统一社会信用代码校验位错误：应为 Y"),
        (lambda: operator.directory.add_enterprise("苏州吴越科技有限公司", CREDIT_CODE), ValidationFailed,
         f"统一社会信用代码 {CREDIT_CODE} 已登记"),
        (lambda: act(cast.admin).directory.add_staff("王", "operator"), ValidationFailed, "姓名太短"),
        (lambda: act(cast.admin).directory.add_staff("新话务", "operator", phone="12345"), ValidationFailed,
         "不接受 12345"),
        (lambda: act(cast.admin).directory.add_site("mudu", "木渎第二工作站", "township"), ValidationFailed,
         "单位代码「mudu」已被使用"),
        (lambda: operator.calls.log(**{**GOOD_CALL, "phone": "1380013800"}), ValidationFailed,
         "手机号码应为 11 位数字"),
        (lambda: operator.calls.log(**{**GOOD_CALL, "summary": "问"}), ValidationFailed, "来电摘要太短"),
        (lambda: operator.calls.log(**{**GOOD_CALL, "measure": None}), ValidationFailed, "必须选择服务举措"),
        (lambda: operator.calls.log(**{**GOOD_CALL, "measure": 0}), ValidationFailed, "服务举措应在 1–18 之间"),
        (lambda: operator.calls.log(**GOOD_CALL, attach_to="WZ-20990101-0001"), NotFound, "没有找到工单"),
    ]
    for attempt, error, text in attempts:
        with pytest.raises(error, match=text):
            attempt()
        assert dump(desk) == before, text
    assert operator.talents.get("DW-0001").phone == "13800138000"


def test_blank_optional_references_mean_none_not_a_broken_link(desk: Desk, act: Act, cast: Cast) -> None:
    """An emptied form field (or `--township ""`) must not reach the foreign keys as ""."""
    operator = act(cast.operator)
    talent = operator.talents.add(**GOOD_TALENT, township_code="", specialist_id=" ", enterprise_id="")
    assert (talent.township_code, talent.specialist_id, talent.enterprise_id) == (None, None, None)
    moved = operator.talents.update(talent.id, township_code="木渎镇", specialist_id="李专员")
    assert (moved.township_code, moved.specialist_id) == ("mudu", cast.specialist.id)
    # Blank on an edit changes nothing (TalentUpdate has no way to say "clear").
    assert operator.talents.update(talent.id, township_code="", specialist_id="") == moved
