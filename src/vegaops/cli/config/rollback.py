"""``vegaops config rollback``: put an earlier value of a parameter back."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, RedeployOpt, WatchOpt, app_ctx, emit


def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
    to: Annotated[
        int | None,
        typer.Option("--to", help="Version whose value to restore (default: the value before the newest version)."),
    ] = None,
    redeploy: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Put the value before the newest version back (as a new version); twice is the same as once."""
    from vegaops.values.params import param_rollback

    a = app_ctx(ctx, dry_run)
    emit(a, param_rollback(a, name, to, redeploy, watch))
