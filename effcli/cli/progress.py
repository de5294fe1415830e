"""The progress bar of `effcli profile`: on stderr, and only when stderr is a terminal (stdout stays clean)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TextIO

Progress = Callable[[str, int], None]


@contextlib.contextmanager
def progress_bar(stream: TextIO, *, passes: int) -> Iterator[tuple[Progress, Callable[[int], None]]]:
    """Yields ``(progress, start)``: ``start(models)`` once the number of models to time is known (each runs
    ``passes`` passes), ``progress(label, advance)`` as in :func:`effcli.engines.timing.time_plan`.

    Nothing is drawn unless ``stream`` is a terminal.
    """
    if not getattr(stream, "isatty", lambda: False)():
        yield (lambda label, advance: None), (lambda models: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("Timing {task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    )
    task = bar.add_task("(building)", total=None)

    def start(models: int) -> None:
        bar.update(task, total=models * passes)

    def progress(label: str, advance: int) -> None:
        if label:
            bar.update(task, description=label)
        if advance:
            bar.advance(task, advance)

    with bar:
        yield progress, start
