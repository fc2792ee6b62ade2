"""``vegaops logs tail``: the CloudWatch Logs of one or more ECS services, merged in time order."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit
from vegaops.errors import UsageError


def tail(
    ctx: typer.Context,
    services: Annotated[list[str], typer.Argument(help="Service names (config keys or ECS service names).")],
    since: Annotated[str, typer.Option("--since", "-s", help="Start: 10m, 2h, 1d or an ISO time.")] = "10m",
    until: Annotated[str | None, typer.Option("--until", help="End: a duration ago or an ISO time.")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
    filter_pattern: Annotated[str | None, typer.Option("--filter", help="CloudWatch filter pattern.")] = None,
    grep: Annotated[str | None, typer.Option("--grep", help="Regular expression lines must match.")] = None,
    container: Annotated[list[str] | None, typer.Option("--container", "-c", help="Only these containers.")] = None,
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help="Only these task ids (prefixes).")] = None,
    deployment: Annotated[
        str | None, typer.Option("--deployment", "-d", help="current, previous or a deployment id.")
    ] = None,
    utc: Annotated[bool, typer.Option("--utc", help="Times in UTC (default: local time).")] = False,
    field: Annotated[str | None, typer.Option("--field", help="JSON lines: fields to show, e.g. level,msg.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print messages exactly as stored, nothing else.")] = False,
    live: Annotated[bool, typer.Option("--live", help="Follow with StartLiveTail (falls back to polling).")] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between polls when following.")] = 2.0,
) -> None:
    """Print log lines of SERVICE... in time order; -f follows new tasks as they start and marks stopped ones."""
    import re

    from vegaops.inputs import check_deployment, positive_seconds
    from vegaops.logs.render import ms, parse_time

    a = app_ctx(ctx)
    now = a.clock.now()
    start = ms(parse_time(since, now, "--since"))
    end = ms(parse_time(until, now, "--until")) if until else None
    if end is not None and end < start:
        raise UsageError("--until is before --since", hint="swap them")
    if deployment is not None:
        check_deployment(deployment, "--deployment")
    try:
        regex = re.compile(grep) if grep else None
    except re.error as exc:
        raise UsageError(f"--grep {grep!r}: {exc}") from None
    positive_seconds(poll, "--poll")

    from vegaops.logs.tail import ReaderGone, TailRequest, tail_logs

    request = TailRequest(
        services=list(services),
        start=start,
        end=end,
        follow=follow,
        pattern=filter_pattern,
        regex=regex,
        containers=set(container) if container else None,
        tasks=set(task) if task else None,
        deployment=deployment,
        utc=utc,
        fields=[f for f in (field or "").split(",") if f],
        raw=raw,
        live=live,
        poll=poll,
    )
    try:
        result = tail_logs(a, request)
    except ReaderGone:
        _quiet_exit()
    if result is not None:
        emit(a, result)


def _quiet_exit() -> None:
    """The reader went away (``| head``): stop quietly with exit 0, and keep the exit-time flush quiet too."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(0)
