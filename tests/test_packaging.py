"""A regular (non-editable) install carries every module and the catalogue: pyproject lists the packages."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_folder_of_modules_is_a_listed_package() -> None:
    listed = set(_setuptools()["packages"])
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "dongwu_tui").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - folders == {"dongwu_tui.data"}


def test_the_catalogue_is_installed_as_dongwu_tui_data() -> None:
    config = _setuptools()
    assert config["package-dir"]["dongwu_tui.data"] == "data"
    patterns = config["package-data"]["dongwu_tui.data"]
    assert "*.toml" in patterns and "holidays/*.toml" in patterns
    assert (ROOT / "data" / "measures.toml").is_file()
