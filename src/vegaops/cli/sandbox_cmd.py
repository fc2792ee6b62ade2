"""``vegaops sandbox``: the local simulated AWS estate (up, down, status, env, reset, fault)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit

app = typer.Typer(help="The local sandbox: a simulated AWS estate that needs no account.", no_args_is_help=True)

FAULTS = ("crash", "oom", "unhealthy", "pull", "secrets")


def _require_moto() -> None:
    import importlib.util

    from vegaops.errors import UsageError

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("werkzeug") is None:
        raise UsageError("the sandbox needs the 'sandbox' extra (moto[server])",
                         hint="pip install 'vegaops[sandbox]'")


@app.command("up")
def up(ctx: typer.Context,
       port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = None,
       speed: Annotated[float, typer.Option(help="Rollout speed factor (1 = a rollout in ~5-15 s).")] = 1.0) -> None:
    """Start the sandbox in the background, seed the Vega estate, and record its address."""
    from vegaops.output.result import Fields, Result
    from vegaops.sandbox import process
    from vegaops.sandbox.state import load

    a = app_ctx(ctx)
    process.check_port(port)
    running = load()
    if running is not None:
        emit(a, Result(a.command, status="unchanged", data=vars(running),
                       message=f"the sandbox already runs at {running.endpoint} (pid {running.pid})"))
        return
    _require_moto()
    a.output.info("starting the sandbox (seeding the Vega estate)...")
    handle = process.start(port=port, speed=speed)
    s = handle.state
    emit(a, Result(a.command, status="changed", data=vars(s),
                   views=[Fields([("endpoint", s.endpoint), ("pid", s.pid), ("region", s.region),
                                  ("speed", s.speed)])],
                   message=f"sandbox running at {s.endpoint}; try: vegaops --env sandbox status"))


@app.command("down")
def down(ctx: typer.Context) -> None:
    """Stop the sandbox process this user started."""
    from vegaops.output.result import Result
    from vegaops.sandbox import process

    a = app_ctx(ctx)
    stopped = process.stop()
    if stopped is None:
        emit(a, Result(a.command, status="unchanged", message="the sandbox is not running"))
        return
    emit(a, Result(a.command, status="changed", data=vars(stopped),
                   message=f"stopped the sandbox at {stopped.endpoint} (pid {stopped.pid})"))


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, its address and what it holds."""
    from vegaops.output.result import Fields, Result, Table
    from vegaops.sandbox import admin
    from vegaops.sandbox.state import load

    a = app_ctx(ctx)
    s = load()
    if s is None:
        emit(a, Result(a.command, data={"running": False}, message="the sandbox is not running (vegaops sandbox up)"))
        return
    info = admin.status(s.endpoint)
    rows = [[name, v["task_definition"], v["rollout"], v["deployments"], info["faults"].get(name, "")]
            for name, v in sorted(info["services"].items())]
    emit(a, Result(a.command, data={"running": True, **vars(s), **info},
                   views=[Fields([("endpoint", s.endpoint), ("pid", s.pid), ("started", s.started_at),
                                  ("speed", s.speed)]),
                          Table(["SERVICE", "TASK DEFINITION", "ROLLOUT", "DEPLOYMENTS", "FAULT"], rows)]))


@app.command("env")
def env(ctx: typer.Context) -> None:
    """Print export lines so other tools (aws cli, boto3 scripts) use the sandbox too."""
    import shlex

    from vegaops.output.result import Lines, Result
    from vegaops.sandbox.env import exports, running

    a = app_ctx(ctx)
    variables = exports(running())
    emit(a, Result(a.command, data=variables,
                   views=[Lines([f"export {k}={shlex.quote(v)}" for k, v in variables.items()])]))


@app.command("reset")
def reset(ctx: typer.Context) -> None:
    """Stop and start the sandbox again with a freshly seeded estate (same port and speed)."""
    from vegaops.output.result import Result
    from vegaops.sandbox import process

    a = app_ctx(ctx)
    _require_moto()
    old = process.stop()
    handle = process.start(port=old.port if old else None, speed=old.speed if old else 1.0)
    emit(a, Result(a.command, status="changed", data=vars(handle.state),
                   message=f"sandbox reset and running at {handle.endpoint}"))


@app.command("fault")
def fault(ctx: typer.Context,
          service: Annotated[str | None, typer.Argument(help="ECS service or key (api, vega-api).")] = None,
          mode: Annotated[str | None, typer.Argument(help="crash | oom | unhealthy | pull | secrets")] = None,
          clear: Annotated[bool, typer.Option("--clear", help="Clear the fault (of SERVICE, or all).")] = False
          ) -> None:
    """Make new tasks of a service fail the way ECS tasks fail (or clear that)."""
    from vegaops.errors import UsageError
    from vegaops.output.result import Result
    from vegaops.sandbox import admin, estate
    from vegaops.sandbox.env import running

    a = app_ctx(ctx)
    endpoint = running().endpoint
    names = {s.key: s.ecs_service for s in estate.SERVICES}
    if clear:
        targets = [names.get(service, service)] if service else list(admin.status(endpoint)["faults"])
        for name in targets:
            admin.set_fault(endpoint, name, None)
        emit(a, Result(a.command, status="changed" if targets else "unchanged",
                       message=f"cleared faults: {', '.join(targets) or 'none set'}"))
        return
    if not service or mode not in FAULTS:
        raise UsageError(f"fault needs SERVICE and MODE (one of {', '.join(FAULTS)})",
                         hint="e.g. vegaops sandbox fault api crash, or --clear")
    name = names.get(service, service)
    admin.set_fault(endpoint, name, mode)
    emit(a, Result(a.command, status="changed", data={"service": name, "mode": mode},
                   message=f"new tasks of {name} will fail ({mode}); clear with: vegaops sandbox fault --clear"))
