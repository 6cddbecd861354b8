"""Benchmark of the desk screens on a large office: 100k talents, 1M calls, 200k requests.

    python bench/tui_bench.py [--db /tmp/dongwu-bench.db] [--talents 100000] [--calls 1000000] [--rebuild]

Builds the database once through a bulk path (the schema and catalogue by `initialise`, then direct SQL
inserts; the migration's triggers fill the search index), then measures:
- the queries behind each keystroke and list move, as the screens' workers run them (p50/p95 over repeats);
- the first screen under tmux: from launching `dongwu` to the title drawn, and to the first rows drawn.
Not a test: numbers go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from dongwu_tui.services.demo import GIVEN, SURNAMES
from dongwu_tui.services.setup import initialise, open_desk

STATUSES = ["new", "dispatched", "in_progress", "resolved", "visited", "archived", "returned"]
STATUS_WEIGHTS = [2, 3, 5, 5, 10, 70, 1]


def _char_pinyin() -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    return {ch: lazy_pinyin(ch, style=Style.NORMAL)[0] for ch in set(SURNAMES + GIVEN)}


def build(path: Path, talents: int, calls: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    desk = initialise(path, "吴中区高层次人才服务中心", "district")
    directory = desk.directory
    rng = random.Random(7)
    sites = {s.code: s.id for s in directory.sites()}
    townships = list(directory.townships)
    specialists = {code: [directory.add_staff(f"专员{code}{i}", "specialist", code).id for i in range(2)]
                   for code in townships}
    operator = directory.add_staff("话务员甲", "operator").id
    directory.add_staff("督办乙", "supervisor")
    site_id = desk.site_id
    pinyin = _char_pinyin()
    now = datetime(2026, 11, 20, 9, 0)
    db = desk.office.db
    stamp = now.isoformat(sep=" ")
    talent_rows, phones = [], []
    enterprises = []
    for i in range(talents // 8):
        enterprises.append((str(uuid.uuid4()), site_id, stamp, stamp, 0, f"苏州{rng.choice('东吴太湖姑苏吴越石湖光福')}"
                            f"{rng.choice(['生物', '智能', '新材料', '软件', '精密'])}科技{i}号有限公司",
                            f"91320506MA{i:08d}", rng.choice(townships), None))
    with db.atomic():
        db.execute_sql("PRAGMA foreign_keys = OFF")
        cursor = db.cursor()
        cursor.executemany(
            "INSERT INTO enterprise (id, site_id, created_at, updated_at, deleted, name, credit_code, township_code,"
            " industry_code) VALUES (?,?,?,?,?,?,?,?,?)", enterprises)
        for i in range(talents):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            syllables = [pinyin[ch] for ch in name]
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            phones.append(phone)
            township = rng.choice(townships)
            talent_rows.append((
                str(uuid.uuid4()), site_id, stamp, stamp, 0, name, "".join(syllables), "".join(s[0] for s in syllables),
                phone, "resident", None, "industry", "none", rng.choice(enterprises)[0], township,
                rng.choice(specialists[township]), f"DW{i + 1:06d}" if rng.random() < 0.6 else None, "",
            ))
        cursor.executemany(
            "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, name_pinyin, name_initials, phone,"
            " id_kind, id_number, category_code, level_code, enterprise_id, township_code, specialist_id, card_no,"
            " notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", talent_rows)
        requests = []
        for i in range(calls // 5):
            talent = rng.choice(talent_rows)
            opened = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            due = (opened + timedelta(days=rng.randint(1, 20))).date().isoformat()
            assigned = status != "new"
            requests.append((
                str(uuid.uuid4()), site_id, stamp, stamp, 0, f"WZ-{opened:%Y%m%d}-B{i:06d}", talent[0], talent[8],
                rng.randint(1, 18), "咨询人才政策", status, talent[14], operator, opened.isoformat(sep=" "), due,
                sites.get(talent[14]) if assigned else None, talent[15] if assigned else None,
            ))
        cursor.executemany(
            "INSERT INTO service_request (id, site_id, created_at, updated_at, deleted, number, talent_id, phone,"
            " measure_number, summary, status, township_code, opened_by_id, opened_at, due_date, assignee_site_id,"
            " assignee_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", requests)
        batch = []
        for i in range(calls):
            talent = rng.choice(talent_rows)
            at = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            request_id = requests[i // 5][0] if i % 5 == 0 else None
            batch.append((str(uuid.uuid4()), site_id, stamp, stamp, 0, at.isoformat(sep=" "), "in", talent[8],
                          talent[0], operator, rng.randrange(30, 900), "咨询人才政策", rng.randint(1, 18),
                          "request" if request_id else "answered", request_id))
            if len(batch) == 50_000:
                cursor.executemany(
                    "INSERT INTO call (id, site_id, created_at, updated_at, deleted, at, direction, phone, talent_id,"
                    " operator_id, duration_s, summary, measure_number, outcome, request_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
                batch.clear()
        if batch:
            cursor.executemany(
                "INSERT INTO call (id, site_id, created_at, updated_at, deleted, at, direction, phone, talent_id,"
                " operator_id, duration_s, summary, measure_number, outcome, request_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    db.execute_sql("ANALYZE")
    desk.office.close()


def _timed(function, repeats: int = 30) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure_queries(path: Path) -> list[tuple[str, float, float]]:
    desk = open_desk(path, "督办乙")
    views = desk.views
    desk.directory.townships, desk.directory.talent_categories, desk.directory.measures  # noqa: B018 - warm caches
    results = []
    everyone = views.talents()
    results.append(("人才列表：总数 + 第一页（100 行）", *_timed(lambda: (everyone.count(), everyone.page(None)), 10)))
    results.append(("人才列表：页锚点（每 100 行一个键）", *_timed(everyone.anchors, 5)))
    anchors = everyone.anchors()
    rng = random.Random(1)
    results.append(("人才列表：跳到任意一页（按键取页）", *_timed(lambda: everyone.page(rng.choice(anchors)), 50)))
    typed = ["王", "王芳", "王芳馨", "w", "wf", "wang", "wangfang", "1", "13", "138", "13812", "1381234",
             "DW00", "DW0001", "东吴", "东吴生物", "生物科技"]
    samples = []
    for text in typed:
        for _ in range(10):
            start = time.perf_counter()
            query = views.talents(search=text)
            query.count(cap=None)
            query.page(None)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    results.append((f"搜索每次按键：总数 + 第一页（{len(typed)} 种输入 × 10）",
                    statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
    worst = []
    for text in typed:
        query = views.talents(search=text)
        worst.append((_timed(lambda q=query: (q.count(), q.page(None)), 5)[1], text))
    worst.sort(reverse=True)
    results.append((f"搜索最慢的输入「{worst[0][1]}」", worst[0][0], worst[0][0]))
    results.append(("工单视图：七个视图的实时计数", *_timed(views.view_counts, 5)))
    every = views.requests("all")
    results.append(("工单「全部」：总数 + 第一页", *_timed(lambda: (every.count(), every.page(None)), 5)))
    results.append(
        ("来电人查找（输入完号码）", *_timed(lambda: views.caller_card(desk.talents.list(limit=1)[0].phone), 20))
    )
    desk.office.close()
    return results


def measure_first_screen(path: Path, runs: int = 3) -> list[tuple[float, float]]:
    tmux = shutil.which("tmux")
    if tmux is None:
        return []
    dongwu = Path(sys.executable).with_name("dongwu")
    out = []
    for run in range(runs):
        socket = f"dongwu-bench-{run}"
        start = time.perf_counter()
        subprocess.run([tmux, "-L", socket, "new-session", "-d", "-s", "b", "-x", "140", "-y", "40",
                        f"{dongwu} --db {path} --as 督办乙"], check=True)
        title = rows = None
        while time.perf_counter() - start < 30:
            screen = subprocess.run([tmux, "-L", socket, "capture-pane", "-p", "-t", "b"],
                                    capture_output=True, text=True).stdout
            now = time.perf_counter() - start
            if title is None and "东吴人才服务台" in screen:
                title = now
            if "WZ-" in screen and "全部工单（" in screen:
                rows = now
                break
            time.sleep(0.02)
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)
        out.append((title or float("nan"), rows or float("nan")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/dongwu-bench.db"))
    parser.add_argument("--talents", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        start = time.perf_counter()
        build(args.db, args.talents, args.calls)
        print(f"built {args.db} in {time.perf_counter() - start:.0f} s")
    print("| 操作 | p50 (ms) | p95 (ms) |\n|---|---|---|")
    for label, p50, p95 in measure_queries(args.db):
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")
    for i, (title, rows) in enumerate(measure_first_screen(args.db), 1):
        print(f"first screen run {i}: title drawn {title * 1000:.0f} ms, "
              f"first rows and counts drawn {rows * 1000:.0f} ms")


if __name__ == "__main__":
    main()
