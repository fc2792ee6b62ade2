"""``vegaops sandbox env``: export lines pointing other tools at the sandbox."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def env(ctx: typer.Context) -> None:
    """Print export lines that point the aws cli and boto3 scripts at the sandbox."""
    from vegaops.sandbox.control import sandbox_env

    a = app_ctx(ctx)
    emit(a, sandbox_env(a))
