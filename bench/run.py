"""District-scale benchmark: build the district through the bulk path, measure every figure
beside its floor in the same run, print the table and write it to docs/PERFORMANCE.md.

    python -m bench                                   # build /tmp/dongwu-district.db (scale 1), measure, write docs
    python -m bench --reuse                           # measure an existing database again
    python -m bench --scale 0.01 --repeats 3 --no-doc # a quick look (the smoke test runs this way)
    python -m bench --build-only --db /tmp/d.db       # only the build (no floor), with where its time went
    python -m bench --demo-only                       # only `dongwu demo` (README's first line), its own block

Floors, measured in the same run so ratios survive a noisy machine: a bare Textual app with one label
(start-up, key to screen, memory); Textual's DataTable and textual-fastdatatable holding every talent
(what a naive program does); raw sqlite3 running the program's own SQL (every query); raw sqlite3
`executemany` of the same rows (import); `dongwu init` (the demo).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench import bytecode, district, startup_bench, tmux

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "PERFORMANCE.md"
MARK_BEGIN = "<!-- bench:begin -->"
MARK_END = "<!-- bench:end -->"
# `--demo-only` writes its table in a block of its own, so it leaves the district table as it is.
DEMO_MARKS = ("<!-- bench:demo:begin -->", "<!-- bench:demo:end -->")


@dataclass
class Figure:
    what: str
    target: str
    median: float | None
    p95: float | None
    floor_label: str = ""
    floor: float | None = None
    unit: str = "ms"
    met: bool | None = None
    note: str = ""


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]


def _timed(function: Callable[[], Any], repeats: int) -> list[float]:
    function()  # warm: the first call fills caches that every later call finds filled, as on the desk
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        out.append((time.perf_counter() - start) * 1000)
    return out


class RawRunner:
    """Raw sqlite3 on the same file, replaying the SQL a PagedQuery ran."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)

    def run(self, statements: list[tuple[str, list[Any]]]) -> None:
        for sql, params in statements:
            self.db.execute(sql, params).fetchall()


def _captured(query: Any, action: Callable[[Any], Any]) -> list[tuple[str, list[Any]]]:
    seen: list[tuple[str, list[Any]]] = []
    original = query._execute

    def spy(sql: str, params: Any) -> Any:
        seen.append((sql, list(params)))
        return original(sql, params)

    query._execute = spy
    action(query)
    query._execute = original
    return seen


def measure_queries(path: Path, repeats: int) -> list[Figure]:
    from dongwu_tui.reports import period
    from dongwu_tui.reports.engine import ReportService
    from dongwu_tui.services.setup import open_desk

    desk = open_desk(path, district.SUPERVISOR)
    views = desk.views
    raw = RawRunner(path)
    figures: list[Figure] = []

    def list_figure(label: str, make: Callable[[], Any], target: str = "≤ 50 ms", limit: float = 50) -> None:
        def open_list() -> None:
            query = make()
            query.count()
            query.page(None)

        statements = _captured(make(), lambda q: (q.count(), q.page(None)))
        program = _stats(_timed(open_list, repeats))
        floor = _stats(_timed(lambda: raw.run(statements), repeats))
        figures.append(Figure(label, target, *program, "raw sqlite3, same SQL", floor[0],
                              met=program[0] <= limit))

    list_figure("open talent list (100k): count + first page", lambda: views.talents())
    list_figure("open request list 全部 (300k): count + first page", lambda: views.requests("all"))
    list_figure("open request view 已超期: count + first page", lambda: views.requests("overdue"))
    counts = _stats(_timed(views.view_counts, repeats))
    floor = _stats(_timed(lambda: raw.db.execute(
        "SELECT count(*) FROM service_request WHERE status = 'dispatched' AND deleted = 0").fetchall(), repeats))
    figures.append(Figure("request screen: the seven view counts", "≤ 50 ms", *counts,
                          "raw sqlite3, one count(*) by status", floor[0], met=counts[0] <= 50))
    everyone = views.talents()
    anchors = everyone.anchors()
    rng = random.Random(1)
    jump = _stats(_timed(lambda: everyone.page(rng.choice(anchors)), repeats * 3))
    figures.append(Figure("jump to any page of the talent list (keyset)", "≤ 50 ms", *jump, met=jump[1] <= 50))
    anchor_time = _stats(_timed(everyone.anchors, max(3, repeats // 3)))
    figures.append(Figure("talent list page anchors (background worker)", "worker, not on a key", *anchor_time))

    # Search as you type: what the list's worker runs per keystroke (count + first page).
    sample = raw.db.execute("SELECT name, name_initials, phone, card_no FROM talent WHERE card_no IS NOT NULL "
                            "AND length(name) = 3 ORDER BY id LIMIT 1").fetchone()
    inputs = {
        "2-char name": sample[0][:2], "3+ char name": sample[0], "pinyin initials": sample[1],
        "phone prefix": sample[2][:5], "card number": sample[3], "one letter (broad)": "w",
        "common enterprise word (broad)": "生物科技",
    }
    for kind, text in inputs.items():
        statements = _captured(views.talents(search=text), lambda q: (q.count(), q.page(None)))

        def keystroke(text: str = text) -> None:
            query = views.talents(search=text)
            query.count()
            query.page(None)

        program = _stats(_timed(keystroke, repeats))
        floor = _stats(_timed(lambda s=statements: raw.run(s), repeats))
        matches = views.talents(search=text).count()
        figures.append(Figure(f"search per keystroke: {kind} 「{text}」 ({matches:,} matches)", "≤ 30 ms p95",
                              *program, "raw sqlite3, same SQL", floor[0], met=program[1] <= 30))

    phone = sample[2]
    caller = _stats(_timed(lambda: views.caller_card(phone), repeats))

    def raw_caller() -> None:
        tid = raw.db.execute("SELECT id FROM talent WHERE phone = ? AND deleted = 0", (phone,)).fetchone()[0]
        raw.db.execute("SELECT * FROM call WHERE phone = ? AND deleted = 0 ORDER BY at DESC LIMIT 3",
                       (phone,)).fetchall()
        raw.db.execute("SELECT number FROM service_request WHERE talent_id = ? AND deleted = 0 AND status IN "
                       "('new','dispatched','in_progress') ORDER BY opened_at DESC LIMIT 5", (tid,)).fetchall()

    floor = _stats(_timed(raw_caller, repeats))
    figures.append(Figure("caller lookup by phone (1M calls)", "≤ 5 ms", *caller, "raw sqlite3, 3 indexed look-ups",
                          floor[0], met=caller[0] <= 5))

    # A talent's record (the talent list, Enter): what its worker reads, for the talent with the most calls.
    busiest, calls_of = raw.db.execute(
        "SELECT talent_id, count(*) FROM call WHERE talent_id IS NOT NULL AND deleted = 0 "
        "GROUP BY talent_id ORDER BY count(*) DESC, talent_id LIMIT 1").fetchone()
    record = _stats(_timed(lambda: (desk.talents.get(busiest), views.talent_profile(busiest),
                                    views.timeline(busiest)), repeats))

    def raw_record() -> None:
        raw.db.execute("SELECT * FROM talent WHERE id = ?", (busiest,)).fetchall()
        raw.db.execute("SELECT * FROM call WHERE talent_id = ? AND deleted = 0 ORDER BY at DESC LIMIT 200",
                       (busiest,)).fetchall()
        raw.db.execute("SELECT * FROM service_request WHERE talent_id = ? AND deleted = 0 ORDER BY opened_at DESC "
                       "LIMIT 200", (busiest,)).fetchall()

    floor = _stats(_timed(raw_record, repeats))
    figures.append(Figure(f"open a talent's record: profile + timeline (1M calls; the busiest talent, "
                          f"{calls_of:,} calls)", "≤ 50 ms", *record, "raw sqlite3, 3 indexed look-ups", floor[0],
                          met=record[0] <= 50))

    reports = ReportService(desk)
    year = period.year(2026)

    def dashboard() -> None:  # what the screen shows first: the grid from the monthly facts, the trends
        reports.figures(year, passes=False)
        reports.trends(year)

    dash = _stats(_timed(dashboard, max(3, repeats // 3)))
    floor = _stats(_timed(lambda: raw.db.execute(
        "SELECT measure_number, township_code, assignee_id, count(*) FROM service_request "
        "WHERE deleted = 0 AND opened_at >= '2026-01-01' AND opened_at < '2027-01-01' GROUP BY 1, 2, 3").fetchall(),
        max(3, repeats // 3)))
    figures.append(Figure("dashboard, one year (figures + weekly trends)", "≤ 200 ms", *dash,
                          "raw sqlite3, one grouped count", floor[0], met=dash[0] <= 200))
    counted = _stats(_timed(lambda: reports.figures(year), 1))
    figures.append(Figure("dashboard, one year: then units, operators, signing, repeat calls (per request "
                          "and per call)", "in the background", *counted))
    desk.office.close()
    return figures


async def _draw_screen(path: Path) -> tuple[list[float], list[float]]:
    """Drawing a full screen of list rows (cache cold) in the real app, and in Textual's DataTable."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from bench.apps import HEADERS, talent_rows
    from dongwu_tui.services.setup import open_desk
    from dongwu_tui.ui.app import DeskApp
    from dongwu_tui.ui.lines import PagedList

    desk = open_desk(path, "系统管理员")
    app = DeskApp(desk)
    ours: list[float] = []
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        paged = app.screen.query_one(PagedList)
        height = paged.scrollable_content_region.height
        for _ in range(30):
            paged._lines.clear()
            start = time.perf_counter()
            for y in range(height):
                paged.render_line(y)
            ours.append((time.perf_counter() - start) * 1000)
    desk.office.close()

    rows = talent_rows(str(path))

    class Table(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    theirs: list[float] = []
    table_app = Table()
    async with table_app.run_test(size=(140, 40)) as pilot:
        table = table_app.query_one(DataTable)
        table.add_columns(*HEADERS)
        table.add_rows(rows)
        await pilot.pause()
        for _ in range(30):
            table._clear_caches()
            start = time.perf_counter()
            for y in range(table.scrollable_content_region.height):
                table.render_line(y)
            theirs.append((time.perf_counter() - start) * 1000)
    return ours, theirs


def measure_drawing(path: Path) -> list[Figure]:
    import asyncio

    ours, theirs = asyncio.run(_draw_screen(path))
    program = _stats(ours)
    return [Figure("draw a full screen of rows (38 lines, line cache cold)", "≤ 5 ms", *program,
                   "Textual DataTable, same screen", _stats(theirs)[0], met=program[0] <= 5)]


def _python() -> str:
    return sys.executable


def measure_terminal(path: Path, repeats: int) -> list[Figure]:
    """Start-up, key to screen and memory under tmux, beside the bare app and the two DataTables."""
    if tmux.TMUX is None:
        return [Figure("terminal figures", "tmux", None, None, note="skipped: tmux is not installed")]
    dongwu = Path(sys.executable).with_name("dongwu")
    env = f"cd {ROOT} && PYTHONPATH={ROOT}"
    figures: list[Figure] = []
    # Start-up is what the targets are about: as many launches as repeats (at least 5). The naive tables
    # take 5-40 s a launch and are only a comparison: 3 launches each.
    starts = max(5, repeats)

    def startup(command: str, ready: Callable[[str], bool], name: str, launches: int = 0) -> tuple[list[float], float]:
        times, rss = [], 0.0
        for _ in range(launches or starts):
            session = tmux.launch(command, name)
            times.append(session.wait_for(ready) * 1000)
            time.sleep(0.3)
            rss = max(rss, session.rss_mb())
            session.close()
        return times, rss

    desk_cmd = f"{dongwu} --db {path} --as {district.SUPERVISOR}"
    has_rows = startup_bench.signin  # the first screen: sign-in, asking the supervisor for the password
    bytecode.compiled()  # as a regular install has it (bench/bytecode.py)
    bare, first, painted, bare_rss, desk_rss = [], [], [], 0.0, 0.0
    for _ in range(starts):  # interleaved, so a change in the machine's load weighs on both sides alike
        times, rss = startup(f"{_python()} -m bench.apps bare", lambda s: "READY" in s, "bare", launches=1)
        bare += times
        bare_rss = max(bare_rss, rss)
        times, rss = startup(desk_cmd, has_rows, "desk", launches=1)
        first += times
        desk_rss = max(desk_rss, rss)
        painted += startup(desk_cmd, startup_bench.painted, "desk-title", launches=1)[0]
    # What the figure above would be with no bytecode: an editable install where nothing may write it.
    bare_again, raw = [], []
    with bytecode.uncompiled() as no_bytecode:
        for _ in range(starts):
            bare_again += startup(f"{_python()} -m bench.apps bare", lambda s: "READY" in s, "bare", launches=1)[0]
            raw += startup(no_bytecode + desk_cmd, has_rows, "desk-raw", launches=1)[0]
    table, table_rss = startup(f"sh -c '{env} {_python()} -m bench.apps datatable --db {path}'",
                               lambda s: "READY" in s, "datatable", launches=3)
    fast, fast_rss = startup(f"sh -c '{env} {_python()} -m bench.apps fastdatatable --db {path}'",
                             lambda s: "READY" in s, "fastdatatable", launches=3)
    bare_m = _stats(bare)[0]
    for label, samples in (("start-up to first screen (sign-in, the supervisor's name filled in)", first),
                           ("start-up to first paint (title and footer)", painted)):
        m, p = _stats(samples)
        figures.append(Figure(label, "≤ 1.5 × bare app", m, p, "bare Textual app, one label", bare_m,
                              met=m <= 1.5 * bare_m, note=f"{m / bare_m:.2f} × bare"))
    m, p = _stats(raw)
    again = _stats(bare_again)[0]
    figures.append(Figure("the same, no bytecode (editable install, PYTHONDONTWRITEBYTECODE=1)", "(shows the cost)",
                          m, p, "bare Textual app, one label", again, note=f"{m / again:.2f} × bare"))
    figures.append(Figure("naive: DataTable filled with every talent, launch to first screen", "(comparison)",
                          *_stats(table), "bare Textual app", bare_m))
    figures.append(Figure("naive: textual-fastdatatable with every talent, launch to first screen", "(comparison)",
                          *_stats(fast), "bare Textual app", bare_m))
    figures.append(Figure("resident memory, district database open (first screen)", "≤ 250 MB", desk_rss, None,
                          "bare Textual app", bare_rss, unit="MB", met=desk_rss <= 250,
                          note=f"DataTable {table_rss:.0f} MB, fastdatatable {fast_rss:.0f} MB"))

    # Key to screen: the bare app's label change is the floor (tmux round trip plus one Textual frame).
    session = tmux.launch(f"{_python()} -m bench.apps bare", "bare-keys")
    session.wait_for(lambda s: "READY" in s)
    floor = _stats([session.key_to_screen("j", settle=0.15) * 1000 for _ in range(repeats)])
    session.close()
    session = tmux.launch(f"{dongwu} --db {path} --as 系统管理员", "desk-keys")
    session.wait_for(startup_bench.signin)
    session.keys("-l", district.PASSWORD)
    session.keys("Enter")
    session.wait_for(lambda s: "共 " in s and "DW" in s)
    time.sleep(1.0)  # the anchors worker
    moves = [session.key_to_screen("Down", settle=0.15) * 1000 for _ in range(repeats)]
    pages = [session.key_to_screen("PageDown", settle=0.15) * 1000 for _ in range(repeats)]
    m, p = _stats(moves)
    figures.append(Figure("key to screen: cursor down in the talent list", "≤ 33 ms median", m, p,
                          "bare app, key → label", floor[0], met=m <= 33))
    m, p = _stats(pages)
    figures.append(Figure("key to screen: page down in the talent list", "≤ 33 ms median", m, p,
                          "bare app, key → label", floor[0], met=m <= 33))
    session.keys("/")
    time.sleep(0.3)
    typed = []
    for _ in range(max(1, repeats // 4)):
        for key in ("w", "a", "n", "g"):
            typed.append(session.key_to_screen(key, settle=0.25) * 1000)
        for _ in range(4):
            session.keys("BSpace")
        time.sleep(0.8)
    m, p = _stats(typed)
    figures.append(Figure("key to screen: search as you type 「wang」 (until the screen is still)", "≤ 30 ms p95 query",
                          m, p, "bare app, key → label", floor[0],
                          note="no debounce; the last change: the rows (read on the desk's reader thread), or a "
                               "broad search's exact count after them (a worker); key → rows: bench/typing_bench.py"))
    look = session.look_cost()
    session.close()
    figures.append(Figure("one look at the desk's screen, tmux capture-pane (resolution of the key figures)", "",
                          look * 1000, None))
    return figures


def measure_import(records: int) -> list[Figure]:
    """A full sync file of `records` talents into an empty township office, beside raw executemany."""
    from bench.sync_bench import load_talents, trusted_pair
    from dongwu_tui.services.setup import initialise
    from dongwu_tui.sync import engine

    folder = Path(tempfile.mkdtemp(prefix="dongwu-bench-sync-"))
    centre, town = trusted_pair(folder)
    rows = load_talents(centre, records)
    raw = initialise(folder / "raw.db", "木渎镇人才工作站", "township", township="mudu").office
    for (name,) in raw.db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.db.execute_sql(f'DROP TRIGGER "{name}"')
    raw.close()
    plain = sqlite3.connect(folder / "raw.db")
    plain.execute("PRAGMA cache_size = -262144")
    marks = ", ".join("?" for _ in district.TALENT)
    start = time.perf_counter()
    with plain:
        plain.executemany(f"INSERT INTO talent ({', '.join(district.TALENT)}) VALUES ({marks})", rows)
    raw_s = time.perf_counter() - start
    plain.close()
    exported = engine.export_file(centre, "mudu", folder / "out", full=True)
    start = time.perf_counter()
    result = engine.import_file(town, exported.path)
    import_s = time.perf_counter() - start
    applied = result.applied
    searchable = town.db.execute_sql(
        "SELECT count(*) FROM talent_fts WHERE talent_fts MATCH '\"rencai1\"'"
    ).fetchone()[0]
    centre.close()
    town.close()
    rate, raw_rate = applied / import_s, records / raw_s
    return [Figure(f"import of a {exported.records:,}-record sync file (empty township office)", "≥ 1/3 of raw",
                   import_s * 1000, None, "raw sqlite3 executemany, same rows, no triggers", raw_s * 1000,
                   met=rate >= raw_rate / 3,
                   note=f"{rate:,.0f} rec/s vs raw {raw_rate:,.0f} rec/s = {rate / raw_rate:.2f}; "
                        f"{applied:,} applied, search finds them: {searchable > 0}")]


def measure_demo(talents: int, repeats: int) -> list[Figure]:
    """README's first line builds the demo: `dongwu demo` timed as a person runs it, a process of its own
    into a new file, beside `dongwu init` (a process that makes an empty office database: the fixed cost)."""
    import shutil
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="dongwu-bench-demo-"))
    env = {k: v for k, v in os.environ.items() if k != "DONGWU_DB"}

    def run(n: int, *args: str) -> float:
        db = folder / f"{n}.db"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dongwu_tui", "--db", str(db), *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, input=f"{district.PASSWORD}\n".encode())
        seconds = time.perf_counter() - start
        for extra in ("", "-wal", "-shm", ".replica"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
        return seconds * 1000

    builds, inits = [], []
    try:
        for n in range(max(3, repeats // 3)):  # interleaved: a change in the machine's load weighs on both alike
            builds.append(run(n, "demo", "--talents", str(talents)))
            inits.append(run(n, "init", "--site", "吴中区高层次人才服务中心", "--kind", "district",
                             "--password-stdin"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    m, p = _stats(builds)
    return [Figure(f"`dongwu demo` ({talents:,} talents, a year of calls and requests), a new file", "≤ 10 s",
                   m, p, "`dongwu init`, an empty office database", _stats(inits)[0], met=m <= 10_000,
                   note=f"{len(builds)} builds, each a process of its own")]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms" and value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def render(figures: list[Figure], header: dict[str, str]) -> str:
    lines = [f"Command: `{header['command']}`  ",
             f"Machine: {header['machine']}  ",
             f"Date: {header['date']}; database: {header['database']}",
             "",
             "| what | target | median | p95 | floor (same run) | floor | met | note |",
             "|---|---|---:|---:|---|---:|---|---|"]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(f"| {f.what} | {f.target} | {_fmt(f.median, f.unit)} | {_fmt(f.p95, f.unit)} | {f.floor_label} | "
                     f"{_fmt(f.floor, f.unit)} | {met} | {f.note} |")
    return "\n".join(lines)


def write_doc(table: str, path: Path = DOC, marks: tuple[str, str] = (MARK_BEGIN, MARK_END)) -> None:
    begin, end = marks
    text = path.read_text(encoding="utf-8")
    block = f"{begin}\n{table}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text + "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
            f"load average at start {load:.1f}")


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/dongwu-district.db"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", action="store_true", help="measure an existing database, do not build")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sync-records", type=int, default=1_000_000)
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--no-terminal", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build the database, print where the time went, stop (no floor)")
    parser.add_argument("--demo-talents", type=int, default=2000, help="talents of the timed `dongwu demo`")
    parser.add_argument("--demo-only", action="store_true", help="only time `dongwu demo` (its own block of the doc)")
    args = parser.parse_args(argv)
    header = {"command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": machine(), "date": date.today().isoformat()}
    figures: list[Figure] = []
    if args.demo_only:
        figures = measure_demo(args.demo_talents, args.repeats)
        for f in figures:
            print(f"{f.what}: median {_fmt(f.median, f.unit)} p95 {_fmt(f.p95, f.unit)} floor {_fmt(f.floor, f.unit)}"
                  f" met {f.met} {f.note}", flush=True)
        table = render(figures, {**header, "database": "a new file per build"})
        print(table)
        if not args.no_doc:
            write_doc(table, marks=DEMO_MARKS)
        return figures
    if not (args.reuse and args.db.exists()):
        built = district.build(args.db, args.scale)
        print(f"built {args.db}: {built}", flush=True)
        if args.build_only:
            # The build alone: its floor (a second, bare build of the same rows) is the whole run's.
            for key, value in built.items():
                if "seconds" in key:
                    print(f"  {key.replace(' seconds', '').replace('_seconds', '')}: {value:.1f} s")
            return figures
        # The floor: SQLite alone writing the very same rows into bare tables, then making every index, the
        # full-text indexes and the statistics.
        bare = district.floor(args.db, Path(f"{args.db}.floor"))
        floor_s = sum(bare[step] for step in district.FLOOR_STEPS)
        steps = ", ".join(f"{k.replace(' seconds', '').replace('_seconds', '')} {v:.0f} s" for k, v in built.items()
                          if "seconds" in k and k != "seconds")
        figures.append(Figure("build the district database through the bulk path", "< 60 s",
                              built["seconds"] * 1000, None,
                              "SQLite alone: executemany of the same rows into bare tables + CREATE INDEX + "
                              "FTS5 rebuild + ANALYZE", floor_s * 1000, met=built["seconds"] < 60,
                              note=f"steps: {steps}; floor: " + ", ".join(
                                  f"{step} {bare[step]:.0f} s" for step in district.FLOOR_STEPS)))
    sizes = sqlite3.connect(args.db).execute(
        "SELECT (SELECT count(*) FROM talent), (SELECT count(*) FROM enterprise), (SELECT count(*) FROM call), "
        "(SELECT count(*) FROM service_request), (SELECT count(*) FROM request_event)").fetchone()
    header["database"] = ("{:,} talents, {:,} enterprises, {:,} calls, {:,} requests, {:,} events".format(*sizes)
                          + f" ({args.db.stat().st_size / 1e6:,.0f} MB)")
    for step in (lambda: measure_queries(args.db, args.repeats), lambda: measure_drawing(args.db),
                 (lambda: []) if args.no_terminal else (lambda: measure_terminal(args.db, args.repeats)),
                 lambda: measure_import(args.sync_records), lambda: measure_demo(args.demo_talents, args.repeats)):
        done = step()
        for f in done:
            print(f"{f.what}: median {_fmt(f.median, f.unit)} p95 {_fmt(f.p95, f.unit)} floor {_fmt(f.floor, f.unit)}"
                  f" met {f.met} {f.note}", flush=True)
        figures += done
    table = render(figures, header)
    print(table)
    if not args.no_doc:
        write_doc(table)
    return figures


if __name__ == "__main__":
    main()
