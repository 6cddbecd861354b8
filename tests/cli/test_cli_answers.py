"""`dongwu answer`, `dongwu call missed` and `dongwu callback` as a script uses them."""

from __future__ import annotations

from pathlib import Path

from deskkit import DISTRICT_NAME
from test_cli import as_json, assert_refused, cli_env, dongwu, iterdump, ok  # noqa: F401 (fixture)


def test_answers_and_callbacks_through_the_command_line(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "office.db"
    run = lambda *args: dongwu(cli_env, db, *args)  # noqa: E731
    ok(run("init", "--site", DISTRICT_NAME, "--kind", "district"))
    for name, role in (("王话务", "operator"), ("周督办", "supervisor")):
        ok(run("staff", "add", "--as", "系统管理员", "--name", name, "--role", role))

    assert_refused(run("answer", "add", "--as", "王话务", "--measure", "11", "--title", "人才公寓", "--body", "可以申请"),
                   "督办")
    added = as_json(run("answer", "add", "--as", "周督办", "--measure", "11", "--title", "人才公寓申请条件",
                        "--body", "持卡即可申请。", "--keywords", "公寓,住房", "--policy-doc", "吴人才〔2026〕3号",
                        "--valid-to", "2099-12-31", "--json"))
    assert isinstance(added, dict) and added["approved"] is False and added["version"] == 1
    ref = added["ref"]
    assert "已审核标准答复" in ok(run("answer", "approve", "--as", "周督办", ref))
    listed = as_json(run("answer", "list", "--measure", "11", "--json"))
    assert isinstance(listed, list) and [a["ref"] for a in listed] == [ref] and listed[0]["offered_today"]
    assert "持卡即可申请" in ok(run("answer", "show", ref))

    before = iterdump(db)
    assert_refused(run("call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "问公寓",
                       "--measure", "12", "--outcome", "answered", "--resolution", "答复", "--answer", ref), "举措")
    assert_refused(run("answer", "show", "ffffffff"), "标准答复")
    assert iterdump(db) == before

    missed = as_json(run("call", "missed", "--as", "王话务", "--phone", "13800138000", "--json"))
    assert isinstance(missed, dict) and missed["kind"] == "missed"
    ok(run("callback", "promise", "--as", "王话务", "--phone", "13900001111", "--due", "2099-01-01 10:00",
           "--note", "回复进度"))
    queue = as_json(run("callback", "list", "--as", "王话务", "--json"))
    assert isinstance(queue, list) and [item["kind"] for item in queue] == ["missed", "promised"]
    ok(run("call", "log", "--as", "王话务", "--phone", "13800138000", "--summary", "问公寓", "--measure", "11",
           "--outcome", "answered", "--resolution", "持卡即可申请。", "--answer", ref))
    queue = as_json(run("callback", "list", "--as", "王话务", "--json"))
    assert isinstance(queue, list) and [item["kind"] for item in queue] == ["promised"]
    figures = as_json(run("answer", "figures", "--json"))
    assert isinstance(figures, dict) and figures["by_answer"][0]["answered"] == 1
    rate = as_json(run("callback", "figures", "--json"))
    assert isinstance(rate, dict) and (rate["answered_calls"], rate["missed_calls"]) == (1, 1)
    assert "接通率：50.0%" in ok(run("callback", "figures"))
