"""`dongwu sync roles` (who may exchange sync files here) and a supervisor exporting from a plain office
with their own password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME, TEST_PASSWORD
from test_cli import assert_refused, cli_env, dongwu, iterdump, ok  # noqa: F401 - cli_env is a fixture


@pytest.fixture
def office(tmp_path: Path, cli_env: dict[str, str]) -> tuple[Path, dict[str, str]]:  # noqa: F811
    env = {k: v for k, v in cli_env.items() if k != "DONGWU_PASSWORD"}
    db = tmp_path / "office.db"
    ok(dongwu(env, db, "init", "--site", DISTRICT_NAME, "--kind", "district", "--no-encrypt"))
    ok(dongwu(env, db, "staff", "add", "--as", "系统管理员", "--name", "李专员", "--role", "specialist",
              "--office", "mudu"))
    return db, env


def test_roles_are_shown_and_set_by_an_admin_with_a_reason(office) -> None:
    db, env = office
    assert "督办负责人（supervisor）、系统管理员（admin）" in ok(dongwu(env, db, "sync", "roles"))
    out = ok(dongwu(env, db, "sync", "roles", "--set", "supervisor，人才工作专员", "--reason", "镇街只有专员",
                    "--as", "系统管理员"))
    assert "人才工作专员（specialist）、督办负责人（supervisor）、系统管理员（admin）" in out
    assert json.loads(ok(dongwu(env, db, "sync", "roles", "--json"))) == {
        "roles": ["specialist", "supervisor", "admin"]}
    import sqlite3

    connection = sqlite3.connect(db)
    [(reason, changes)] = connection.execute(
        "SELECT reason, changes FROM audit_log WHERE action = 'exchange_roles'").fetchall()
    connection.close()
    assert reason == "镇街只有专员" and json.loads(changes)["after"] == ["specialist", "supervisor", "admin"]


@pytest.mark.parametrize(("args", "fragment"), [
    (("--set", "supervisor,boss", "--reason", "试", "--as", "系统管理员"), "角色「boss」不正确"),
    (("--set", "supervisor", "--as", "系统管理员"), "原因"),
    (("--set", "specialist", "--reason", "越权", "--as", "李专员"), "不能设置可交换同步文件的角色"),
    (("--set", "specialist", "--reason", "无人"), "需要指明操作人"),
    (("--reason", "只有原因"), "--set"),
])
def test_bad_role_settings_are_refused_in_one_line_and_change_nothing(office, args, fragment) -> None:
    db, env = office
    ok(dongwu(env, db, "sync", "roles", "--as", "李专员"))  # logged in before the snapshot
    before = iterdump(db)
    assert_refused(dongwu(env, db, "sync", "roles", *args), fragment)
    assert iterdump(db) == before


def test_a_supervisor_exports_from_a_plain_office_with_their_own_password(tmp_path: Path,
                                                                           cli_env: dict[str, str]) -> None:  # noqa: F811
    env = {k: v for k, v in cli_env.items() if k != "DONGWU_PASSWORD"}
    # Every account the test helpers make has TEST_PASSWORD: here it is the acting person's own.
    own = {**env, "DONGWU_PASSWORD": TEST_PASSWORD}
    centre, mudu, keys = tmp_path / "wz.db", tmp_path / "mudu.db", tmp_path / "keys"
    ok(dongwu(env, centre, "init", "--site", DISTRICT_NAME, "--kind", "district", "--no-encrypt"))
    ok(dongwu(env, mudu, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇",
              "--no-encrypt"))
    ok(dongwu(own, centre, "--as", "系统管理员", "sync", "keys", "-o", str(keys)))
    ok(dongwu(env, mudu, "--as", "系统管理员", "sync", "keys", "-o", str(keys)))
    ok(dongwu(own, centre, "--as", "系统管理员", "sync", "trust", str(keys / "mudu-enrol.json")))
    ok(dongwu(env, centre, "staff", "add", "--as", "系统管理员", "--name", "周督办", "--role", "supervisor"))
    out = tmp_path / "out"
    export = ("--as", "周督办", "sync", "export", "--to", "mudu", "-o", str(out))
    ok(dongwu(env, centre, "sync", "status", "--as", "周督办"))  # logged in (password set by the admin)
    before = iterdump(centre)
    assert_refused(dongwu(env, centre, *export), "DONGWU_PASSWORD")
    assert_refused(dongwu({**env, "DONGWU_PASSWORD": "wrong-password-1"}, centre, *export), "密码不正确")
    assert iterdump(centre) == before and not out.exists()
    # The supervisor's wrap was made without the key at hand: it waits until the admin exchanges once.
    assert_refused(dongwu(own, centre, *export), "还没有拿到本单位的同步密钥")
    ok(dongwu(own, centre, "--as", "系统管理员", "sync", "export", "--to", "mudu", "-o", str(out)))
    path = Path(ok(dongwu(own, centre, *export)).strip())
    assert path.exists()
