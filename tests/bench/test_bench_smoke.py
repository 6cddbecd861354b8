"""The district benchmark runs end to end on a tiny database, so the harness cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import run, tmux  # noqa: E402


def test_every_measurement_runs_once(tmp_path: Path) -> None:
    # A process of its own, as a person runs it: the terminal figures start programs under tmux.
    args = [sys.executable, "-m", "bench", "--db", str(tmp_path / "district.db"), "--scale", "0.002", "--repeats", "1",
            "--sync-records", "300", "--no-doc"]
    if tmux.TMUX is None:
        args.append("--no-terminal")
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    names = done.stdout
    for expected in ("build the district", "open talent list", "seven view counts", "search per keystroke",
                     "caller lookup", "a talent's record", "dashboard", "draw a full screen", "import of a"):
        assert expected in names
    if tmux.TMUX is not None:
        assert "start-up to first screen" in names and "key to screen" in names and "no bytecode" in names
        assert "nan" not in names  # no figure timed out


def test_table_goes_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\nintro\n", encoding="utf-8")
    figure = run.Figure("x", "≤ 1 ms", 0.5, 0.6, "floor", 0.1, met=True)
    header = {"command": "python -m bench", "machine": "m", "date": "d", "database": "db"}
    run.write_doc(run.render([figure], header), doc)
    run.write_doc(run.render([figure], header), doc)
    text = doc.read_text(encoding="utf-8")
    assert text.count(run.MARK_BEGIN) == 1 and "| x | ≤ 1 ms |" in text and text.startswith("# Performance")


def test_district_build_is_consistent_and_deterministic(tmp_path: Path) -> None:
    """The bulk build (foreign keys off, SQL-made calls) gives sound data, the same for the same seed."""
    import sqlite3

    from bench import district
    from dongwu_tui.domain import identifiers

    dumps = []
    for name in ("a.db", "b.db"):
        built = district.build(tmp_path / name, 0.003)
        assert built["call"] == 3000 and built["service_request"] == 900
        db = sqlite3.connect(tmp_path / name)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        statuses = {s for (s,) in db.execute("SELECT DISTINCT status FROM service_request")}
        # (At scale 1 every status is there; 900 requests over two years leave few open ones.)
        assert {"in_progress", "resolved", "visited", "archived"} <= statuses
        # Each request's last event leaves it in the status it has; every request has a call.
        assert db.execute(
            """SELECT count(*) FROM service_request r JOIN request_event e ON e.rowid = (
            SELECT max(rowid) FROM request_event WHERE request_id = r.id) WHERE e.to_status <> r.status"""
        ).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM service_request r WHERE NOT EXISTS "
                          "(SELECT 1 FROM call c WHERE c.request_id = r.id)").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM call WHERE talent_id IS NULL").fetchone()[0] == 0
        assert db.execute("SELECT count(DISTINCT measure_number) FROM call "
                          "WHERE outcome = 'answered'").fetchone()[0] == 18
        for (number,) in db.execute("SELECT id_number FROM talent"):
            identifiers.validate_resident_id(number)
        for (code,) in db.execute("SELECT credit_code FROM enterprise"):
            identifiers.validate_credit_code(code)
        # The office's own ids (site, staff) are new in every database; everything generated is the same.
        dumps.append([db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall() for table, columns in (
            ("talent", "id, name, phone, id_number, card_no"),
            ("service_request", "id, number, talent_id, status, opened_at, due_date, resolved_at, archived_at"),
            ("request_event", "id, request_id, at, action, from_status, to_status"),
            ("call", "id, at, phone, talent_id, duration_s, measure_number, outcome, request_id"))])
        db.close()
    assert dumps[0] == dumps[1]


def test_build_only_does_not_measure_the_floor(tmp_path: Path, monkeypatch, capsys) -> None:
    floors: list[Path] = []
    monkeypatch.setattr(run.district, "build", lambda path, scale: {"seconds": 1.5, "setup seconds": 1.5})
    monkeypatch.setattr(run.district, "floor", lambda built, scratch: floors.append(scratch) or {})
    figures = run.main(["--build-only", "--db", str(tmp_path / "d.db"), "--no-doc"])
    assert floors == [] and figures == []
    assert "setup: 1.5 s" in capsys.readouterr().out
