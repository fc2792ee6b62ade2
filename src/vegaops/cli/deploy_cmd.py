"""``vegaops deploy``, ``deploy watch|history|unlock``, ``rollback`` and ``status``: thin typer layer."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit
from vegaops.cli.deploy import abort, continue_, stop
from vegaops.cmdline import prog


class DeployGroup(TyperGroup):
    """``deploy [SERVICE...] --tag T`` and ``deploy watch|history|unlock ...`` side by side: when the first
    argument names a subcommand, the group's own options and SERVICE arguments are not parsed."""

    allow_interspersed_args = True  # deploy api --dry-run

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            TyperGroup.parse_args(self, ctx, [])
            ctx._protected_args, ctx.args = args[:1], args[1:]
            return list(ctx.args)
        return TyperGroup.parse_args(self, ctx, args)


app = typer.Typer(
    rich_markup_mode=None,
    cls=DeployGroup,
    help="Deploy an image tag to ECS services, watch it, and say truthfully what happened.",
    invoke_without_command=True,
)

TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds to wait for the rollout (default 15 min).")]
WaitUntilOpt = Annotated[
    str | None,
    typer.Option(
        "--wait-until",
        help="Exit 0 once the deployment reaches this lifecycle stage healthy (RECONCILE_SERVICE ... BAKE_TIME, "
        "CLEAN_UP, or paused); ECS goes on, `deploy watch` re-attaches for the verdict.",
    ),
]
PollOpt = Annotated[
    float | None, typer.Option("--poll-interval", help="Fixed seconds between polls (default: adaptive).")
]


def _duration(value: str) -> float:
    from vegaops.inputs import parse_duration

    return parse_duration(value, "--timeout")


def _poll(value: float | None) -> float | None:
    from vegaops.inputs import positive_seconds

    return positive_seconds(value, "--poll-interval")


@app.callback()
def deploy(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None,
        typer.Argument(help="Services (default: all of the environment).", autocompletion=completion.services),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(
            "--tag", "-t", help="Image tag to deploy, e.g. v1.2.3-stable.", autocompletion=completion.image_tags
        ),
    ] = None,
    container: Annotated[str | None, typer.Option("--container", help="Container whose image changes.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Force a new deployment when already deployed.")] = False,
    wait_for_other: Annotated[
        bool, typer.Option("--wait-for-other", help="Wait for another deployment in progress.")
    ] = False,
    rollback_on_failure: Annotated[
        bool,
        typer.Option(
            "--rollback-on-failure", help="Roll back at once when tasks keep failing (do not wait for the breaker)."
        ),
    ] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to watch: 900, 15m, 1h.")] = "15m",
    poll_interval: PollOpt = None,
    wait_until: WaitUntilOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Deploy --tag TAG to SERVICE... and watch it to a verdict (exit 0, 5, 6, 7, 8)."""
    if ctx.invoked_subcommand is not None:
        return
    from vegaops.deploy.run import DeployOptions
    from vegaops.deploy.run import deploy as run_deploy
    from vegaops.errors import UsageError
    from vegaops.inputs import check_image_tag

    if tag is None:
        raise UsageError("deploy needs --tag TAG", hint=f"{prog()} deploy --tag v1.2.3-stable [SERVICE...]")
    check_image_tag(tag)
    from vegaops.deploy.strategy import check_wait_until

    stage = check_wait_until(wait_until)
    timeout_s, poll_s = _duration(timeout), _poll(poll_interval)
    a = app_ctx(ctx, dry_run)
    a.command = "deploy"
    emit(
        a,
        run_deploy(
            a,
            DeployOptions(
                tag,
                list(services or []),
                container,
                force,
                wait_for_other,
                rollback_on_failure,
                timeout_s,
                poll_s,
                stage,
            ),
        ),
    )


@app.command("watch")
def watch(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None, typer.Argument(help="Services (default: all).", autocompletion=completion.services)
    ] = None,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to watch: 900, 15m, 1h.")] = "15m",
    poll_interval: PollOpt = None,
    rollback_on_failure: Annotated[bool, typer.Option("--rollback-on-failure")] = False,
    wait_until: WaitUntilOpt = None,
) -> None:
    """Re-attach to the deployment in flight (any strategy) and watch it to a verdict (or --wait-until STAGE)."""
    from vegaops.deploy.run import watch_command
    from vegaops.deploy.strategy import check_wait_until

    stage = check_wait_until(wait_until)
    timeout_s, poll_s = _duration(timeout), _poll(poll_interval)
    a = app_ctx(ctx)
    emit(a, watch_command(a, list(services or []), timeout_s, poll_s, rollback_on_failure, stage))


app.command("continue")(continue_.continue_)  # (moves to cli/deploy/__init__.py with the new layout)
app.command("abort")(abort.abort)
app.command("stop")(stop.stop)


@app.command("history")
def history(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service.", autocompletion=completion.services)],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many revisions.")] = 10,
) -> None:
    """Recent deployments of a service: outcome, tag, digest, who, when, how long."""
    from vegaops.deploy.status import history as run_history
    from vegaops.errors import UsageError

    if limit < 1:
        raise UsageError(f"--limit {limit}: must be 1 or more", hint="for example --limit 10")
    a = app_ctx(ctx)
    emit(a, run_history(a, service, limit))


@app.command("unlock")
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


def rollback(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service to roll back.", autocompletion=completion.services)],
    to: Annotated[int | None, typer.Option("--to", help="Task definition revision to go back to.")] = None,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to watch: 900, 15m, 1h.")] = "15m",
    poll_interval: PollOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Redeploy the newest known-good revision older than the running one (or --to REVISION), watched.

    Never a revision whose outcome is unknown or failed: none known-good is exit 8, asking for --to.
    """
    from vegaops.deploy.run import rollback as run_rollback
    from vegaops.errors import UsageError

    timeout_s, poll_s = _duration(timeout), _poll(poll_interval)
    if to is not None and to < 1:
        raise UsageError(f"--to {to}: a task definition revision is 1 or more", hint=f"see {prog()} deploy history")
    a = app_ctx(ctx, dry_run)
    emit(a, run_rollback(a, service, to, timeout_s, poll_s))


def status(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None, typer.Argument(help="Services (default: all).", autocompletion=completion.services)
    ] = None,
) -> None:
    """Per service: task definition and tag, desired/running/pending, rollout, targets, last event."""
    from vegaops.deploy.status import status as run_status

    a = app_ctx(ctx)
    emit(a, run_status(a, list(services or [])))
