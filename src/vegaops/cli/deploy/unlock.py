"""``vegaops deploy unlock``: remove a stale deploy lock."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def unlock(
    ctx: typer.Context, service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)]
) -> None:
    """Remove a stale deploy lock (after a crashed deploy)."""
    from vegaops.pipeline.unlock import unlock as run_unlock

    a = app_ctx(ctx)
    emit(a, run_unlock(a, service))
