"""The bulk path writes the same derived data (search index, sync rows, actor stamps) as the triggers."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.district import District, PlainWriter, _cast  # noqa: E402
from dongwu_tui.services.desk import Desk  # noqa: E402
from dongwu_tui.storage.bulk import bulk_load  # noqa: E402
from dongwu_tui.storage.database import open_database  # noqa: E402


def _load_both(tmp_path: Path, scale: float, batches: tuple[tuple[str, ...], ...] = (District.TABLES,)) \
        -> tuple[Path, Path]:
    triggered, bulk = tmp_path / "triggered.db", tmp_path / "bulk.db"
    office, cast = _cast(triggered)
    office.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    source = sqlite3.connect(triggered)
    target = sqlite3.connect(bulk)
    source.backup(target)
    source.close()
    target.close()
    with office.write():
        District(cast, scale).load(PlainWriter(office))
    office.close()
    copy = open_database(bulk)
    Desk(copy)  # as the program opens it: the desk keeps the working-day table after each write
    district = District(cast, scale)
    for tables in batches:
        with bulk_load(copy) as writer:
            district.load(writer, tables)
    copy.close()
    return triggered, bulk


def _sync_rows(path: Path) -> list[tuple[str, str, str, object, object]]:
    """sync_row with each counter replaced by its rank: the trigger takes the clock, bulk counts on."""
    db = sqlite3.connect(path)
    rows = db.execute("SELECT tbl, id, part, vv, stamps FROM sync_row").fetchall()
    counters = sorted({c for _, _, _, vv, _ in rows for c in json.loads(vv).values()})
    rank = {c: i for i, c in enumerate(counters)}

    def norm(value: object) -> object:
        if isinstance(value, list) and len(value) >= 2 and isinstance(value[1], int):
            return ["R", rank.get(value[1], value[1]), *value[2:]]
        return value

    out = []
    for tbl, rid, part, vv, stamps in rows:
        vector = {"R": rank[[*json.loads(vv).values()][-1]]}
        out.append((tbl, rid, part, json.dumps(vector),
                    json.dumps({k: norm(v) for k, v in json.loads(stamps).items()})))
    state = db.execute("SELECT counter FROM sync_state").fetchone()[0]
    db.close()
    assert state == max(counters)
    return sorted(out)


def _search(path: Path, terms: list[str]) -> list[list[int]]:
    db = sqlite3.connect(path)
    found = [[r[0] for r in db.execute("SELECT rowid FROM talent_fts WHERE talent_fts MATCH ? ORDER BY rowid",
                                        (f'"{t}"',))] for t in terms]
    found += [[r[0] for r in db.execute("SELECT rowid FROM enterprise_fts WHERE enterprise_fts MATCH ? ORDER BY rowid",
                                         (f'"{t}"',))] for t in terms]
    db.execute("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO enterprise_fts (enterprise_fts) VALUES ('integrity-check')")
    triggers = sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    db.close()
    return [*found, triggers]  # type: ignore[list-item]


def test_bulk_load_derives_what_the_triggers_write(tmp_path: Path) -> None:
    triggered, bulk = _load_both(tmp_path, 0.003)
    assert _sync_rows(bulk) == _sync_rows(triggered)
    terms = ["wang", "138", "DW0001", "生物科技", "zhang", "li"]
    assert _search(bulk, terms) == _search(triggered, terms)
    for table in ("talent", "enterprise", "service_request", "request_event", "call"):
        a, b = sqlite3.connect(triggered), sqlite3.connect(bulk)
        assert a.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == \
            b.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    # The report facts and their aggregates: the fact triggers row by row = the bulk path's grouped rebuild.
    assert _facts(bulk) == _facts(triggered)
    assert any(row[1] for row in _facts(bulk)["report_fact"])  # some request has an event fact set


def test_bulk_load_of_events_for_requests_already_there(tmp_path: Path) -> None:
    """Events loaded after their requests (a second bulk load): their actors are patched onto the
    requests' stamps afterwards instead of folded into the requests' capture; same result."""
    triggered, bulk = _load_both(tmp_path, 0.002, (("enterprise", "talent", "service_request"),
                                                    ("request_event", "call")))
    assert _sync_rows(bulk) == _sync_rows(triggered)
    assert _facts(bulk) == _facts(triggered)


def _facts(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    tables = [t for (t,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = 'report_fact' OR name LIKE 'report_cube_%' "
        "OR name IN ('report_axis_month', 'report_week')) ORDER BY name")]
    out: dict[str, list[tuple[object, ...]]] = {}
    for table in tables:
        if table == "report_fact":
            # request, then the four event facts (the grouped derivation's part) and every column
            columns = "request_id, reworked + 2 * returned_once + 4 * extension_approved + 8 * repeated, *"
        else:
            columns = "*"
        rows = sorted(db.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
        if table != "report_fact":
            # Aggregate rows whose count fell to zero stay until a rebuild: compare the live ones.
            names = [d[1] for d in db.execute(f"PRAGMA table_info({table})")]
            rows = [r for r in rows if r[names.index("n")] != 0]
        out[table] = rows
    db.close()
    assert "report_fact" in out
    return out


def test_bulk_load_into_a_filled_database_adds_to_the_index(tmp_path: Path) -> None:
    office, cast = _cast(tmp_path / "office.db")
    district = District(cast, 0.002)
    with bulk_load(office) as writer:
        district.load(writer, ("enterprise", "talent"))
    second = District(cast, 0.002, seed=8)
    with bulk_load(office) as writer:
        second.load(writer, ("enterprise", "talent"))
    db = office.db
    assert db.execute_sql("SELECT count(*) FROM talent_fts").fetchone()[0] == 2 * district.sizes["talents"]
    db.execute_sql("INSERT INTO talent_fts (talent_fts) VALUES ('integrity-check')")
    assert db.execute_sql("SELECT count(*) FROM sync_row WHERE tbl = 'talent'").fetchone()[0] == 2 * district.sizes[
        "talents"]
    office.close()


def test_failed_bulk_load_keeps_the_triggers(tmp_path: Path) -> None:
    office, cast = _cast(tmp_path / "office.db")
    before = office.db.execute_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
    try:
        with bulk_load(office) as writer:
            writer.insert("talent", ["id"], [("x",)])
    except Exception:  # noqa: BLE001 - a NOT NULL failure, on purpose
        pass
    after = office.db.execute_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
    assert after == before
    office.close()


def test_facts_backfill_gives_what_the_triggers_keep(tmp_path: Path) -> None:
    """The facts' backfill (`rebuild`, a grouped pass over the events) = the facts their triggers keep
    row by row, also with deleted events, deleted requests and merged-in events."""
    from dongwu_tui.storage import facts

    office, cast = _cast(tmp_path / "office.db")
    with office.write():
        District(cast, 0.003).load(PlainWriter(office))
    db = office.db
    with office.write():  # through the triggers: the maintained facts follow each write
        db.execute_sql("UPDATE request_event SET deleted = 1 WHERE rowid % 3 = 0 AND action IN ('visit', 'return', "
                       "'approve-extension', 'repeat-call')")
        db.execute_sql("UPDATE request_event SET action = 'merged-in' WHERE rowid % 40 = 1 AND action = 'log'")
        db.execute_sql("UPDATE service_request SET deleted = 1 WHERE rowid % 50 = 0")
    office.close()
    kept = _facts(tmp_path / "office.db")
    assert {row[1] for row in kept["report_fact"]} >= {0, 1, 2, 8}
    office = open_database(tmp_path / "office.db")
    with office.write():
        facts.rebuild(office.db)
    office.close()
    assert _facts(tmp_path / "office.db") == kept


def test_floor_writes_every_table_of_the_built_file_and_cleans_up(tmp_path: Path) -> None:
    from bench.district import FLOOR_STEPS, build, floor

    build(tmp_path / "d.db", 0.002)
    built = sqlite3.connect(tmp_path / "d.db")
    virtual = [name for (name,) in built.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]
    tables = {name for (name,) in built.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name NOT LIKE 'sqlite_%'")
              if name not in virtual and not name.startswith(tuple(f"{v}_" for v in virtual))}
    built.close()
    assert {"talent_fts", "enterprise_fts"} <= set(virtual)
    assert {"talent", "request_event", "call", "sync_row", "report_fact", "report_cube_month"} <= tables
    out = floor(tmp_path / "d.db", tmp_path / "scratch.db")
    assert {f"insert {t}" for t in tables} | set(FLOOR_STEPS) == set(out)
    assert not (tmp_path / "scratch.db").exists()
