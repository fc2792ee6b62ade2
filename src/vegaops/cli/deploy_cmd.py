"""``vegaops deploy`` (run, watch, history, unlock), ``vegaops rollback`` and ``vegaops status``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vegaops.cli.common import DryRunOpt, app_ctx, emit


class DeployGroup(TyperGroup):
    """``vegaops deploy --tag T [SERVICE...]`` runs the hidden default ``run``; subcommands stay reachable."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=DeployGroup, help="Deploy an image tag to ECS and return a verdict you can trust.",
                  no_args_is_help=False)

ServicesArg = Annotated[list[str] | None, typer.Argument(help="Services (default: every service of the env).",
                                                         show_default=False)]
TimeoutOpt = Annotated[str, typer.Option("--timeout", help="Give up watching after this long (e.g. 15m, 90s).")]
PollOpt = Annotated[str | None, typer.Option("--poll-interval", help="Fixed poll interval (default: adaptive).")]


def seconds(text: str, option: str) -> float:
    from vegaops.errors import UsageError

    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    try:
        if value and value[-1] in units:
            return float(value[:-1]) * units[value[-1]]
        return float(value)
    except ValueError:
        raise UsageError(f"{option} {text!r}: not a duration", hint=f"e.g. {option} 15m or {option} 90s") from None


@app.command("run", help="Deploy TAG to the services (the default: `vegaops deploy --tag T` means this).")
def run(ctx: typer.Context,
        services: ServicesArg = None,
        tag: Annotated[str | None, typer.Option("--tag", "-t", help="Image tag to deploy.")] = None,
        container: Annotated[str | None, typer.Option(help="Container whose image changes.")] = None,
        force: Annotated[bool, typer.Option(help="Force a new deployment when the image already runs.")] = False,
        wait_for_other: Annotated[bool, typer.Option(help="Wait for a deployment in progress instead of refusing."
                                                     )] = False,
        rollback_on_failure: Annotated[bool, typer.Option(
            help="Roll back at once when tasks keep failing for a deterministic reason.")] = False,
        timeout: TimeoutOpt = "15m",
        poll_interval: PollOpt = None,
        dry_run: DryRunOpt = False) -> None:
    from vegaops.deploy.run import DeployRequest, deploy
    from vegaops.errors import UsageError

    a = app_ctx(ctx, dry_run)
    a.command = "deploy"
    if not tag:
        raise UsageError("deploy needs --tag", hint="e.g. vegaops deploy --tag v1.2.3-stable [SERVICE...]")
    req = DeployRequest(tag=tag, services=list(services or []), container=container, force=force,
                        wait_for_other=wait_for_other, rollback_on_failure=rollback_on_failure,
                        timeout=seconds(timeout, "--timeout"),
                        poll_interval=seconds(poll_interval, "--poll-interval") if poll_interval else None)
    emit(a, deploy(a, req))


@app.command("watch")
def watch(ctx: typer.Context, services: ServicesArg = None, timeout: TimeoutOpt = "15m",
          poll_interval: PollOpt = None) -> None:
    """Re-attach to the deployments in progress and give their verdicts."""
    from vegaops.deploy.ops import watch as do_watch

    a = app_ctx(ctx)
    emit(a, do_watch(a, list(services or []), seconds(timeout, "--timeout"),
                     seconds(poll_interval, "--poll-interval") if poll_interval else None))


@app.command("history")
def history(ctx: typer.Context, service: Annotated[str, typer.Argument(help="Service.")],
            limit: Annotated[int, typer.Option(help="Revisions to show.")] = 10) -> None:
    """Recent task definition revisions: image tag, outcome, when, how long, who."""
    from vegaops.deploy.ops import history as do_history

    a = app_ctx(ctx)
    emit(a, do_history(a, service, limit))


@app.command("unlock")
def unlock(ctx: typer.Context, services: ServicesArg = None) -> None:
    """Release a stale deploy lock (after a crashed deploy)."""
    from vegaops.deploy.ops import unlock as do_unlock

    a = app_ctx(ctx)
    emit(a, do_unlock(a, list(services or [])))


def rollback(ctx: typer.Context, service: Annotated[str, typer.Argument(help="Service.")],
             to: Annotated[int | None, typer.Option("--to", help="Task definition revision number.")] = None,
             timeout: TimeoutOpt = "15m", poll_interval: PollOpt = None, dry_run: DryRunOpt = False) -> None:
    """Redeploy the last revision whose deployment succeeded (or --to REVISION), watched to a verdict."""
    from vegaops.deploy.ops import rollback as do_rollback

    a = app_ctx(ctx, dry_run)
    emit(a, do_rollback(a, service, to, seconds(timeout, "--timeout"),
                        seconds(poll_interval, "--poll-interval") if poll_interval else None))


def status(ctx: typer.Context, services: ServicesArg = None) -> None:
    """Per service: running revision and image, counts, rollout, target health, last event."""
    from vegaops.deploy.ops import status as do_status

    a = app_ctx(ctx)
    emit(a, do_status(a, list(services or [])))
