"""A talent merge travels by sync: the pointer arrives, late edits and calls follow it to the survivor,
and offices that merged the same pair the opposite way end with one survivor."""

from __future__ import annotations

from dongwu_tui.storage.merge import merge_talent_rows
from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync import engine


def send(src, dst, tmp_path, code):
    return engine.import_file(dst, engine.export_file(src, code, tmp_path / "out").path)


def swap(a, a_code, b, b_code, tmp_path):
    send(a, b, tmp_path, b_code)
    send(b, a, tmp_path, a_code)


def register(office, talent_id, name, card_no):
    with office.write():
        office.db.execute_sql(
            "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, phone, id_kind, "
            "category_code, level_code, township_code, card_no) VALUES (?, ?, '2026-11-01 09:00:00', "
            "'2026-11-01 09:00:00', 0, ?, '13812345678', 'resident', (SELECT code FROM talent_category LIMIT 1), "
            "(SELECT code FROM talent_level LIMIT 1), 'mudu', ?)", (talent_id, office.meta("site_id"), name, card_no))


def add_call(office, call_id, talent_id):
    with office.write():
        staff = office.db.execute_sql("SELECT id FROM staff LIMIT 1").fetchone()[0]
        office.db.execute_sql(
            "INSERT INTO call (id, site_id, created_at, updated_at, at, direction, phone, talent_id, operator_id, "
            "duration_s, summary, measure_number, outcome) VALUES (?, ?, '2026-11-01', '2026-11-01', "
            "'2026-11-01 09:00:00', 'in', '13812345678', ?, ?, 60, '咨询', 1, 'answered')",
            (call_id, office.meta("site_id"), talent_id, staff))


def merge(office, keep, other):
    with office.write():
        merge_talent_rows(office, keep, other, at="2026-11-20 10:00:00", actor_id=None, reason="重复登记")


def talents(office):
    return {tid: (deleted, into) for tid, deleted, into in
            office.db.execute_sql("SELECT id, deleted, merged_into_id FROM talent ORDER BY id")}


def call_owners(office):
    return dict(office.db.execute_sql("SELECT id, talent_id FROM call ORDER BY id").fetchall())


def pair(offices, tmp_path):
    """Two registrations of one person in 木渎, each with a call, held by the centre and 木渎."""
    c, m = offices["wz"], offices["mudu"]
    register(c, "t-a", "张伟", "DW000001")
    register(c, "t-b", "张伟", "DW000002")
    add_call(c, "c-a", "t-a")
    add_call(c, "c-b", "t-b")
    send(c, m, tmp_path, "mudu")
    return c, m


def test_the_merge_pointer_travels(offices, tmp_path):
    c, m = pair(offices, tmp_path)
    merge(c, "t-b", "t-a")
    send(c, m, tmp_path, "mudu")
    assert talents(m) == talents(c) == {"t-a": (1, "t-b"), "t-b": (0, None)}
    assert call_owners(m) == {"c-a": "t-b", "c-b": "t-b"}


def test_an_edit_made_elsewhere_to_the_merged_away_talent_reaches_the_survivor(offices, tmp_path):
    c, m = pair(offices, tmp_path)
    with m.write():
        m.db.execute_sql("UPDATE talent SET notes = '已落户木渎' WHERE id = 't-a'")
    merge(c, "t-b", "t-a")
    swap(m, "mudu", c, "wz", tmp_path)
    send(m, c, tmp_path, "wz")
    for office in (c, m):
        assert talents(office) == {"t-a": (1, "t-b"), "t-b": (0, None)}
        assert office.db.execute_sql("SELECT notes FROM talent WHERE id = 't-b'").fetchone()[0] == "已落户木渎"
        assert cf.list_conflicts(office) == []


def test_a_call_made_elsewhere_for_the_merged_away_talent_moves_to_the_survivor(offices, tmp_path):
    c, m = pair(offices, tmp_path)
    merge(c, "t-b", "t-a")
    add_call(m, "c-late", "t-a")
    swap(m, "mudu", c, "wz", tmp_path)
    send(c, m, tmp_path, "mudu")
    for office in (c, m):
        assert call_owners(office) == {"c-a": "t-b", "c-b": "t-b", "c-late": "t-b"}


def test_a_chain_of_merges_ends_at_the_last_survivor(offices, tmp_path):
    c, m = pair(offices, tmp_path)
    register(c, "t-c", "张伟", "DW000003")
    send(c, m, tmp_path, "mudu")
    merge(c, "t-b", "t-a")
    add_call(m, "c-late", "t-a")
    send(c, m, tmp_path, "mudu")
    merge(m, "t-c", "t-b")
    swap(c, "wz", m, "mudu", tmp_path)
    swap(m, "mudu", c, "wz", tmp_path)
    for office in (c, m):
        assert talents(office) == {"t-a": (1, "t-c"), "t-b": (1, "t-c"), "t-c": (0, None)}
        assert set(call_owners(office).values()) == {"t-c"}


def test_opposite_merges_of_one_pair_converge_on_the_earlier_merge(offices, tmp_path):
    c, m = pair(offices, tmp_path)
    merge(c, "t-b", "t-a")  # the earlier merge: t-b survives
    merge(m, "t-a", "t-b")
    add_call(m, "c-late", "t-b")
    swap(m, "mudu", c, "wz", tmp_path)
    swap(c, "wz", m, "mudu", tmp_path)
    for office in (c, m):
        assert talents(office) == {"t-a": (1, "t-b"), "t-b": (0, None)}, office.path
        assert call_owners(office) == {"c-a": "t-b", "c-b": "t-b", "c-late": "t-b"}
        assert cf.list_conflicts(office) == []
