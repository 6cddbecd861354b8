"""Export/import between real offices: merge of different fields, conflicts, forks, deletes, identity."""

from __future__ import annotations

import json
import shutil

import pytest

from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync import engine, identity
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync.errors import SyncRefused

from .offices import dump, reopen


def add_talent(office, talent_id, township="mudu", notes=""):
    with office.write():
        office.db.execute_sql(
            "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, phone, id_kind, category_code, "
            "level_code, township_code, notes) VALUES (?, ?, '2026-11-01 09:00:00', '2026-11-01 09:00:00', 0, "
            "'张伟', '13812345678', 'resident', (SELECT code FROM talent_category LIMIT 1), "
            "(SELECT code FROM talent_level LIMIT 1), ?, ?)",
            (talent_id, office.meta("site_id"), township, notes))


def edit(office, talent_id, **values):
    with office.write():
        sets = ", ".join(f"{k} = ?" for k in values)
        office.db.execute_sql(f"UPDATE talent SET {sets} WHERE id = ?", [*values.values(), talent_id])


def row(office, talent_id):
    return office.db.execute_sql("SELECT name, phone, notes, card_no, deleted FROM talent WHERE id = ?",
                                 (talent_id,)).fetchone()


def send(src, dst, tmp_path, code, full=False):
    result = engine.export_file(src, code, tmp_path / "out", full=full)
    return engine.import_file(dst, result.path), result.path


def test_delivery_and_idempotence(offices, tmp_path):
    add_talent(offices["wz"], "t1")
    first, path = send(offices["wz"], offices["mudu"], tmp_path, "mudu")
    assert first.applied > 0 and row(offices["mudu"], "t1")[0] == "张伟"
    before = dump(offices["mudu"])
    again = engine.import_file(offices["mudu"], path)
    assert again.already_imported and dump(offices["mudu"]) == before


def test_township_receives_only_its_partition(offices, tmp_path):
    add_talent(offices["wz"], "t-mudu", "mudu")
    add_talent(offices["wz"], "t-xukou", "xukou")
    send(offices["wz"], offices["mudu"], tmp_path, "mudu")
    assert row(offices["mudu"], "t-mudu") is not None and row(offices["mudu"], "t-xukou") is None


def test_different_fields_merge_same_field_conflicts(offices, tmp_path):
    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    send(c, m, tmp_path, "mudu")
    edit(c, "t1", phone="13912345678", notes="中心")
    edit(m, "t1", card_no="DW1", notes="木渎")
    send(m, c, tmp_path, "wz")
    send(c, m, tmp_path, "mudu")
    assert row(c, "t1")[:4] == row(m, "t1")[:4]
    assert row(c, "t1")[1] == "13912345678" and row(c, "t1")[3] == "DW1"
    for office in (c, m):
        [conflict] = cf.list_conflicts(office)
        assert conflict.field == "notes" and sorted(v.value for v in conflict.versions) == ["中心", "木渎"]
        assert {v.office for v in conflict.versions} == {"吴中区高层次人才服务中心", "木渎镇人才工作站"}
    # A record in conflict cannot be saved until the field is chosen.
    with pytest.raises(Exception, match="冲突"):
        edit(m, "t1", phone="13700000000")
    [conflict] = cf.list_conflicts(m)
    cf.resolve(m, conflict, cf.choose(conflict, "mine"), None, "2026-11-28 10:00:00")
    edit(m, "t1", phone="13700000000")
    send(m, c, tmp_path, "wz")
    assert cf.list_conflicts(c) == [] and row(c, "t1")[1:3] == ("13700000000", "木渎")


def test_edit_against_concurrent_delete_is_a_conflict(offices, tmp_path):
    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    send(c, m, tmp_path, "mudu")
    edit(c, "t1", deleted=1)
    edit(m, "t1", notes="还在联系")
    send(m, c, tmp_path, "wz")
    [conflict] = cf.list_conflicts(c)
    assert conflict.kind == "delete" and {v.value for v in conflict.versions} == {0, 1}


def test_concurrent_request_moves_are_a_fork(offices, tmp_path):
    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    with c.write():
        staff = c.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
        c.db.execute_sql(
            "INSERT INTO service_request (id, site_id, created_at, updated_at, number, talent_id, phone, "
            "measure_number, summary, status, township_code, opened_by_id, opened_at, due_date) VALUES "
            "('r1', ?, '2026-11-01', '2026-11-01', 'WZ-1', 't1', '13812345678', 1, '咨询', 'in_progress', 'mudu', ?, "
            "'2026-11-01', '2026-11-10')", (c.meta("site_id"), staff))
    send(c, m, tmp_path, "mudu")
    with c.write():
        c.db.execute_sql("UPDATE service_request SET status = 'returned' WHERE id = 'r1'")
    with m.write():
        m.db.execute_sql("UPDATE service_request SET status = 'resolved' WHERE id = 'r1'")
    send(m, c, tmp_path, "wz")
    [conflict] = [x for x in cf.list_conflicts(c) if x.field == "status"]
    assert conflict.kind == "fork" and {v.value for v in conflict.versions} == {"returned", "resolved"}


def test_copied_database_gets_new_replica(offices, tmp_path):
    m = offices["mudu"]
    before = identity.replica(m)
    m.close()
    shutil.copy(tmp_path / "mudu.db", tmp_path / "laptop.db")
    laptop = reopen(tmp_path / "laptop.db")
    assert identity.replica(laptop) != before
    original = reopen(tmp_path / "mudu.db")
    assert identity.replica(original) == before
    laptop.close()
    original.close()


def test_restored_backup_after_export_gets_new_replica(offices, tmp_path):
    m = offices["mudu"]
    add_talent(m, "t1")
    m.close()
    shutil.copy(tmp_path / "mudu.db", tmp_path / "backup.db")
    m = reopen(tmp_path / "mudu.db")
    old = identity.replica(m)
    add_talent(m, "t2")
    engine.export_file(m, "wz", tmp_path / "out")
    m.close()
    shutil.copyfile(tmp_path / "backup.db", tmp_path / "mudu.db")
    restored = reopen(tmp_path / "mudu.db")
    assert identity.replica(restored) != old
    assert kn.knowledge(restored)["mudu"][old] > 0
    restored.close()


def test_export_needs_certified_peer(offices, tmp_path):
    with pytest.raises(SyncRefused, match="没有已认证的单位"):
        engine.export_file(offices["wz"], "guoxiang", tmp_path / "out")


def test_a_copy_numbers_its_requests_apart_from_the_original(tmp_path):
    """The office database and a laptop copy of it both open requests on the same day: the numbers differ,
    so the two can sync without a clash on the request number."""
    import random
    from datetime import datetime

    from dongwu_tui.services.desk import Desk
    from dongwu_tui.services.setup import initialise

    clock = lambda: datetime(2026, 11, 27, 10)  # noqa: E731
    desk = initialise(tmp_path / "centre.db", "吴中区高层次人才服务中心", "district", clock=clock, rng=random.Random(1))
    desk.directory.add_staff("王芳", "operator")
    desk.office.close()
    shutil.copy(tmp_path / "centre.db", tmp_path / "laptop.db")
    numbers = []
    for name in ("centre.db", "laptop.db"):
        office = reopen(tmp_path / name)
        operator = Desk(office, clock=clock).directory.staff("王芳")
        logged = Desk(office, operator, clock=clock).calls.log(
            phone="13800138000", summary="咨询人才公寓", measure=11, outcome="request")
        numbers.append(logged.request.number)
        office.close()
    assert numbers[0] == "WZ-20261127-0001"
    assert numbers[1].startswith("WZ-20261127-0001-") and len(numbers[1]) == len(numbers[0]) + 5


@pytest.mark.parametrize("winner", ["resolved", "returned"])
def test_resolving_a_fork_clears_the_fields_of_the_branch_that_lost(offices, tmp_path, winner):
    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    with c.write():
        staff = c.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
        c.db.execute_sql(
            "INSERT INTO service_request (id, site_id, created_at, updated_at, number, talent_id, phone, "
            "measure_number, summary, status, township_code, opened_by_id, opened_at, due_date, signed_at) VALUES "
            "('r1', ?, '2026-11-01', '2026-11-01', 'WZ-1', 't1', '13812345678', 1, '咨询', 'in_progress', 'mudu', ?, "
            "'2026-11-01', '2026-11-10', '2026-11-02 09:00:00')", (c.meta("site_id"), staff))
    send(c, m, tmp_path, "mudu")
    with c.write():
        c.db.execute_sql("UPDATE service_request SET status = 'returned', return_reason = '不属于本镇' WHERE id = 'r1'")
    with m.write():
        m.db.execute_sql("UPDATE service_request SET status = 'resolved', resolved_at = '2026-11-05 10:00:00', "
                         "resolution = '已安排看房' WHERE id = 'r1'")
    send(m, c, tmp_path, "wz")
    [fork] = [x for x in cf.list_conflicts(c) if x.field == "status"]
    cf.resolve(c, fork, cf.choose(fork, "mine" if winner == "returned" else "theirs"), None, "2026-11-28 10:00:00")
    send(c, m, tmp_path, "mudu")
    columns = "status, return_reason, resolved_at, resolution, signed_at"
    for office in (c, m):
        got = office.db.execute_sql(f"SELECT {columns} FROM service_request WHERE id = 'r1'").fetchone()
        if winner == "resolved":
            assert got == ("resolved", "", "2026-11-05 10:00:00", "已安排看房", "2026-11-02 09:00:00")
        else:
            assert got == ("returned", "不属于本镇", None, "", "2026-11-02 09:00:00")
        assert cf.list_conflicts(office) == []


def register(office, talent_id, name, id_number=None, card_no=None):
    with office.write():
        office.db.execute_sql(
            "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, phone, id_kind, id_number, "
            "category_code, level_code, township_code, card_no) VALUES (?, ?, '2026-11-01 09:00:00', "
            "'2026-11-01 09:00:00', 0, ?, '13812345678', 'resident', ?, (SELECT code FROM talent_category LIMIT 1), "
            "(SELECT code FROM talent_level LIMIT 1), 'mudu', ?)", (talent_id, office.meta("site_id"), name, id_number,
                                                                   card_no))


def live_talents(office):
    return sorted(r[0] for r in office.db.execute_sql("SELECT id FROM talent WHERE deleted = 0"))


@pytest.mark.parametrize("shared", ["id_number", "card_no"])
def test_a_talent_registered_at_two_offices_is_a_duplicate_to_merge(offices, tmp_path, shared):
    c, m = offices["wz"], offices["mudu"]
    number = {"id_number": "11010519491231002X", "card_no": "DW000001"}[shared]
    register(c, "t-centre", "张伟", **{shared: number})
    register(m, "t-mudu", "张伟", **{shared: number})
    register(m, "t-other", "李娜", id_number="110105194912310029", card_no="DW000002")
    with m.write():
        staff = m.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
        m.db.execute_sql(
            "INSERT INTO call (id, site_id, created_at, updated_at, at, direction, phone, talent_id, operator_id, "
            "duration_s, summary, measure_number, outcome) VALUES ('c1', ?, '2026-11-01', '2026-11-01', "
            "'2026-11-01 09:00:00', 'in', '13812345678', 't-mudu', ?, 60, '咨询', 1, 'answered')",
            (m.meta("site_id"), staff))
    send(c, m, tmp_path, "mudu")
    send(m, c, tmp_path, "wz")
    for office in (c, m):
        [dup] = [x for x in cf.list_conflicts(office) if x.kind == "duplicate"]
        assert dup.field == shared and {v.record_id for v in dup.versions} == {"t-centre", "t-mudu"}
        assert {v.office for v in dup.versions} == {"吴中区高层次人才服务中心", "木渎镇人才工作站"}
        assert cf.open_conflict_count(office) == 1
    [dup] = cf.list_conflicts(m)
    if shared == "id_number":
        assert "11010519491231002X" not in json.dumps(dup.masked().as_dict(), ensure_ascii=False)
    with pytest.raises(SyncRefused):
        cf.choose(dup, None, "随便")
    keep = cf.choose(dup, "theirs")
    assert keep == "t-centre"
    cf.resolve(m, dup, keep, None, "2026-11-28 10:00:00")
    send(m, c, tmp_path, "wz")
    for office in (c, m):
        assert cf.list_conflicts(office) == [] and live_talents(office) == ["t-centre", "t-other"]
    assert c.db.execute_sql("SELECT talent_id FROM call WHERE id = 'c1'").fetchone()[0] == "t-centre"
    action = m.db.execute_sql("SELECT action FROM audit_log WHERE entity_id = 't-mudu'").fetchone()[0]
    assert action == "merge"


def test_a_fork_resolved_at_the_desk_is_audited_with_who_and_what_was_taken(offices, tmp_path):
    """Resolving goes through `desk.sync`: the request's status is written with an audit entry naming the
    person, the conflict and the status taken, in the same transaction."""
    from dongwu_tui.services.desk import Desk

    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    with c.write():
        staff = c.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
        c.db.execute_sql(
            "INSERT INTO service_request (id, site_id, created_at, updated_at, number, talent_id, phone, "
            "measure_number, summary, status, township_code, opened_by_id, opened_at, due_date, signed_at) VALUES "
            "('r1', ?, '2026-11-01', '2026-11-01', 'WZ-1', 't1', '13812345678', 1, '咨询', 'in_progress', 'mudu', ?, "
            "'2026-11-01', '2026-11-10', '2026-11-02 09:00:00')", (c.meta("site_id"), staff))
    send(c, m, tmp_path, "mudu")
    with c.write():
        c.db.execute_sql("UPDATE service_request SET status = 'returned', return_reason = '不属于本镇' WHERE id = 'r1'")
    with m.write():
        m.db.execute_sql("UPDATE service_request SET status = 'resolved', resolved_at = '2026-11-05 10:00:00', "
                         "resolution = '已安排看房' WHERE id = 'r1'")
    send(m, c, tmp_path, "wz")
    [fork] = [x for x in cf.list_conflicts(c) if x.field == "status"]
    admin = Desk(c).directory.staff_list(role="admin")[0]
    [done] = Desk(c, admin).sync.resolve(fork.id, take="theirs")
    assert done.id == fork.id and cf.list_conflicts(c, "service_request") == []
    assert c.db.execute_sql("SELECT status FROM service_request WHERE id = 'r1'").fetchone()[0] == "resolved"
    actor, entity, changes = c.db.execute_sql(
        "SELECT actor_id, entity, changes FROM audit_log WHERE action = 'resolve_conflict' AND entity_id = 'r1'"
    ).fetchone()
    audited = json.loads(changes)
    assert (actor, entity) == (admin.id, "service_request")
    assert audited["conflict"] == fork.id and audited["field"] == "status" and audited["kind"] == "fork"
    assert audited["taken"] == "theirs" and audited["value"] == "resolved"
    assert sorted(audited["versions"]) == ["resolved", "returned"]
