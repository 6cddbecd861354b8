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
    args = [sys.executable, "-m", "bench", "--db", str(tmp_path / "district.db"), "--scale", "0.002", "--repeats", "1", "--sync-records", "300",
            "--no-doc"]
    if tmux.TMUX is None:
        args.append("--no-terminal")
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    names = done.stdout
    for expected in ("build the district", "open talent list", "seven view counts", "search per keystroke",
                     "caller lookup", "dashboard", "draw a full screen", "import of a"):
        assert expected in names
    if tmux.TMUX is not None:
        assert "start-up to first screen" in names and "key to screen" in names
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
