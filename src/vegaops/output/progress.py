"""Transfer progress on stderr: a rich bar per item (bytes sent, rate) on a terminal, one line per item when it
is done otherwise (no bars to garble logs). Items are named by a key; ``label`` is what a person reads."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from vegaops.output.render import Output


class Transfers(Protocol):
    """Progress of several transfers at once (thread-safe); a context manager around them."""

    def start(self, key: str, label: str, total: int) -> None: ...
    def advance(self, key: str, n: int) -> None: ...
    def finish(self, key: str, status: str) -> None: ...
    def __enter__(self) -> Transfers: ...
    def __exit__(self, *args: object) -> None: ...


class TransferLines:
    """Not a terminal: one line per item when it is done."""

    def __init__(self, output: Output) -> None:
        self._output = output
        self._items: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def start(self, key: str, label: str, total: int) -> None:
        with self._lock:
            self._items[key] = (label, total)

    def advance(self, key: str, n: int) -> None:
        return None

    def finish(self, key: str, status: str) -> None:
        label, total = self._items[key]
        self._output.info(f"{label} ({total:,} bytes): {status}")

    def __enter__(self) -> TransferLines:
        return self

    def __exit__(self, *args: object) -> None:
        return None


class TransferBars:
    """A terminal: a rich progress bar per item (bytes sent, rate) on the stderr console."""

    def __init__(self, output: Output) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[status]}"),
            console=output._err_console(),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._totals: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, key: str, label: str, total: int) -> None:
        with self._lock:
            self._tasks[key] = self._progress.add_task(label, total=total, status="checking")
            self._totals[key] = total

    def advance(self, key: str, n: int) -> None:
        self._progress.update(self._tasks[key], advance=n, status="uploading")

    def finish(self, key: str, status: str) -> None:
        self._progress.update(self._tasks[key], completed=self._totals[key], status=status)

    def __enter__(self) -> TransferBars:
        self._progress.start()
        return self

    def __exit__(self, *args: object) -> None:
        self._progress.stop()
