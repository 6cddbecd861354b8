"""Dashboard benchmark: the grid and the KPIs over ~300k service requests.

    python bench/dashboard_bench.py [--source demo.db] [--requests 300000] [--db /tmp/dash-bench.db]

Builds a demo office through the services (or takes --source), then copies its requests and their
events, with new ids, until the table holds about --requests rows: the same mix of statuses, events
and dates as the demo, at district scale. Then times what the dashboard does on each refresh: the
figures for a period (one grouped scan: grid + KPIs for every axis), the weekly trends, one drill-down
count and its first page, and the overdue queue.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import parse_period, span
from dongwu_tui.services.demo import build_demo
from dongwu_tui.services.desk import Desk
from dongwu_tui.storage.database import open_database

NOW = datetime(2026, 11, 20, 17, 0)


def _copy_columns(con: sqlite3.Connection, table: str, remap: dict[str, str]) -> tuple[str, str]:
    names = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
    return ", ".join(names), ", ".join(remap.get(n, n) for n in names)


def inflate(path: Path, target: int) -> tuple[int, int]:
    con = sqlite3.connect(path)
    base = con.execute("SELECT COUNT(*) FROM service_request").fetchone()[0]
    copies = max(0, -(-target // base) - 1)
    suffix = "printf('-%04d', :k)"
    req_cols, req_select = _copy_columns(con, "service_request", {
        "id": f"id || {suffix}", "number": f"number || {suffix}",
        "merged_into_id": f"CASE WHEN merged_into_id IS NULL THEN NULL ELSE merged_into_id || {suffix} END"})
    ev_cols, ev_select = _copy_columns(con, "request_event", {
        "id": f"id || {suffix}", "request_id": f"request_id || {suffix}"})
    with con:
        for k in range(1, copies + 1):
            con.execute(f"INSERT INTO service_request ({req_cols}) SELECT {req_select} FROM service_request "
                        "WHERE length(number) < 20", {"k": k})
            con.execute(f"INSERT INTO request_event ({ev_cols}) SELECT {ev_select} FROM request_event "
                        "WHERE length(id) = 36", {"k": k})
    counts = (con.execute("SELECT COUNT(*) FROM service_request").fetchone()[0],
              con.execute("SELECT COUNT(*) FROM request_event").fetchone()[0])
    con.close()
    return counts


def timed(label: str, action: Callable[[], object], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    print(f"{label:<48} first {runs[0] * 1000:8.1f} ms   median {statistics.median(runs) * 1000:8.1f} ms")
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an existing demo database to inflate (copied, not changed)")
    parser.add_argument("--talents", type=int, default=600, help="demo size when no --source (default 600)")
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/dash-bench.db"))
    parser.add_argument("--reuse", action="store_true", help="time an already inflated --db again")
    args = parser.parse_args()
    if args.reuse:
        return measure(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    if args.source:
        src = sqlite3.connect(args.source)
        dst = sqlite3.connect(args.db)
        src.backup(dst)
        src.close()
        dst.close()
    else:
        print(f"building a demo office with {args.talents} talents …", file=sys.stderr)
        build_demo(args.db, talents=args.talents, now=NOW)
    start = time.perf_counter()
    requests, events = inflate(args.db, args.requests)
    print(f"{requests} requests, {events} events (inflated in {time.perf_counter() - start:.1f} s)")
    return measure(args.db)


def measure(path: Path) -> int:
    office = open_database(path)  # applies the migrations, 0004's indexes included
    desk = Desk(office, clock=lambda: NOW)
    service = ReportService(desk)
    last = office.db.execute_sql("SELECT MAX(opened_at) FROM service_request").fetchone()[0]
    year, month = parse_period(last[:4]), parse_period(last[:7])
    everything = span(None, None)
    requests = office.db.execute_sql("SELECT COUNT(*) FROM service_request").fetchone()[0]
    timed(f"figures, all time ({requests} requests)", lambda: service.figures(everything))
    timed(f"figures, year {year.label}", lambda: service.figures(year))
    timed(f"figures, month {month.label}", lambda: service.figures(month))
    timed("trends per week, year", lambda: service.trends(year))
    timed("drill count: all time, measure 11, on time", lambda: service.drill_count(everything, "measure", 11,
                                                                                     "on_time"))
    timed("drill first page (500): year, measure 11, closed",
          lambda: service.drill(year, "measure", 11, "closed", limit=500))
    timed("overdue queue (all time)", lambda: service.overdue())
    office.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
