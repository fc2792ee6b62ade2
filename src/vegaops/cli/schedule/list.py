"""``vegaops schedule list``."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def list_(ctx: typer.Context) -> None:
    """Schedules and rules whose ECS targets run on the environment's cluster or its services' families:
    expression, next run, the revision they run and whether it is the current one."""
    from vegaops.schedules.listing import list_schedules

    a = app_ctx(ctx)
    emit(a, list_schedules(a))
