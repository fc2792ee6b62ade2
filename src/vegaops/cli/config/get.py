"""``vegaops config get``: one parameter; SecureString values masked unless --reveal."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone (SecureString too).")] = False,
    version: Annotated[int | None, typer.Option("--version", help="A specific version.")] = None,
) -> None:
    """Show a parameter; SecureString values stay masked unless --reveal."""
    from vegaops.values.params import param_get

    a = app_ctx(ctx)
    emit(a, param_get(a, name, reveal, version))
