"""``vegaops secret delete``: schedule a secret's deletion (or delete it at once with --force)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result
from vegaops.errors import UsageError


def delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    recovery_days: Annotated[
        int | None, typer.Option("--recovery-days", min=7, max=30, help="Recovery window (default 30).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Delete at once, without a recovery window.")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Delete a secret (asks first; recoverable for 30 days unless --force)."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import DeleteSecret, DeleteSecretParams

    if force and recovery_days is not None:
        raise UsageError("--force and --recovery-days exclude each other", hint="pass one of them")
    a = app_ctx(ctx, dry_run)
    report = engine.run(
        a, a.command, [engine.single(DeleteSecret, DeleteSecretParams(name, recovery_days, force))], always_confirm=True
    )
    emit(a, run_result(a, report))
