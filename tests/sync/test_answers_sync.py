"""Standard answers and callbacks between offices: the centre's approved answers reach every township."""

from __future__ import annotations

from dongwu_tui.services.desk import Desk
from dongwu_tui.sync import engine


def send(src, dst, tmp_path, code):
    result = engine.export_file(src, code, tmp_path / "out")
    return engine.import_file(dst, result.path)


def test_the_centres_approved_answers_travel_to_every_township(offices, tmp_path):
    centre = Desk(offices["wz"])
    admin = centre.directory.staff("系统管理员")
    supervisor = centre.acting_as(admin).directory.add_staff("周督办", "supervisor")
    kb = centre.acting_as(supervisor).answers
    approved = kb.approve(kb.add(measure=11, title="人才公寓申请条件", body="持卡即可申请。", keywords="公寓").ref)
    draft = kb.add(measure=11, title="人才公寓退租", body="提前 30 天提出。", keywords="公寓 退租")
    for code in ("mudu", "xukou"):
        send(offices["wz"], offices[code], tmp_path, code)
        township = Desk(offices[code])
        assert [a.id for a in township.answers.offered(11, "gy")] == [approved.id]
        assert [a.id for a in township.answers.list()] == [approved.id]  # the centre's draft is its own

    # A new version approved at the centre replaces the old one at the township with the next file.
    second = kb.approve(kb.add(measure=11, title="人才公寓申请条件", body="新版：工作满三个月即可申请。",
                               keywords="公寓", replaces=approved.ref).ref)
    kb.approve(draft.ref)
    send(offices["wz"], offices["mudu"], tmp_path, "mudu")
    township = Desk(offices["mudu"])
    assert {a.id for a in township.answers.offered(11, "")} == {second.id, draft.id}


def test_a_callback_goes_to_the_township_of_its_owner(offices, tmp_path):
    centre = Desk(offices["wz"])
    admin = centre.acting_as(centre.directory.staff("系统管理员"))
    operator = admin.directory.add_staff("王话务", "operator")
    specialist = admin.directory.add_staff("李专员", "specialist", "mudu")
    item = centre.acting_as(operator).callbacks.promise("13900001111", due_at=centre.clock(), owner=specialist.id)
    send(offices["wz"], offices["mudu"], tmp_path, "mudu")
    send(offices["wz"], offices["xukou"], tmp_path, "xukou")
    assert [i.id for i in Desk(offices["mudu"]).callbacks.queue(specialist.id)] == [item.id]
    assert Desk(offices["xukou"]).callbacks.queue(specialist.id) == []
