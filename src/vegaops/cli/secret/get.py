"""``vegaops secret get``: a secret masked (length, fingerprint), or its value with --reveal."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    key: Annotated[str | None, typer.Option("--key", help="One field of a JSON secret.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone on stdout.")] = False,
    version_id: Annotated[str | None, typer.Option("--version-id", help="A specific version.")] = None,
) -> None:
    """Show a secret masked (length, fingerprint, version, last changed); --reveal prints the value."""
    from vegaops.values.secrets import secret_get

    a = app_ctx(ctx)
    emit(a, secret_get(a, name, key, reveal, version_id))
