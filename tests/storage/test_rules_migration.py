"""Migration 0016 on a database that holds requests already: the stored facts of the rules are filled in
from the timeline, open requests keep their due dates, and what was done is kept for `dongwu summary`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from deskkit import TALENT_PHONE, Cast

from dongwu_tui.domain.models import Staff, Talent
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import open_desk

NEW_COLUMNS = ["first_dispatched_at", "unit_dispatched_at", "sign_due_date", "first_resolved_at", "first_on_time",
               "rework_count", "extensions_used", "extension_days_used", "return_rejections", "visit_result",
               "visit_solved", "visit_unreached", "review_result"]


def _capture_trigger_of_0003() -> str:
    import importlib.util

    from dongwu_tui.storage.database import MIGRATIONS_DIR

    spec = importlib.util.spec_from_file_location("migration_0003", MIGRATIONS_DIR / "0003_sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(sql for sql in module._triggers("service_request", module.SYNCED_COLUMNS["service_request"])
                if "sync_service_request_update" in sql)


def test_open_requests_are_filled_in_and_keep_their_due_dates(desk: Desk, cast: Cast, talent: Talent,
                                                              act: Callable[[Staff], Desk], db_path: Path) -> None:
    operator = act(cast.operator)
    result = operator.calls.log(phone=TALENT_PHONE, summary="咨询人才公寓", measure=11, outcome="request",
                                dispatch_to="mudu", dispatch_staff="李专员")
    number = result.request.number
    operator.calls.log(phone=TALENT_PHONE, summary="咨询一站式服务", measure=6, outcome="request")
    due = desk.requests.get(number).due
    desk.office.close()
    # The database as the release before 0016 left it: no rule columns, the migration not applied.
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("DROP TRIGGER sync_service_request_update")  # 0020's, naming the new columns
        for column in NEW_COLUMNS:
            connection.execute(f"ALTER TABLE service_request DROP COLUMN {column}")
        connection.execute("DELETE FROM schema_migration WHERE name IN ('0016_request_rules', "
                           "'0020_request_rules_sync')")
        connection.execute(_capture_trigger_of_0003())
        connection.execute("DELETE FROM meta WHERE key = 'rules_migration'")
        connection.execute("UPDATE service_request SET due_date = '2026-03-20' WHERE number = ?", (number,))
    connection.close()

    upgraded = open_desk(db_path)
    try:
        request = upgraded.requests.get(number)
        assert request.first_dispatched_at == datetime(2026, 3, 2, 9, 0)
        trigger = upgraded.office.db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'sync_service_request_update'").fetchone()[0]
        assert "OLD.first_on_time IS NOT NEW.first_on_time" in trigger  # 0020: the rule columns are synced
        assert request.unit_dispatched_at == datetime(2026, 3, 2, 9, 0)
        assert str(request.due) == "2026-03-20" != str(due)  # the due date it was given is kept
        assert upgraded.requests.migration_notes() == [
            "升级到新的办理时限规则时有 2 件未办结工单：其中 1 件按时间线补记了首次派单时间；"
            "这 2 件保留原办理期限，新派单的工单自派单起算时限"
        ]
    finally:
        upgraded.office.close()
