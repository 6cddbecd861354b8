"""The core never imports Textual; worker threads get connections with the desk's pragmas."""

from __future__ import annotations

import subprocess
import sys
import threading

CORE_MODULES = [
    "dongwu_tui.domain.calendar", "dongwu_tui.domain.errors", "dongwu_tui.domain.identifiers",
    "dongwu_tui.domain.lifecycle", "dongwu_tui.domain.models", "dongwu_tui.domain.roles",
    "dongwu_tui.domain.validation", "dongwu_tui.domain.pinyin",
    "dongwu_tui.storage.database", "dongwu_tui.storage.tables", "dongwu_tui.storage.convert",
    "dongwu_tui.storage.catalogue", "dongwu_tui.storage.paths",
    "dongwu_tui.services.desk", "dongwu_tui.services.calls", "dongwu_tui.services.requests",
    "dongwu_tui.services.talents", "dongwu_tui.services.directory", "dongwu_tui.services.stats",
    "dongwu_tui.services.setup", "dongwu_tui.services.demo", "dongwu_tui.services.search",
    "dongwu_tui.services.views",
    "dongwu_tui.cli.main", "dongwu_tui.cli.commands", "dongwu_tui.cli.render",
]


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
        "print(','.join(m for m in ('pypinyin', 'openpyxl', 'pydantic', 'nacl', 'textual_plotext') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


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
