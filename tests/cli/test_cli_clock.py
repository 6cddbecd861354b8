"""The request clock seen from outside the process: `faketime` sets the day each `dongwu` command runs on, as
an office would live through the days (the issue's own check)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from deskkit import DISTRICT_NAME, TEST_PASSWORD, Clock, sign_in
from test_cli import assert_refused, cli_env  # noqa: F401 (cli_env is a fixture)

from dongwu_tui.services.setup import initialise

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="needs faketime (apt-get install faketime)")


def at(env: dict[str, str], day: str, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if "--as" in args:
        # Signed in on the same (faked) day, as the person at the desk would be: a session idles out.
        name = args[args.index("--as") + 1]
        subprocess.run(["faketime", f"{day} 09:59:00", sys.executable, "-m", "dongwu_tui", "--db", str(db),
                        "login", "--as", name, "--password-stdin"], env=env, input=TEST_PASSWORD + "\n",
                       capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=db.parent, check=True)
    return subprocess.run(["faketime", f"{day} 10:00:00", sys.executable, "-m", "dongwu_tui", "--db", str(db),
                           *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=60,
                          cwd=db.parent)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def office(cli_env: dict[str, str], tmp_path: Path) -> Path:
    """A district office with its staff and a talent, made in-process on Monday 2 March 2026."""
    db = tmp_path / "office.db"
    desk = initialise(db, DISTRICT_NAME, "district", clock=Clock())
    directory = desk.directory
    operator = directory.add_staff("王芳", "operator")
    directory.add_staff("李强", "specialist", "mudu")
    directory.add_staff("赵敏", "supervisor")
    desk.acting_as(operator).talents.add(name="张伟", phone="13812345678", category_code="industry",
                                         township_code="mudu")
    desk.office.close()
    sign_in(db)  # everyone gets the test password; each command below logs in on its own (faked) day
    return db


def requests_of(db: Path) -> list[tuple]:
    """The requests and their events (the sign-in of each command writes its session, nothing else)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [*connection.execute("SELECT * FROM service_request ORDER BY id"),
                *connection.execute("SELECT * FROM request_event ORDER BY id")]
    finally:
        connection.close()


def log(env: dict[str, str], day: str, db: Path) -> str:
    out = ok(at(env, day, db, "call", "log", "--as", "王芳", "--phone", "13812345678", "--measure", "6",
                "--summary", "咨询一站式服务", "--outcome", "request", "--dispatch-to", "mudu",
                "--dispatch-staff", "李强", "--new", "--json"))
    return json.loads(out)["request"]["number"]


def due(env: dict[str, str], day: str, db: Path, number: str) -> str:
    return json.loads(ok(at(env, day, db, "request", "show", number, "--json")))["due"]


def test_dispatched_monday_signed_wednesday_counts_from_monday(cli_env: dict[str, str], office: Path) -> None:
    number = log(cli_env, "2026-03-02", office)  # Monday
    ok(at(cli_env, "2026-03-04", office, "request", "sign", number, "--as", "李强"))  # Wednesday
    assert due(cli_env, "2026-03-04", office, number) == "2026-03-09"  # 5 working days from Monday
    shown = json.loads(ok(at(cli_env, "2026-03-04", office, "request", "show", number, "--json")))
    assert (shown["sign_due"], shown["first_dispatched_at"][:10]) == ("2026-03-03", "2026-03-02")
    # Asked the day after the due date: refused, exit 2, one line, nothing written.
    before = requests_of(office)
    assert_refused(at(cli_env, "2026-03-10", office, "request", "extend", number, "--as", "李强", "--days", "2",
                      "--reason", "材料未齐"), "超期后不能申请延期")
    assert requests_of(office) == before


def test_a_request_running_into_an_unknown_year_warns_once(cli_env: dict[str, str], office: Path) -> None:
    number = log(cli_env, "2026-12-28", office)
    shown = at(cli_env, "2026-12-28", office, "request", "show", number, "--json")
    assert json.loads(ok(shown))["due"] >= "2027-01-05"  # 元旦 2027 is off by the law itself
    assert shown.stderr.count("\n") == 1 and "2027 年的节假日安排尚未收录" in shown.stderr
    summary = at(cli_env, "2026-12-28", office, "summary")
    assert "2027 年的节假日安排尚未收录" in ok(summary)
    # The office adds the 2027 schedule (here one more day off on Monday 4 January): recounted and listed.
    holidays = Path(cli_env["XDG_CONFIG_HOME"]) / "dongwu" / "holidays"
    holidays.mkdir(parents=True, exist_ok=True)
    (holidays / "2027.toml").write_text('year = 2027\nholidays = ["2027-01-01", "2027-01-04"]\n', encoding="utf-8")
    try:
        listed = at(cli_env, "2026-12-29", office, "request", "list", "--as", "王芳")
        assert f"工单 {number} 的期限由 2027-01-05 改为 2027-01-06" in listed.stderr
        assert "尚未收录" not in listed.stderr
        assert due(cli_env, "2026-12-29", office, number) == "2027-01-06"
    finally:
        (holidays / "2027.toml").unlink()
