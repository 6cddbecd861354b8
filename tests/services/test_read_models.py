"""The screens' read models are typed structs built by storage/queries.py, read by attribute; the SQL
behind them lives in storage/, not in the services, screens or commands."""

from __future__ import annotations

import ast
from pathlib import Path

from deskkit import TALENT_PHONE

from dongwu_tui.domain.lifecycle import Move
from dongwu_tui.domain.models import CallOutcome, IdKind, Status
from dongwu_tui.storage.queries import CallerCard, RequestPage, RequestPageEvent, TalentProfile

PACKAGE = Path(__file__).resolve().parents[2] / "dongwu_tui"
HOUSING = 11


def test_the_caller_card_is_typed(desk, act, cast, talent) -> None:
    logged = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询人才公寓申请条件", measure=HOUSING,
                                          outcome="request")
    assert logged.request is not None
    card = act(cast.operator).views.caller_card(TALENT_PHONE)
    assert isinstance(card, CallerCard)
    assert card.talent.id == talent.id and card.township_name == "木渎镇" and card.category_name
    assert [(c.summary, c.outcome, c.measure) for c in card.calls] == [
        ("咨询人才公寓申请条件", CallOutcome.REQUEST, HOUSING)]
    assert [(r.number, r.status, r.measure) for r in card.open_requests] == [
        (logged.request.number, Status.NEW, HOUSING)]
    assert desk.views.caller_card("13900000000") is None and desk.views.caller_card("12") is None


def test_the_talent_profile_is_typed_and_masked_for_a_supervisor(act, cast, talent) -> None:
    shown = act(cast.specialist).views.talent_profile(talent.id)  # their own caseload: in full
    assert isinstance(shown, TalentProfile)
    assert (shown.name, shown.phone, shown.id_kind, shown.id_number) == (
        "陈人才", TALENT_PHONE, IdKind.RESIDENT, "11010519491231002X")
    assert (shown.township, shown.specialist, shown.card_no, shown.notes) == ("木渎镇", "李专员", "DW-0001", "—")
    masked = act(cast.supervisor).views.talent_profile(talent.id)
    assert masked.phone != TALENT_PHONE and masked.id_number != talent.id_number


def test_the_request_page_is_typed(act, cast, talent) -> None:
    logged = act(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询人才公寓申请条件", measure=HOUSING,
                                          outcome="request")
    assert logged.request is not None
    page = act(cast.supervisor).views.request_page(logged.request.number)
    assert isinstance(page, RequestPage)
    assert page.request.id == logged.request.id and page.talent_name == "陈人才"
    assert page.merged_into is None and page.days_left is not None and page.days_left >= 0
    assert Move.DISPATCH in page.moves
    assert page.events and all(isinstance(e, RequestPageEvent) for e in page.events)
    assert page.events[0].who == "王话务" and page.events[0].to == Status.NEW.label


# The demo builder checks the file it builds through its own sqlite3 connection (PRAGMAs, its mark).
# The duplicate finder and talent merge (services/duplicates.py) and the roster import
# (services/roster.py), the standard answers (services/answers.py) and the callback queue
# (services/callbacks.py) still read by their own SQL: those reads belong in storage/ too, and this set
# shrinks as they move.
RAW_SQL_ALLOWED = {"services/demo.py", "services/duplicates.py", "services/roster.py", "services/answers.py",
                   "services/callbacks.py"}
SQL_STARTS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "PRAGMA ")
# Conditions over the desk's tables, as the lists' SQL writes them (`r` requests, `t` talents).
SQL_FRAGMENTS = ("(SELECT ", "r.status ", "r.deleted ", "t.deleted ", "t.township_code ", "r.assignee_id ")


def test_services_screens_and_commands_hold_no_raw_sql() -> None:
    found: dict[str, list[str]] = {}
    for layer in ("services", "ui", "cli"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            relative = path.relative_to(PACKAGE).as_posix()
            if relative in RAW_SQL_ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "execute_sql":
                    found.setdefault(relative, []).append(f"line {node.lineno}: execute_sql")
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and node.value.lstrip("( ").upper().startswith(SQL_STARTS):
                    found.setdefault(relative, []).append(f"line {node.lineno}: {node.value[:40]!r}")
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and any(fragment in node.value for fragment in SQL_FRAGMENTS):
                    found.setdefault(relative, []).append(f"line {node.lineno}: {node.value[:40]!r}")
    assert found == {}
