"""The command line and stored records: terminal controls, deactivated accounts, duplicate identities."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME, cli_args

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
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


def iterdump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith("错误：") and CJK.search(line), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def execute(db: Path, sql: str, *params: object) -> None:
    connection = sqlite3.connect(db)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Path:
    db = tmp_path_factory.mktemp("office") / "office.db"
    run = lambda *args: ok(dongwu(cli_env, db, *args))  # noqa: E731
    run("init", "--site", DISTRICT_NAME, "--kind", "district")
    run("staff", "add", "--as", "系统管理员", "--name", "王芳", "--role", "operator")
    run("staff", "add", "--as", "系统管理员", "--name", "李强", "--role", "specialist", "--office", "mudu")
    run("staff", "add", "--as", "系统管理员", "--name", "停用专员", "--role", "specialist", "--office", "mudu")
    run("talent", "add", "--as", "王芳", "--name", "张伟", "--phone", "13812345678",
        "--id-number", "11010519491231002X", "--category", "产业人才", "--card", "DW000001")
    run("call", "log", "--as", "王芳", "--phone", "13812345678", "--measure", "11", "--summary", "咨询人才公寓",
        "--outcome", "request", "--dispatch-to", "mudu")
    return db


ATTACK = "\x1b]0;pwned\x07张伟"


def test_a_name_with_terminal_controls_is_refused_and_nothing_changes(office: Path, cli_env) -> None:
    before = iterdump(office)
    assert_refused(dongwu(cli_env, office, "talent", "add", "--as", "王芳", "--name", ATTACK,
                          "--phone", "13912345678", "--category", "产业人才"), "姓名", "控制字符", "\\u001b")
    assert_refused(dongwu(cli_env, office, "staff", "add", "--as", "系统管理员", "--name", "\x1b[2J王五",
                          "--role", "operator"), "姓名")
    assert iterdump(office) == before


def test_stored_controls_are_spelled_out_in_text_and_json(tmp_path: Path, office: Path, cli_env) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(office.read_bytes())
    execute(db, "UPDATE talent SET name = ? WHERE card_no = 'DW000001'", ATTACK)
    execute(db, "UPDATE staff SET name = ? WHERE name = '李强'", "\x1b[2J李强\u202e")
    for args in (("talent", "list"), ("staff", "list"), ("talent", "show", "DW000001", "--as", "王芳"),
                 ("request", "list")):
        out = ok(dongwu(cli_env, db, *args))
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, (args, out)
    assert "\\u001b]0;pwned\\u0007张伟" in ok(dongwu(cli_env, db, "talent", "list"))
    listed = ok(dongwu(cli_env, db, "staff", "list", "--json"))
    assert "\x1b" not in listed and "\u202e" not in listed
    assert "\x1b[2J李强\u202e" in [s["name"] for s in json.loads(listed)]  # JSON still gives the stored text


def test_a_deactivated_account_is_shown_nothing(tmp_path: Path, office: Path, cli_env) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(office.read_bytes())
    execute(db, "UPDATE staff SET active = 0 WHERE name = '停用专员'")
    number = json.loads(ok(dongwu(cli_env, db, "request", "list", "--json")))[0]["number"]
    before = iterdump(db)
    line = assert_refused(dongwu(cli_env, db, "request", "show", number, "--as", "停用专员"), "已停用")
    assert "13812345678" not in line
    assert_refused(dongwu(cli_env, db, "talent", "list", "--as", "停用专员"), "已停用")
    assert iterdump(db) == before


def test_a_duplicate_identity_is_refused_and_listed_by_summary(tmp_path: Path, office: Path, cli_env) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(office.read_bytes())
    assert "身份重复" not in ok(dongwu(cli_env, db, "summary"))  # a copy takes its own replica id first
    before = iterdump(db)
    assert_refused(dongwu(cli_env, db, "talent", "add", "--as", "王芳", "--name", "张三", "--phone", "13912345678",
                          "--id-number", "11010519491231002X", "--category", "产业人才"), "DW000001", "证件号码")
    assert_refused(dongwu(cli_env, db, "talent", "add", "--as", "王芳", "--name", "张三", "--phone", "13912345678",
                          "--card", "DW000001", "--category", "产业人才"), "DW000001", "人才卡号")
    assert iterdump(db) == before
    ok(dongwu(cli_env, db, "talent", "add", "--as", "王芳", "--name", "张三", "--phone", "13912345678",
              "--card", "DW000002", "--category", "产业人才"))
    # A duplicate held from before the rule (or arrived by sync) is reported, not fatal.
    execute(db, "UPDATE talent SET id_number = '11010519491231002X' WHERE card_no = 'DW000002'")
    summary = ok(dongwu(cli_env, db, "summary"))
    assert "1 组人才的身份重复" in summary and "DW000001 / DW000002" in summary


def test_lists_give_names_and_merged_requests_their_target(tmp_path: Path, office: Path, cli_env) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(office.read_bytes())
    run = lambda *args: ok(dongwu(cli_env, db, *args))  # noqa: E731
    run("staff", "add", "--as", "系统管理员", "--name", "赵敏", "--role", "supervisor")
    run("enterprise", "add", "--as", "王芳", "--name", "苏州某某科技有限公司", "--credit-code", "91350100M000100Y43",
        "--township", "木渎镇")
    run("talent", "edit", "DW000001", "--as", "王芳", "--enterprise", "苏州某某科技有限公司", "--specialist", "李强")
    listed = json.loads(run("talent", "list", "--json"))[0]
    assert (listed["enterprise"], listed["specialist"]) == ("苏州某某科技有限公司", "李强")
    target = json.loads(run("request", "list", "--json"))[0]["number"]
    run("call", "log", "--as", "王芳", "--phone", "13812345678", "--measure", "11", "--summary", "再次咨询",
        "--outcome", "request", "--new")
    merged = next(r["number"] for r in json.loads(run("request", "list", "--json")) if r["number"] != target)
    run("request", "merge", merged, "--as", "赵敏", "--into", target, "--reason", "同一事项")
    assert json.loads(run("request", "show", merged, "--json"))["merged_into"] == target
    assert f"已并入工单：{target}" in run("request", "show", merged)
