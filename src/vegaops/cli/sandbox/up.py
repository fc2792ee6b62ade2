"""``vegaops sandbox up``: start the sandbox in the background and seed it."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.errors import UsageError


def up(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")] = None,
    speed: Annotated[
        float, typer.Option("--speed", help="Simulation speed factor (2 = rollouts twice as fast).")
    ] = 1.0,
) -> None:
    """Start the sandbox in the background and seed it (a no-op when it already runs)."""
    from vegaops.output.result import Fields, Result
    from vegaops.sandbox.process import start
    from vegaops.sandbox.state import live_state, state_data, state_path

    a = app_ctx(ctx)
    if speed <= 0:
        raise UsageError(f"--speed {speed}: expected a positive number", hint="for example --speed 5")
    state = live_state()
    if state is not None:
        emit(
            a,
            Result(
                a.command,
                status="unchanged",
                data=state_data(state),
                message=f"the sandbox is already running at {state.endpoint} (pid {state.pid})",
            ),
        )
        return
    import importlib.util

    if importlib.util.find_spec("moto") is None:
        raise UsageError(
            "the sandbox needs moto, which is not installed",
            hint="install the sandbox extra: pip install 'vegaops[sandbox]'",
        )
    config_path = a.config.path if a.config.services else None
    a.output.info("starting the sandbox (moto + ECS simulator) ...")
    handle = start(port=port, speed=speed, config_path=config_path)
    state = live_state()
    data = state_data(state) if state else {"pid": handle.pid, "endpoint": handle.endpoint}
    data["state_file"] = str(state_path())
    data["seeded_from"] = str(config_path) if config_path else "built-in Vega demo"
    emit(
        a,
        Result(
            a.command,
            status="changed",
            data=data,
            views=[
                Fields(
                    [
                        ("endpoint", handle.endpoint),
                        ("pid", handle.pid),
                        ("speed", speed),
                        ("seeded from", data["seeded_from"]),
                    ]
                )
            ],
            message='sandbox up: use --env sandbox, or eval "$(vegaops sandbox env)" for other tools',
        ),
    )
