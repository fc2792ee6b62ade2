"""``vegaops deploy history``: a service's recent deployments and their outcomes."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit
from vegaops.errors import UsageError


def history(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many revisions.")] = 10,
) -> None:
    """Recent deployments of a service: outcome, tag, digest, who, when, how long."""
    from vegaops.pipeline.history import history as run_history

    if limit < 1:
        raise UsageError(f"--limit {limit}: must be 1 or more", hint="for example --limit 10")
    a = app_ctx(ctx)
    emit(a, run_history(a, service, limit))
