"""A progress bar on stderr for the commands that can take seconds (demo, report, sync import and export).

Shown only when stderr is a terminal, so scripts, pipes and tests see exactly the output they did. The
callback has the shape of the sync engine's `Progress`: (step, done, total), a total of 0 when it is not
known yet; rich prints the total and, once it has a rate, the time left.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

Report = Callable[[str, int, int], None]


@contextmanager
def progress_bar(labels: Mapping[str, str], stream: TextIO | None = None) -> Iterator[Report | None]:
    """`with progress_bar({"import": "导入"}) as report:` then `report(step, done, total)`; None off a terminal."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second, once rich has measured a rate."""

        def render(self, task: object) -> Text:
            speed = getattr(task, "speed", None)
            return Text(f"{speed:,.0f}/秒" if speed else "")

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), MofNCompleteColumn(),
               RateColumn(), TextColumn("剩余"), TimeRemainingColumn())
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(next(iter(labels.values()), ""), total=None)

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=labels.get(step, step), completed=done, total=total or None)

        yield report
