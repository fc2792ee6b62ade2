"""``vegaops config list``: the parameters under a path."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def list_(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="Path (default: the environment's prefix).")] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Include sub-paths.")] = False,
    values: Annotated[bool, typer.Option("--values", help="Show values (SecureString masked).")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="With --values: show SecureString values.")] = False,
) -> None:
    """List parameters under a path (paginated)."""
    from vegaops.values.params import param_list

    a = app_ctx(ctx)
    emit(a, param_list(a, path, recursive, values, reveal))
