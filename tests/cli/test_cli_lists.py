"""List commands never hide records silently: a list cut at --limit says how many there are in all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import cli_env, dongwu  # noqa: F401 - cli_env is a fixture
from test_cli_errors import small_db  # noqa: F401 - a fixture: 40 talents, calls and requests, 3 staff


@pytest.mark.parametrize(("args", "shown", "total"), [
    (["talent", "list", "--limit", "10"], 10, 40),
    (["talent", "list", "--township", "mudu", "--limit", "7"], 7, 40),
    (["call", "list", "--limit", "5"], 5, 40),
    (["call", "list", "--phone", "13900000003", "--limit", "0"], 1, None),
    (["request", "list", "--limit", "5"], 5, 40),
    (["request", "list", "--status", "new"], 40, None),
    (["staff", "list", "--limit", "1"], 1, 3),
    (["site", "list", "--limit", "2"], 2, 32),
    (["talent", "list", "--limit", "40"], 40, None),
    (["talent", "list"], 40, None),
])
def test_a_cut_list_says_how_many_there_are(small_db: Path, cli_env: dict[str, str],  # noqa: F811
                                            args: list[str], shown: int, total: int | None) -> None:
    for json_flag in ([], ["--json"]):
        result = dongwu(cli_env, small_db, *args, *json_flag)
        assert result.returncode == 0, result.stderr
        if json_flag:
            assert len(json.loads(result.stdout)) == shown  # the array itself is unchanged for scripts
        else:
            assert len(result.stdout.splitlines()) == shown + 2  # heading and rule
        if total is None:
            assert result.stderr == ""
        else:
            assert result.stderr == f"显示 {shown} 条，共 {total} 条；用 --limit 0 显示全部。\n"
