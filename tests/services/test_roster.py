"""Roster import and export: validation per row, idempotent re-import, the error workbook, round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from dongwu_tui.domain.errors import PermissionRefused, ValidationFailed
from dongwu_tui.domain.identifiers import random_credit_code, random_resident_id
from dongwu_tui.services.roster import RosterService, write_error_workbook

HEADERS = ["姓名", "手机", "身份证号", "人才类别", "所属板块", "专员", "企业", "统一社会信用代码", "东吴人才卡号"]


def workbook(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, merge: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def ids(n: int) -> list[str]:
    import random

    rng = random.Random(n)
    from datetime import date

    return [random_resident_id(rng, date(1970, 1, 1), date(2000, 1, 1)) for _ in range(n)]


@pytest.fixture
def roster(desk, cast, act):
    return RosterService(act(cast.operator))


def talents(desk) -> list[tuple]:
    return desk.office.db.execute_sql(
        "SELECT name, phone, id_number, category_code, township_code, specialist_id, enterprise_id, card_no "
        "FROM talent WHERE deleted = 0 ORDER BY name").fetchall()


def test_rows_validated_bad_rows_reported_good_rows_imported(desk, cast, roster, tmp_path):
    a, b = ids(2)
    code = random_credit_code(__import__("random").Random(1))
    path = workbook(tmp_path / "人才.xlsx", [
        ["张伟", 13812345678.0, a, "产业人才", "木渎镇", "李专员", "苏州东吴科技有限公司", code, "DW000001"],
        ["李娜", "１３９１２３４５６７８", b, "青年人才", "mudu", "", "", "", ""],
        ["王五", "12345", "", "产业人才", "", "", "", "", ""],                     # a service number
        ["赵六", "13700000000", "110105194912310021", "产业人才", "", "", "", "", ""],  # bad check digit
        ["钱七", "13600000000", "", "不存在的类别", "", "", "", "", ""],
        ["孙八", "13500000000", "", "产业人才", "火星镇", "", "", "", ""],
    ])
    result = roster.import_file("talents", path)
    assert (result.count("created"), result.count("rejected")) == (2, 4)
    rows = talents(desk)
    assert [r[0] for r in rows] == ["张伟", "李娜"]
    assert rows[1][1] == "13912345678"  # full-width digits folded
    assert rows[0][1] == "13812345678"  # a phone the sheet stored as a float
    assert rows[0][6] is not None and result.enterprises_created == 1
    reasons = {line: why for line, _cells, why in result.rejected_rows}
    assert set(reasons) == {4, 5, 6, 7}
    assert "人才类别" in reasons[6] and "火星镇" in reasons[7]
    errors = write_error_workbook(result, tmp_path / "errors.xlsx")
    sheet = load_workbook(errors).active
    grid = [[c.value for c in row] for row in sheet.iter_rows()]
    assert grid[0] == ["原行号", *HEADERS, "错误原因"]
    assert [row[0] for row in grid[1:]] == [4, 5, 6, 7]
    assert grid[1][1] == "王五" and grid[1][-1]
    # audit entries name who imported, and why
    audits = desk.office.db.execute_sql("SELECT count(*), min(reason) FROM audit_log WHERE entity = 'talent' "
                                        "AND action = 'add' AND actor_id = ?", (cast.operator.id,)).fetchone()
    assert audits == (2, "批量导入 人才.xlsx")


def test_search_index_and_sync_rows_follow_the_import(desk, roster, tmp_path):
    workbook(tmp_path / "a.xlsx", [["张伟", "13812345678", "", "产业人才", "", "", "", "", "DW9"]])
    roster.import_file("talents", tmp_path / "a.xlsx")
    db = desk.office.db
    talent_id = db.execute_sql("SELECT id FROM talent").fetchone()[0]
    assert db.execute_sql("SELECT count(*) FROM talent_fts WHERE talent_fts MATCH 'zhangwei'").fetchone()[0] == 1
    synced = db.execute_sql("SELECT count(*) FROM sync_row WHERE tbl = 'talent' AND id = ?", (talent_id,))
    assert synced.fetchone()[0] == 1


def test_reimport_changes_nothing_and_updates_say_so(desk, roster, dump, tmp_path):
    a, b = ids(2)
    rows = [["张伟", "13812345678", a, "产业人才", "木渎镇", "李专员", "", "", "DW000001"],
            ["李娜", "13912345678", b, "青年人才", "", "", "", "", ""]]
    path = workbook(tmp_path / "a.xlsx", rows)
    roster.import_file("talents", path)
    before = dump(desk)
    again = roster.import_file("talents", path)
    assert again.count("unchanged") == 2 and again.count("created") == 0
    assert dump(desk) == before
    # matched by ID number: the phone changes; matched by phone+name: the category changes
    rows[0][1] = "13800001111"
    rows[1][3] = "产业人才"
    rows[1][2] = ""
    third = roster.import_file("talents", workbook(tmp_path / "b.xlsx", rows))
    assert [(o.action, o.detail) for o in third.outcomes] == [("updated", "手机"), ("updated", "人才类别")]
    assert {r[0]: r[1] for r in talents(desk)} == {"李娜": "13912345678", "张伟": "13800001111"}


def test_a_row_may_not_take_another_talents_identity(desk, roster, talent, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [
        ["别人", "13911112222", "", "产业人才", "", "", "", "", talent.card_no],  # card held by 陈人才, other ID
        ["张伟", "13812345678", "", "产业人才", "", "", "", "", "DW-7"],
        ["张伟", "13812345678", "", "产业人才", "", "", "", "", ""],               # the same person twice
    ])
    path2 = workbook(tmp_path / "b.xlsx", [
        ["别人", "13911112222", talent.id_number, "产业人才", "", "", "", "", "DW-8"]])
    result = roster.import_file("talents", path)
    assert [o.action for o in result.outcomes] == ["updated", "created", "rejected"]
    assert "第 3 行" in result.outcomes[2].detail
    result = roster.import_file("talents", path2)
    assert result.outcomes[0].action == "updated"  # the ID number names 陈人才: the row updates them


def test_dry_run_and_all_or_nothing_write_nothing(desk, roster, dump, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["张伟", "13812345678", "", "产业人才", "", "", "", "", ""],
                                          ["坏人", "1", "", "产业人才", "", "", "", "", ""]])
    before = dump(desk)
    assert roster.import_file("talents", path, dry_run=True).count("created") == 1
    assert not roster.import_file("talents", path, all_or_nothing=True).written
    assert dump(desk) == before


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 not really a zip", "不是可以读取的 Excel 工作簿"),
    (b"%PDF-1.4", "不是可以读取的 Excel 工作簿"),
])
def test_not_a_workbook(roster, tmp_path, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(ValidationFailed, match=message):
        roster.import_file("talents", path)


def test_empty_sheet_unknown_headers_merged_cells(roster, tmp_path):
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    with pytest.raises(ValidationFailed, match="空的"):
        roster.import_file("talents", empty)
    with pytest.raises(ValidationFailed, match="找不到必需的列：手机"):
        roster.import_file("talents", workbook(tmp_path / "h.xlsx", [["张伟", "1", "产业人才"]],
                                               headers=["姓名", "号码", "人才类别"]))
    # the mapping names the column
    result = roster.import_file("talents", tmp_path / "h.xlsx", mapping={"号码": "phone"})
    assert result.count("rejected") == 1
    merged = workbook(tmp_path / "m.xlsx", [["张伟", "13812345678", "", "产业人才"],
                                            ["李娜", "13912345678", "", ""]], merge="D2:D3")
    result = roster.import_file("talents", merged)
    assert result.count("rejected") == 2 and "合并单元格" in result.outcomes[0].detail


def test_id_number_stored_as_a_number_is_refused_with_why(roster, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["张伟", "13812345678", 110105194912310020.0, "产业人才"]])
    result = roster.import_file("talents", path)
    assert "存成了数字" in result.outcomes[0].detail


def test_csv_in_gb18030_and_a_saved_mapping(desk, roster, tmp_path):
    from dongwu_tui.services.roster import save_mapping

    path = tmp_path / "a.csv"
    path.write_bytes("名字,号码,类别\n张伟,13812345678,产业人才\n".encode("gb18030"))
    save_mapping(desk, "talents", {"号码": "phone"})
    assert roster.import_file("talents", path).count("created") == 1


@pytest.mark.parametrize("role, masked", [("operator", False), ("supervisor", True)])
def test_export_round_trip_is_exact(desk, cast, act, talent, dump, tmp_path, role, masked):
    actor = cast.operator if role == "operator" else cast.supervisor
    service = RosterService(act(actor))
    out = tmp_path / "out.xlsx"
    assert service.export_file("talents", out) == 1
    grid = [[c.value for c in row] for row in load_workbook(out).active.iter_rows()]
    assert grid[0][:2] == ["姓名", "手机"]
    assert ("*" in grid[1][1]) is masked
    before = dump(desk)
    result = service.import_file("talents", out)
    assert result.count("unchanged") == 1, result.outcomes
    assert dump(desk) == before


def test_enterprises_and_staff(desk, cast, act, tmp_path):
    import random

    code = random_credit_code(random.Random(3))
    path = workbook(tmp_path / "e.xlsx", [["苏州某科技有限公司", code, "木渎镇", ""], ["坏企业", "123", "", ""]],
                    headers=["企业名称", "统一社会信用代码", "所属板块", "行业"])
    service = RosterService(act(cast.operator))
    result = service.import_file("enterprises", path)
    assert (result.count("created"), result.count("rejected")) == (1, 1)
    assert service.import_file("enterprises", path).count("unchanged") == 1
    staff = workbook(tmp_path / "s.xlsx", [["吴新人", "话务员", "", ""], ["王话务", "operator", "", ""]],
                     headers=["姓名", "角色", "所在单位", "手机"])
    with pytest.raises(PermissionRefused):
        service.import_file("staff", staff)
    result = RosterService(desk).import_file("staff", staff)
    assert [o.action for o in result.outcomes] == ["created", "unchanged"]


def test_a_talent_in_a_sync_conflict_is_not_updated_but_the_others_are(desk, roster, talent, tmp_path):
    with desk.office.write():
        desk.office.db.execute_sql("INSERT INTO sync_sibling (tbl, id, field, versions, open, detected_at) "
                                   "VALUES ('talent', ?, 'phone', '[]', 1, '2026-03-02')", (talent.id,))
    path = workbook(tmp_path / "a.xlsx", [["陈人才", "13911112222", "", "产业人才", "", "", "", "", talent.card_no],
                                          ["张伟", "13812345678", "", "产业人才", "", "", "", "", ""]])
    result = roster.import_file("talents", path)
    assert [o.action for o in result.outcomes] == ["rejected", "created"]
    assert "冲突" in result.outcomes[0].detail


def test_cells_as_typed():
    from datetime import date, datetime

    from dongwu_tui.services.roster import _text

    assert _text(1.38e10) == "13800000000"
    assert _text(date(2026, 1, 31)) == "2026-01-31"
    assert _text(datetime(2026, 1, 31)) == "2026-01-31"
    assert _text(None) == "" and _text(True) == "是"
