"""The `dongwu` command as a clerk or a script uses it: a real process, a real database file.

Each process costs a few tenths of a second, so the happy path is one long story and the refusals
share one prepared database (every refusal must leave it exactly as it was).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME, cli_args, sign_in

from dongwu_tui.domain.models import Status
from dongwu_tui.services.setup import initialise

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """No user config, holiday files, log folder or DONGWU_DB from the machine running the tests."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if k != "DONGWU_DB"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"), PYTHONUTF8="1",
               DONGWU_STATE_DIR=str(home / "state" / "dongwu"))
    return env


def dongwu(env: dict[str, str], db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    args = tuple(cli_args(db, args, Path(env["DONGWU_STATE_DIR"])))  # init's password; --as logged in
    return subprocess.run([sys.executable, "-m", "dongwu_tui", "--db", str(db), *args], env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=db.parent)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_json(result: subprocess.CompletedProcess[str]) -> object:
    return json.loads(ok(result))


def iterdump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2 with exactly one Chinese line on stderr, nothing on stdout, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith("错误：") and CJK.search(line.removeprefix("错误：")), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# ------------------------------------------------------------------------------ the whole story


def test_the_whole_life_through_the_command_line(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "office.db"
    run = lambda *args: dongwu(cli_env, db, *args)  # noqa: E731

    out = ok(run("init", "--site", DISTRICT_NAME, "--kind", "district"))
    assert f"已创建数据库 {db}" in out and "系统管理员" in out
    for name, role, office in (("王话务", "operator", None), ("李专员", "specialist", "mudu"),
                               ("周督办", "supervisor", None)):
        extra = ["--office", office] if office else []
        assert f"已添加{'话务员' if role == 'operator' else ''}" in ok(
            run("staff", "add", "--as", "系统管理员", "--name", name, "--role", role, *extra))

    talent = as_json(run("talent", "add", "--as", "王话务", "--name", "陈人才", "--phone", "138 0013 8000",
                         "--id-number", "11010519491231002X", "--category", "产业人才", "--township", "木渎镇",
                         "--specialist", "李专员", "--json"))
    assert isinstance(talent, dict)
    assert (talent["name"], talent["phone"], talent["township"], talent["specialist"]) == (
        "陈人才", "13800138000", "mudu", "李专员")

    logged = as_json(run("call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "咨询人才公寓",
                         "--measure", "11", "--json"))
    assert isinstance(logged, dict)
    assert logged["talent"]["id"] == talent["id"] and logged["request"]["status"] == "new"
    number = logged["request"]["number"]
    answered = as_json(run("call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "问青创贷",
                           "--measure", "4", "--outcome", "answered", "--resolution", "已告知申请条件", "--json"))
    assert isinstance(answered, dict) and answered["request"]["status"] == "resolved"
    assert answered["request"]["direct"] is True
    ok(run("call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "咨询一站式服务", "--measure", "6"))

    moves = [
        ("dispatch", "王话务", ["--to", "mudu", "--staff", "李专员"], "dispatched"),
        ("sign", "李专员", [], "in_progress"),
        ("progress", "李专员", ["--reason", "已联系人才"], "in_progress"),
        ("resolve", "李专员", ["--reason", "已安排入住"], "resolved"),
        ("visit", "王话务", ["--satisfied", "--reason", "满意"], "visited"),  # the hotline visits
    ]
    for move, actor, extra, status in moves:
        out = ok(run("request", move, number, "--as", actor, *extra))
        assert f"工单 {number}：" in out and f"完成，当前状态「{Status(status).label}」" in out
    archived = as_json(run("request", "archive", number, "--as", "周督办", "--json"))
    assert isinstance(archived, dict) and archived["status"] == "archived"

    shown = as_json(run("request", "show", number, "--json"))
    assert isinstance(shown, dict)
    assert {"id", "status", "measure", "talent_id", "due", "events"} <= set(shown)
    assert shown["status"] == "archived" and shown["talent_id"] == talent["id"]
    assert isinstance(shown["measure"], int) and 1 <= shown["measure"] <= 18 and shown["measure"] == 11
    date.fromisoformat(shown["due"])
    assert [(e["action"], e["from"], e["to"], e["actor"]) for e in shown["events"]] == [
        ("log", None, "new", "王话务"),
        ("dispatch", "new", "dispatched", "王话务"),
        ("sign", "dispatched", "in_progress", "李专员"),
        ("progress", "in_progress", "in_progress", "李专员"),
        ("resolve", "in_progress", "resolved", "李专员"),
        ("visit", "resolved", "visited", "王话务"),
        ("archive", "visited", "archived", "周督办"),
    ]
    assert shown["events"][3]["reason"] == "已联系人才"
    assert shown["events"][5]["detail"] == {"result": "satisfied", "satisfied": True}

    file = as_json(run("talent", "show", talent["id"], "--json"))
    assert isinstance(file, dict) and file["id"] == talent["id"]
    assert len(file["calls"]) == 3 and {c["measure"] for c in file["calls"]} == {11, 4, 6}
    assert len(file["requests"]) == 3 and number in {r["number"] for r in file["requests"]}

    stats = as_json(run("stats", "--json"))
    assert isinstance(stats, dict)
    assert [m["measure"] for m in stats["by_measure"]] == list(range(1, 19))
    for row in stats["by_measure"]:
        assert {"measure", "total", "closed", "overdue"} <= set(row)
    figures = {m["measure"]: (m["total"], m["closed"], m["overdue"]) for m in stats["by_measure"]}
    assert figures[11] == (1, 1, 0) and figures[4] == (1, 1, 0) and figures[6] == (1, 0, 0)
    assert sum(total for total, _, _ in figures.values()) == 3
    assert (stats["totals"]["total"], stats["totals"]["closed"], stats["totals"]["open"]) == (3, 2, 1)

    listed = as_json(run("request", "list", "--limit", "2", "--json"))
    assert isinstance(listed, list) and len(listed) == 2
    everything = as_json(run("request", "list", "--limit", "0", "--json"))
    assert isinstance(everything, list) and len(everything) == 3
    assert len(as_json(run("call", "list", "--limit", "1", "--json"))) == 1  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ refusals


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Path:
    """A district database with staff, a talent and one new request (WZ-…-0001), made in-process."""
    path = tmp_path_factory.mktemp("refusals") / "office.db"
    desk = initialise(path, DISTRICT_NAME, "district")
    directory = desk.directory
    operator = directory.add_staff("王话务", "operator")
    directory.add_staff("李专员", "specialist", "mudu")
    directory.add_staff("周督办", "supervisor")
    clerk = desk.acting_as(operator)
    clerk.talents.add(name="陈人才", phone="13800138000", category_code="industry", township_code="mudu")
    clerk.calls.log(phone="13800138000", summary="咨询人才公寓", measure=11, outcome="request")
    desk.office.close()
    sign_in(path, state_dir=Path(cli_env["DONGWU_STATE_DIR"]))  # every staff member, before any refusal
    return path


def request_number(db: Path) -> str:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT number FROM service_request").fetchone()[0]
    finally:
        connection.close()


REFUSALS = [
    ("bad phone", ["talent", "add", "--as", "王话务", "--name", "孙某某", "--phone", "1380013800", "--category",
                   "young"], ["手机号码应为 11 位数字"]),
    ("bad ID check digit", ["talent", "add", "--as", "王话务", "--name", "孙某某", "--phone", "13912345678",
                            "--category", "young", "--id-number", "110105194912310021"],
     ["身份证号码校验位错误：应为 X"]),
    ("bad credit code", ["enterprise", "add", "--as", "王话务", "--name", "苏州东吴科技有限公司", "--credit-code",
                         "91320506MA1MA5TR0A"], ["统一社会信用代码校验位错误"]),
    ("illegal move", ["request", "sign", "{number}", "--as", "李专员"], ["当前状态为「已受理」，不能执行「签收」"]),
    ("unknown request", ["request", "show", "WZ-20990101-0099"], ["没有找到工单「WZ-20990101-0099」"]),
    ("missing --as", ["call", "log", "--phone", "13800138000", "--summary", "咨询", "--measure", "1"],
     ["需要指明操作人（命令行用 --as 姓名）"]),
    ("unknown staff", ["call", "log", "--as", "张三丰", "--phone", "13800138000", "--summary", "咨询"],
     ["没有名为「张三丰」的工作人员"]),
    ("wrong role", ["request", "dispatch", "{number}", "--as", "李专员", "--to", "mudu"],
     ["人才工作专员不能执行「派单」，该操作仅限话务员、督办负责人"]),
    ("operator cannot archive", ["request", "archive", "{number}", "--as", "王话务"], ["话务员不能执行「归档」"]),
    ("repeat call", ["call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "又来问",
                     "--measure", "11"], ["未办结工单", "--attach"]),
    ("bad date", ["stats", "--since", "2026-13-01"], ["--since 应为 YYYY-MM-DD 格式的日期"]),
    ("negative limit", ["request", "list", "--limit", "-1"], ["--limit 不能为负数"]),
    ("argparse missing argument", ["call", "log", "--as", "王话务", "--phone", "13800138000"],
     ["缺少必需的参数：--summary"]),
    ("argparse bad choice", ["staff", "add", "--as", "系统管理员", "--name", "新同事", "--role", "boss"],
     ["无效的选项", "boss"]),
    ("argparse missing visit flag", ["request", "visit", "{number}", "--as", "李专员"], ["必须指定其一"]),
    ("period year 0", ["stats", "--period", "0000"], ["年份应在 1900 至 2099 之间"]),
    ("period year 9999", ["stats", "--period", "9999-12"], ["年份应在 1900 至 2099 之间"]),
    ("until year 9999", ["stats", "--until", "9999-12-31"], ["--until 9999-12-31", "年份应在"]),
    ("report period year 9999", ["report", "--period", "9999-Q4"], ["年份应在"]),
    ("operator stats", ["stats", "--as", "王话务"], ["话务员不能查看统计和通报"]),
    ("specialist report", ["report", "--as", "李专员", "--period", "2026", "-o", "{tmp}/r.md"],
     ["人才工作专员不能查看统计和通报"]),
    ("service number as a call filter", ["call", "list", "--phone", "12345"], ["--phone", "服务号码"]),
    ("limit beyond 64 bits", ["talent", "list", "--limit", "9223372036854775808"], ["--limit", "过大"]),
    ("limit not a number", ["talent", "list", "--limit", "五十"], ["--limit", "应为整数"]),
    ("measure beyond 64 bits", ["request", "list", "--measure", "99999999999999999999"], ["--measure", "过大"]),
]


@pytest.mark.parametrize(("args", "fragments"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_refusals_exit_2_with_one_chinese_line_and_change_nothing(prepared_db: Path, cli_env: dict[str, str],
                                                                   args: list[str], fragments: list[str]) -> None:
    number = request_number(prepared_db)
    before = iterdump(prepared_db)
    assert_refused(dongwu(cli_env, prepared_db, *[a.replace("{number}", number)
                                                  .replace("{tmp}", str(prepared_db.parent)) for a in args]),
                   *fragments)
    assert iterdump(prepared_db) == before
    assert not (prepared_db.parent / "r.md").exists()


def test_figures_for_a_supervisor_an_administrator_and_with_no_one_named(prepared_db: Path,
                                                                         cli_env: dict[str, str]) -> None:
    for actor in (["--as", "周督办"], ["--as", "系统管理员"], []):
        result = dongwu(cli_env, prepared_db, "stats", "--json", *actor)
        assert result.returncode == 0, result.stderr


def test_a_missing_database_file_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "missing.db"
    assert_refused(dongwu(cli_env, db, "request", "list"), f"数据库文件不存在：{db}", "dongwu init")
    assert not db.exists()


def test_a_too_new_database_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "future.db"
    initialise(db, DISTRICT_NAME, "district").office.close()
    connection = sqlite3.connect(db)
    connection.execute("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01')")
    connection.commit()
    connection.close()
    before, raw = iterdump(db), db.read_bytes()
    assert_refused(dongwu(cli_env, db, "call", "log", "--as", "系统管理员", "--phone", "13800138000",
                          "--summary", "咨询"), "由更新版本的程序创建", "数据库版本 9999")
    assert iterdump(db) == before and db.read_bytes() == raw
