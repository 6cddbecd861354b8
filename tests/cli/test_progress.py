"""The progress bar of the commands that can take seconds: on stderr, only on a terminal, with a total and
the time left; stdout carries exactly what it carries without one."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from deskkit import cli_argv

from dongwu_tui.cli.main import main
from dongwu_tui.cli.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _terminal(monkeypatch) -> Terminal:
    """stderr as a terminal; set inside the test, since pytest's capture sets it again when a test starts."""
    stream = Terminal()
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_the_bar_shows_a_total_and_the_time_left():
    stream = Terminal()
    with progress_bar({"import": "导入"}, stream) as report:
        assert report is not None
        for done in range(0, 401, 100):
            report("import", done, 400)
    text = stream.getvalue()
    assert "导入" in text and "/400" in text and "剩余" in text


def test_no_bar_off_a_terminal():
    stream = io.StringIO()
    with progress_bar({"import": "导入"}, stream) as report:
        assert report is None
    assert stream.getvalue() == ""


def test_demo_shows_its_steps_on_a_terminal(tmp_path: Path, capsys, monkeypatch):
    terminal = _terminal(monkeypatch)
    assert main(["--db", str(tmp_path / "demo.db"), "demo", "--talents", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已生成演示数据库") and "模拟" not in out
    text = terminal.getvalue()
    assert "/100" in text and "剩余" in text
    assert "模拟一年的来电和工单" in text or "检查数据库" in text


def test_demo_is_silent_on_stderr_off_a_terminal(tmp_path: Path, capsys):
    assert main(["--db", str(tmp_path / "demo.db"), "demo", "--talents", "10"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("已生成演示数据库")


def test_report_shows_a_bar_on_a_terminal(tmp_path: Path, capsys, monkeypatch):
    db = tmp_path / "demo.db"
    assert main(["--db", str(db), "demo", "--talents", "10"]) == 0
    stream = _terminal(monkeypatch)
    capsys.readouterr()
    assert main(["--db", str(db), "report", "--period", "2026", "-o", str(tmp_path / "r.md")]) == 0
    assert capsys.readouterr().out.startswith("已生成通报")
    text = stream.getvalue()
    assert "/2" in text and "剩余" in text


def test_sync_export_and_import_show_a_bar_on_a_terminal(tmp_path: Path, capsys, monkeypatch):
    centre, town, keys = tmp_path / "wz.db", tmp_path / "mudu.db", tmp_path / "keys"

    def run(db: Path, *args: str) -> str:
        capsys.readouterr()
        assert main(cli_argv(["--db", str(db), *args])) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    run(centre, "init", "--site", "吴中区高层次人才服务中心", "--kind", "district")
    run(town, "init", "--site", "木渎镇人才工作站", "--kind", "township", "--township", "木渎镇", "--no-encrypt")
    for db in (centre, town):
        run(db, "sync", "keys", "--as", "系统管理员", "-o", str(keys))
    run(centre, "sync", "trust", "--as", "系统管理员", str(keys / "mudu-enrol.json"))
    run(town, "sync", "trust", "--as", "系统管理员", str(keys / "trust-bundle.json"))
    run(centre, "staff", "add", "--as", "系统管理员", "--name", "王芳", "--role", "operator")
    run(centre, "talent", "add", "--as", "王芳", "--name", "张伟", "--phone", "13812345678", "--id-number",
        "11010519491231002X", "--category", "产业人才", "--township", "木渎镇", "--card", "DW000001")

    stream = _terminal(monkeypatch)
    exported = Path(run(centre, "sync", "export", "--as", "系统管理员", "--to", "mudu", "-o",
                        str(tmp_path / "out")).strip())
    assert exported.exists() and "导出记录" in stream.getvalue()
    stream.seek(0)
    stream.truncate()
    out = run(town, "sync", "import", "--as", "系统管理员", str(exported))
    assert "应用" in out
    text = stream.getvalue()
    assert f"导入 {exported.name}" in text and "剩余" in text


def test_the_bar_shows_the_rate(monkeypatch):
    import time

    clock = iter(range(0, 1000))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    stream = Terminal()
    with progress_bar({"check": "检查"}, stream) as report:
        assert report is not None
        for done in range(0, 4001, 1000):
            report("check", done, 4000)
    assert "/秒" in stream.getvalue()
