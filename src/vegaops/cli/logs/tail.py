"""``vegaops logs tail``: the CloudWatch Logs of one or more ECS services, merged in time order."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.errors import NotFoundError, UsageError


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
    from vegaops.logs.render import LineFormatter, ms, parse_time
    from vegaops.logs.tail import Sink, colour, live_tail, make_fetcher

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

    from vegaops.aws.ecs import Ecs
    from vegaops.logs import service as svc

    ecs = Ecs(a.client("ecs"))
    targets = svc.targets(a, ecs, services, deployment)
    for t in targets:
        for src in t.sources:
            if not src.tailable:
                a.output.warn(
                    f"{t.key}/{src.container}: logs go to {src.destination}, not CloudWatch Logs; "
                    "vegaops cannot tail them"
                )
    selectors = svc.selectors(targets, set(container) if container else None, set(task) if task else None)
    if not selectors:
        raise NotFoundError(
            f"no CloudWatch Logs source for {', '.join(services)}",
            hint="the task definition has no awslogs log configuration (see the warnings above)",
        )
    fmt = LineFormatter(
        colour=colour(a),
        utc=utc,
        fields=[f for f in (field or "").split(",") if f],
        raw=raw,
        show_service=len(targets) > 1,
    )
    sink = Sink(a, fmt, regex)
    fetcher, router = make_fetcher(a, targets)
    sources = [
        {
            "service": t.key,
            "container": s.container,
            "driver": s.driver,
            "group": s.group,
            "region": s.region,
            "stream_prefix": s.prefix,
            "destination": s.destination,
        }
        for t in targets
        for s in t.sources
    ]

    from vegaops.logs.core import Follower, backfill

    try:
        if not follow:
            for event in backfill(fetcher, selectors, start, end, filter_pattern):
                sink.item(event)
            sink.flush()
        else:
            watcher = svc.stopped_watcher(ecs, svc.cluster_of(a), targets, lambda: ms(a.clock.now()))
            follower = Follower(
                fetcher,
                selectors,
                since_ms=start,
                until_ms=end,
                pattern=filter_pattern,
                poll_seconds=poll,
                watcher=watcher,
                watch_seconds=max(2.0, poll * 5),
            )
            if live:
                live_tail(a, follower, router, selectors, sink, start, end, filter_pattern)
            for item in follower.follow(idle=sink.flush):
                sink.item(item)
            sink.flush()
    except BrokenPipeError:
        _quiet_exit()
    if a.output.json:
        from vegaops.output.result import Result

        emit(a, Result(a.command, data={"events": sink.count, "sources": sources, "throttled": fetcher.throttled}))


def _quiet_exit() -> None:
    """The reader went away (``| head``): stop quietly with exit 0, and keep the exit-time flush quiet too."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(0)
