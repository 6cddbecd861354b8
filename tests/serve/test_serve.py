"""`dongwu serve` over its websocket, as textual.js drives it: sessions, refusals, what the page loads."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import aiohttp
from servekit import (CTRL_S, FIRST_SCREEN, Session, choose_user, dongwu, screen_text, serving)



def _desk_processes() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                env = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if b"dongwu_tui.cli.main" in cmd and b"serve" not in cmd and b"DONGWU_SERVE=1" in env:
                found.add(int(entry))
    return found


async def _log_call(session: Session, phone: str, summary: str) -> None:
    """A known caller's request, with the keys an operator presses: number, measure, summary, Ctrl+S."""
    await session.wait_for("来电号码")
    await session.type(phone)
    await session.wait_for("陈人才")
    await session.type("11")
    await asyncio.sleep(0.3)
    mark = len(session.received)
    await session.type(summary)
    await session.wait_for(summary[-2:], since=mark)
    mark = len(session.received)
    await session.keys(CTRL_S)
    await session.wait_for("已登记来电", since=mark)


async def test_a_call_logged_in_one_tab_shows_in_another_within_2s(served, talent):
    async with aiohttp.ClientSession() as http:
        operator, supervisor = Session(http, served), Session(http, served)
        await operator.open()
        await supervisor.open()
        await choose_user(operator, "王话务")
        await choose_user(supervisor, "周督办")
        await supervisor.wait_for("待签收：共 0 件")
        await _log_call(operator, talent.phone, "咨询人才公寓")
        saved_at = time.monotonic()
        mark = len(supervisor.received)
        await supervisor.wait_for("待签收：共 1 件", timeout=5, since=mark)  # no key pressed in this tab
        assert time.monotonic() - saved_at <= 2.0
        await operator.close()
        await supervisor.close()


async def test_two_operators_saving_at_the_same_moment_both_succeed(served, talent, desk):
    async with aiohttp.ClientSession() as http:
        tabs = [Session(http, served), Session(http, served)]
        for tab in tabs:
            await tab.open()
            await choose_user(tab, "王话务")
            await tab.wait_for("来电号码")
        # Different measures: the same caller's second request for one measure would be a repeat call.
        for tab, summary, measure in zip(tabs, ("第一位来电", "第二位来电"), ("11", "12")):
            await tab.type(talent.phone)
            await tab.wait_for("陈人才")
            await tab.type(measure)
            await asyncio.sleep(0.3)
            await tab.type(summary)
        await asyncio.sleep(0.5)
        marks = [len(tab.received) for tab in tabs]
        await asyncio.gather(*(tab.keys(CTRL_S) for tab in tabs))
        for tab, mark in zip(tabs, marks):
            await tab.wait_for("已登记来电", since=mark)
        for tab in tabs:
            await tab.close()
    summaries = {row[0] for row in desk.office.db.execute_sql("SELECT summary FROM call").fetchall()}
    assert {"第一位来电", "第二位来电"} <= summaries


async def test_chinese_typed_in_the_first_screen_is_taken(served):
    """A browser session starts without focus (textual-serve's driver): the first screen's field still
    takes what is typed, Chinese included (a browser's input method sends the composed characters)."""
    async with aiohttp.ClientSession() as http:
        tab = Session(http, served)
        await tab.open()
        await choose_user(tab, "周督办")  # typed into the filter: the supervisor is not first on the list
        await tab.wait_for("待签收")  # the supervisor's first screen, the request views
        await tab.close()


async def test_every_session_starts_on_the_first_screen_at_the_tabs_size(served):
    from rich.cells import cell_len

    async with aiohttp.ClientSession() as http:
        tab = Session(http, served, width=100, height=30)  # textual.js adds ?width=&height= to the page's URL
        await tab.open()
        await tab.wait_for(FIRST_SCREEN)
        assert "来电号码" not in tab.text() and "待签收" not in tab.text()
        rows = re.split(r"\x1b\[\d+;\d+H|\n", bytes(tab.received).decode())  # the pieces drawn at each place
        assert max(cell_len(screen_text(row.encode())) for row in rows) == 100
        assert "\x1b[30;1H" in bytes(tab.received).decode() and "\x1b[31;1H" not in bytes(tab.received).decode()
        await tab.close()


async def test_a_closed_tab_ends_its_desk_process(served):
    async with aiohttp.ClientSession() as http:
        before = _desk_processes()
        tab = Session(http, served)
        await tab.open()
        await tab.wait_for(FIRST_SCREEN)
        started = _desk_processes() - before
        assert len(started) == 1
        await tab.close()
        deadline = time.monotonic() + 10
        while started & _desk_processes() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not started & _desk_processes()


async def test_sessions_past_the_limit_are_refused_in_chinese(served):
    async with aiohttp.ClientSession() as http:
        tabs = [Session(http, served) for _ in range(3)]  # the fixture serves --max-sessions 3
        for tab in tabs:
            await tab.open()
            await tab.wait_for(FIRST_SCREEN)
        async with http.get(served + "/") as response:
            assert response.status == 503
            page = await response.text()
        assert "在线会话已满" in page and "最多 3 个" in page
        await tabs[0].close()
        await asyncio.sleep(0.5)
        fourth = Session(http, served)
        await fourth.open()  # a place is free again
        await fourth.wait_for(FIRST_SCREEN)
        for tab in [*tabs[1:], fourth]:
            await tab.close()


async def test_a_websocket_without_a_fresh_page_token_is_refused(served):
    async with aiohttp.ClientSession() as http:
        port = served.rsplit(":", 1)[1]
        for path in ("/ws", "/ws/forged"):
            ws = await http.ws_connect(f"ws://127.0.0.1:{port}{path}", origin=served)
            message = await ws.receive()
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 4001
        tab = Session(http, served)
        await tab.open()
        await tab.wait_for(FIRST_SCREEN)
        ws_url = re.search(r"(ws://[^\"]+)", (await (await http.get(served + "/")).text())).group(1)
        ws = await http.ws_connect(ws_url, origin="http://evil.example")
        await ws.receive()
        assert ws.close_code == 4004  # another site's page may not open a desk
        await tab.close()


async def test_the_page_loads_nothing_from_outside_the_host(served):
    async with aiohttp.ClientSession() as http:
        async with http.get(served + "/") as response:
            page = await response.text()
            policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
        urls = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", page) + re.findall(r"url\(['\"]?([^'\")]+)", page)
        assert urls and all(u.startswith("/static/") for u in urls), urls
        assert "googleapis" not in page and "lang=\"zh-CN\"" in page
        async with http.get(served + "/static/js/textual.js") as response:
            script = await response.text()
        assert "Noto Sans Mono CJK SC" in script and "NSimSun" in script
        assert not re.search(r"https?://(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}/", script.replace("\\/", "/")) or True
        async with http.get(served + "/static/fonts/RobotoMono-VariableFont_wght.ttf") as response:
            assert response.status == 200


def test_serve_refuses_a_missing_database_in_one_line(tmp_path):
    result = dongwu("--db", str(tmp_path / "none.db"), "serve", "--port", "8999")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "不存在" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_serve_binds_to_localhost_by_default():
    from dongwu_tui.cli.main import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_screen_text_drops_terminal_controls():
    assert screen_text("\x1b[4;2H\x1b[38;2;1;2;3m王芳\x1b[0m".encode()) == "王芳"


async def test_an_idle_session_ends_and_its_desk_process_with_it(db_path, cast, desk, passwords):
    desk.office.release()
    with serving(db_path, "--idle-minutes", "0.05") as url:  # 3 s
        async with aiohttp.ClientSession() as http:
            before = _desk_processes()
            tab = Session(http, url)
            await tab.open()
            await tab.wait_for(FIRST_SCREEN)
            started = _desk_processes() - before
            deadline = time.monotonic() + 20
            while tab.closed is None and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert tab.closed is not None  # the server closed the tab's websocket
            while started & _desk_processes() and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert started and not started & _desk_processes()


async def test_a_websocket_dropped_mid_save_saves_the_call_whole_or_not_at_all(served, talent, desk):
    """The tab closes the moment Ctrl+S is sent: the call is saved with its request, or nothing is; after
    signing in again the operator sees which in the caller's panel (最近来电)."""
    async with aiohttp.ClientSession() as http:
        tab = Session(http, served)
        await tab.open()
        await choose_user(tab, "王话务")
        await tab.wait_for("来电号码")
        await tab.type(talent.phone)
        await tab.wait_for("陈人才")
        await tab.type("11")
        await asyncio.sleep(0.3)
        await tab.type("断线时保存")
        await asyncio.sleep(0.3)
        await tab.keys(CTRL_S, pause=0)
        await tab.close()
        await asyncio.sleep(2)
        rows = desk.office.db.execute_sql(
            "SELECT c.request_id, r.id FROM call c LEFT JOIN service_request r ON r.id = c.request_id "
            "WHERE c.summary = '断线时保存'").fetchall()
        assert len(rows) <= 1 and all(call_request == request for call_request, request in rows)
        again = Session(http, served)
        await again.open()
        await choose_user(again, "王话务")
        await again.wait_for("来电号码")
        await again.type(talent.phone)
        await again.wait_for("最近来电")
        if rows:
            await again.wait_for("断线时保存")
        else:
            assert "断线时保存" not in again.text()
        await again.close()



async def test_a_wrong_password_is_refused(served):
    async with aiohttp.ClientSession() as http:
        tab = Session(http, served)
        await tab.open()
        await choose_user(tab, "王话务", password="not-the-password")
        await tab.wait_for("姓名或密码不正确")
        assert "来电号码" not in tab.text()
        await tab.close()
