"""The demo's row of the benchmark runs (README's first line builds the demo; its figure is this row)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_only_times_the_demo_and_leaves_the_doc_alone(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "bench", "--demo-only", "--demo-talents", "20", "--repeats", "1", "--no-doc"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "`dongwu demo` (20 talents" in done.stdout and "`dongwu init`" in done.stdout
    assert "| ≤ 10 s |" in done.stdout


def test_the_demo_block_goes_between_its_own_markers(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import run

    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text(f"# Performance\n\n{run.MARK_BEGIN}\ndistrict\n{run.MARK_END}\n", encoding="utf-8")
    for _ in range(2):
        run.write_doc("demo table", doc, marks=run.DEMO_MARKS)
    text = doc.read_text(encoding="utf-8")
    assert text.count(run.DEMO_MARKS[0]) == 1 and "demo table" in text and "district" in text
