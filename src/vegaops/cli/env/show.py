"""``vegaops env show``: an environment's resolved settings and where each came from."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def show(
    ctx: typer.Context, name: Annotated[str | None, typer.Argument(help="Environment (default: --env).")] = None
) -> None:
    """Show an environment's resolved settings and where each value came from."""
    from vegaops.environments import env_show

    a = app_ctx(ctx)
    if name is not None:
        a.options.env, a.options.env_source = name, "argument"
    emit(a, env_show(a))
