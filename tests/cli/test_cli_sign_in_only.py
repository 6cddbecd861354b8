"""Every command that acts as someone opens the office through the signed-in session: no command module may
open a desk for a named person by itself (that was how `--as NAME` made anyone anyone)."""

from __future__ import annotations

import re
from pathlib import Path

import dongwu_tui.cli

CLI = Path(dongwu_tui.cli.__file__).parent
# sessions.py is where the session is proven; account_commands.py opens the office to sign in (login,
# logout, password), with no one acting yet.
ALLOWED = {"sessions.py", "account_commands.py"}


def test_no_command_opens_a_desk_for_a_named_person_by_itself() -> None:
    offenders = []
    for path in sorted(CLI.glob("*.py")):
        if path.name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # A second argument names who acts; `open_desk(path)` or `open_desk(path, None)` acts as no one.
            if re.search(r"\bopen_desk\([^,()]+(\([^()]*\))?[^,()]*,(?!\s*None\b)", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
