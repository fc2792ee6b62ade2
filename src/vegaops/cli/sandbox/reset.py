"""``vegaops sandbox reset``: wipe the running sandbox and seed it again."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def reset(ctx: typer.Context) -> None:
    """Wipe everything in the running sandbox and seed the estate again."""
    from vegaops.sandbox.control import sandbox_reset

    a = app_ctx(ctx)
    emit(a, sandbox_reset(a))
