"""The personal-data commands as a clerk runs them: reveal, who saw what, erase, export, retention."""

from __future__ import annotations

import json
from pathlib import Path

from deskkit import TALENT_PHONE, Cast
from test_cli import assert_refused, cli_env, dongwu, ok  # noqa: F401 (cli_env is a fixture)

from dongwu_tui.domain.models import Talent
from dongwu_tui.services.desk import Desk

ID_NUMBER = "11010519491231002X"


def test_show_masks_beyond_need_reveal_is_recorded_and_audit_lists_the_views(
        desk: Desk, cast: Cast, talent: Talent, db_path: Path, cli_env: dict[str, str]) -> None:  # noqa: F811
    def run(*args: str):  # noqa: ANN202
        return dongwu(cli_env, db_path, *args)

    operator_view = json.loads(ok(run("talent", "show", "DW-0001", "--json", "--as", "王话务")))
    assert operator_view["phone"] == "138****8000" and operator_view["masked"] is True
    own = json.loads(ok(run("talent", "show", "DW-0001", "--json", "--as", "李专员")))
    assert own["phone"] == TALENT_PHONE and own["id_number"] == ID_NUMBER
    assert TALENT_PHONE not in ok(run("talent", "list", "--as", "王话务"))
    assert TALENT_PHONE in ok(run("talent", "list", "--as", "李专员"))
    assert_refused(run("talent", "show", "DW-0001", "--reveal", "--as", "周督办"), "原因")
    revealed = json.loads(ok(run("talent", "show", "DW-0001", "--json", "--reveal", "--reason", "核对身份",
                                 "--as", "周督办")))
    assert revealed["id_number"] == ID_NUMBER
    assert_refused(run("audit", "--talent", "DW-0001", "--as", "王话务"), "话务员")
    records = json.loads(ok(run("audit", "--talent", "DW-0001", "--json", "--as", "周督办")))
    assert [(r["who"], r["what"], r["place"], r["reason"]) for r in records] == [
        ("李专员", "numbers", "dongwu talent show --json", ""),
        ("李专员", "numbers", "dongwu talent list", ""),
        ("周督办", "reveal", "dongwu talent show", "核对身份"),
        ("周督办", "numbers", "dongwu talent show --json", ""),
    ]


def test_erase_export_and_retention_from_the_command_line(
        desk: Desk, cast: Cast, talent: Talent, db_path: Path, tmp_path: Path,
        cli_env: dict[str, str]) -> None:  # noqa: F811
    def run(*args: str):  # noqa: ANN202
        return dongwu(cli_env, db_path, *args)

    desk.acting_as(cast.operator).calls.log(phone=TALENT_PHONE, summary="咨询人才公寓", measure=11,
                                            outcome="request")
    out = tmp_path / "subject.json"
    assert "已导出" in ok(run("talent", "export", "DW-0001", "-o", str(out), "--as", "周督办"))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["talent"]["id_number"] == ID_NUMBER and len(exported["calls"]) == 1
    assert_refused(run("talent", "export", "DW-0001", "--as", "王话务"), "话务员")

    plan = json.loads(ok(run("retention", "--dry-run", "--json")))
    assert (plan["requests"], plan["calls"], plan["dry_run"]) == (0, 0, True)
    assert "保存期限" in ok(run("retention", "--dry-run"))

    assert_refused(run("talent", "erase", "DW-0001", "--reason", "本人申请", "--as", "王话务"), "话务员")
    assert_refused(run("talent", "erase", "DW-0001", "--reason", " ", "--as", "周督办"), "原因")
    assert "已删除" in ok(run("talent", "erase", "DW-0001", "--reason", "本人申请", "--as", "周督办"))
    assert_refused(run("talent", "show", "DW-0001", "--as", "周督办"), "DW-0001")
    assert_refused(run("talent", "erase", "DW-0001", "--reason", "本人申请", "--as", "周督办"), "DW-0001")
    records = json.loads(ok(run("audit", "--talent", talent.id, "--json", "--as", "周督办")))
    assert {r["subject"] for r in records} == {"已删除"} and records[-1]["what"] == "erase"
    listed = ok(run("call", "list", "--as", "周督办"))
    assert TALENT_PHONE[-4:] not in listed and "咨询人才公寓" not in listed


def test_a_report_export_is_recorded(desk: Desk, cast: Cast, talent: Talent, db_path: Path, tmp_path: Path,
                                     cli_env: dict[str, str]) -> None:  # noqa: F811
    out = tmp_path / "通报.md"
    ok(dongwu(cli_env, db_path, "report", "--period", "2026-11", "-o", str(out), "--as", "周督办"))
    records = json.loads(ok(dongwu(cli_env, db_path, "audit", "--exports", "--json", "--as", "周督办")))
    assert [(r["who"], r["what"], r["place"]) for r in records] == [("周督办", "export", "通报 通报.md")]
