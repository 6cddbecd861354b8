"""Benchmark (not a test): sync export and import, each beside raw SQLite writing the same rows.

    /work/venv/bin/python bench/sync_bench.py 100000 1000000 [--repeats 3]   # N talents of one township
    /work/venv/bin/python bench/sync_bench.py --mixed /tmp/d.db [--repeats 3] # a township's share of a district

Talents: a centre with N talents of 木渎 (loaded by storage/bulk.py, sync rows included), one full export
sealed to 木渎, imported into a fresh copy of 木渎's empty database on every repeat, then a second full
file of the same records (every record already held). Mixed: a copy of a bulk-built district
(`python -m bench --build-only --scale 0.1 --db /tmp/d.db`), the township with the most requests
certified, a full export of its partition (its talents, requests, events, calls, ...), imported likewise.

Floors, measured in the same run on fresh copies of the same empty database, with plain `sqlite3`, the
rows already decoded, the same 256 MB cache, one transaction each:
- indexed: `executemany` of every record's row into its table, all indexes in place, every trigger dropped;
- bare: the same rows into index-less copies of the tables (no FTS, no sync_row);
- complete: the end state an import must reach, written the cheapest way known: plain secondary indexes
  dropped, the rows and their `sync_row` rows by `executemany`, the indexes made again, the search
  indexes filled by one INSERT ... SELECT each, one commit (WAL written and checkpointed). Report facts
  are not in it (a mixed import also rebuilds them; see the profile in docs/PERFORMANCE.md).
- complete_without (with `--floor-without IDX,IDX`): complete, those indexes not made again.
Each line is one JSON object: medians and p95 (nearest rank) of the repeats, seconds and records/s, wall
clock and (`*_cpu_*`) the process's CPU time, SQLite's sorter threads included: on a shared machine the
CPU time shows the work done when the wall clock mostly shows the neighbours.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import district  # noqa: E402
from dongwu_tui.services.setup import initialise  # noqa: E402
from dongwu_tui.storage.bulk import bulk_load  # noqa: E402
from dongwu_tui.storage.database import OfficeDatabase, open_database  # noqa: E402
from dongwu_tui.sync import engine, trust  # noqa: E402
from dongwu_tui.sync.fileformat import decode_lines  # noqa: E402


def trusted_pair(folder: Path):
    """A district centre and the 木渎 office that trust each other, ready to exchange files."""
    centre = initialise(folder / "wz.db", "吴中区高层次人才服务中心", "district").office
    town = initialise(folder / "mudu.db", "木渎镇人才工作站", "township", township="mudu").office
    trust.ensure_keys(centre)
    trust.certify(centre, trust.enrolment_request(town))
    trust.install_bundle(town, json.loads(json.dumps(trust.trust_bundle(centre))))
    return centre, town


def _fresh(template: Path, path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".replica", ".sync.log"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    return path


def load_talents(centre: OfficeDatabase, n: int) -> list[tuple[Any, ...]]:
    """N talents of 木渎 bulk-loaded into the centre (through the capture path's set-wise twin); the rows,
    in `district.TALENT` column order, for a floor to insert again."""
    category = centre.db.execute_sql("SELECT code FROM talent_category LIMIT 1").fetchone()[0]
    level = centre.db.execute_sql("SELECT code FROM talent_level LIMIT 1").fetchone()[0]
    site = centre.meta("site_id")
    rows = [(f"00000000-0000-7000-8000-{i:012d}", site, "2026-11-01 09:00:00", "2026-11-01 09:00:00", 0,
             f"人才{i}", f"rencai{i}", "rc", f"138{i:08d}", "resident", None, category, level, None, "mudu", None,
             f"DW{i:08d}", "") for i in range(n)]
    with bulk_load(centre) as writer:
        writer.insert("talent", district.TALENT, rows)
    return rows


def talents_file(folder: Path, n: int) -> tuple[Path, Path, Path, float]:
    """(file, second file, empty township template, export seconds) for N talents of 木渎."""
    centre, town = trusted_pair(folder)
    load_talents(centre, n)
    return _export(folder, centre, town, "mudu")


def mixed_file(folder: Path, source: Path) -> tuple[Path, Path, Path, float]:
    """(file, second file, empty township template, export seconds): the busiest township of a district."""
    shutil.copy(source, folder / "wz.db")
    centre = open_database(folder / "wz.db")
    code, name = centre.db.execute_sql(
        "SELECT r.township_code, t.name FROM service_request r JOIN township t ON t.code = r.township_code "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()
    town = initialise(folder / "town.db", f"{name}人才工作站", "township", township=code).office
    trust.ensure_keys(centre)
    trust.certify(centre, trust.enrolment_request(town))
    trust.install_bundle(town, json.loads(json.dumps(trust.trust_bundle(centre))))
    return _export(folder, centre, town, code)


def _export(folder: Path, centre, town, code: str) -> tuple[Path, Path, Path, float]:
    town.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    town.close()
    template = folder / "template.db"
    shutil.copy(town.path, template)
    start = time.perf_counter()
    exported = engine.export_file(centre, code, folder / "out", full=True)
    export_s = time.perf_counter() - start
    again = engine.export_file(centre, code, folder / "out-again", full=True)  # same records, another file
    centre.close()
    return exported.path, again.path, template, export_s


# `--floor-without a,b`: one more floor, "complete" without those indexes (what dropping them would save).
WITHOUT: tuple[str, ...] = ()


def floors(template: Path, folder: Path, file: Path) -> dict[str, float]:
    """Seconds of each floor (see the module docstring) for the records of `file`."""
    probe = open_database(_fresh(template, folder / "probe.db"))
    opened = engine.preview(probe, file).opened
    probe.close()
    tables = opened.manifest["tables"]
    records = [r for chunk in opened.chunks for r in decode_lines(zlib.decompress(chunk))]
    rows = {t: [[r[1], *r[5]] for r in records if r[0] == t] for t in tables}
    sync_rows = [r[:5] for r in records]
    out = {}
    for kind in ("indexed", "bare", "complete") + (("complete_without",) if WITHOUT else ()):
        con = sqlite3.connect(_fresh(template, folder / f"floor-{kind}.db"), isolation_level=None)
        con.execute("PRAGMA cache_size = -262144")
        con.execute("PRAGMA threads = 2")
        con.execute("PRAGMA foreign_keys = OFF")
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        if kind == "bare":
            for t in tables:
                con.execute(f'CREATE TABLE "bare_{t}" AS SELECT * FROM "{t}" WHERE 0')
        searched = {t: f for t, f in FTS.items() if rows.get(t)}
        last = {t: con.execute(f'SELECT coalesce(max(rowid), 0) FROM "{t}"').fetchone()[0] for t in searched}
        start, cpu = time.perf_counter(), time.process_time()
        con.execute("BEGIN")
        indexes = []
        if kind.startswith("complete"):
            indexes = con.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE "
                f"'CREATE UNIQUE%' AND tbl_name IN ({', '.join('?' * (len(tables) + 1))})",
                [*tables, "sync_row"]).fetchall()
            for name, _ in indexes:
                con.execute(f'DROP INDEX "{name}"')
        for t, cols in tables.items():
            # the office already knows the sites and staff of its own directory: OR IGNORE in every floor
            con.executemany(f'INSERT OR IGNORE INTO "{"bare_" + t if kind == "bare" else t}" (id, {", ".join(cols)}) '
                            f'VALUES ({", ".join("?" * (len(cols) + 1))})', rows[t])
        if kind.startswith("complete"):
            con.executemany("INSERT OR IGNORE INTO sync_row (tbl, id, part, vv, stamps) VALUES (?, ?, ?, ?, ?)",
                            sync_rows)
            for name, sql in indexes:
                if kind == "complete" or name not in WITHOUT:
                    con.execute(sql)
            for t, (fts, fts_cols) in searched.items():
                con.execute(f"INSERT INTO {fts} (rowid, {fts_cols}) SELECT rowid, {FTS_VALUES[t]} FROM {t} "
                            "WHERE rowid > ?", (last[t],))
        con.execute("COMMIT")
        out[kind] = time.perf_counter() - start
        out[f"{kind}_cpu"] = time.process_time() - cpu
        con.close()
    return out


FTS = {"talent": ("talent_fts", "name, name_pinyin, name_initials, phone, card_no"),
       "enterprise": ("enterprise_fts", "name")}
FTS_VALUES = {"talent": "name, name_pinyin, name_initials, phone, coalesce(card_no, '')", "enterprise": "name"}


def _stats(values: list[float], records: int) -> dict[str, float]:
    ordered = sorted(values)
    median = statistics.median(ordered)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median_s": round(median, 2), "p95_s": round(p95, 2), "rec_per_s": round(records / median)}


def run(label: str, make, repeats: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="dongwu-bench-sync-"))
    file, again, template, export_s = make(folder)
    times: dict[str, list[float]] = {k: [] for k in ("import", "indexed", "bare", "complete", "import_cpu",
                                                        "indexed_cpu", "bare_cpu", "complete_cpu")}
    if WITHOUT:
        times.update(complete_without=[], complete_without_cpu=[])
    for i in range(repeats):
        town = open_database(_fresh(template, folder / f"town{i}.db"))
        start, cpu = time.perf_counter(), time.process_time()
        result = engine.import_file(town, file)
        times["import"].append(time.perf_counter() - start)
        times["import_cpu"].append(time.process_time() - cpu)
        if i == repeats - 1:
            start = time.perf_counter()
            second = engine.import_file(town, again)
            again_s = time.perf_counter() - start
        town.close()
        for kind, seconds in floors(template, folder, file).items():
            times[kind].append(seconds)
    shutil.rmtree(folder, ignore_errors=True)
    records = result.records
    return {"file": label, "records": records, "repeats": repeats, "export_s": round(export_s, 2),
            "export_rec_per_s": round(records / export_s),
            **{f"{k}_{m}": v for k, values in times.items() for m, v in _stats(values, records).items()},
            "applied": result.applied, "reimport_all_held_s": round(again_s, 2),
            "reimport_rec_per_s": round(records / again_s), "reimport_skipped": second.skipped,
            "load_average": round(os.getloadavg()[0], 1)}


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--floor-without" in args:
        WITHOUT = tuple(args[args.index("--floor-without") + 1].split(","))
    repeats = int(args[args.index("--repeats") + 1]) if "--repeats" in args else 3
    if "--mixed" in args:
        source = Path(args[args.index("--mixed") + 1])
        print(json.dumps(run(f"mixed: busiest township of {source.name}", lambda f: mixed_file(f, source), repeats),
                         ensure_ascii=False), flush=True)
    sizes = [int(a) for i, a in enumerate(args) if a.isdigit() and (i == 0 or args[i - 1] != "--repeats")]
    if WITHOUT:
        print(json.dumps({"complete_without": WITHOUT}), flush=True)
    for size in sizes or ([] if "--mixed" in args else [100_000]):
        print(json.dumps(run(f"{size} talents", lambda f, n=size: talents_file(f, n), repeats), ensure_ascii=False),
              flush=True)
