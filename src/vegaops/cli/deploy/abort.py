"""``vegaops deploy abort SERVICE``: roll back a deployment waiting at a pause hook."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result


def abort(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)],
    hook: Annotated[str | None, typer.Option("--hook", help="The pause hook's id (default: the one waiting).")] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Roll back a deployment paused at a pause hook (ContinueServiceDeployment ROLLBACK)."""
    from vegaops.deploy.actions import continue_deployment, follow_up

    a = app_ctx(ctx, dry_run)
    report = continue_deployment(a, service, "ROLLBACK", hook)
    emit(a, run_result(a, report, data={"service": service}, message=follow_up(report, service)))
