"""``vegaops sandbox fault``: make new tasks of a service fail the way ECS tasks fail."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def fault(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Argument(help="Service key or ECS service name.")] = None,
    mode: Annotated[str | None, typer.Argument(help="crash, oom, unhealthy, pull, secrets or alarm.")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Clear the service's fault (all faults without SERVICE).")
    ] = False,
) -> None:
    """Make new tasks of a service fail the way ECS tasks fail (applies to tasks started from now on)."""
    from vegaops.sandbox.control import sandbox_fault

    a = app_ctx(ctx)
    emit(a, sandbox_fault(a, service, mode, clear))
