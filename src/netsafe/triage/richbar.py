"""The scan's progress bar on stderr (Rich): files, files/s, MB/s and time left.

A module of its own so that only ``netsafe triage scan`` imports Rich's progress bar.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from netsafe.triage.scan import Progress

_err = Console(stderr=True)


class _Rate(ProgressColumn):
    """Files per second and megabytes per second."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        files = task.fields.get("files", 0) - task.fields.get("start_files", 0)
        mb = (task.completed - task.fields.get("start_bytes", 0)) / 1e6
        if elapsed <= 0:
            return Text("")
        return Text(
            f"{files / elapsed:,.0f} files/s {mb / elapsed:,.1f} MB/s", style="progress.data.speed"
        )


class RichBar(Progress):
    """A Rich progress bar on stderr: files, files/s, MB/s and time left."""

    def __init__(self) -> None:
        self._bar = RichProgress(
            TextColumn("[bold]triage"),
            BarColumn(),
            TextColumn("{task.fields[files]:,}/{task.fields[total_files]:,} files"),
            _Rate(),
            TimeRemainingColumn(),
            console=_err,
            refresh_per_second=2,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, files: int, nbytes: int, done_files: int, done_bytes: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(
            "scan",
            total=max(nbytes, 1),
            completed=done_bytes,
            files=done_files,
            total_files=files,
            start_files=done_files,
            start_bytes=done_bytes,
        )

    def advance(self, files: int, nbytes: int) -> None:
        if self._task is None:
            return
        task = self._bar.tasks[0]
        self._bar.update(self._task, advance=nbytes, files=task.fields["files"] + files)

    def stop(self) -> None:
        self._bar.stop()
