"""``vegaops sandbox down``: stop the running sandbox."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def down(ctx: typer.Context) -> None:
    """Stop the running sandbox (exactly the process in the state file)."""
    from vegaops.sandbox.control import sandbox_down

    a = app_ctx(ctx)
    emit(a, sandbox_down(a))
