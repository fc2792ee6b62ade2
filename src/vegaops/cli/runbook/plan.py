"""``vegaops runbook plan``: what a runbook would change (the same path as run, applying nothing)."""

from __future__ import annotations

import typer

from vegaops.cli.common import NameArg, VarFileOpt, VarOpt, app_ctx, emit, run_result


def plan(ctx: typer.Context, name: NameArg, var: VarOpt = None, var_file: VarFileOpt = None) -> None:
    """Show what a runbook would change (the same path as run, applying nothing)."""
    from vegaops.runbook.launch import run_named

    a = app_ctx(ctx)
    book, report = run_named(a, name, var, dry_run=True, var_file=var_file)
    emit(a, run_result(a, report, data={"runbook": book, "summary": report.summary()}))
