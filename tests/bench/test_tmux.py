"""The harness's terminal driver reads what tmux shows, whole, and through buffered pipes."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import tmux  # noqa: E402

pytestmark = pytest.mark.skipif(tmux.TMUX is None, reason="tmux is not installed")

# A full styled screen, as wide as the desk's, then a line that changes on each key.
SCREEN = r"""
import sys, tty, os
tty.setraw(0)
for row in range(1, 39):
    text = f"行{row:02d} 丁丽 187****9780 青年人才 ".ljust(60, "x")
    sys.stdout.write(f"\x1b[{row};1H\x1b[1;38;5;16;48;5;214m{text}\x1b[0m")
sys.stdout.write("\x1b[40;1HREADY 0"); sys.stdout.flush()
n = 0
while os.read(0, 16) != b"q":
    n += 1
    sys.stdout.write(f"\x1b[40;1HREADY {n}"); sys.stdout.flush()
"""


def test_a_full_styled_screen_is_read_whole_and_a_key_is_seen(tmp_path: Path) -> None:
    script = tmp_path / "screen.py"
    script.write_text(SCREEN, encoding="utf-8")
    session = tmux.launch(f"{sys.executable} {script}", "test-control")
    try:
        assert not math.isnan(session.wait_for(lambda s: "READY 0" in s, timeout=20))
        plain = session.screen(styles=False).splitlines()
        assert [line.split()[0] for line in plain[:38]] == [f"行{row:02d}" for row in range(1, 39)]
        assert plain[39].startswith("READY 0")
        styled = session.screen()
        assert "48;5;214" in styled  # the styles come back too
        assert session.key_to_screen("j", settle=0.1) > 0
        assert "READY 1" in session.screen(styles=False)
        # Unbuffered, readline read the ~7 KB reply one byte per system call (~9 ms a look on the desk's screen).
        assert session.control is not None
        assert isinstance(session.control.process.stdout, io.BufferedReader)
        assert session.look_cost(samples=3) > 0
    finally:
        session.close()
