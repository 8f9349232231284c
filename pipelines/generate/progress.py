"""An optional rich progress bar (a no-op when not shown)."""

from __future__ import annotations

from collections.abc import Callable


class Progress:
    def __init__(self, show: bool) -> None:
        self._bar = None
        if show:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
            )
        self._task = None

    def __enter__(self) -> Progress:
        if self._bar:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar:
            self._bar.stop()

    def days(self, total: int, label: str = "simulating days") -> Callable[[int], None] | None:
        if not self._bar:
            return None
        task = self._bar.add_task(label, total=total)
        return lambda _d: self._bar.advance(task)

    def step(self, label: str) -> None:
        if self._bar:
            self._bar.console.log(label)
