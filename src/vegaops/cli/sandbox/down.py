"""``vegaops sandbox down``: stop the running sandbox."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def down(ctx: typer.Context) -> None:
    """Stop the running sandbox (exactly the process in the state file)."""
    from vegaops.output.result import Result
    from vegaops.sandbox.process import stop_pid
    from vegaops.sandbox.state import clear_state, live_state, state_path

    a = app_ctx(ctx)
    state = live_state()
    if state is None:
        emit(a, Result(a.command, status="unchanged", data={"running": False}, message="the sandbox is not running"))
        return
    stop_pid(state.pid)
    clear_state(state_path(), state.pid)
    emit(
        a,
        Result(
            a.command,
            status="changed",
            data={"running": False, "stopped_pid": state.pid},
            message=f"sandbox stopped (pid {state.pid})",
        ),
    )
