"""The core never imports Textual; worker threads get connections with the desk's pragmas."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from deskkit import TEST_PASSWORD

PACKAGE = Path(__file__).resolve().parents[2] / "dongwu_tui"

# Every module of the core packages (the contract "The core never imports Textual" in pyproject.toml
# checks their imports as written; this imports them), and the command line's start-up modules.
CORE_PACKAGES = ("domain", "storage", "sync", "reports", "services")
CORE_MODULES = sorted(
    "dongwu_tui." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    for package in CORE_PACKAGES for path in (PACKAGE / package).glob("*.py") if path.stem != "__init__"
) + ["dongwu_tui.cli.main", "dongwu_tui.cli.commands", "dongwu_tui.cli.render"]


def test_core_does_not_import_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_startup_path_keeps_slow_imports_out():
    code = (
        "import sys\n"
        "import dongwu_tui.cli.main, dongwu_tui.cli.commands, dongwu_tui.ui.app\n"
        "slow = ('pypinyin', 'openpyxl', 'pydantic', 'nacl', 'textual_plotext')\n"
        "print(','.join(m for m in slow if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# Start-up (issue 6): what is not loaded before the desk's first frame. The command line's parser and its
# command modules (the desk reads `--db`/`--as` without them), peewee's migration runner (and argparse
# with it: storage/database.py reads the history table itself and loads the runner only to upgrade), the
# other workspaces' screens, the palette,
# Textual's Footer (ui/keybar.py draws the key line), the sync engine and inbox (counted after the first
# frame), and the heavy libraries of the reports, sync, search and validation.
NOT_BEFORE_FIRST_FRAME = (
    "dongwu_tui.cli.chinese_argparse", "dongwu_tui.cli.commands", "dongwu_tui.cli.render",
    "dongwu_tui.cli.report_commands", "dongwu_tui.cli.sync_commands",
    "dongwu_tui.ui.screens.dashboard", "dongwu_tui.ui.screens.sync", "dongwu_tui.ui.screens.sync_dialogs",
    "dongwu_tui.ui.screens.intake", "dongwu_tui.ui.screens.talents", "dongwu_tui.ui.screens.request",
    "dongwu_tui.ui.screens.talent", "dongwu_tui.ui.screens.help",
    "dongwu_tui.ui.palette", "textual.widgets._footer", "textual.widgets._data_table",
    "dongwu_tui.sync.engine", "dongwu_tui.sync.conflicts", "dongwu_tui.reports.engine",
    "dongwu_tui.domain.validation", "pydantic", "pypinyin", "openpyxl", "nacl", "plotext", "textual_plotext",
    "playhouse.migrations", "argparse",
)


# Before the very first frame (the title line and the keys, ui/app.py OpeningScreen), not even the desk's
# own layers: the database is opened, and they are imported, after it.
NOT_BEFORE_OPENING_FRAME = (
    "peewee", "chinese_calendar", "dongwu_tui.storage.database", "dongwu_tui.services.desk",
    "dongwu_tui.services.setup", "dongwu_tui.services.views", "dongwu_tui.domain.models",
    "dongwu_tui.domain.calendar", "dongwu_tui.ui.screens.requests", "dongwu_tui.ui.lines",
)


def test_first_frames_load_only_what_they_need(desk, cast, db_path, signed_in):
    """The real start-up path (`dongwu --db PATH --as 督办`: cli.main reads the two options and calls
    ui.app.open_and_run), headless in a fresh interpreter: what is loaded when the opening frame has been
    drawn, when the sign-in screen asks for the password (not argon2: it is loaded to check one), and when
    the supervisor's first workspace has been drawn."""
    signed_in(cast.supervisor)
    desk.office.close()
    code = f"""
import asyncio, sys
import dongwu_tui.cli.main as cli
from dongwu_tui.ui.app import DeskApp

seen = {{}}
open_desk, first_frame = DeskApp._open_desk, DeskApp._after_first_frame

def opening(self):
    seen["opening"] = set(sys.modules)
    open_desk(self)

def after_first_frame(self):
    seen["workspace"] = set(sys.modules)
    seen["screen"] = type(self.screen).__name__
    first_frame(self)

def run(self):
    async def go():
        async with self.run_test(size=(140, 40)) as pilot:
            for _ in range(20):
                await pilot.pause()
                if type(self.screen).__name__ == "SignInScreen" and self.focused is not None and \
                        self.focused.id == "password":
                    seen["signin"] = set(sys.modules)
                    await pilot.press(*{TEST_PASSWORD!r}, "enter")
                if "screen" in seen:
                    break
            for _ in range(3):
                await pilot.pause()
    asyncio.run(go())

DeskApp._open_desk, DeskApp._after_first_frame, DeskApp.run = opening, after_first_frame, run
sys.stdin.isatty = sys.stdout.isatty = lambda: True
assert cli.main(["--db", {str(db_path)!r}, "--as", {cast.supervisor.name!r}]) == 0
print(seen["screen"])
print(",".join(m for m in {NOT_BEFORE_OPENING_FRAME!r} if m in seen["opening"]))
print(",".join(m for m in {NOT_BEFORE_FIRST_FRAME!r} if m in seen["workspace"]))
print(",".join(m for m in ("argon2", "argon2._password_hasher") if m in seen["signin"]))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    screen, at_opening, at_workspace, at_signin = result.stdout.split("\n")[:4]
    assert at_signin == ""
    assert screen == "RequestsScreen"
    assert at_opening == ""
    assert at_workspace == ""


def test_worker_threads_get_the_pragmas(desk):
    seen: dict[str, object] = {}

    def read() -> None:
        db = desk.office.db
        seen["foreign_keys"] = db.execute_sql("PRAGMA foreign_keys").fetchone()[0]
        seen["busy_timeout"] = db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        seen["journal_mode"] = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        seen["same"] = db.connection() is not main
        db.close()

    main = desk.office.db.connection()
    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == {"foreign_keys": 1, "busy_timeout": 5000, "journal_mode": "wal", "same": True}


def test_opening_the_desk_keeps_validation_and_sync_out(tmp_path):
    """Opening a desk and reading what the first screen needs does not load pydantic (validation is
    imported by the services that write) nor the sync engine or the reports."""
    code = (
        "import sys\n"
        "from dongwu_tui.services.setup import initialise, open_desk\n"
        f"initialise({str(tmp_path / 'o.db')!r}, '吴中区高层次人才服务中心', 'district').office.close()\n"
        "for m in [m for m in sys.modules if m.startswith(('pydantic', 'dongwu_tui.domain.validation'))]:\n"
        "    del sys.modules[m]\n"
        f"desk = open_desk({str(tmp_path / 'o.db')!r}, '系统管理员')\n"
        "desk.directory.townships; desk.calendar.warnings(); desk.views.view_counts()\n"
        "desk.views.talents(search='w').count(); desk.views.caller_card('13800000000')\n"
        "print(','.join(m for m in ('pydantic', 'openpyxl', 'nacl', 'dongwu_tui.sync.engine',\n"
        "                           'dongwu_tui.reports.engine') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_ui_reaches_sync_and_reports_only_through_the_desk():
    """Sync and the figures are services of the desk (`desk.sync`, `desk.reports`), which check the acting
    role; no screen builds them from the database object nor runs SQL itself."""
    forbidden = ("execute_sql", ".office.db", "SyncDesk(", "ReportService(", "open_conflict_count(",
                 "record_in_conflict(office")
    found = [f"{path.relative_to(PACKAGE)}: {word}" for path in sorted((PACKAGE / "ui").rglob("*.py"))
             for word in forbidden if word in path.read_text(encoding="utf-8")]
    assert found == []
