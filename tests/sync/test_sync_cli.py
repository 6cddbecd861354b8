"""`dongwu sync ...` through a subprocess: a centre and two townships set up only through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deskkit import cli_args


def dongwu(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    state = db.parent / "state"  # the sessions of every office of the test, beside their files
    args = tuple(cli_args(db, args, state))  # init's password; --as logged in
    result = subprocess.run([sys.executable, "-m", "dongwu_tui", "--db", str(db), *args], capture_output=True,
                            text=True, cwd=db.parent, env={**os.environ, "DONGWU_STATE_DIR": str(state)})
    if check:
        assert result.returncode == 0, result.stderr
    return result


def dump(db: Path) -> str:
    return "\n".join(subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, text=True).stdout.splitlines())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    c, m, x = tmp / "wz.db", tmp / "mudu.db", tmp / "xukou.db"
    dongwu(c, "init", "--site", "吴中区高层次人才服务中心", "--kind", "district")
    dongwu(m, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇", "--no-encrypt")
    dongwu(x, "init", "--site", "胥口镇人才工作站", "--kind", "township", "--township", "胥口镇", "--no-encrypt")
    for db in (c, m, x):
        dongwu(db, "--as", admin_of(db), "sync", "keys", "-o", str(tmp / "keys"))
    dongwu(c, "--as", admin_of(c), "sync", "trust", str(tmp / "keys" / "mudu-enrol.json"))
    dongwu(c, "--as", admin_of(c), "sync", "trust", str(tmp / "keys" / "xukou-enrol.json"))
    for db in (m, x):
        out = dongwu(db, "--as", admin_of(db), "sync", "trust", str(tmp / "keys" / "trust-bundle.json")).stdout
        assert "已安装" in out
    dongwu(c, "staff", "add", "--as", "系统管理员", "--name", "王芳", "--role", "operator")
    dongwu(c, "talent", "add", "--as", "王芳", "--name", "张伟", "--phone", "13812345678", "--id-number",
           "11010519491231002X", "--category", "产业人才", "--township", "木渎镇", "--card", "DW000001")
    return tmp, c, m, x


def export(src: Path, to: str, out: Path, *extra: str) -> Path:
    return Path(dongwu(src, "--as", admin_of(src), "sync", "export", "--to", to, "-o", str(out), *extra).stdout.strip())


def test_exchange_in_scrambled_order_with_duplicates(world):
    tmp, c, m, x = world
    f1 = export(c, "mudu", tmp / "out")
    f2 = export(c, "xukou", tmp / "out", "--full")
    out = dongwu(m, "--as", admin_of(m), "sync", "import", str(f1), str(f1)).stdout
    assert "应用" in out and "已导入过" in out
    dongwu(x, "--as", admin_of(x), "sync", "import", str(f2))
    admin = json.loads(dongwu(m, "staff", "list", "--json").stdout)
    admin_id = next(s["id"] for s in admin if s["role"] == "admin" and s.get("office_code", "mudu") == "mudu"
                    and s["name"] == "系统管理员" and s["office_id"] == _site(m))
    dongwu(m, "staff", "add", "--as", admin_id, "--name", "李强", "--role", "specialist")
    dongwu(m, "talent", "edit", "DW000001", "--as", "李强", "--notes", "木渎的备注")
    dongwu(c, "talent", "edit", "DW000001", "--as", "王芳", "--notes", "中心的备注", "--phone", "13912345678")
    g1 = export(m, "wz", tmp / "out")
    g2 = export(c, "mudu", tmp / "out")
    g3 = export(m, "xukou", tmp / "out")
    dongwu(c, "--as", admin_of(c), "sync", "import", str(g1), str(g1))
    dongwu(m, "--as", admin_of(m), "sync", "import", str(g2))
    dongwu(x, "--as", admin_of(x), "sync", "import", str(g3))
    for db in (c, m):
        conflicts = json.loads(dongwu(db, "sync", "conflicts", "--json").stdout)
        assert [(k["field"], sorted(v["value"] for v in k["versions"])) for k in conflicts] == [
            ("notes", ["中心的备注", "木渎的备注"])]
        shown = json.loads(dongwu(db, "talent", "show", "DW000001", "--json").stdout)
        assert shown["phone"].endswith("5678")
    refused = dongwu(m, "talent", "edit", "DW000001", "--as", "李强", "--notes", "再改", check=False)
    assert refused.returncode == 2 and "冲突" in refused.stderr
    [conflict] = json.loads(dongwu(m, "sync", "conflicts", "--json").stdout)
    # Resolving is for supervisors and administrators: the specialist is refused, the database unchanged.
    before = dump(m)
    refused = dongwu(m, "--as", "李强", "sync", "resolve", conflict["id"], "--take", "mine", check=False)
    assert refused.returncode == 2 and "人才工作专员不能处理同步冲突" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and dump(m) == before
    dongwu(m, "--as", admin_of(m), "sync", "resolve", conflict["id"], "--take", "mine")
    # The resolution is an audit entry: who chose, which conflict, what was taken and written.
    audit = subprocess.run(["sqlite3", str(m), "SELECT actor_id, entity, action, changes FROM audit_log "
                            "WHERE action = 'resolve_conflict'"], capture_output=True, text=True).stdout
    actor_id, entity, action, changes = audit.strip().split("|", 3)
    assert (actor_id, entity, action) == (admin_of(m), "talent", "resolve_conflict")
    assert json.loads(changes)["taken"] == "mine" and json.loads(changes)["value"] == "木渎的备注"
    dongwu(c, "--as", admin_of(c), "sync", "import", str(export(m, "wz", tmp / "out")))
    assert json.loads(dongwu(c, "sync", "conflicts", "--json").stdout) == []
    status = json.loads(dongwu(c, "sync", "status", "--json").stdout)
    assert {p["code"] for p in status["peers"]} == {"mudu", "xukou"}


def admin_of(db: Path) -> str:
    """The id of the office's own administrator (after a sync, other offices' 系统管理员 are listed too)."""
    return subprocess.run(["sqlite3", str(db), "SELECT id FROM staff WHERE role = 'admin' AND office_id = "
                           "(SELECT value FROM meta WHERE key = 'site_id')"], capture_output=True,
                          text=True).stdout.strip()


def _site(db: Path) -> str:
    return subprocess.run(["sqlite3", str(db), "SELECT value FROM meta WHERE key = 'site_id'"], capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.parametrize("kind", ["damaged", "not-addressed", "foreign"])
def test_refused_file_exits_2_with_one_line_and_database_unchanged(world, kind):
    tmp, c, m, x = world
    good = export(c, "mudu", tmp / "bad", "--full")
    target = m
    if kind == "damaged":
        data = bytearray(good.read_bytes())
        data[-50] ^= 1
        good.write_bytes(bytes(data))
    elif kind == "not-addressed":
        target = x
    else:
        good.write_text("这不是同步文件", encoding="utf-8")
    before = dump(target)
    result = dongwu(target, "--as", admin_of(target), "sync", "import", str(good), check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "未导入" in result.stderr
    assert dump(target) == before


def test_talent_moved_to_another_township_leaves_the_old_one(world):
    tmp, c, m, x = world
    dongwu(c, "talent", "add", "--as", "王芳", "--name", "李娜", "--phone", "13700001111", "--category", "产业人才",
           "--township", "木渎镇", "--card", "DW000002")
    dongwu(m, "--as", admin_of(m), "sync", "import", str(export(c, "mudu", tmp / "move")))
    assert dongwu(m, "talent", "show", "DW000002", "--json").returncode == 0
    dongwu(c, "talent", "edit", "DW000002", "--as", "王芳", "--township", "胥口镇", "--reason", "工作单位迁至胥口")
    out = dongwu(m, "--as", admin_of(m), "sync", "import", str(export(c, "mudu", tmp / "move"))).stdout
    assert "移出本单位 1 条" in out
    gone = dongwu(m, "talent", "show", "DW000002", check=False)
    assert gone.returncode == 2 and len(gone.stderr.strip().splitlines()) == 1
    dongwu(x, "--as", admin_of(x), "sync", "import", str(export(c, "xukou", tmp / "move")))
    shown = json.loads(dongwu(x, "talent", "show", "DW000002", "--json").stdout)
    assert shown["township"] == "xukou" and shown["name"] == "李娜"


def test_sync_writes_name_an_actor_whose_role_may_do_them(world):
    """Keys and trust are the administrator's, files and conflicts the supervisor's and administrator's: a
    write with no --as, or by another role, is one line and exit 2, and leaves the database as it was."""
    tmp, c, m, x = world
    cases = [(m, [], ["keys", "-o", str(tmp / "again")], "需要指明操作人"),
             (m, [], ["import", str(tmp / "keys" / "trust-bundle.json")], "需要指明操作人"),
             (c, [], ["export", "--to", "mudu", "-o", str(tmp / "none")], "需要指明操作人"),
             (c, ["--as", "王芳"], ["export", "--to", "mudu", "-o", str(tmp / "none")], "话务员不能导出同步文件"),
             (c, ["--as", "王芳"], ["trust", "--bundle", "-o", str(tmp / "none")], "话务员不能生成信任文件"),
             (c, ["--as", "王芳"], ["resolve", "x", "--take", "mine"], "话务员不能处理同步冲突")]
    for db, actor, args, said in cases:
        before = dump(db)
        result = dongwu(db, *actor, "sync", *args, check=False)
        assert result.returncode == 2 and said in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert dump(db) == before
    assert not (tmp / "none").exists() and not (tmp / "again").exists()
    # Reading the status and the inbox needs no one named, and any active staff member may.
    assert dongwu(c, "--as", "王芳", "sync", "status", "--json").returncode == 0
    assert dongwu(c, "sync", "conflicts", "--json").returncode == 0
