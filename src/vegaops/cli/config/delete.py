"""``vegaops config delete``: delete parameters (asks first)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result


def delete(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Parameter names.", autocompletion=completion.parameter_names)],
    dry_run: DryRunOpt = False,
) -> None:
    """Delete parameters (asks first unless --yes)."""
    from vegaops.runbook import engine
    from vegaops.steps.ssm import DeleteParameters, DeleteParams

    a = app_ctx(ctx, dry_run)
    report = engine.run(
        a, a.command, [engine.single(DeleteParameters, DeleteParams(names=list(names)))], always_confirm=True
    )
    emit(a, run_result(a, report))
