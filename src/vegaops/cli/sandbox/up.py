"""``vegaops sandbox up``: start the sandbox in the background and seed it."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit
from vegaops.errors import UsageError


def up(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")] = None,
    speed: Annotated[
        float, typer.Option("--speed", help="Simulation speed factor (2 = rollouts twice as fast).")
    ] = 1.0,
) -> None:
    """Start the sandbox in the background and seed it (a no-op when it already runs)."""
    from vegaops.sandbox.control import sandbox_up

    a = app_ctx(ctx)
    if speed <= 0:
        raise UsageError(f"--speed {speed}: expected a positive number", hint="for example --speed 5")
    emit(a, sandbox_up(a, port, speed))
