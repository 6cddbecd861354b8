"""`dongwu init --encrypt`, `encrypt`, `decrypt` and `key` as a clerk runs them: real processes, real files.

Every refusal is one Chinese line on stderr, exit 2, and the files as they were; a kill -9 at any moment
of `dongwu encrypt` leaves the old file or the new one, whole and readable."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME

from dongwu_tui.services.setup import initialise
from dongwu_tui.storage import keyring

PASSWORD = "mudu-admin-2026"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    base = {k: v for k, v in os.environ.items()
            if k not in ("DONGWU_DB", "DONGWU_PASSWORD", "DONGWU_RECOVERY_KEY", "DONGWU_NEW_PASSWORD")}
    base.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
                XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"), PYTHONUTF8="1")
    return base


def dongwu(env: dict[str, str], db: Path, *args: str, password: str | None = PASSWORD, stdin: str | None = None,
           **extra: str) -> subprocess.CompletedProcess[str]:
    run_env = {**env, **extra}
    if password is not None:
        run_env["DONGWU_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "dongwu_tui", "--db", str(db), *args], env=run_env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=db.parent,
                          input=stdin if stdin is not None else "")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def township(tmp_path: Path, env: dict[str, str]) -> tuple[Path, str]:
    """An encrypted township office made by `dongwu init`, with an operator who has a key and a talent."""
    folder = tmp_path / "office"
    folder.mkdir()
    db = folder / "mudu.db"
    out = ok(dongwu(env, db, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇"))
    assert "已加密" in out
    recovery = out.split("恢复密钥", 1)[1].splitlines()[1].strip()
    # Who acts is proven by a session, as for a plain office; on an encrypted one the same password opens the file.
    ok(dongwu(env, db, "login", "--as", "系统管理员", "--password-stdin", password=None, stdin=PASSWORD + "\n"))
    ok(dongwu(env, db, "--as", "系统管理员", "staff", "add", "--name", "王芳", "--role", "operator"))
    ok(dongwu(env, db, "--as", "系统管理员", "staff", "password", "王芳", "--password-stdin", stdin="wangfang-temp\n"))
    ok(dongwu(env, db, "login", "--as", "王芳", "--password-stdin", password=None,
              stdin="wangfang-temp\nwangfang-2026\n"))
    ok(dongwu(env, db, "--as", "王芳", "talent", "add", "--name", "张伟", "--phone", "13812345678",
              "--id-number", ID_NUMBER, "--category", "产业人才", "--township", "木渎镇", password="wangfang-2026"))
    return db, recovery


def test_a_township_office_is_encrypted_and_its_files_are_owner_only(township, env) -> None:
    db, recovery = township
    assert keyring.is_encrypted_file(db)
    for path in (db, keyring.keyring_path(db), *db.parent.glob("mudu.db*")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    data = b"".join(p.read_bytes() for p in db.parent.glob("mudu.db*"))
    assert ID_NUMBER.encode() not in data and b"13812345678" not in data  # `strings` finds nothing
    out = ok(dongwu(env, db, "--as", "王芳", "talent", "list", password="wangfang-2026"))
    assert "张伟" in out and "138****5678" in out  # an operator's list is masked (need to know)
    ok(dongwu(env, db, "--as", "王芳", "talent", "show", "13812345678", password="wangfang-2026"))
    # The recovery key opens it without any password.
    assert "张伟" in ok(dongwu(env, db, "talent", "list", password=None, DONGWU_RECOVERY_KEY=recovery))
    # A password change re-wraps the one slot; the old password no longer opens it.
    ok(dongwu(env, db, "--as", "王芳", "key", "passwd", password="wangfang-2026", DONGWU_NEW_PASSWORD="wangfang-new"))
    refused(dongwu(env, db, "--as", "王芳", "talent", "list", password="wangfang-2026"), "密码不正确")
    assert "张伟" in ok(dongwu(env, db, "--as", "王芳", "talent", "list", password="wangfang-new"))
    assert "王芳" in ok(dongwu(env, db, "--as", "系统管理员", "key", "list"))



def test_exports_of_an_encrypted_office_are_owner_only(township, env) -> None:
    db, _recovery = township
    out = db.parent / "exports"
    ok(dongwu(env, db, "--as", "系统管理员", "report", "--period", "2026-10", "--format", "csv", "-o",
              str(db.parent / "report.csv")))
    ok(dongwu(env, db, "--as", "系统管理员", "sync", "keys", "-o", str(out)))
    made = [db.parent / "report.csv", *out.iterdir()]
    assert len(made) >= 2
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    from dongwu_tui.storage.cipher import connect

    connection = connect(db, keyring.unwrap(db, "系统管理员", PASSWORD))
    sealed = dict(connection.execute("SELECT name, value FROM sync_key").fetchall())
    connection.close()
    assert sealed["sign_sk"].startswith("sealed:") and sealed["box_sk"].startswith("sealed:")


def test_the_log_file_and_its_folders_are_owner_only(tmp_path: Path) -> None:
    import logging

    from dongwu_tui.logfile import LazyRotatingHandler

    handler = LazyRotatingHandler(tmp_path / "state" / "dongwu" / "dongwu.log")
    handler.emit(logging.LogRecord("t", logging.ERROR, __file__, 1, "张伟 %s", (ID_NUMBER,), None))
    handler.close()
    assert stat.S_IMODE((tmp_path / "state" / "dongwu" / "dongwu.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state" / "dongwu").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_wrong_or_missing_keys_are_one_line_exit_2_and_change_nothing(township, env, tmp_path: Path) -> None:
    db, _recovery = township
    before = state(db.parent)
    refused(dongwu(env, db, "--as", "王芳", "talent", "list", password="wrong-password"), "密码不正确")
    refused(dongwu(env, db, "--as", "王芳", "talent", "list", password=None), "已加密，需要密码")
    refused(dongwu(env, db, "talent", "list", password=None, DONGWU_RECOVERY_KEY="AAAA-BBBB"), "恢复密钥不正确")
    refused(dongwu(env, db, "--as", "系统管理员", "decrypt", password="wrong-password"), "密码不正确")
    refused(dongwu(env, db, "--as", "王芳", "decrypt", password="wangfang-2026"), "不能解密数据库")
    assert state(db.parent) == before
    # Copied to another machine without its key ring.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(db, elsewhere / "mudu.db")
    refused(dongwu(env, elsewhere / "mudu.db", "--as", "王芳", "talent", "list", password="wangfang-2026"),
            "找不到它的密钥文件 mudu.db.keys")
    assert [p.name for p in elsewhere.iterdir()] == ["mudu.db"]


def test_init_without_a_password_off_the_terminal_is_refused(tmp_path: Path, env) -> None:
    db = tmp_path / "mudu.db"
    refused(dongwu(env, db, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇",
                   password=None), "DONGWU_PASSWORD")
    refused(dongwu(env, db, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇",
                   password="short"), "至少 10 个字符")
    assert list(tmp_path.iterdir()) == [tmp_path / "home"] or not db.exists()
    assert not keyring.keyring_path(db).exists()
    ok(dongwu(env, db, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇",
              "--no-encrypt", "--password-stdin", password=None, stdin=PASSWORD + "\n"))
    assert not keyring.is_encrypted_file(db) and stat.S_IMODE(db.stat().st_mode) == 0o600


def test_decrypt_then_encrypt_round_trip(township, env) -> None:
    db, _recovery = township
    listing = ok(dongwu(env, db, "--as", "王芳", "talent", "list", password="wangfang-2026"))
    ok(dongwu(env, db, "--as", "系统管理员", "decrypt"))
    assert not keyring.is_encrypted_file(db) and not keyring.keyring_path(db).exists()
    assert ok(dongwu(env, db, "--as", "王芳", "talent", "list", password=None)) == listing
    out = ok(dongwu(env, db, "--as", "系统管理员", "encrypt", password="a-new-admin-password"))
    assert "恢复密钥" in out and keyring.is_encrypted_file(db)
    assert ok(dongwu(env, db, "--as", "系统管理员", "talent", "list", password="a-new-admin-password"))
    refused(dongwu(env, db, "--as", "系统管理员", "encrypt", password="a-new-admin-password"), "已经加密")


# -- kill -9 during `dongwu encrypt` ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def padded_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A plain district database with ~12 MB of extra rows, so that `encrypt` takes long enough to be hit."""
    path = tmp_path_factory.mktemp("padded") / "office.db"
    initialise(path, DISTRICT_NAME, "district").office.close()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE padding (id INTEGER PRIMARY KEY, body BLOB)")
        connection.executemany("INSERT INTO padding (body) VALUES (?)",
                               ((os.urandom(1200),) for _ in range(10_000)))
    connection.close()
    return path, 10_000


def _readable(db: Path) -> str:
    """'plain' or 'encrypted', after checking the file is whole and holds every padding row."""
    if keyring.is_encrypted_file(db):
        from dongwu_tui.storage.cipher import connect

        connection = connect(db, keyring.unwrap(db, "系统管理员", PASSWORD))
        kind = "encrypted"
    else:
        connection = sqlite3.connect(db)
        kind = "plain"
    try:
        assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT count(*) FROM padding").fetchone()[0] == 10_000
    finally:
        connection.close()
    return kind


def test_kill_9_during_encrypt_leaves_the_old_file_or_the_new_one(padded_db, tmp_path: Path, env) -> None:
    source, _rows = padded_db
    db = tmp_path / "office.db"
    timing = time.perf_counter()
    shutil.copy(source, db)
    ok(dongwu(env, db, "--as", "系统管理员", "encrypt"))
    whole = time.perf_counter() - timing
    assert _readable(db) == "encrypted"
    rng = random.Random(16)
    seen = set()
    for _attempt in range(6):
        for leftover in tmp_path.glob("office.db*"):
            leftover.unlink()
        shutil.copy(source, db)
        process = subprocess.Popen([sys.executable, "-m", "dongwu_tui", "--db", str(db), "--as", "系统管理员",
                                    "encrypt"], env={**env, "DONGWU_PASSWORD": PASSWORD}, cwd=tmp_path,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.05) * whole)
        process.send_signal(signal.SIGKILL)
        process.wait()
        seen.add(_readable(db))
        # Whatever it left, the next run finishes the job.
        if "encrypted" not in _readable(db):
            ok(dongwu(env, db, "--as", "系统管理员", "encrypt"))
            assert _readable(db) == "encrypted"
            assert not list(tmp_path.glob("*.converting*"))
    assert seen <= {"plain", "encrypted"}
