"""``vegaops runbook validate``: check a runbook without calling AWS."""

from __future__ import annotations

import typer

from vegaops.cli.common import NameArg, app_ctx, emit


def validate(ctx: typer.Context, name: NameArg) -> None:
    """Check a runbook (steps, parameters, variables, references) without calling AWS."""
    from vegaops.runbook.listing import runbook_validate

    a = app_ctx(ctx)
    emit(a, runbook_validate(a, name))
