"""``vegaops config history``: a parameter's versions, who changed it and when."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
) -> None:
    """The parameter's versions: who changed it and when (SecureString values masked)."""
    from vegaops.values.params import param_history

    a = app_ctx(ctx)
    emit(a, param_history(a, name))
