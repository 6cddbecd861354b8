"""`dongwu import` / `dongwu export` as a clerk runs them: a real process and a real database file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from openpyxl import Workbook, load_workbook
from test_cli import cli_env, dongwu  # noqa: F401 (the fixture)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_export_round_trip_and_refusals(cli_env, tmp_path):  # noqa: F811
    db = tmp_path / "office.db"
    assert dongwu(cli_env, db, "init", "--site", "吴中区高层次人才服务中心", "--kind", "district").returncode == 0
    assert dongwu(cli_env, db, "staff", "add", "--as", "系统管理员", "--name", "王芳", "--role", "operator").returncode == 0
    book = Workbook()
    book.active.append(["姓名", "手机号码", "人才类别", "备注"])
    book.active.append(["张伟", 13812345678.0, "产业人才", ""])
    book.active.append(["李娜", "abc", "产业人才", ""])
    source = tmp_path / "名单.xlsx"
    book.save(source)

    run = dongwu(cli_env, db, "import", "talents", str(source), "--as", "王芳", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "新增 1 条" in run.stdout and "未写入数据库" in run.stdout
    run = dongwu(cli_env, db, "import", "talents", str(source), "--as", "王芳", "--all-or-nothing")
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1 and "整份未导入" in run.stderr
    run = dongwu(cli_env, db, "import", "talents", str(source), "--as", "王芳")
    assert run.returncode == 0, run.stderr
    assert "新增 1 条" in run.stdout and "未导入 1 条" in run.stdout
    errors = tmp_path / "名单-未导入.xlsx"
    assert [c.value for c in next(load_workbook(errors).active.iter_rows())][-1] == "错误原因"
    run = dongwu(cli_env, db, "import", "talents", str(source), "--as", "王芳")
    assert "无变化 1 条" in run.stdout

    out = tmp_path / "导出.xlsx"
    run = dongwu(cli_env, db, "export", "talents", "-o", str(out), "--as", "王芳")
    assert run.returncode == 0, run.stderr
    assert [c.value for c in list(load_workbook(out).active.iter_rows())[1]][:2] == ["张伟", "13812345678"]
    run = dongwu(cli_env, db, "import", "talents", str(out), "--as", "王芳", "--json")
    assert '"unchanged": 1' in run.stdout

    before = _sha(db)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    for args in (("import", "talents", str(bad), "--as", "王芳"),
                 ("import", "talents", str(tmp_path / "none.xlsx"), "--as", "王芳"),
                 ("import", "people", str(source), "--as", "王芳"),
                 ("import", "talents", str(source))):
        run = dongwu(cli_env, db, *args)
        assert run.returncode == 2, (args, run.stderr)
        assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
    assert _sha(db) == before


def test_duplicates_and_merge_from_the_command_line(cli_env, tmp_path):  # noqa: F811
    db = tmp_path / "office.db"
    assert dongwu(cli_env, db, "init", "--site", "吴中区高层次人才服务中心", "--kind", "district").returncode == 0
    for name, role in (("王芳", "operator"), ("赵敏", "supervisor")):
        assert dongwu(cli_env, db, "staff", "add", "--as", "系统管理员", "--name", name, "--role", role).returncode == 0
    for name, card in (("张伟", "DW1"), ("張偉", "DW2")):
        run = dongwu(cli_env, db, "talent", "add", "--as", "王芳", "--name", name, "--phone", "13812345678",
                     "--category", "产业人才", "--card", card)
        assert run.returncode == 0, run.stderr
    run = dongwu(cli_env, db, "talent", "duplicates", "--as", "赵敏", "--json")
    assert run.returncode == 0, run.stderr
    assert '"kind": "likely"' in run.stdout
    run = dongwu(cli_env, db, "talent", "duplicates", "--as", "王芳")
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
    run = dongwu(cli_env, db, "talent", "merge", "DW1", "DW2", "--as", "赵敏", "--take", "不存在")
    assert run.returncode == 2 and "不是可选取的字段" in run.stderr
    run = dongwu(cli_env, db, "talent", "merge", "DW1", "DW2", "--as", "赵敏", "--take", "姓名", "--reason", "同一人")
    assert run.returncode == 0, run.stderr
    assert "已合并" in run.stdout
    run = dongwu(cli_env, db, "talent", "list", "--json")
    assert run.stdout.count('"name"') == 1 and "張偉" in run.stdout
    run = dongwu(cli_env, db, "talent", "show", "DW2", "--as", "王芳")
    assert run.returncode == 0, run.stderr
    assert "「DW2」是已合并的登记" in run.stdout and "人才卡 DW1" in run.stdout
    run = dongwu(cli_env, db, "talent", "show", "DW2", "--as", "王芳", "--json")
    assert '"merged_from"' in run.stdout and '"card_no": "DW1"' in run.stdout
