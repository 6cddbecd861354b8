"""A `dongwu serve` on a free port of 127.0.0.1, and a desk session driven over its websocket as textual.js
drives it (the same JSON envelopes), for the serve tests and the load script (bench/serve_load.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dongwu(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dongwu_tui.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=120)


@contextmanager
def serving(db: Path, *extra: str, wait_s: float = 30.0) -> Iterator[str]:
    """`dongwu --db DB serve --port P ...` in the background; yields http://127.0.0.1:P and stops it."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "dongwu_tui.cli.main", "--db", str(db), "serve",
                                "--port", str(port), *extra], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                urllib.request.urlopen(url + "/static/css/xterm.css", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"dongwu serve did not start: {out}") from None
                time.sleep(0.2)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdout:
            process.stdout.close()


def screen_text(data: bytes) -> str:
    """What the desk drew, without the terminal controls (enough to look for a name or a number)."""
    return _ANSI.sub("", data.decode("utf-8", "replace"))


class Session:
    """One browser tab, as textual.js is: GET the page, open its websocket, send keys as `stdin`."""

    def __init__(self, http: aiohttp.ClientSession, url: str, width: int = 140, height: int = 40) -> None:
        self.http, self.url, self.width, self.height = http, url, width, height
        self.received = bytearray()
        self.frames: list[tuple[float, int]] = []  # (monotonic time, length of received after it)
        self.closed: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._new_data = asyncio.Event()

    async def open(self) -> None:
        async with self.http.get(self.url + "/") as response:
            page = await response.text()
            if response.status != 200:
                raise RuntimeError(f"page refused: {response.status}")
        ws_url = re.search(r'data-session-websocket-url="([^"]+)"', page).group(1).replace("&amp;", "&")
        self.ws = await self.http.ws_connect(f"{ws_url}?width={self.width}&height={self.height}",
                                             origin=self.url)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += message.data
                self.frames.append((time.monotonic(), len(self.received)))
                self._new_data.set()
        self.closed = self.ws.close_code
        self._new_data.set()

    def text(self, since: int = 0) -> str:
        return screen_text(bytes(self.received[since:]))

    async def wait_for(self, needle: str, timeout: float = 45.0, since: int = 0) -> float:
        """Seconds until `needle` is on what was drawn after byte `since`; raises on timeout."""
        start = time.monotonic()
        while needle not in self.text(since):
            remaining = timeout - (time.monotonic() - start)
            if remaining <= 0 or self.closed is not None:
                raise AssertionError(f"not drawn within {timeout}s: {needle!r}\n--- drawn:\n{self.text(since)[-3000:]}")
            self._new_data.clear()
            try:
                await asyncio.wait_for(self._new_data.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass
        return time.monotonic() - start

    async def keys(self, *keys: str, pause: float = 0.05) -> None:
        for key in keys:
            await self.ws.send_str(json.dumps(["stdin", key]))
            if pause:
                await asyncio.sleep(pause)

    async def type(self, text: str, pause: float = 0.02) -> None:
        for char in text:
            await self.keys(char, pause=pause)

    async def close(self) -> None:
        await self.ws.close()
        if self._task is not None:
            await self._task


# Terminal input as xterm.js sends it.
ENTER, ESC, TAB, DOWN, UP = "\r", "\x1b", "\t", "\x1b[B", "\x1b[A"
F2, F4, CTRL_S, ALT_N = "\x1bOQ", "\x1bOS", "\x13", "\x1bn"


FIRST_SCREEN = "姓名或拼音首字母"  # the sign-in screen's name field, the first thing every session shows


async def choose_user(session: Session, name: str, password: str | None = None) -> None:
    """Signing in: the first screen of every session. The name typed (Chinese, as an input method commits
    it) filters the list, Enter chooses, then the password and Enter."""
    from deskkit import TEST_PASSWORD

    await session.wait_for(FIRST_SCREEN)
    await session.type(name)
    await asyncio.sleep(0.5)
    await session.keys(ENTER)
    await session.wait_for("请输入密码")
    await asyncio.sleep(0.5)
    await session.type(TEST_PASSWORD if password is None else password, pause=0.01)
    await asyncio.sleep(0.5)
    await session.keys(ENTER)
