"""Dashboard benchmark: the grid and the KPIs over ~300k service requests.

    python bench/dashboard_bench.py [--source demo.db] [--requests 300000] [--db /tmp/dash-bench.db]

    python bench/dashboard_bench.py --reuse --db /tmp/dash-b.db [--repeat 12]  # a copy of the district db

Builds a demo office through the services (or takes --source), then copies its requests and their
events, with new ids, until the table holds about --requests rows: the same mix of statuses, events
and dates as the demo, at district scale; or, with --reuse, times an existing database (a copy of the
issue-6 district database: `cp /tmp/district.db /tmp/dash-b.db`; never the original, the first open
migrates it). Then times what the dashboard does on each refresh, for a year, a month, a custom period
cutting months at both ends and all time: figures + weekly trends together (as bench/run.py's row), then
each alone; beside them, in the same run, the floor of bench/run.py (raw sqlite3, one grouped count over
the year); then one drill-down count and its first page, and the overdue queue. Median and p95 in ms.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

from dongwu_tui.reports.engine import ReportService
from dongwu_tui.reports.period import Period, parse_period, span
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


def timed(label: str, action: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Run once to warm (as the desk's second refresh would find its caches), then `repeat` times:
    prints and returns the median and p95 in ms (p95 = the largest of fewer than 20 runs)."""
    action()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    median, p95 = statistics.median(runs), runs[max(0, int(round(len(runs) * 0.95)) - 1)]
    print(f"{label:<56} median {median:8.1f} ms   p95 {p95:8.1f} ms")
    return median, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="an existing demo database to inflate (copied, not changed)")
    parser.add_argument("--talents", type=int, default=600, help="demo size when no --source (default 600)")
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/dash-bench.db"))
    parser.add_argument("--reuse", action="store_true", help="time an already inflated --db again")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per step, after one warm-up run")
    parser.add_argument("--today", help="the desk's day (YYYY-MM-DD; default: today for --reuse, 2026-11-20 "
                                        "for a database inflated from a demo)")
    args = parser.parse_args()
    clock = datetime.combine(date.fromisoformat(args.today), NOW.time()) if args.today else None
    if args.reuse:
        return measure(args.db, args.repeat, clock)
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
    return measure(args.db, args.repeat, clock or NOW)


def measure(path: Path, repeat: int = 5, clock: datetime | None = None) -> int:
    office = open_database(path)  # applies the migrations (0004's indexes, 0005's facts, 0007's aggregates)
    desk = Desk(office, clock=(lambda: clock) if clock else datetime.now)
    service = ReportService(desk)
    last = office.db.execute_sql("SELECT MAX(opened_at) FROM service_request").fetchone()[0]
    year, month = parse_period(last[:4]), parse_period(last[:7])
    year_no = int(last[:4])
    custom = span(date(year_no, 3, 15), date(year_no, 8, 10))  # months cut at both ends
    everything = span(None, None)
    requests = office.db.execute_sql("SELECT COUNT(*) FROM service_request").fetchone()[0]
    print(f"{requests} requests; load average {os.getloadavg()[0]:.1f}; today {desk.clock().date()}")
    service.figures(year)  # the first refresh fills the working-day table if the calendar is new to the file
    raw = sqlite3.connect(path)
    for label, period in (("year " + year.label, year), ("month " + month.label, month),
                          (f"custom {custom.since}..{custom.until}", custom), ("all time", everything)):
        def refresh(p: Period = period) -> None:
            service.figures(p)
            service.trends(p)

        timed(f"dashboard (figures + trends), {label}", refresh, repeat)
        timed(f"  figures, {label}", partial(service.figures, period), repeat)
        timed(f"  weekly trends, {label}", partial(service.trends, period), repeat)
    # The floor's table (bench/run.py): one grouped count over the year's requests, raw sqlite3.
    timed(f"floor: raw sqlite3, one grouped count, year {year.label}", lambda: raw.execute(
        "SELECT measure_number, township_code, assignee_id, count(*) FROM service_request "
        "WHERE deleted = 0 AND opened_at >= ? AND opened_at < ? GROUP BY 1, 2, 3",
        (f"{year_no}-01-01", f"{year_no + 1}-01-01")).fetchall(), repeat)
    raw.close()
    timed("drill count: all time, measure 11, on time", lambda: service.drill_count(everything, "measure", 11,
                                                                                     "on_time"), repeat)
    timed("drill first page (500): year, measure 11, closed",
          lambda: service.drill(year, "measure", 11, "closed", limit=500), repeat)
    timed("overdue queue (all time)", lambda: service.overdue(), repeat)
    office.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
