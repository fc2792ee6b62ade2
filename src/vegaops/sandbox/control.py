"""What the ``sandbox`` commands do: start, stop, report, reset the local sandbox and set its faults."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def sandbox_down(a: AppContext) -> Result:
    """Stop the running sandbox (exactly the process in the state file)."""
    from vegaops.output.result import Result
    from vegaops.sandbox.process import stop_pid
    from vegaops.sandbox.state import clear_state, live_state, state_path

    state = live_state()
    if state is None:
        return Result(a.command, status="unchanged", data={"running": False}, message="the sandbox is not running")
    stop_pid(state.pid)
    clear_state(state_path(), state.pid)
    return Result(
        a.command,
        status="changed",
        data={"running": False, "stopped_pid": state.pid},
        message=f"sandbox stopped (pid {state.pid})",
    )


def sandbox_status(a: AppContext) -> Result:
    """Whether the sandbox runs, where, and what it holds."""
    from vegaops.output.result import Fields, Result, Table, View
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import live_state, state_data

    state = live_state()
    if state is None:
        from vegaops.errors import NotFoundError

        missing = NotFoundError("the sandbox is not running", hint="start it: vegaops sandbox up")
        # exit 3: what status asks about does not exist (scripts test it)
        return Result(a.command, "error", int(missing.exit_code), data={"running": False}, errors=[missing.to_dict()])
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
    return Result(a.command, data=data, views=views)


def sandbox_env(a: AppContext) -> Result:
    """Export lines that point the aws cli and boto3 scripts at the sandbox."""
    from vegaops.output.result import Result, Reveal
    from vegaops.sandbox.env import env_vars
    from vegaops.sandbox.state import running_state

    state = running_state()
    variables = env_vars(state.endpoint)
    lines = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in variables.items())
    return Result(a.command, data={"env": variables}, views=[Reveal(lines)])


def sandbox_reset(a: AppContext) -> Result:
    """Wipe everything in the running sandbox and seed the estate again."""
    from vegaops.output.result import Result
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import running_state, state_data

    state = running_state()
    admin.reset(state.endpoint)
    return Result(a.command, status="changed", data=state_data(state), message="sandbox reset and re-seeded")


def sandbox_fault(a: AppContext, service: str | None, mode: str | None, clear: bool) -> Result:
    """Make new tasks of a service fail the way ECS tasks fail (or clear the faults)."""
    from vegaops.output.result import Result
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import running_state

    state = running_state()
    if clear:
        if service:
            faults = admin.set_fault(state.endpoint, service, None)
        else:
            admin.clear_faults(state.endpoint)
            faults = {}
        return Result(
            a.command,
            status="changed",
            data={"faults": faults},
            message=f"cleared the fault of {service}" if service else "cleared all faults",
        )
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
    return Result(
        a.command,
        status="changed",
        data={"faults": faults},
        message=(
            f"{service}: its deployment alarm goes into ALARM during the next deployment"
            if mode == "alarm"
            else f"{service}: new tasks will fail with {mode}"
        )
        + " (clear: vegaops sandbox fault --clear)",
    )


def sandbox_up(a: AppContext, port: int | None, speed: float) -> Result:
    """Start the sandbox in the background and seed it (a no-op when it already runs)."""
    from vegaops.output.result import Fields, Result
    from vegaops.sandbox.process import start
    from vegaops.sandbox.state import live_state, state_data, state_path

    state = live_state()
    if state is not None:
        return Result(
            a.command,
            status="unchanged",
            data=state_data(state),
            message=f"the sandbox is already running at {state.endpoint} (pid {state.pid})",
        )
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
    return Result(
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
    )
