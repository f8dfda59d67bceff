"""Terminal output: one stderr console for progress and messages, stdout left for results.

Progress bars show counts and rates on long work; in a non-interactive run (CI, cron, the scheduler's log)
rich prints the finished state only, so logs stay readable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


class RateColumn(ProgressColumn):
    """Items per second, in the unit of the task (rows, files, requests)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "rows")
        if not speed:
            return Text("", style="progress.data.speed")
        return Text(f"{speed:,.0f} {unit}/s", style="progress.data.speed")


@contextlib.contextmanager
def progress(transient: bool = False) -> Iterator[Progress]:
    """A progress display on stderr: description, bar, done/total, rate, elapsed time."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
    )
    with bar:
        yield bar
