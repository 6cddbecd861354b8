"""What every sync stage shares: the exchanged tables in the order files carry them, and their columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dongwu_tui.storage.database import OfficeDatabase

# Referenced records first, so that partitions of calls and events can be looked up as they arrive.
# The audit log last: its partition is the partition of the record it is about.
TABLES = ["site", "staff", "enterprise", "talent", "service_request", "call", "request_event", "standard_answer",
          "answer_use", "callback", "audit_log"]
# A stage's progress: (stage, done, total); total 0 when it is not known in advance.
Progress = Callable[[str, int, int], None]


def columns(office: OfficeDatabase, table: str) -> list[str]:
    return [row[1] for row in office.db.execute_sql(f'PRAGMA table_info("{table}")') if row[1] != "id"]


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
