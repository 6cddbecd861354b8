"""Load on `dongwu serve`: N browser sessions at once, each an operator typing and saving calls at a person's
pace over the websocket protocol textual.js speaks (tests/serve/servekit.py). Only 127.0.0.1; every loop is
bounded and the server is stopped at the end.

    python -m bench.serve_load [--sessions 1 10 20] [--calls 3] [--key-gap 0.15]

Prints, per session count: key to screen (the first frame after a typed key) median and p95, desk memory
per session (RSS of its process), calls sent and calls saved (rows in the database)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from servekit import CTRL_S, Session, choose_user, serving  # noqa: E402

PHONES = [f"1380013{n:04d}" for n in range(40)]


def _desk_rss_kib() -> list[int]:
    sizes = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
            env = Path(f"/proc/{entry}/environ").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if b"dongwu_tui.cli.main" in cmd and b"serve" not in cmd and b"DONGWU_SERVE=1" in env:
            sizes.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))))
    return sizes


async def _operator(http: aiohttp.ClientSession, url: str, index: int, calls: int, gap: float,
                    latencies: list[float], outcome: dict, ready: asyncio.Barrier, stagger: float) -> None:
    await asyncio.sleep(index * stagger)  # operators arrive one after another, as a shift starts
    tab = Session(http, url)
    await tab.open()
    await tab.wait_for("姓名或拼音首字母", timeout=180)
    await choose_user(tab, "王芳")
    await tab.wait_for("来电号码", timeout=180)
    await ready.wait()

    async def key(text: str) -> None:
        frames = len(tab.frames)
        sent = time.monotonic()
        await tab.keys(text, pause=0)
        deadline = sent + 5
        while len(tab.frames) == frames and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        if len(tab.frames) > frames:
            latencies.append(tab.frames[frames][0] - sent)
        await asyncio.sleep(gap)

    for n in range(calls):
        phone = PHONES[index % len(PHONES)]
        for char in phone:
            await key(char)
        # A person waits for what they typed to show before going on: the caller's card, the measure's
        # name, the summary; then saves and waits for the confirmation.
        await tab.wait_for("陈", since=len(tab.received) - 20000 if len(tab.received) > 20000 else 0)
        mark = len(tab.received)
        for char in "11":  # the same measure again: a repeat call, attached to the caller's open request
            await key(char)
        await tab.wait_for("人才安居", timeout=30, since=mark)
        mark = len(tab.received)
        for char in f"负载测试第{n}次":
            await key(char)
        await tab.wait_for(f"第{n}次", timeout=30, since=mark)
        mark = len(tab.received)
        outcome["sent"] += 1
        await tab.keys(CTRL_S, pause=0)
        try:
            await tab.wait_for("已登记来电", timeout=30, since=mark)
            outcome["confirmed"] += 1
        except AssertionError as error:
            outcome.setdefault("refused", []).append(str(error)[-300:])  # type: ignore[attr-defined]
        await tab.keys("\x0c", pause=0.3)  # Ctrl+L: a clean form for the next call
    await tab.close()


async def _run(url: str, sessions: int, calls: int, gap: float, stagger: float) -> dict:
    latencies: list[float] = []
    outcome: dict = {"sent": 0, "confirmed": 0}
    ready = asyncio.Barrier(sessions)
    rss: list[int] = []

    async def sample() -> None:
        await asyncio.sleep(2)
        while True:
            rss.append(sum(_desk_rss_kib()))
            await asyncio.sleep(2)

    async with aiohttp.ClientSession() as http:
        sampler = asyncio.create_task(sample())
        start = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(_operator(http, url, i, calls, gap, latencies, outcome, ready,
                                                          stagger) for i in range(sessions))), 900)
        sampler.cancel()
    latencies.sort()
    return {"sessions": sessions, "median_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "keys": len(latencies),
            "rss_mib_per_session": (max(rss) / 1024 / sessions) if rss else float("nan"),
            "sent": outcome["sent"], "confirmed": outcome["confirmed"], "seconds": time.monotonic() - start,
            "refused": outcome.get("refused", [])}


def _office(db: Path) -> None:
    """A district office with one operator (王芳) and 40 talents, every account with the test password that
    `choose_user` types (made through the services, as the tests make theirs)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from deskkit import sign_in

    from dongwu_tui.services.setup import initialise

    desk = initialise(db, "吴中区高层次人才服务中心", "district")
    clerk = desk.acting_as(desk.directory.add_staff("王芳", "operator"))
    for i, phone in enumerate(PHONES):
        clerk.talents.add(name=f"陈{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}", phone=phone, category_code="industry",
                          township_code="mudu")
    desk.office.close()
    sign_in(db)


def _calls(db: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(db)
    try:
        return int(connection.execute("SELECT count(*) FROM call WHERE deleted = 0").fetchone()[0])
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--key-gap", type=float, default=0.15, help="seconds between keys (a person: 0.1–0.3)")
    parser.add_argument("--stagger", type=float, default=1.0,
                        help="seconds between one operator's arrival and the next")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "office.db"
        _office(db)
        print("| sessions | key→screen median | p95 | keys | desk RSS per session | calls sent | saved (rows) |")
        print("|---|---|---|---|---|---|---|")
        for sessions in args.sessions:
            before = _calls(db)
            with serving(db, "--max-sessions", str(max(args.sessions))) as url:
                result = asyncio.run(_run(url, sessions, args.calls, args.key_gap, args.stagger))
            after = _calls(db)
            print(f"| {sessions} | {result['median_ms']:.0f} ms | {result['p95_ms']:.0f} ms | {result['keys']} | "
                  f"{result['rss_mib_per_session']:.0f} MiB | {result['sent']} | {after - before} "
                  f"({result['confirmed']} confirmed on screen) |", flush=True)
            for refusal in result["refused"]:
                print("  not confirmed:", refusal.replace("\n", " ")[-200:], file=sys.stderr)


if __name__ == "__main__":
    main()
