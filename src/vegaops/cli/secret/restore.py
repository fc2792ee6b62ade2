"""``vegaops secret restore``: cancel a secret's scheduled deletion."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result


def restore(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    dry_run: DryRunOpt = False,
) -> None:
    """Cancel the scheduled deletion of a secret."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import RestoreSecret, RestoreSecretParams

    a = app_ctx(ctx, dry_run)
    report = engine.run(a, a.command, [engine.single(RestoreSecret, RestoreSecretParams(name))])
    emit(a, run_result(a, report))
