"""``vegaops sandbox status``: whether the sandbox runs, where, and what it holds."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, where, and what it holds."""
    from vegaops.output.result import Fields, Result, Table, View
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import live_state, state_data

    a = app_ctx(ctx)
    state = live_state()
    if state is None:
        from vegaops.errors import NotFoundError

        missing = NotFoundError("the sandbox is not running", hint="start it: vegaops sandbox up")
        emit(  # exit 3: what status asks about does not exist (scripts test it)
            a,
            Result(a.command, "error", int(missing.exit_code), data={"running": False}, errors=[missing.to_dict()]),
        )
        return
    data = state_data(state)
    views: list[View] = [
        Fields(
            [("endpoint", state.endpoint), ("pid", state.pid), ("speed", state.speed), ("started", state.started_at)]
        )
    ]
    try:
        info = admin.info(state.endpoint)
    except OSError as exc:
        a.output.warn(f"the sandbox process runs but does not answer: {exc}")
        info = {"services": []}
    data["services"] = info["services"]
    rows = [
        [
            s["service"],
            s.get("strategy") or "ROLLING",
            s["task_definition"],
            s["rollout"] + (f" {s['stage']}" if s.get("stage") else ""),
            s["deployments"],
            f"{s['running']}/{s['desired']}",
            s.get("fault") or "",
        ]
        for s in info["services"]
    ]
    views.append(Table(["SERVICE", "STRATEGY", "TASK DEFINITION", "ROLLOUT", "DEPLOYMENTS", "RUNNING", "FAULT"], rows))
    emit(a, Result(a.command, data=data, views=views))
