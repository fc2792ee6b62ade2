"""``vegaops secret rollback``: make an earlier version of a secret current again."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, RedeployOpt, WatchOpt, app_ctx, emit


def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Version id to make current (default: the version before the newest one)."),
    ] = None,
    redeploy_: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Make the version before the newest one current again (no new version); twice is the same as once."""
    from vegaops.values.secrets import secret_rollback

    a = app_ctx(ctx, dry_run)
    emit(a, secret_rollback(a, name, to, redeploy_, watch))
