"""Export a delta or full file for one office, and import files: verify everything, then one transaction.

The stages live in their own modules, in the order a file goes through them:
- `export`: what an office has not acknowledged, sealed into one file (sync/export.py);
- `check`: a file opened and verified completely before anything is applied (sync/check.py);
- `apply`: the merge of a checked file in one transaction (sync/apply.py), with the merge rules as a
  parameter (`merge.MergeRules`);
- `tuning`: what makes a large import fast in SQLite (sync/tuning.py);
- `partition`: the partition rule for records changed by a merge (sync/partition.py).
This module names the entry points the desk and the tests call.
"""

from __future__ import annotations

from dongwu_tui.sync.apply import ImportResult, import_file
from dongwu_tui.sync.check import FUTURE_TOLERANCE, Preview, preview, sync_log
from dongwu_tui.sync.export import ExportResult, export_file
from dongwu_tui.sync.layout import TABLES, Progress, columns
from dongwu_tui.sync.partition import partition_of
from dongwu_tui.sync.tuning import REINDEX_MIN_NEW_ROWS

__all__ = ["FUTURE_TOLERANCE", "REINDEX_MIN_NEW_ROWS", "TABLES", "ExportResult", "ImportResult", "Preview",
           "Progress", "columns", "export_file", "import_file", "partition_of", "preview", "sync_log"]
