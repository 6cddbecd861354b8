"""Benchmark (not a test): export and import of N talent records, beside raw sqlite3 executemany.

    /work/venv/bin/python bench/sync_bench.py 100000 [1000000]

Builds a centre with N talents of one township (written through the capture triggers), a full export
sealed to the township, the import into the township's empty database, the same rows again (a second
full file: every record already held), and raw `executemany` of the same rows into an empty schema.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dongwu_tui.services.setup import initialise  # noqa: E402
from dongwu_tui.sync import engine, trust  # noqa: E402


def trusted_pair(folder: Path):
    """A district centre and the 木渎 office that trust each other, ready to exchange files."""
    centre = initialise(folder / "wz.db", "吴中区高层次人才服务中心", "district").office
    town = initialise(folder / "mudu.db", "木渎镇人才工作站", "township", township="mudu").office
    trust.ensure_keys(centre)
    trust.certify(centre, trust.enrolment_request(town))
    trust.install_bundle(town, json.loads(json.dumps(trust.trust_bundle(centre))))
    return centre, town


def build(folder: Path, n: int):
    centre, town = trusted_pair(folder)
    category = centre.db.execute_sql("SELECT code FROM talent_category LIMIT 1").fetchone()[0]
    level = centre.db.execute_sql("SELECT code FROM talent_level LIMIT 1").fetchone()[0]
    rows = [(f"00000000-0000-7000-8000-{i:012d}", "site", "2026-11-01 09:00:00", "2026-11-01 09:00:00", 0,
             f"人才{i}", f"rencai{i}", "rc", f"138{i:08d}", "resident", None, category, level, None, "mudu", None,
             f"DW{i:08d}", "") for i in range(n)]
    return centre, town, rows


INSERT = ("INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, name_pinyin, name_initials, phone, "
          "id_kind, id_number, category_code, level_code, enterprise_id, township_code, specialist_id, card_no, notes) "
          "VALUES (" + ", ".join("?" * 18) + ")")


def drop_search_triggers(office) -> None:
    """Bench only: the search index's triggers (migration 0002) cost more than everything else together;
    dropping them shows what sync itself costs."""
    for (name,) in office.db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'"):
        office.db.execute_sql(f'DROP TRIGGER "{name}"')


def run(n: int, bare: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="dongwu-bench-"))
    centre, town, rows = build(folder, n)
    if bare:
        drop_search_triggers(centre)
        drop_search_triggers(town)
    centre.db.execute_sql("PRAGMA cache_size = -262144")
    t = time.perf_counter()
    with centre.write():
        centre.db.cursor().executemany(INSERT, rows)
    capture = time.perf_counter() - t

    raw = initialise(folder / "raw.db", "木渎镇人才工作站", "township", township="mudu").office
    # Raw SQLite: the same rows into the same tables and indexes, with no sync machinery at all.
    for (name,) in raw.db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync%'"):
        raw.db.execute_sql(f'DROP TRIGGER "{name}"')
    if bare:
        drop_search_triggers(raw)
    raw.db.execute_sql("PRAGMA cache_size = -262144")  # the same cache the import uses
    t = time.perf_counter()
    with raw.write():
        raw.db.cursor().executemany(INSERT, rows)
    raw_s = time.perf_counter() - t

    t = time.perf_counter()
    exported = engine.export_file(centre, "mudu", folder / "out", full=True)
    export_s = time.perf_counter() - t
    t = time.perf_counter()
    result = engine.import_file(town, exported.path)
    import_s = time.perf_counter() - t
    again = engine.export_file(centre, "mudu", folder / "out2", full=True)
    t = time.perf_counter()
    second = engine.import_file(town, again.path)
    again_s = time.perf_counter() - t
    records = exported.records
    return {"schema": "without search triggers" if bare else "full schema", "talents": n, "records_in_file": records, "file_mb": round(exported.size / 1e6, 1),
            "capture_s": round(capture, 2), "raw_executemany_s": round(raw_s, 2),
            "raw_rec_per_s": round(n / raw_s), "export_s": round(export_s, 2),
            "export_rec_per_s": round(records / export_s), "import_s": round(import_s, 2),
            "import_rec_per_s": round(result.applied / import_s), "reimport_all_held_s": round(again_s, 2),
            "reimport_rec_per_s": round(records / again_s), "reimport_skipped": second.skipped}


if __name__ == "__main__":
    bare_only = "--bare" in sys.argv
    for size in [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000]:
        if not bare_only:
            print(json.dumps(run(size, bare=False), ensure_ascii=False), flush=True)
        print(json.dumps(run(size, bare=True), ensure_ascii=False), flush=True)
