"""Display names are written once: statuses in domain/models.py STATUS_RULES, moves in domain/lifecycle.py
MOVE_RULES, stored fields in domain/labels.py; everything else reads them from there."""

from __future__ import annotations

import ast
from pathlib import Path

import dongwu_tui
from dongwu_tui.domain import labels
from dongwu_tui.domain.lifecycle import MOVE_RULES
from dongwu_tui.domain.models import STATUS_RULES

PACKAGE = Path(dongwu_tui.__file__).parent
HOMES = {PACKAGE / "domain" / "models.py", PACKAGE / "domain" / "lifecycle.py"}
# Field names that are the same words as a move: the field records that move.
FIELD_NAMES = {(PACKAGE / "domain" / "labels.py", "直接办结")}


def test_status_and_move_names_are_written_only_in_their_tables() -> None:
    names = {rule.label for rule in STATUS_RULES.values()} | {rule.label for rule in MOVE_RULES.values()}
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in HOMES or "migrations" in path.parts:  # the frozen migrations keep their own words
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names and (path, node.value) not in FIELD_NAMES:
                elsewhere.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value}")
    assert elsewhere == []


def test_field_names_come_from_one_table() -> None:
    from dongwu_tui.domain import validation
    from dongwu_tui.sync import conflicts

    assert validation.FIELD_LABELS is labels.FIELD_LABELS
    assert validation.MODEL_FIELD_LABELS["EnterpriseInput"] is labels.RECORD_FIELD_LABELS["enterprise"]
    assert conflicts.field_label("name", "enterprise") == "企业名称"
    assert conflicts.field_label("phone") == labels.FIELD_LABELS["phone"]
    assert conflicts.field_label("due_date") == labels.DESK_FIELD_LABELS["due_date"]
    assert conflicts.field_label("no_such_column") == "no_such_column"


def test_lists_of_statuses_are_derived_from_the_status_table() -> None:
    """No hand-written tuple or list of status values: open, closed, working and the views' statuses come from
    STATUS_RULES. The frozen migrations, and storage/facts.py (the report facts' SQL, checked against the
    domain lists by tests/reports/test_facts.py), keep their own."""
    values = {status.value for status in STATUS_RULES}
    own = {PACKAGE / "domain" / "models.py", PACKAGE / "storage" / "facts.py"}
    written = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in own or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) > 1 and all(
                    isinstance(e, ast.Constant) and e.value in values for e in node.elts):
                written.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert written == []
