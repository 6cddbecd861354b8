"""Duplicate talents: exact and likely ones found, and the supervisor's merge."""

from __future__ import annotations

import pytest

from dongwu_tui.domain.errors import NotFound, PermissionRefused
from dongwu_tui.services.duplicates import find_duplicates, merge_talents


def clone(desk, talent_id: str, new_id: str, **changes) -> None:
    """A second row for the same person, as a database from before the identity rule (or sync) holds."""
    db = desk.office.db
    columns = [row[1] for row in db.execute_sql("PRAGMA table_info(talent)")]
    values = dict(zip(columns, db.execute_sql("SELECT * FROM talent WHERE id = ?", (talent_id,)).fetchone(),
                      strict=True))
    values.update(id=new_id, **changes)
    with desk.office.write():
        db.execute_sql(f"INSERT INTO talent ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       tuple(values.values()))


def test_exact_and_likely_duplicates(desk, cast, act, talent):
    operator = act(cast.operator)
    clone(desk, talent.id, "dup-card", id_number=None)                       # same card
    operator.talents.add(name="张伟", phone="13911112222", category_code="industry")
    operator.talents.add(name="張偉", phone="13911112222", category_code="industry")  # traditional, same phone
    operator.talents.add(name="李娜", phone="13911112222", category_code="industry")  # same phone, other name
    found = find_duplicates(act(cast.supervisor))
    kinds = [(g.kind, g.reason, sorted(t[1] for t in g.talents)) for g in found]
    assert ("exact", "卡号相同", ["陈人才", "陈人才"]) in kinds
    assert ("likely", "手机相同、姓名相近", ["张伟", "張偉"]) in kinds
    assert not any("李娜" in names for _k, _r, names in kinds)
    with pytest.raises(PermissionRefused):
        find_duplicates(operator)


def test_merge_moves_calls_and_requests_and_leaves_a_pointer(desk, cast, act, talent):
    operator = act(cast.operator)
    other = operator.talents.add(name="陈人才", phone="13911112222", category_code="young", card_no="DW-0002")
    operator.calls.log(phone="13911112222", summary="咨询人才公寓", measure=11, outcome="request")
    supervisor = act(cast.supervisor)
    assert any(g.kind == "likely" for g in find_duplicates(supervisor)) is False  # other phone: not found
    with pytest.raises(PermissionRefused):
        merge_talents(operator, talent.card_no, other.card_no)
    result = merge_talents(supervisor, talent.card_no, other.card_no, take=["手机"], reason="同一人")
    assert (result["calls"], result["requests"], result["took"]) == (1, 1, ["phone"])
    db = desk.office.db
    assert db.execute_sql("SELECT count(*) FROM call WHERE talent_id = ?", (talent.id,)).fetchone()[0] == 1
    assert db.execute_sql("SELECT count(*) FROM service_request WHERE talent_id = ?", (talent.id,)).fetchone()[0] == 1
    assert db.execute_sql("SELECT deleted, merged_into_id FROM talent WHERE id = ?", (other.id,)).fetchone() == (
        1, talent.id)
    kept = desk.talents.get(talent.id)
    assert kept.phone == "13911112222" and kept.category_code == "industry"
    assert desk.talents.count() == 1
    assert desk.talents.get(other.card_no).id == talent.id  # an old card number finds the survivor
    audits = db.execute_sql("SELECT entity_id, actor_id, reason FROM audit_log WHERE action = 'merge' "
                            "ORDER BY entity_id").fetchall()
    assert sorted(audits) == sorted([(other.id, cast.supervisor.id, "同一人"), (talent.id, cast.supervisor.id, "同一人")])


def test_an_old_number_follows_a_chain_of_merges_to_the_survivor(desk, cast, act, talent):
    operator, supervisor = act(cast.operator), act(cast.supervisor)
    second = operator.talents.add(name="陈人才", phone="13911112222", category_code="young", card_no="DW-0002")
    third = operator.talents.add(name="陈人才", phone="13911113333", category_code="young", card_no="DW-0003")
    merge_talents(supervisor, second.card_no, third.card_no, reason="同一人")
    merge_talents(supervisor, talent.card_no, second.card_no, reason="同一人")
    for ref in (third.card_no, third.id, second.card_no):
        assert desk.talents.get(ref).id == talent.id
    file = desk.talents.file(third.card_no)
    assert file.talent.id == talent.id and file.merged_from is not None and file.merged_from.id == third.id
    assert desk.talents.file(talent.card_no).merged_from is None
    with pytest.raises(NotFound):
        desk.talents.get("DW-9999")
