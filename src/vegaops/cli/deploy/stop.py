"""``vegaops deploy stop SERVICE [--rollback]``: stop the deployment in flight, of any strategy."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit


def stop(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)],
    rollback: Annotated[
        bool,
        typer.Option(
            "--rollback", help="Roll back to the previous revision (default: ABORT, leave things as they are)."
        ),
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Stop the deployment in flight (StopServiceDeployment ABORT, or ROLLBACK with --rollback)."""
    from vegaops.pipeline.actions import stop_deployment

    a = app_ctx(ctx, dry_run)
    emit(a, stop_deployment(a, service, rollback))
