"""The command line's help speaks Chinese: every option explained, every fixed value given its meaning."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from dongwu_tui.cli.main import MOVES, build_parser
from dongwu_tui.domain.lifecycle import MOVE_RULES, Move
from dongwu_tui.domain.models import Status
from dongwu_tui.domain.roles import Role

CJK = re.compile(r"[\u4e00-\u9fff]")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                            argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


ALL = list(commands(build_parser()))


def test_every_command_and_option_has_a_chinese_help_text() -> None:
    missing = []
    for path, parser in ALL:
        assert parser.description and CJK.search(parser.description), path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
                continue
            if not (action.help and CJK.search(action.help)):
                missing.append((" ".join(path), action.option_strings or action.dest))
    assert missing == []


def test_fixed_values_are_listed_with_their_meaning() -> None:
    for path, parser in ALL:
        for action in parser._actions:
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                for value in action.choices:
                    assert re.search(rf"{re.escape(str(value))} [\u4e00-\u9fff]", action.help or ""), (path, value)


def test_request_moves_are_named_in_chinese_and_only_some_ask_for_a_reason() -> None:
    help_of = {path: parser for path, parser in ALL}
    for move in MOVES:
        rule = MOVE_RULES[Move(move)]
        parser = help_of[("request", move)]
        assert parser.description == f"工单操作：{rule.label}"
        (reason,) = [a for a in parser._actions if "--reason" in a.option_strings]
        assert ("必填" in reason.help) == rule.needs_reason, (move, reason.help)
    sign = [a for a in help_of[("request", "sign")]._actions if "--reason" in a.option_strings][0]
    assert "原因" not in sign.help


@pytest.mark.parametrize(("args", "field", "value"), [
    (["staff", "list", "--role", "督办负责人"], "role", Role.SUPERVISOR.value),
    (["request", "list", "--status", "办理中"], "status", Status.IN_PROGRESS.value),
    (["request", "list", "--status", "in_progress"], "status", Status.IN_PROGRESS.value),
])
def test_a_fixed_value_may_be_given_by_its_chinese_name(args: list[str], field: str, value: str) -> None:
    assert getattr(build_parser().parse_args(args), field) == value


def test_the_request_and_talent_arguments_are_named_in_chinese() -> None:
    help_of = {path: parser for path, parser in ALL}
    for path, name in [(("request", "sign"), "工单"), (("request", "show"), "工单"), (("talent", "show"), "人才"),
                       (("talent", "edit"), "人才")]:
        usage = help_of[path].format_usage()
        assert usage.rstrip().endswith(name) and " ref" not in usage, usage
