"""``vegaops runbook run``: run a runbook; re-running resumes."""

from __future__ import annotations

import typer

from vegaops.cli.common import NameArg, VarFileOpt, VarOpt, app_ctx, emit, run_result


def run(ctx: typer.Context, name: NameArg, var: VarOpt = None, var_file: VarFileOpt = None) -> None:
    """Run a runbook; stops at the first failure, and re-running resumes (done steps plan empty)."""
    from vegaops.runbook.launch import run_named

    a = app_ctx(ctx)
    book, report = run_named(a, name, var, dry_run=False, var_file=var_file)
    emit(a, run_result(a, report, data={"runbook": book, "summary": report.summary()}))
