"""Per-layer push progress on stderr: rich bars on a terminal, one line per blob otherwise."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.images.source import Blob
    from vegaops.output.render import Output


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class LineProgress:
    """Non-terminal stderr: one line per blob when it is done (no bars to garble logs)."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def start(self, blob: Blob) -> None:
        return None

    def advance(self, blob: Blob, n: int) -> None:
        return None

    def finish(self, blob: Blob, status: str) -> None:
        self.output.info(f"{blob.kind} {_short(blob.digest)} ({blob.size:,} bytes): {status}")

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *args: object) -> None:
        return None


class RichProgress:
    """A rich progress bar per layer (bytes sent, rate), on the stderr console."""

    def __init__(self, output: Output) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[status]}"),
            console=output.err,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def start(self, blob: Blob) -> None:
        with self._lock:
            self._tasks[blob.digest] = self._progress.add_task(
                f"{blob.kind} {_short(blob.digest)}", total=blob.size, status="checking"
            )

    def advance(self, blob: Blob, n: int) -> None:
        self._progress.update(self._tasks[blob.digest], advance=n, status="uploading")

    def finish(self, blob: Blob, status: str) -> None:
        self._progress.update(self._tasks[blob.digest], completed=blob.size, status=status)

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *args: object) -> None:
        self._progress.stop()


def progress_for(output: Output) -> LineProgress | RichProgress | None:
    if output.quiet:
        return None
    if output.err.is_terminal:
        return RichProgress(output)
    return LineProgress(output)
