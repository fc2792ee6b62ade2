"""Per-layer push progress: each blob of an image as one transfer of ``ctx.output.progress()`` (bars on a
terminal, one line per blob otherwise; drawn by ``vegaops.output.progress``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.images.source import Blob
    from vegaops.output.progress import Transfers
    from vegaops.output.render import Output


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class BlobProgress:
    """The registry client's progress callbacks (``images.registry.Progress``) as transfers of the output."""

    def __init__(self, transfers: Transfers) -> None:
        self._transfers = transfers

    def start(self, blob: Blob) -> None:
        self._transfers.start(blob.digest, f"{blob.kind} {_short(blob.digest)}", blob.size)

    def advance(self, blob: Blob, n: int) -> None:
        self._transfers.advance(blob.digest, n)

    def finish(self, blob: Blob, status: str) -> None:
        self._transfers.finish(blob.digest, status)

    def __enter__(self) -> BlobProgress:
        self._transfers.__enter__()
        return self

    def __exit__(self, *args: object) -> None:
        self._transfers.__exit__(*args)


def progress_for(output: Output) -> BlobProgress | None:
    transfers = output.progress()
    return None if transfers is None else BlobProgress(transfers)
