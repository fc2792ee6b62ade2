"""``vegaops status``: per service, what runs and how the rollout stands."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def status(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None, typer.Argument(help="Services (default: all).", autocompletion=completion.services)
    ] = None,
) -> None:
    """Per service: task definition and tag, desired/running/pending, rollout, targets, last event."""
    from vegaops.deploy.status import status as run_status

    a = app_ctx(ctx)
    emit(a, run_status(a, list(services or [])))
