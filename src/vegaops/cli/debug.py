"""``vegaops debug SERVICE``: deployments, events, stopped tasks with their last log lines, unhealthy targets,
unresolvable secrets, and the likely causes with the next command to run."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def debug(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service name (config key or ECS service name).")],
    lines: Annotated[int, typer.Option("--lines", "-n", help="Last log lines per stopped task.", min=0)] = 10,
    stopped: Annotated[int, typer.Option("--stopped", help="Most recent stopped tasks to inspect.", min=1)] = 20,
) -> None:
    """One report for a broken deployment; --output json for the whole report."""
    from vegaops.debug.view import debug_result

    a = app_ctx(ctx)
    emit(a, debug_result(a, service, lines, stopped))
