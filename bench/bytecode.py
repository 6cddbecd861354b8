"""The desk's bytecode, for the start-up figures.

A regular install (`pip install .`, README's first line) compiles every module to bytecode, as pip does for
any package. An editable install (`pip install -e .`, README's second line, which the benchmark runs from)
leaves that to the first import, and where PYTHONDONTWRITEBYTECODE=1 is set (as on the 2-core benchmark
machine) nothing is ever written: every launch compiles the desk's ~5,000 lines of Python again, ~80 ms.
`compiled()` writes the bytecode an install would have before the launches are timed; `uncompiled()` takes it
away again for the one figure that shows what that costs.
"""

from __future__ import annotations

import compileall
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dongwu_tui"


def compiled(package: Path = PACKAGE) -> None:
    """Bytecode for every module of the desk (or of another copy of its package), as a regular install has it
    (compileall ignores PYTHONDONTWRITEBYTECODE, as pip's installer does)."""
    compileall.compile_dir(str(package), quiet=1)


@contextmanager
def uncompiled() -> Iterator[str]:
    """No bytecode for the desk while inside; yields the environment prefix that keeps the launched program
    from writing any. The bytecode is written again on the way out."""
    for cache in PACKAGE.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    try:
        yield "env PYTHONDONTWRITEBYTECODE=1 "
    finally:
        compiled()
