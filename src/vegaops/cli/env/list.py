"""``vegaops env list``: the environments in vegaops.toml and the built-in ones."""

from __future__ import annotations

import typer

from vegaops.cli.common import app_ctx, emit


def list_envs(ctx: typer.Context) -> None:
    """List the environments defined in vegaops.toml (and the built-in ones)."""
    from vegaops.environments import env_list

    a = app_ctx(ctx)
    emit(a, env_list(a))
