"""China time is defined once (domain/chinatime.py) and every time the desk gives is China time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from dongwu_tui.domain.chinatime import CHINA_TZ, china_iso, china_text, from_millis, to_china

ROOT = Path(__file__).resolve().parents[2]
# Ways of spelling China's offset or zone in code: each belongs in domain/chinatime.py only.
SPELLINGS = re.compile(r"hours\s*=\s*8\b|Asia/Shanghai|ZoneInfo\(|8\s*\*\s*3600|28800")


def test_china_time_is_defined_once():
    found = []
    for folder in ("dongwu_tui", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "chinatime.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SPELLINGS.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_conversions():
    assert china_iso("2026-12-02T02:00:00+00:00") == "2026-12-02T10:00:00+08:00"
    assert china_iso("2026-12-02 10:00:00") == "2026-12-02T10:00:00+08:00"  # naive: China time already
    assert china_text(datetime(2026, 12, 2, 2, 0, tzinfo=UTC)) == "2026-12-02 10:00:00"
    assert china_iso(None) is None and china_text("") == ""
    assert from_millis(0).isoformat() == "1970-01-01T08:00:00+08:00"
    assert to_china("2026-12-02T10:00:00+08:00").tzinfo == CHINA_TZ
