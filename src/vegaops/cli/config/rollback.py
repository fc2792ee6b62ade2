"""``vegaops config rollback``: put an earlier value of a parameter back."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import (
    DryRunOpt,
    RedeployOpt,
    WatchOpt,
    app_ctx,
    emit,
    run_result,
)


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
    from vegaops.naming import param_name
    from vegaops.refs import param_matcher
    from vegaops.runbook import engine
    from vegaops.steps.ssm import RollbackParameter, RollbackParams
    from vegaops.values.redeploy import needs_redeploy
    from vegaops.values.redeploy import redeploy as force_redeploy

    a = app_ctx(ctx, dry_run)
    full = param_name(a.settings.params_prefix, name)
    after = a.clock.now().isoformat()
    report = engine.run(a, a.command, [engine.single(RollbackParameter, RollbackParams(name=name, to=to))])
    extra: dict[str, object] = {"restored_version": report.steps[0].outputs.get("restored_version")}
    if redeploy and (report.changed or report.dry_run):
        extra["redeploy"] = force_redeploy(a, param_matcher(full), after, full, watch)
    elif redeploy:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed and a.settings.cluster:
        extra["needs_redeploy"] = needs_redeploy(a, param_matcher(full))
    emit(a, run_result(a, report, data=extra))
