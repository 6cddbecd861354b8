"""The declared layers and the absence of import cycles (the contracts of [tool.importlinter] in
pyproject.toml), and the rule that the running program never loads a migration file: migrations are
frozen snapshots run only by the upgrade (storage/database.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dongwu_tui"


def test_import_contracts_are_kept() -> None:
    # In its own process: import-linter configures logging with dictConfig, which disables every logger
    # already made in this one (the desk's error log tests would then find no log file).
    lint = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; "
            "sys.exit(c())", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"]
    result = subprocess.run(lint, capture_output=True, text=True, cwd=ROOT, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report and "3 kept" in report


# Ways to load a migration file: by its path (the folder's name, importlib's file loaders) or by import.
_LOADERS = {"MIGRATIONS_DIR", "spec_from_file_location", "SourceFileLoader", "module_from_spec"}


def _loads_migrations(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and ".migrations" in f".{node.module}":
            if node.module.startswith("dongwu_tui") or node.level:
                found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("dongwu_tui.storage.migrations")]
        elif isinstance(node, ast.Name | ast.Attribute | ast.alias):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else node.name
            if name in _LOADERS:
                found.append(name)
    return found


def test_runtime_code_never_loads_a_migration() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("dongwu_tui/storage/migrations/") or relative == "dongwu_tui/storage/database.py":
            continue
        found = _loads_migrations(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            offenders[relative] = found
    assert offenders == {}
