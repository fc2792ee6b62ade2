"""``vegaops sandbox fault``: make new tasks of a service fail the way ECS tasks fail."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.errors import UsageError


def fault(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Argument(help="Service key or ECS service name.")] = None,
    mode: Annotated[str | None, typer.Argument(help="crash, oom, unhealthy, pull, secrets or alarm.")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Clear the service's fault (all faults without SERVICE).")
    ] = False,
) -> None:
    """Make new tasks of a service fail the way ECS tasks fail (applies to tasks started from now on)."""
    from vegaops.output.result import Result
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import running_state

    a = app_ctx(ctx)
    state = running_state()
    if clear:
        if service:
            faults = admin.set_fault(state.endpoint, service, None)
        else:
            admin.clear_faults(state.endpoint)
            faults = {}
        emit(
            a,
            Result(
                a.command,
                status="changed",
                data={"faults": faults},
                message=f"cleared the fault of {service}" if service else "cleared all faults",
            ),
        )
        return
    if not service or not mode:
        raise UsageError(
            "sandbox fault: expected SERVICE and MODE, or --clear", hint=f"modes: {', '.join(admin.FAULT_MODES)}"
        )
    if mode not in admin.FAULT_MODES:
        raise UsageError(f"sandbox fault: unknown mode {mode!r}", hint=f"modes: {', '.join(admin.FAULT_MODES)}")
    import urllib.error

    try:
        faults = admin.set_fault(state.endpoint, service, mode)
    except urllib.error.HTTPError as exc:
        from vegaops.errors import NotFoundError

        if exc.code == 404:
            raise NotFoundError(
                f"sandbox fault: no service {service!r} in the sandbox", hint="see vegaops sandbox status"
            ) from exc
        raise
    emit(
        a,
        Result(
            a.command,
            status="changed",
            data={"faults": faults},
            message=(
                f"{service}: its deployment alarm goes into ALARM during the next deployment"
                if mode == "alarm"
                else f"{service}: new tasks will fail with {mode}"
            )
            + " (clear: vegaops sandbox fault --clear)",
        ),
    )
