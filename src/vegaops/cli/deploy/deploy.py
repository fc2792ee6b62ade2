"""``vegaops deploy --tag T [SERVICE...]``: deploy an image tag and watch it to a verdict."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, PollOpt, WaitUntilOpt, app_ctx, emit
from vegaops.cmdline import prog
from vegaops.errors import UsageError


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
    from vegaops.inputs import parse_duration, positive_seconds

    if ctx.invoked_subcommand is not None:
        return
    from vegaops.inputs import check_image_tag
    from vegaops.pipeline.deploy import DeployOptions
    from vegaops.pipeline.deploy import deploy as run_deploy

    if tag is None:
        raise UsageError("deploy needs --tag TAG", hint=f"{prog()} deploy --tag v1.2.3-stable [SERVICE...]")
    check_image_tag(tag)
    from vegaops.deploy.strategy import check_wait_until

    stage = check_wait_until(wait_until)
    timeout_s, poll_s = parse_duration(timeout, "--timeout"), positive_seconds(poll_interval, "--poll-interval")
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
