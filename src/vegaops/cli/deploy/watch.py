"""``vegaops deploy watch``: re-attach to the deployment in flight and watch it to a verdict."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import PollOpt, WaitUntilOpt, app_ctx, emit


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
    from vegaops.deploy.strategy import check_wait_until
    from vegaops.inputs import parse_duration, positive_seconds
    from vegaops.pipeline.watch import watch_command

    stage = check_wait_until(wait_until)
    timeout_s, poll_s = parse_duration(timeout, "--timeout"), positive_seconds(poll_interval, "--poll-interval")
    a = app_ctx(ctx)
    emit(a, watch_command(a, list(services or []), timeout_s, poll_s, rollback_on_failure, stage))
