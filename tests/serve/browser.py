"""Headless Chromium driven through the DevTools protocol, with aiohttp's websocket client (no driver to
install): open tabs on the served desk, press keys as a person does, read what the desk drew, screenshot.

Only 127.0.0.1 is reachable from the browser: every other host name resolves to nothing
(--host-resolver-rules), and each tab records the URL of every request it makes."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--window-size=1200,800",
         "--remote-debugging-address=127.0.0.1"]

# Before any of the page's scripts: what the desk draws, decoded, kept for the test to read.
RECORD_DRAWN = """
window.__drawn = "";
const __Native = window.WebSocket;
const __decoder = new TextDecoder();
window.WebSocket = function (url, protocols) {
  const socket = protocols === undefined ? new __Native(url) : new __Native(url, protocols);
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string") window.__drawn += __decoder.decode(event.data, {stream: true});
  });
  return socket;
};
Object.assign(window.WebSocket, __Native);
window.WebSocket.prototype = __Native.prototype;
"""

# Keys as Chromium's Input.dispatchKeyEvent takes them: (key, code, Windows key code, modifiers).
KEYS = {"Enter": ("Enter", "Enter", 13, 0), "Tab": ("Tab", "Tab", 9, 0), "ctrl+s": ("s", "KeyS", 83, 2),
        "alt+n": ("n", "KeyN", 78, 1), "F4": ("F4", "F4", 115, 0), "Escape": ("Escape", "Escape", 27, 0)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.events: list[dict[str, Any]] = []

    async def __aenter__(self) -> Browser:
        assert CHROMIUM is not None
        self._profile = tempfile.TemporaryDirectory(prefix="dongwu-chromium-")
        port = _free_port()
        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--remote-debugging-port={port}",
                                         f"--user-data-dir={self._profile.name}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = aiohttp.ClientSession()
        deadline = time.monotonic() + 30
        while True:
            try:
                async with self.http.get(f"http://127.0.0.1:{port}/json/version") as response:
                    url = (await response.json())["webSocketDebuggerUrl"]
                break
            except (aiohttp.ClientError, OSError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("Chromium did not start") from None
                await asyncio.sleep(0.2)
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await asyncio.wait_for(self.send("Browser.close"), 5)
        except Exception:  # noqa: BLE001 - ended below either way
            pass
        await self.ws.close()
        self._reader.cancel()
        await self.http.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._profile.cleanup()

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._pending:
                future = self._pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(str(data["error"])))
                else:
                    future.set_result(data.get("result", {}))
            else:
                self.events.append(data)

    async def send(self, method: str, session: str | None = None, **params: Any) -> Any:
        number = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, 30)

    async def tab(self, url: str) -> Tab:
        target = (await self.send("Target.createTarget", url="about:blank"))["targetId"]
        session = (await self.send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        tab = Tab(self, session)
        await self.send("Network.enable", session)
        await self.send("Page.enable", session)
        await self.send("Emulation.setFocusEmulationEnabled", session, enabled=True)
        await self.send("Page.addScriptToEvaluateOnNewDocument", session, source=RECORD_DRAWN)
        await self.send("Page.navigate", session, url=url)
        return tab

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


class Tab:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    async def evaluate(self, expression: str) -> Any:
        result = await self.browser.send("Runtime.evaluate", self.session, expression=expression,
                                         returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def drawn(self) -> str:
        import re

        text = await self.evaluate("window.__drawn || ''") or ""
        return re.sub(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]", "", text)

    async def mark(self) -> int:
        return len(await self.drawn())

    async def wait_for(self, needle: str, timeout: float = 45.0, since: int = 0) -> float:
        start = time.monotonic()
        while True:
            text = await self.drawn()
            if needle in text[since:]:
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise AssertionError(f"not drawn within {timeout}s: {needle!r}\n{text[since:][-2000:]}")
            await asyncio.sleep(0.1)

    async def focus_terminal(self) -> None:
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus(), true")

    async def text(self, text: str) -> None:
        """Typed text as an input method commits it (Chinese included) or as plain keys."""
        for char in text:
            await self.browser.send("Input.insertText", self.session, text=char)
            await asyncio.sleep(0.03)

    async def press(self, name: str) -> None:
        key, code, vk, modifiers = KEYS[name]
        common = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
                  "modifiers": modifiers}
        await self.browser.send("Input.dispatchKeyEvent", self.session, type="rawKeyDown", **common)
        await self.browser.send("Input.dispatchKeyEvent", self.session, type="keyUp", **common)
        await asyncio.sleep(0.05)

    async def screenshot(self, path: Path) -> None:
        data = (await self.browser.send("Page.captureScreenshot", self.session, format="png"))["data"]
        path.write_bytes(base64.b64decode(data))
