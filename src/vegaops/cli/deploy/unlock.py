"""``vegaops deploy unlock``: remove a stale deploy lock."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def unlock(
    ctx: typer.Context, service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)]
) -> None:
    """Remove a stale deploy lock (after a crashed deploy)."""
    from vegaops.deploy import core
    from vegaops.deploy.core import selected
    from vegaops.output.result import Result

    a = app_ctx(ctx)
    ((_key, name),) = selected(a, [service])
    held = core.unlock(a, name)
    message = (
        f"removed the deploy lock of {name} (held by {held.get('who')} since {held.get('at')})"
        if held
        else f"{name} is not locked"
    )
    emit(
        a,
        Result(
            command=a.command,
            status="changed" if held else "unchanged",
            data={"service": name, "lock": held},
            message=message,
        ),
    )
