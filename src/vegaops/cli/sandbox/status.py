"""``vegaops sandbox status``: whether the sandbox runs, where, and what it holds."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, where, and what it holds."""
    from vegaops.sandbox.control import sandbox_status

    a = app_ctx(ctx)
    emit(a, sandbox_status(a))
