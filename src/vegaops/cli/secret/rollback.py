"""``vegaops secret rollback``: make an earlier version of a secret current again."""

from __future__ import annotations

from typing import Annotated, Any

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
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.naming import secret_name
    from vegaops.refs import secret_matcher
    from vegaops.runbook import engine
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams
    from vegaops.values.redeploy import needs_redeploy, redeploy

    a = app_ctx(ctx, dry_run)
    after = a.clock.now().isoformat()
    report = engine.run(a, a.command, [engine.single(RollbackSecret, RollbackSecretParams(name, to))])
    extra: dict[str, Any] = {}
    full = secret_name(a.settings.secrets_prefix, name)
    if redeploy_ and (report.changed or report.dry_run):
        meta = SecretsCatalog(a.client("secretsmanager")).describe(full)
        if meta is not None:
            extra["redeploy"] = redeploy(a, secret_matcher(meta.arn, full), after, full, watch)
    elif report.changed:
        meta = SecretsCatalog(a.client("secretsmanager")).describe(full)
        if meta is not None:
            extra["needs_redeploy"] = needs_redeploy(a, secret_matcher(meta.arn, full))
    emit(a, run_result(a, report, data=extra))
