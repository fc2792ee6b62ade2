"""``vegaops sandbox reset``: wipe the running sandbox and seed it again."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def reset(ctx: typer.Context) -> None:
    """Wipe everything in the running sandbox and seed the estate again."""
    from vegaops.output.result import Result
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import running_state, state_data

    a = app_ctx(ctx)
    state = running_state()
    admin.reset(state.endpoint)
    emit(a, Result(a.command, status="changed", data=state_data(state), message="sandbox reset and re-seeded"))
