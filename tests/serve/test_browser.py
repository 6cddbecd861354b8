"""The served desk in a real browser (headless Chromium, tests/serve/browser.py): sign in, log a known
caller's call with the keys a person presses, see it in a second tab's request views. The browser reaches
127.0.0.1 only, and the test checks that the pages asked for nothing anywhere else."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from browser import CHROMIUM, Browser, Tab
from deskkit import TEST_PASSWORD
from servekit import FIRST_SCREEN

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def sign_in(tab: Tab, name: str, password: str = TEST_PASSWORD) -> None:
    """The desk's first screen, in the browser: the name typed (through the input method, as Chinese is
    typed) filters the list, Enter chooses, then the password and Enter."""
    await tab.wait_for(FIRST_SCREEN)
    await tab.focus_terminal()
    await tab.text(name)
    await tab.wait_for(name, since=0)
    await asyncio.sleep(0.5)
    await tab.press("Enter")
    await tab.wait_for("请输入密码")
    await asyncio.sleep(0.5)
    await tab.text(password)
    await asyncio.sleep(0.5)
    await tab.press("Enter")


async def test_a_call_logged_in_the_browser_shows_in_another_tab(served, talent, desk):
    port = served.rsplit(":", 1)[1]
    async with Browser() as browser:
        operator = await browser.tab(served + "/")
        await operator.wait_for(FIRST_SCREEN)
        if os.environ.get("DONGWU_SCREENSHOTS"):
            await operator.screenshot(DOCS / "serve-signin.png")
        wrong = await browser.tab(served + "/")
        await sign_in(wrong, "王话务", "not-the-password")
        await wrong.wait_for("姓名或密码不正确")
        await sign_in(operator, "王话务")
        await operator.wait_for("来电号码")
        supervisor = await browser.tab(served + "/")
        await sign_in(supervisor, "周督办")
        await supervisor.wait_for("待签收：共 0 件")

        await operator.focus_terminal()
        await operator.text(talent.phone)
        await operator.wait_for("陈人才")
        await operator.text("11")
        mark = await operator.mark()
        await operator.text("咨询人才公寓")
        await operator.wait_for("咨询人才公寓", since=mark)
        mark = await operator.mark()
        await operator.press("ctrl+s")
        await operator.wait_for("已登记来电", since=mark)
        if os.environ.get("DONGWU_SCREENSHOTS"):
            await operator.screenshot(DOCS / "serve-intake.png")
        await supervisor.wait_for("待签收：共 1 件", timeout=5)

        urls = browser.requested_urls()
    assert urls and all(url.startswith(f"http://127.0.0.1:{port}/") or url.startswith(f"ws://127.0.0.1:{port}/")
                        or url.startswith("data:") for url in urls), urls
    rows = desk.office.db.execute_sql("SELECT summary FROM call").fetchall()
    assert ("咨询人才公寓",) in rows
