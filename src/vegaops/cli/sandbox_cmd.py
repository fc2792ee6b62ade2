"""``vegaops sandbox``: a local simulated AWS estate (moto + an ECS that rolls out) for demos and tests."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated

import typer

from vegaops.cli.common import app_ctx, emit
from vegaops.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.sandbox.state import SandboxState

app = typer.Typer(
    rich_markup_mode=None,
    help="The local sandbox: a simulated AWS estate (up, down, status, env, reset, fault).",
    no_args_is_help=True,
)


def _running(a: AppContext) -> SandboxState:
    from vegaops.sandbox.state import live_state

    state = live_state()
    if state is None:
        raise ConfigError("the sandbox is not running", hint="run: vegaops sandbox up")
    return state


def _state_data(state: SandboxState) -> dict[str, object]:
    return {
        "running": True,
        "pid": state.pid,
        "port": state.port,
        "endpoint": state.endpoint,
        "region": state.region,
        "started_at": state.started_at,
        "speed": state.speed,
    }


@app.command("up")
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
    from vegaops.sandbox.state import live_state, state_path

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
                data=_state_data(state),
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
    data = _state_data(state) if state else {"pid": handle.pid, "endpoint": handle.endpoint}
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


@app.command("down")
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


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, where, and what it holds."""
    from vegaops.output.result import Fields, Result, Table, View
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import live_state

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
    data = _state_data(state)
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


@app.command("env")
def env(ctx: typer.Context) -> None:
    """Print export lines that point the aws cli and boto3 scripts at the sandbox."""
    from vegaops.output.result import Result, Reveal
    from vegaops.sandbox.env import env_vars

    a = app_ctx(ctx)
    state = _running(a)
    variables = env_vars(state.endpoint)
    lines = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in variables.items())
    emit(a, Result(a.command, data={"env": variables}, views=[Reveal(lines)]))


@app.command("reset")
def reset(ctx: typer.Context) -> None:
    """Wipe everything in the running sandbox and seed the estate again."""
    from vegaops.output.result import Result
    from vegaops.sandbox import admin

    a = app_ctx(ctx)
    state = _running(a)
    admin.reset(state.endpoint)
    emit(a, Result(a.command, status="changed", data=_state_data(state), message="sandbox reset and re-seeded"))


@app.command("fault")
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

    a = app_ctx(ctx)
    state = _running(a)
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
