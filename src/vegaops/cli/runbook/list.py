"""``vegaops runbook list``: the runbooks found and shipped."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def list_(ctx: typer.Context) -> None:
    """List the runbooks found in ./runbooks, next to vegaops.toml, and shipped with vegaops."""
    from vegaops.runbook.listing import runbook_list

    a = app_ctx(ctx)
    emit(a, runbook_list(a))
