"""``vegaops secret history``: a secret's versions, stages and dates (never values)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
) -> None:
    """The secret's versions with their stages and dates (never values)."""
    from vegaops.values.secrets import secret_history

    a = app_ctx(ctx)
    emit(a, secret_history(a, name))
