"""``vegaops logs tail`` apart from its options: where lines go (the sink: text or NDJSON on the output's
stdout, markers on stderr), the fetcher with its per-region routing and rate limit, and StartLiveTail with its
fall-back to polling."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vegaops.errors import NotFoundError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.logs.core import Item, LogEvent
    from vegaops.output.result import Result


class ReaderGone(Exception):
    """The reader of the lines went away (``| head``): the command stops quietly with exit 0."""


@dataclass(frozen=True)
class TailRequest:
    """What ``vegaops logs tail`` asks for, parsed and checked (times in epoch milliseconds)."""

    services: list[str]
    start: int
    end: int | None = None
    follow: bool = False
    pattern: str | None = None
    regex: re.Pattern[str] | None = None
    containers: set[str] | None = None
    tasks: set[str] | None = None
    deployment: str | None = None
    utc: bool = False
    fields: list[str] = field(default_factory=list)
    raw: bool = False
    live: bool = False
    poll: float = 2.0


def tail_logs(a: AppContext, r: TailRequest) -> Result | None:
    """Print the lines ``r`` asks for through the output's streams (following them with ``r.follow``); the
    summary result in JSON mode, None otherwise. Raises :class:`ReaderGone` when stdout's reader went away."""
    from vegaops.logs import service as svc
    from vegaops.logs.core import Follower, backfill
    from vegaops.logs.render import LineFormatter, ms

    ecs = a.aws.ecs
    targets = svc.targets(a, ecs, r.services, r.deployment)
    for t in targets:
        for src in t.sources:
            if not src.tailable:
                a.output.warn(
                    f"{t.key}/{src.container}: logs go to {src.destination}, not CloudWatch Logs; "
                    "vegaops cannot tail them"
                )
    selectors = svc.selectors(targets, r.containers, r.tasks)
    if not selectors:
        raise NotFoundError(
            f"no CloudWatch Logs source for {', '.join(r.services)}",
            hint="the task definition has no awslogs log configuration (see the warnings above)",
        )
    fmt = LineFormatter(
        colour=colour(a),
        utc=r.utc,
        fields=r.fields,
        raw=r.raw,
        show_service=len(targets) > 1,
    )
    sink = Sink(a, fmt, r.regex)
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

    try:
        if not r.follow:
            for event in backfill(fetcher, selectors, r.start, r.end, r.pattern):
                sink.item(event)
            sink.flush()
        else:
            watcher = svc.stopped_watcher(ecs, svc.cluster_of(a), targets, lambda: ms(a.clock.now()))
            follower = Follower(
                fetcher,
                selectors,
                since_ms=r.start,
                until_ms=r.end,
                pattern=r.pattern,
                poll_seconds=r.poll,
                watcher=watcher,
                watch_seconds=max(2.0, r.poll * 5),
            )
            if r.live:
                live_tail(a, follower, router, selectors, sink, r.start, r.end, r.pattern)
            for item in follower.follow(idle=sink.flush):
                sink.item(item)
            sink.flush()
    except BrokenPipeError:
        raise ReaderGone from None
    if a.output.json:
        from vegaops.output.result import Result

        return Result(a.command, data={"events": sink.count, "sources": sources, "throttled": fetcher.throttled})
    return None


def colour(a: AppContext) -> bool:
    import os

    if os.environ.get("NO_COLOR") or a.output.json:
        return False
    return a.output.stdout_isatty


class Sink:
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


def make_fetcher(a: AppContext, targets: list) -> tuple:  # type: ignore[type-arg]
    from vegaops.logs.core import Fetcher
    from vegaops.logs.service import RegionRouter
    from vegaops.ratelimit import RateLimiter

    # vegaops paces and retries FilterLogEvents itself (shared limiter, jittered backoff, a notice), so
    # botocore's own throttling retries are kept short instead of sleeping silently for up to 20 s: the
    # command's layer with two attempts per call (its calls counted with the command's others).
    layer = a.aws.variant(max_attempts=2)
    router = RegionRouter()
    for t in targets:
        for src in t.sources:
            if not src.tailable or src.group is None:
                continue
            # a group in another region is read there (an endpoint override serves every region itself)
            regional = layer if not src.region or layer.endpoint_url else layer.in_region(src.region)
            router.routes[src.group] = regional.logs
    fetcher = Fetcher(
        router,
        a.clock,
        RateLimiter(a.clock, rate=5, burst=5),
        notice=lambda m: a.output.note(m, style="yellow"),
        prefetch=True,
    )
    return fetcher, router


def live_tail(
    a: AppContext,
    follower: object,
    router: object,
    selectors: list,  # type: ignore[type-arg]
    sink: Sink,
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
