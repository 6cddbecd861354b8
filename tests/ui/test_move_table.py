"""The move table (domain/lifecycle.py MOVE_RULES) is the only place a move is declared: a move added to it
shows on the request page's key line with its key, gets its dialog from its declared inputs, and becomes a
`dongwu request` subcommand with its options and help, with nothing else changed."""

from __future__ import annotations

import argparse

import pytest
from deskkit import cli_argv
from textual.widgets import Input

from dongwu_tui.domain import lifecycle
from dongwu_tui.domain.lifecycle import MOVE_RULES, MoveInput, MoveRule, Queue
from dongwu_tui.domain.models import Status
from dongwu_tui.domain.roles import Role
from dongwu_tui.ui.keybar import KeyBar
from dongwu_tui.ui.screens.dialogs import MoveDialog
from dongwu_tui.ui.screens.request import RequestScreen

SIZE = (160, 40)

REMIND = MoveRule("提醒", frozenset({Status.DISPATCHED, Status.IN_PROGRESS}), frozenset({Role.SUPERVISOR}), True,
                  "提醒内容", key="z", inputs=(MoveInput.DAYS,))


@pytest.fixture
def remind(monkeypatch):
    """A made-up move, 提醒 on `z`, asking for a note and a number of days."""
    monkeypatch.setitem(MOVE_RULES, "remind", REMIND)
    return "remind"


def test_every_move_has_its_own_key_and_what_it_asks_is_declared() -> None:
    keys = [rule.key for rule in MOVE_RULES.values()]
    assert all(len(key) == 1 for key in keys) and len(set(keys)) == len(keys)
    assert not set(keys) & {"n", "p", "N", "P"}  # the request page's next / previous
    assert lifecycle.queue_moves(Queue.OVERDUE) == ("dispatch", "chase", "supervise")
    assert lifecycle.queue_moves(Queue.EXTENSIONS) == ("approve-extension", "refuse-extension")
    assert lifecycle.queue_moves(Queue.RETURNED) == ("reassign", "reject-return")


async def test_a_move_added_to_the_table_is_on_the_page_in_its_dialog_and_on_the_command_line(
        remind, make_app, cast, desk, open_request, settle, tmp_path, monkeypatch, capsys):
    request = open_request()
    app = make_app(cast.supervisor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(RequestScreen(request.id))
        await settle(app, pilot)
        keys, _palette = app.screen.query_one(KeyBar)._keys()
        assert ("z", "z", "提醒", True) in keys
        assert "z 提醒" in str(app.screen.query_one("#request-moves").render())
        await pilot.press("z")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, MoveDialog)
        assert dialog.query_one("#days", Input) and dialog.query_one("#reason", Input)
        assert "提醒内容（必填）" in str(dialog.query_one("#reason-label").render())
        dialog.query_one("#days", Input).value = "3"
        dialog.query_one("#reason", Input).value = "请尽快联系人才"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RequestScreen)
    moved = desk.requests.get(request.id)
    assert moved.status is Status.DISPATCHED
    assert moved.events[-1].action == "remind" and moved.events[-1].reason == "请尽快联系人才"
    assert lifecycle.event_label("remind") == "提醒"

    from dongwu_tui.cli.main import MOVES, build_parser, main

    assert "remind" in MOVES
    request_parser = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    request_parser = request_parser.choices["request"]
    moves = next(a for a in request_parser._actions if isinstance(a, argparse._SubParsersAction))
    remind_parser = moves.choices["remind"]
    assert remind_parser.description == "工单操作：提醒"
    options = {o: a for a in remind_parser._actions for o in a.option_strings}
    assert "必填" in options["--reason"].help and "提醒内容" in options["--reason"].help
    assert options["--days"].required and "--to" not in options and "--into" not in options
    remind_parser.print_help()
    assert "--days" in capsys.readouterr().out

    for name in ("HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name))
    desk.office.close()
    assert main(cli_argv(["--db", str(desk.office.path), "--as", cast.supervisor.name, "request", "remind",
                          request.number, "--reason", "再次提醒", "--days", "2"])) == 0
    assert "提醒完成" in capsys.readouterr().out


def test_a_move_has_the_same_key_and_binding_id_on_every_screen() -> None:
    from dongwu_tui.ui.screens.dashboard import RequestListScreen

    def moves_of(screen: type) -> dict[str, str]:
        bindings = [b for group in screen._merged_bindings.key_to_bindings.values() for b in group]
        return {b.action: f"{b.key} {b.id}" for b in bindings if b.action.startswith("move(")}

    page, queues = moves_of(RequestScreen), moves_of(RequestListScreen)
    assert set(queues) == {"move('dispatch')", "move('chase')", "move('supervise')", "move('approve-extension')",
                           "move('refuse-extension')", "move('reassign')", "move('reject-return')"}
    assert {action: page[action] for action in queues} == queues
    assert queues["move('supervise')"] == "u request.supervise"


def test_one_keymap_line_names_a_move_on_every_screen() -> None:
    from dongwu_tui.ui.app import DeskApp
    from dongwu_tui.ui.config import desk_keymap_warnings

    assert desk_keymap_warnings({"request.supervise": "ctrl+u"}, DeskApp) == []
    (warning,) = desk_keymap_warnings({"dashboard.list.supervise": "ctrl+u"}, DeskApp)
    assert "dashboard.list.supervise" in warning and "不存在" in warning
