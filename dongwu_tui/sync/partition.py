"""The partition rule for records changed by a merge: the same rule as the capture triggers'."""

from __future__ import annotations

import re
from typing import Any

from dongwu_tui.storage import capture
from dongwu_tui.storage.database import OfficeDatabase

_NEW_COLUMN = re.compile(r"NEW\.(\w+)")


def partition_of(office: OfficeDatabase, table: str, values: dict[str, Any]) -> str:
    """The capture triggers' partition rule (storage/capture.py), for records changed by a merge: the
    trigger's own expression, with the merged values in place of the row's `NEW.<column>`."""
    expression = capture.PARTITION[table]
    sql = "SELECT " + _NEW_COLUMN.sub(r":\1", expression)
    return str(office.db.execute_sql(sql, {name: values.get(name) for name in _NEW_COLUMN.findall(expression)})
               .fetchone()[0])

