"""A record that leaves a township's partition: the old township learns of the move, loses nothing of its
own, and drops its copy once an office holding the new partition has everything the copy holds."""

from __future__ import annotations

import json
import shutil

from dongwu_tui.sync import engine

from .offices import reopen
from .test_sync_basics import add_talent, edit, send


def held(office, table, rid):
    return office.db.execute_sql(f'SELECT count(*) FROM "{table}" WHERE id = ?', (rid,)).fetchone()[0] == 1 and \
        office.db.execute_sql("SELECT count(*) FROM sync_row WHERE tbl = ? AND id = ?", (table, rid)).fetchone()[0] == 1


def add_request(office, rid, township, talent_id=None, number=None):
    staff = office.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
    with office.write():
        office.db.execute_sql(
            "INSERT INTO service_request (id, site_id, created_at, updated_at, number, talent_id, phone, "
            "measure_number, summary, status, township_code, opened_by_id, opened_at, due_date) VALUES (?, 'x', "
            "'2026-11-01', '2026-11-01', ?, ?, '13812345678', 1, '咨询', 'dispatched', ?, ?, '2026-11-01 09:00:00', "
            "'2026-11-10')", (rid, number or rid.upper(), talent_id, township, staff))
    return staff


def value(office, column, rid="t1"):
    return office.db.execute_sql(f"SELECT {column} FROM talent WHERE id = ?", (rid,)).fetchone()[0]


def test_talent_moving_township_leaves_the_old_township(offices, tmp_path):
    wz, mudu, xukou = offices["wz"], offices["mudu"], offices["xukou"]
    add_talent(wz, "t1", "mudu")
    send(wz, mudu, tmp_path, "mudu")
    assert held(mudu, "talent", "t1")
    edit(wz, "t1", township_code="xukou", notes="已迁至胥口")
    result, _ = send(wz, mudu, tmp_path, "mudu")
    # The delta to 木渎 carried the move although the record is no longer in 木渎's partition, and 木渎
    # dropped its copy: the centre, which holds every partition, acknowledged all of it.
    assert result.dropped == 1
    assert not held(mudu, "talent", "t1")
    assert mudu.db.execute_sql("SELECT count(*) FROM talent_fts WHERE talent_fts MATCH '\"张伟\"'").fetchone()[0] == 0
    send(wz, xukou, tmp_path, "xukou")
    assert value(xukou, "notes") == "已迁至胥口" and value(xukou, "township_code") == "xukou"
    # Until 木渎 acknowledges, the move travels again and is skipped there; after, it travels no more.
    repeat, _ = send(wz, mudu, tmp_path, "mudu")
    assert repeat.dropped == 0 and not held(mudu, "talent", "t1")
    send(mudu, wz, tmp_path, "wz")
    again = engine.export_file(wz, "mudu", tmp_path / "again")
    assert again.counts.get("talent", 0) == 0


def test_concurrent_edit_at_the_old_township_is_not_lost(offices, tmp_path):
    wz, mudu, xukou = offices["wz"], offices["mudu"], offices["xukou"]
    add_talent(wz, "t1", "mudu")
    send(wz, mudu, tmp_path, "mudu")
    edit(mudu, "t1", phone="13900000000")           # 木渎 edits before it hears of the move
    edit(wz, "t1", township_code="xukou")           # the centre moves the talent to 胥口
    result, _ = send(wz, mudu, tmp_path, "mudu")
    # 木渎's edit has not reached the centre: the copy (now showing 胥口) stays until it has.
    assert result.dropped == 0 and held(mudu, "talent", "t1")
    assert value(mudu, "township_code") == "xukou" and value(mudu, "phone") == "13900000000"
    send(mudu, wz, tmp_path, "wz")
    assert value(wz, "phone") == "13900000000"
    result, _ = send(wz, mudu, tmp_path, "mudu")
    assert result.dropped == 1 and not held(mudu, "talent", "t1")
    send(wz, xukou, tmp_path, "xukou")
    assert value(xukou, "phone") == "13900000000" and value(xukou, "township_code") == "xukou"


def test_a_township_never_takes_in_a_departed_record_it_did_not_hold(offices, tmp_path):
    wz, xukou = offices["wz"], offices["xukou"]
    add_talent(wz, "t1", "mudu")
    edit(wz, "t1", township_code="guoxiang")
    # t1 left 木渎, not 胥口: nothing of it goes to 胥口, even in a full file.
    assert engine.export_file(wz, "xukou", tmp_path / "full", full=True).counts.get("talent", 0) == 0
    # A 胥口 database restored from before it received t2 meets t2's departure in a full file.
    xukou.db.execute_sql(f"VACUUM INTO '{tmp_path / 'xukou-backup.db'}'")
    add_talent(wz, "t2", "xukou")
    send(wz, xukou, tmp_path, "xukou")
    edit(wz, "t2", township_code="mudu")
    full = engine.export_file(wz, "xukou", tmp_path / "full2", full=True)
    assert full.counts.get("talent", 0) == 1
    restored = reopen(shutil.copyfile(tmp_path / "xukou-backup.db", tmp_path / "xukou-restored.db"))
    try:
        result = engine.import_file(restored, full.path)
        assert not held(restored, "talent", "t2") and result.dropped == 0
    finally:
        restored.close()
    # The 胥口 that held t2 merges the move and drops its copy.
    result = engine.import_file(xukou, full.path)
    assert result.dropped == 1 and not held(xukou, "talent", "t2")


def test_request_dispatched_elsewhere_takes_its_events_along(offices, tmp_path):
    wz, mudu = offices["wz"], offices["mudu"]
    staff = add_request(wz, "r1", "mudu")
    with wz.write():
        wz.db.execute_sql(
            "INSERT INTO request_event (id, site_id, created_at, updated_at, request_id, at, actor_id, action, "
            "from_status, to_status, reason, detail) VALUES ('e1', 'x', '2026-11-01', '2026-11-01', 'r1', "
            "'2026-11-01 09:00:00', ?, 'dispatch', 'registered', 'dispatched', '', '')", (staff,))
    send(wz, mudu, tmp_path, "mudu")
    assert held(mudu, "service_request", "r1") and held(mudu, "request_event", "e1")
    with wz.write():
        wz.db.execute_sql("UPDATE service_request SET township_code = 'xukou' WHERE id = 'r1'")
    result, _ = send(wz, mudu, tmp_path, "mudu")
    assert result.dropped == 2
    assert not held(mudu, "service_request", "r1") and not held(mudu, "request_event", "e1")
    assert mudu.db.execute_sql("SELECT count(*) FROM report_fact WHERE request_id = 'r1'").fetchone()[0] == 0


def test_requests_of_a_talent_who_left_still_open(offices, tmp_path):
    from dongwu_tui.services.desk import Desk

    wz, mudu = offices["wz"], offices["mudu"]
    add_talent(wz, "t1", "mudu")
    add_request(wz, "r1", "mudu", talent_id="t1", number="WZ-20261101-0001")
    send(wz, mudu, tmp_path, "mudu")
    edit(wz, "t1", township_code="xukou")
    result, _ = send(wz, mudu, tmp_path, "mudu")
    assert result.dropped == 1 and not held(mudu, "talent", "t1") and held(mudu, "service_request", "r1")
    page = Desk(mudu).views.request_page("WZ-20261101-0001")
    assert page.talent_name == "（已迁出本单位）"


def test_an_older_state_arriving_late_does_not_bring_a_set_aside_copy_back(offices, tmp_path):
    """胥口 hands a request to 木渎 and sets its copy aside once 木渎 has it; the centre, which has not
    heard of the hand-over yet, then sends its older state: it merges with the set-aside copy and stays
    out, instead of coming back as if it were current."""
    wz, mudu, xukou = offices["wz"], offices["mudu"], offices["xukou"]
    add_request(wz, "r1", "xukou")
    add_talent(wz, "t9", "mudu")
    send(wz, xukou, tmp_path, "xukou")
    send(wz, mudu, tmp_path, "mudu")
    with xukou.write():
        xukou.db.execute_sql("UPDATE service_request SET township_code = 'mudu' WHERE id = 'r1'")
    send(xukou, mudu, tmp_path, "mudu")
    result, _ = send(mudu, xukou, tmp_path, "xukou")
    assert result.dropped == 1 and not held(xukou, "service_request", "r1")
    late, _ = send(wz, xukou, tmp_path, "xukou")   # the centre's older state of r1, still in 胥口's partition
    assert late.dropped == 0 and not held(xukou, "service_request", "r1")
    send(mudu, wz, tmp_path, "wz")
    assert wz.db.execute_sql("SELECT township_code FROM service_request WHERE id = 'r1'").fetchone()[0] == "mudu"
    send(wz, xukou, tmp_path, "xukou")
    assert not held(xukou, "service_request", "r1")
    # Handed back to 胥口: the shadow is put back and merged, and 胥口 holds it again.
    with wz.write():
        wz.db.execute_sql("UPDATE service_request SET township_code = 'xukou' WHERE id = 'r1'")
    send(wz, xukou, tmp_path, "xukou")
    assert held(xukou, "service_request", "r1")
    assert xukou.db.execute_sql("SELECT count(*) FROM sync_shadow").fetchone()[0] == 0


def test_a_record_entering_a_partition_brings_edits_made_while_it_was_elsewhere(offices, tmp_path):
    """The centre edits a 胥口 talent; 胥口, not yet aware, moves the talent to 木渎 and tells 木渎 directly.
    木渎 has acknowledged the centre's writes to *its* partition beyond that edit, so without more the
    edit would never reach it: the centre's merge of the move counts as a write, and the record travels."""
    wz, mudu, xukou = offices["wz"], offices["mudu"], offices["xukou"]
    add_talent(wz, "t9", "mudu")
    add_talent(wz, "t2", "xukou")
    send(wz, xukou, tmp_path, "xukou")
    send(wz, mudu, tmp_path, "mudu")
    edit(wz, "t2", phone="13900009999")
    send(wz, mudu, tmp_path, "mudu")             # 木渎's knowledge of the centre now passes that edit
    edit(xukou, "t2", township_code="mudu")
    send(xukou, mudu, tmp_path, "mudu")          # the move, without the centre's edit
    assert value(mudu, "phone", "t2") == "13812345678"
    send(mudu, wz, tmp_path, "wz")               # 木渎 acknowledges all that to the centre
    send(xukou, wz, tmp_path, "wz")
    send(wz, mudu, tmp_path, "mudu")
    assert value(mudu, "phone", "t2") == "13900009999" and value(mudu, "township_code", "t2") == "mudu"


def hand_r1_to_xukou(offices, tmp_path, backup: str | None = None) -> None:
    """木渎 hands its request r1 to 胥口 and sets its copy aside once 胥口 has it (胥口 also holds r2, so
    the centre's writes to 胥口's partition are acknowledged there). `backup` names an office backed up
    (to `<code>-backup.db`) just before the hand-over."""
    wz, mudu, xukou = offices["wz"], offices["mudu"], offices["xukou"]
    add_request(wz, "r1", "mudu")
    add_request(wz, "r2", "xukou")
    send(wz, mudu, tmp_path, "mudu")
    send(wz, xukou, tmp_path, "xukou")
    if backup:
        offices[backup].db.execute_sql(f"VACUUM INTO '{tmp_path / f'{backup}-backup.db'}'")
    with mudu.write():
        mudu.db.execute_sql("UPDATE service_request SET township_code = 'xukou' WHERE id = 'r1'")
    send(mudu, xukou, tmp_path, "xukou")
    result, _ = send(xukou, mudu, tmp_path, "mudu")
    assert result.dropped == 1 and not held(mudu, "service_request", "r1")


def restore_backup(offices, tmp_path, code: str):
    """Put `<code>-backup.db` back in place of the office's file, as a restore from a backup does."""
    offices[code].close()
    shutil.copyfile(tmp_path / f"{code}-backup.db", tmp_path / f"{code}.db")
    offices[code] = reopen(tmp_path / f"{code}.db")
    return offices[code]


def test_a_set_aside_copy_travels_again_when_the_new_township_loses_the_record(offices, tmp_path):
    """Found by the state machine: 木渎 hands a request to 胥口 and sets its copy aside once 胥口 has it;
    胥口 is then restored from a backup made before. The hand-over lived only at 木渎 and 胥口, so 木渎's
    set-aside copy is its last trace: it travels like a held record, measured against what 胥口 now
    acknowledges, and 胥口 (and through it the centre) gets the request back."""
    wz, mudu = offices["wz"], offices["mudu"]
    hand_r1_to_xukou(offices, tmp_path, backup="xukou")
    xukou = restore_backup(offices, tmp_path, "xukou")
    assert not held(xukou, "service_request", "r1")
    send(xukou, mudu, tmp_path, "mudu")  # 木渎 learns what the restored 胥口 acknowledges
    back, _ = send(mudu, xukou, tmp_path, "xukou")
    assert back.applied >= 1 and held(xukou, "service_request", "r1")
    send(xukou, wz, tmp_path, "wz")
    assert wz.db.execute_sql("SELECT township_code FROM service_request WHERE id = 'r1'").fetchone()[0] == "xukou"
    # Once 胥口 has acknowledged it again, the set-aside copy travels no more.
    send(xukou, mudu, tmp_path, "mudu")
    assert engine.export_file(mudu, "xukou", tmp_path / "again").counts.get("service_request", 0) == 0


def test_a_restored_office_still_claims_its_old_writes_in_set_aside_copies(offices, tmp_path):
    """A restore gives the office a new identity; what the old one wrote stays known, in every partition
    it holds, the partitions of its set-aside copies included, so those copies are acknowledged once."""
    from dongwu_tui.sync import identity
    from dongwu_tui.sync import knowledge as kn

    wz, mudu = offices["wz"], offices["mudu"]
    hand_r1_to_xukou(offices, tmp_path)
    old = identity.replica(mudu)
    mudu.db.execute_sql(f"VACUUM INTO '{tmp_path / 'mudu-backup.db'}'")
    add_talent(mudu, "t-after", "mudu")  # written after the backup and shown to another office:
    send(mudu, wz, tmp_path, "wz")       # a restore must re-identify
    mudu = restore_backup(offices, tmp_path, "mudu")
    assert identity.replica(mudu) != old
    vv = json.loads(mudu.db.execute_sql("SELECT vv FROM sync_shadow WHERE id = 'r1'").fetchone()[0])
    assert kn.knowledge(mudu)["xukou"].get(old, 0) >= vv[old]


def test_a_fresh_township_keeps_nothing_of_records_that_left_before_it_joined(offices, tmp_path):
    """The centre's full file to a new 胥口 carries a talent, a request, its event and its call that had
    already moved to 木渎: 胥口 never held them, so it keeps none of their values (no phone number in
    its file), and an older file of the time they were 胥口's, arriving late, does not bring them in."""
    from .offices import dump

    wz, xukou = offices["wz"], offices["xukou"]
    add_talent(wz, "t1", "xukou")
    staff = add_request(wz, "r1", "xukou", talent_id="t1")
    with wz.write():
        wz.db.execute_sql(
            "INSERT INTO request_event (id, site_id, created_at, updated_at, request_id, at, actor_id, action, "
            "from_status, to_status, reason, detail) VALUES ('e1', 'x', '2026-11-01', '2026-11-01', 'r1', "
            "'2026-11-01 09:00:00', ?, 'dispatch', 'registered', 'dispatched', '回电 13812345678', '')", (staff,))
        wz.db.execute_sql(
            "INSERT INTO call (id, site_id, created_at, updated_at, at, direction, phone, talent_id, operator_id, "
            "duration_s, summary, measure_number, outcome, request_id) VALUES ('c1', 'x', '2026-11-01', "
            "'2026-11-01', '2026-11-01 09:00:00', 'in', '13812345678', 't1', ?, 60, '咨询', 1, 'request', 'r1')",
            (staff,))
    early = engine.export_file(wz, "xukou", tmp_path / "early")   # made, not delivered yet
    with wz.write():
        wz.db.execute_sql("UPDATE talent SET township_code = 'mudu' WHERE id = 't1'")
        wz.db.execute_sql("UPDATE service_request SET township_code = 'mudu' WHERE id = 'r1'")
    full = engine.export_file(wz, "xukou", tmp_path / "full", full=True)
    assert full.counts["service_request"] == 1 and full.counts["call"] == 1
    result = engine.import_file(xukou, full.path)
    records = [("talent", "t1"), ("service_request", "r1"), ("request_event", "e1"), ("call", "c1")]
    assert result.dropped == 0 and not any(held(xukou, table, rid) for table, rid in records)
    assert "13812345678" not in "\n".join(dump(xukou))
    assert xukou.db.execute_sql("SELECT count(*) FROM sync_shadow WHERE record <> 'null'").fetchone()[0] == 0
    late = engine.import_file(xukou, early.path)
    assert late.applied == 0 and not any(held(xukou, table, rid) for table, rid in records)
    assert "13812345678" not in "\n".join(dump(xukou))
    # Nothing of them travels on from 胥口.
    assert engine.export_file(xukou, "wz", tmp_path / "back", full=True).counts.get("service_request", 0) == 0
