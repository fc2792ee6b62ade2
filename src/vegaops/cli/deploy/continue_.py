"""``vegaops deploy continue SERVICE``: continue a deployment waiting at a pause hook."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit


def continue_(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)],
    hook: Annotated[str | None, typer.Option("--hook", help="The pause hook's id (default: the one waiting).")] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Continue a deployment paused at a pause hook (ContinueServiceDeployment CONTINUE)."""
    from vegaops.pipeline.actions import continue_deployment

    a = app_ctx(ctx, dry_run)
    emit(a, continue_deployment(a, service, "CONTINUE", hook))
