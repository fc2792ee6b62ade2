"""``vegaops logs``: tail the CloudWatch Logs of one or more ECS services, merged in time order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vegaops.cli.common import app_ctx, emit

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.logs.core import Item, LogEvent

app = typer.Typer(
    rich_markup_mode=None,
    help="Service logs from CloudWatch Logs (tail, follow, merged across services).",
    no_args_is_help=True,
)


@app.command("tail")
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

    from vegaops.errors import NotFoundError, UsageError
    from vegaops.inputs import check_deployment, positive_seconds
    from vegaops.logs.render import LineFormatter, ms, parse_time

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
        colour=_colour(a),
        utc=utc,
        fields=[f for f in (field or "").split(",") if f],
        raw=raw,
        show_service=len(targets) > 1,
    )
    sink = _Sink(a, fmt, regex)
    fetcher, router = _fetcher(a, targets)
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
                _live(a, follower, router, selectors, sink, start, end, filter_pattern)
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
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(0)


def _colour(a: AppContext) -> bool:
    import os

    if os.environ.get("NO_COLOR") or a.output.json:
        return False
    return a.output.stdout_isatty


class _Sink:
    """Writes lines (human) or NDJSON objects (json) to ctx.output's line stream (stdout), flushing per batch."""

    def __init__(self, a: AppContext, fmt: object, regex: object) -> None:
        import json

        from vegaops.logs.core import LogEvent
        from vegaops.logs.render import LineFormatter

        assert isinstance(fmt, LineFormatter)
        self.a = a
        self.fmt = fmt
        self.regex = regex
        self.count = 0
        self.out = a.output.lines()
        self.json = a.output.json
        self._dumps = json.dumps
        self._event = LogEvent
        self._pending = 0
        self._last_flush = a.clock.monotonic()

    def item(self, item: Item) -> None:
        if isinstance(item, self._event):
            e: LogEvent = item
            if self.regex is not None and not self.regex.search(e.message):  # type: ignore[attr-defined]
                return
            self.count += 1
            self._pending += 1
            if self.json:
                self.out.line(self._dumps(e.to_dict()))
            else:
                self.out.line(self.fmt.event(e))
        elif self.json:
            self.out.line(
                self._dumps(
                    {
                        "marker": item.kind,
                        "timestamp": item.timestamp,
                        "message": item.text,
                        "service": item.service,
                        "task": item.task,
                        "container": None,
                        "stream": None,
                    }
                )
            )
        elif not self.fmt.raw:
            self.out.note(self.fmt.marker(item))

    def flush(self) -> None:
        self.out.flush()
        self._pending = 0
        self._last_flush = self.a.clock.monotonic()


def _fetcher(a: AppContext, targets: list) -> tuple:  # type: ignore[type-arg]
    from vegaops.aws.clients import ClientFactory
    from vegaops.aws.logs import Logs
    from vegaops.logs.core import Fetcher
    from vegaops.logs.service import RegionRouter
    from vegaops.ratelimit import RateLimiter

    base = a.clients
    # vegaops paces and retries FilterLogEvents itself (shared limiter, jittered backoff, a notice), so
    # botocore's own throttling retries are kept short instead of sleeping silently for up to 20 s.
    default = Logs(
        ClientFactory(
            profile=base.profile,
            region=base.region,
            endpoint_url=base.endpoint_url,
            credentials=base.credentials,
            max_attempts=2,
        ).client("logs")
    )
    router = RegionRouter()
    factories: dict[str, Logs] = {}
    for t in targets:
        for src in t.sources:
            if not src.tailable or src.group is None:
                continue
            if not src.region or src.region == base.region or base.endpoint_url:
                router.routes[src.group] = default
            else:
                if src.region not in factories:
                    factories[src.region] = Logs(
                        ClientFactory(
                            profile=base.profile, region=src.region, credentials=base.credentials, max_attempts=2
                        ).client("logs")
                    )
                router.routes[src.group] = factories[src.region]
    fetcher = Fetcher(
        router,
        a.clock,
        RateLimiter(a.clock, rate=5, burst=5),
        notice=lambda m: a.output.note(m, style="yellow"),
        prefetch=True,
    )
    return fetcher, router


def _live(
    a: AppContext,
    follower: object,
    router: object,
    selectors: list,  # type: ignore[type-arg]
    sink: _Sink,
    start: int,
    end: int | None,
    pattern: str | None,
) -> None:
    """Back-fill by polling once, then StartLiveTail; any refusal falls back to polling (the caller's loop)."""
    from vegaops.aws.logs import Logs
    from vegaops.logs.core import Follower, LogEvent, backfill, convert
    from vegaops.logs.service import RegionRouter

    assert isinstance(follower, Follower) and isinstance(router, RegionRouter)
    follower.content_keys = True
    for e in follower.accept(backfill(follower.fetcher, selectors, start, end, pattern)):
        sink.item(e)
    sink.flush()
    follower._seeded = True
    by_arn: dict[str, object] = {}
    try:
        arns = []
        for sel in selectors:
            logs: Logs = router.routes[sel.group]
            arn = logs.group_arn(sel.group)
            if arn:
                arns.append(arn)
                by_arn[arn] = sel
                by_arn[sel.group] = sel
        if not arns:
            raise RuntimeError("no log group ARN")
        live_logs: Logs = router.routes[selectors[0].group]
        seen = 0
        for batch in live_logs.live_tail(arns, pattern):
            fresh: list[LogEvent] = []
            for raw in batch:
                sel = by_arn.get(str(raw.get("logGroupIdentifier", ""))) or selectors[0]
                ev = convert(sel, raw)  # type: ignore[arg-type]
                if ev is not None:
                    fresh.append(ev)
            fresh.sort(key=LogEvent.sort_key)
            for e in follower.accept(fresh):
                seen += 1
                sink.item(e)
            sink.flush()
        a.output.note("live tail session ended; continuing by polling")
    except Exception as exc:  # refused (permissions, unsupported endpoint, region): poll instead
        from vegaops.aws.errors import error_code

        a.output.note(
            f"live tail unavailable ({error_code(exc) or type(exc).__name__}); following by polling", style="yellow"
        )
