"""End to end in a real terminal: the real program in tmux, a Chinese summary typed with send-keys -l."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deskkit import TEST_PASSWORD

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def _tmux(socket: str, *args: str) -> str:
    return subprocess.run([TMUX, "-L", socket, *args], capture_output=True, text=True, check=True).stdout


def _wait_for(socket: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket, "capture-pane", "-p", "-t", "desk")
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"「{text}」 did not appear on screen:\n{screen}")


def test_log_a_call_in_a_real_terminal(desk, cast, talent, db_path: Path, tmp_path: Path, signed_in):
    signed_in(cast.operator)
    desk.office.close()
    socket = f"dongwu-test-{tmp_path.name}"
    dongwu = Path(sys.executable).with_name("dongwu")
    command = f"env XDG_CONFIG_HOME={tmp_path / 'config'} {dongwu} --db {db_path} --as {cast.operator.name}"
    _tmux(socket, "new-session", "-d", "-s", "desk", "-x", "140", "-y", "40", command)
    try:
        _wait_for(socket, "请输入密码")  # --as fills in the name; the password is typed
        _tmux(socket, "send-keys", "-t", "desk", "-l", TEST_PASSWORD)
        _tmux(socket, "send-keys", "-t", "desk", "Enter")
        _wait_for(socket, "来电号码")
        _tmux(socket, "send-keys", "-t", "desk", "-l", talent.phone)
        _wait_for(socket, "陈人才")
        _tmux(socket, "send-keys", "-t", "desk", "-l", "11")
        _wait_for(socket, "已选：11")
        _tmux(socket, "send-keys", "-t", "desk", "-l", "咨询人才公寓入住时间")
        _wait_for(socket, "咨询人才公寓入住时间")
        _tmux(socket, "send-keys", "-t", "desk", "C-s")
        screen = _wait_for(socket, "已登记来电")
        assert "Traceback" not in screen
        _tmux(socket, "send-keys", "-t", "desk", "C-q")
        time.sleep(0.5)
    finally:
        subprocess.run([TMUX, "-L", socket, "kill-server"], capture_output=True)
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT phone, summary, measure_number, outcome FROM call").fetchall()
    assert rows == [(talent.phone, "咨询人才公寓入住时间", 11, "request")]
