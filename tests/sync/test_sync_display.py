"""What the sync screens and `dongwu sync ...` show: China time, Chinese field labels, masked numbers."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from deskkit import cli_argv

from dongwu_tui.cli.main import main
from dongwu_tui.sync import engine
from dongwu_tui.sync.service import SyncDesk

from .test_sync_basics import add_talent, edit


def send(src, dst, tmp_path, code):
    return engine.import_file(dst, engine.export_file(src, code, tmp_path / "out").path)


def add_staff(office, staff_id, name, role):
    with office.write():
        office.db.execute_sql(
            "INSERT INTO staff (id, site_id, created_at, updated_at, deleted, name, role, office_id, phone, active) "
            "VALUES (?, ?, '2026-11-01 09:00:00', '2026-11-01 09:00:00', 0, ?, ?, ?, NULL, 1)",
            (staff_id, office.meta("site_id"), name, role, office.meta("site_id")))


def cli(capsys, office, *args):
    code = main(cli_argv(["--db", str(office.path), *args]))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def china(text):
    moment = datetime.fromisoformat(text)
    return moment.utcoffset().total_seconds() == 8 * 3600


@pytest.fixture
def notes_conflict(offices, tmp_path):
    """The centre and 木渎 both changed a talent's notes, each writing a phone or ID number into them."""
    c, m = offices["wz"], offices["mudu"]
    add_talent(c, "t1")
    send(c, m, tmp_path, "mudu")
    edit(c, "t1", notes="回电 13912345678")
    edit(m, "t1", notes="证件 11010519491231002X")
    send(m, c, tmp_path, "wz")
    send(c, m, tmp_path, "mudu")
    add_staff(m, "s-sup", "赵敏", "supervisor")
    add_staff(m, "s-op", "王芳", "operator")
    return m


def test_status_and_conflicts_are_in_china_time_with_the_offset(notes_conflict, capsys):
    m = notes_conflict
    sync = SyncDesk(m)
    [peer] = [p for p in sync.status() if p.code == "wz"]
    assert china(peer.last_in_at) and china(peer.last_out_at) and china(peer.acknowledged)
    [conflict] = sync.conflicts()
    assert all(china(v.at) for v in conflict.versions)
    # A time stored in UTC (or by another program) is still given in China time.
    with m.write():
        m.db.execute_sql("UPDATE sync_peer SET last_in_at = '2026-12-02T02:00:00+00:00' WHERE code = 'wz'")
    status = json.loads(cli(capsys, m, "sync", "status", "--json"))
    [peer] = [p for p in status["peers"] if p["code"] == "wz"]
    assert peer["last_in_at"] == "2026-12-02T10:00:00+08:00" and china(peer["acknowledged"])
    text = cli(capsys, m, "sync", "status")
    assert "收到 2026-12-02 10:00:00" in text and "+00:00" not in text and "T" not in text.split("收到")[1][:20]


def test_conflicts_name_fields_in_chinese(notes_conflict, capsys):
    text = cli(capsys, notes_conflict, "sync", "conflicts")
    assert " · 备注 · " in text and "notes" not in text
    [item] = json.loads(cli(capsys, notes_conflict, "sync", "conflicts", "--json"))
    assert item["field"] == "notes" and item["field_label"] == "备注"


@pytest.mark.parametrize("who", [None, "赵敏"])
def test_conflicts_mask_numbers_unless_the_role_needs_them(notes_conflict, capsys, who):
    as_ = ["--as", who] if who else []
    text = cli(capsys, notes_conflict, *as_, "sync", "conflicts")
    data = json.dumps(json.loads(cli(capsys, notes_conflict, *as_, "sync", "conflicts", "--json")),
                      ensure_ascii=False)
    for shown in (text, data):
        assert "13912345678" not in shown and "11010519491231002X" not in shown
        assert "139****5678" in shown and "110***********002X" in shown
    sync = SyncDesk(notes_conflict, "s-sup" if who else None)
    assert "13912345678" not in json.dumps([c.as_dict() for c in sync.conflicts()], ensure_ascii=False)


def test_conflicts_mask_numbers_for_an_operator_too_and_resolving_keeps_the_real_value(notes_conflict, capsys):
    # Need to know: choosing between versions needs their number, not the person's.
    text = cli(capsys, notes_conflict, "--as", "王芳", "sync", "conflicts")
    assert "13912345678" not in text and "11010519491231002X" not in text and "139****5678" in text
    # A supervisor picks a version by its number from the masked view: the stored value stays whole.
    sync = SyncDesk(notes_conflict, "s-sup")
    [conflict] = sync.conflicts()
    index = next(i for i, v in enumerate(conflict.versions, 1) if "139" in v.value)
    sync.resolve(conflict.id, take=str(index), at="2026-12-02 10:00:00")
    assert notes_conflict.db.execute_sql("SELECT notes FROM talent WHERE id = 't1'").fetchone()[0] == "回电 13912345678"
