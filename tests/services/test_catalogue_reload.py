"""`dongwu catalogue reload`: edited data files applied to an existing database, never orphaning a record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deskkit import cli_argv

from dongwu_tui.cli.main import main
from dongwu_tui.storage import catalogue


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(catalogue.data_dir(), folder)
    monkeypatch.setattr(catalogue, "data_dir", lambda: folder)
    return folder


def _run(db_path: Path, capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(cli_argv(["--db", str(db_path), *argv]))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_catalogue_follows_the_seed(desk):
    townships = desk.directory.townships
    assert townships["taihujd"].name == "太湖街道" and not townships["taihujd"].retired
    assert townships["suyuan"].retired and townships["longxi"].retired  # old records still read
    codes = {site.code for site in desk.directory.sites()}
    assert "taihujd" in codes
    names = {m.number: m.name for m in desk.directory.measures.values()}
    assert names[14] == "外国专家服务专窗"
    assert "人才政策计算机" in names[1] and "人才生活待遇兑现平台" in names[3]


def test_reload_applies_edits_and_refuses_orphans(desk, cast, talent, data_copy, db_path, capsys, dump):
    measures = data_copy / "measures.toml"
    text = measures.read_text(encoding="utf-8")
    measures.write_text(text.replace('name = "一站式集成服务"', 'name = "一站式集成服务（改）"')
                        + '\n[[unit]]\ncode = "sjj"\nname = "区市监局"\n', encoding="utf-8")
    code, out, err = _run(db_path, capsys, "catalogue", "reload", "--as", cast.admin.name)
    assert code == 0, err
    assert "服务举措新增 0、修改 1、删除 0" in out
    assert {s.code: s.name for s in desk.directory.sites()}["sjj"] == "区市监局"
    # Removing mudu from townships.toml would orphan the talent registered there: refused, nothing written.
    towns = data_copy / "townships.toml"
    towns.write_text(towns.read_text(encoding="utf-8").replace('code = "mudu"', 'code = "mudu-x"'), encoding="utf-8")
    measures.write_text(text, encoding="utf-8")
    before = dump(db_path)
    code, out, err = _run(db_path, capsys, "catalogue", "reload", "--as", cast.admin.name)
    assert code == 2 and "板块「mudu」仍有" in err and len(err.strip().splitlines()) == 1
    assert dump(db_path) == before
    # A supervisor may not reload.
    code, _, err = _run(db_path, capsys, "catalogue", "reload", "--as", cast.supervisor.name)
    assert code == 2 and "仅限系统管理员" in err
