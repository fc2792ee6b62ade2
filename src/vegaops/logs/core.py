"""Fetch, merge and de-duplicate log events. Pure logic over a ``LogsApi`` and an injected clock.

* Back-fill (the history before ``--follow``, or the whole output without it): when no
  ``--filter`` pattern is given and the group has at most ``MAX_STREAMS`` streams of the service
  that received events in the window, each stream is read with GetLogEvents (a per-stream read that
  costs the service far less than a group-wide FilterLogEvents scan, with a 5x higher API quota),
  a few streams at a time in parallel, one page ahead, and the streams are merged by time. Otherwise
  FilterLogEvents pages (interleaved, a startTime/endTime window) are used. Either way groups
  (several services) are merged into one time-ordered stream with ``heapq.merge``, so memory stays
  at about one page per stream.
* Follow: every poll re-queries each group from ``high-water - overlap`` (late-arriving events are
  caught), skips event ids already printed, and forgets ids older than the next query's start (memory
  is bounded by the overlap window, with a hard cap that moves the window floor instead of growing).
  Streams are never fixed at start: the group is queried as a whole and stream names are matched to
  the service's containers, so tasks started mid-follow appear on their first line.
* Throttling: a shared token-bucket rate limiter spaces calls, and a throttled call is retried
  (tenacity, sleeping on the injected clock) after a full-jitter exponential backoff with a notice on
  stderr; a page still throttled after ``MAX_THROTTLED_ATTEMPTS`` calls ends the command with exit 75.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from vegaops.aws.logs import is_throttle
from vegaops.clock import Clock
from vegaops.logs.sources import LogSource
from vegaops.ratelimit import RateLimiter


class LogsApi(Protocol):
    def filter_page(
        self,
        group: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        filter_pattern: str | None = None,
        stream_prefix: str | None = None,
        streams: Sequence[str] | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[Sequence[Mapping[str, Any]], str | None]: ...


@runtime_checkable
class StreamsApi(Protocol):
    """Per-stream reads (DescribeLogStreams + GetLogEvents); a LogsApi without them uses FilterLogEvents only."""

    def list_streams(
        self, group: str, prefix: str | None = None, max_pages: int = 10
    ) -> Sequence[Mapping[str, Any]] | None: ...

    def stream_page(
        self,
        group: str,
        stream: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[Sequence[Mapping[str, Any]], str | None]: ...


MAX_STREAMS = 32  # more streams than this in the window: one FilterLogEvents scan is cheaper
STREAM_EVENTS_IN_FLIGHT = 40_000  # GetLogEvents page size = this / streams (1,000..10,000): bounded memory
STREAM_WORKERS = 4  # GetLogEvents requests in flight at once
# A stream whose last ingestion is this long before --since holds no event of the window: events may be
# stamped up to 2 h after their ingestion, and lastIngestionTime is refreshed lazily (an hour of slack).
STALE_STREAM_MS = 3 * 3600 * 1000

MAX_THROTTLED_ATTEMPTS = 10  # calls of one page while throttled: about 1.5 minutes of backoff before giving up

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LogEvent:
    timestamp: int  # ms since epoch
    message: str
    event_id: str
    stream: str
    group: str
    service: str
    container: str
    task: str
    ingestion: int = 0

    def sort_key(self) -> tuple[int, int, str]:
        return (self.timestamp, self.ingestion, self.event_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "message": self.message,
            "service": self.service,
            "task": self.task,
            "container": self.container,
            "stream": self.stream,
            "group": self.group,
            "event_id": self.event_id,
        }


@dataclass(frozen=True, slots=True)
class Marker:
    """Something about a task rather than a log line: a task started or stopped."""

    timestamp: int
    service: str
    task: str
    kind: str  # started | stopped
    text: str


Item = LogEvent | Marker


def to_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


@dataclass
class Selector:
    """Which streams of one group belong to the tail, and to which service/container/task."""

    group: str
    sources: list[LogSource]
    containers: set[str] | None = None
    tasks: set[str] | None = None  # full ids or prefixes (>= 4 characters)
    task_filter: Callable[[str], bool] | None = None  # e.g. tasks of one deployment (refreshable)

    def match(self, stream: str) -> tuple[LogSource, str] | None:
        """(source, task id) when the stream belongs to the tail, else None."""
        for source in self.sources:
            tid = source.matches(stream)
            if tid is None:
                continue
            if self.containers and source.container not in self.containers:
                continue
            if self.tasks and not any(tid.startswith(t) for t in self.tasks):
                continue
            if self.task_filter is not None and not self.task_filter(tid):
                continue
            return source, tid
        return None

    @property
    def stream_prefix(self) -> str | None:
        """A server-side prefix hint when every source of the group shares one container path."""
        prefixes = {s.stream_head for s in self.sources if not self.containers or s.container in self.containers}
        if None in prefixes:
            return None
        return prefixes.pop() if len(prefixes) == 1 else None


def _full_jitter(rng: random.Random, multiplier: float, cap: float) -> Any:
    """tenacity's ``wait_random_exponential`` (uniform in [0, min(cap, multiplier * 2**(n-1))]) drawing from
    ``rng``, so a seeded run backs off the same way every time."""
    from tenacity import RetryCallState, wait_exponential

    class FullJitter(wait_exponential):
        def __call__(self, retry_state: RetryCallState) -> float:
            return rng.uniform(0, super().__call__(retry_state))

    return FullJitter(multiplier=multiplier, max=cap)


class Fetcher:
    def __init__(
        self,
        api: LogsApi,
        clock: Clock,
        limiter: RateLimiter | None = None,
        notice: Callable[[str], None] | None = None,
        rng: random.Random | None = None,
        page_limit: int = 10000,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        prefetch: bool = False,
        stream_limiter: RateLimiter | None = None,
        per_stream: bool = True,
    ) -> None:
        self.api = api
        self.prefetch = prefetch
        # GetLogEvents has its own quota (25 per second per account and region, FilterLogEvents 5).
        self.stream_limiter = stream_limiter or RateLimiter(clock, rate=20.0, burst=10.0)
        self.per_stream = per_stream
        self.clock = clock
        self.limiter = limiter or RateLimiter(clock)
        self.notice = notice or (lambda _m: None)
        self.rng = rng or random.Random()
        self.page_limit = page_limit
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.throttled = 0

    def _retry(self, group: str, limiter: RateLimiter, call: Callable[[], T]) -> T:
        """One API call, paced by ``limiter``. Throttling is retried (tenacity, on the injected clock) after a
        full-jitter exponential backoff with a notice on stderr, up to ``MAX_THROTTLED_ATTEMPTS`` calls; then
        the throttling error propagates (exit 75: AWS still failing after retries). Other errors propagate at once."""
        from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

        def notice(state: RetryCallState) -> None:
            self.throttled += 1
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            self.notice(f"throttled by CloudWatch Logs on {group}; retrying in {delay:.1f}s")

        def attempt() -> T:
            limiter.acquire()
            return call()

        retrying = Retrying(
            sleep=self.clock.sleep,
            stop=stop_after_attempt(MAX_THROTTLED_ATTEMPTS),
            wait=_full_jitter(self.rng, 2 * self.backoff_base, self.backoff_cap),
            retry=retry_if_exception(is_throttle),
            before_sleep=notice,
            reraise=True,
        )
        return retrying(attempt)

    def _fetch(
        self, selector: Selector, start_ms: int | None, end_ms: int | None, pattern: str | None, token: str | None
    ) -> tuple[Sequence[Mapping[str, Any]], str | None]:
        """One FilterLogEvents page."""
        return self._retry(
            selector.group,
            self.limiter,
            lambda: self.api.filter_page(
                selector.group,
                start_ms=start_ms,
                end_ms=end_ms,
                filter_pattern=pattern,
                stream_prefix=selector.stream_prefix,
                token=token,
                limit=self.page_limit,
            ),
        )

    def streams_for(self, selector: Selector, start_ms: int | None) -> list[str] | None:
        """The tail's streams of a group that may hold events from ``start_ms`` on, or None when the
        group should be read with FilterLogEvents instead (no per-stream API, or too many streams)."""
        api = self.api
        if not self.per_stream or start_ms is None or not isinstance(api, StreamsApi):
            return None
        listed = self._retry(
            selector.group, self.limiter, lambda: api.list_streams(selector.group, selector.stream_prefix)
        )
        if listed is None:  # more streams than a few pages of DescribeLogStreams
            return None
        horizon = start_ms - STALE_STREAM_MS
        names = []
        for st in listed:
            name = str(st.get("logStreamName", ""))
            last = st.get("lastIngestionTime") or st.get("creationTime")
            if selector.match(name) is not None and (last is None or int(last) >= horizon):
                names.append(name)
        return names if len(names) <= MAX_STREAMS else None

    def _stream_page(
        self, selector: Selector, stream: str, start_ms: int | None, end_ms: int | None, token: str | None, limit: int
    ) -> tuple[Sequence[Mapping[str, Any]], str | None]:
        api = self.api
        assert isinstance(api, StreamsApi)
        # GetLogEvents' endTime is exclusive where FilterLogEvents' is inclusive: ask one ms more, trim below.
        return self._retry(
            selector.group,
            self.stream_limiter,
            lambda: api.stream_page(
                selector.group,
                stream,
                start_ms=start_ms,
                end_ms=None if end_ms is None else end_ms + 1,
                token=token,
                limit=limit,
            ),
        )

    def stream_events(
        self,
        pool: ThreadPoolExecutor,
        selector: Selector,
        stream: str,
        start_ms: int | None,
        end_ms: int | None,
        limit: int = 10000,
    ) -> Iterator[LogEvent]:
        """One stream's events in time order. The first page is requested now (so every stream of a
        back-fill starts at once) and each next page while the caller handles the current one."""
        hit = selector.match(stream)
        assert hit is not None
        source, tid = hit
        first = pool.submit(self._stream_page, selector, stream, start_ms, end_ms, None, limit)

        def run(future: Future[tuple[Sequence[Mapping[str, Any]], str | None]]) -> Iterator[LogEvent]:
            token: str | None = None
            last_ts, same = -1, 0
            while True:
                raw, nxt = future.result()
                more = bool(nxt) and nxt != token  # the end: GetLogEvents returns the token it was given
                if more:
                    token = nxt
                    future = pool.submit(self._stream_page, selector, stream, start_ms, end_ms, token, limit)
                batch = []
                for r in raw:
                    ts = int(r.get("timestamp", 0))
                    if end_ms is not None and ts > end_ms:
                        continue
                    same = same + 1 if ts == last_ts else 0
                    last_ts = ts
                    batch.append(
                        LogEvent(
                            ts,
                            str(r.get("message", "")).rstrip("\n"),
                            f"{stream}:{ts}:{same}",
                            stream,
                            selector.group,
                            source.service,
                            source.container,
                            tid,
                            int(r.get("ingestionTime", 0) or 0),
                        )
                    )
                batch.sort(key=LogEvent.sort_key)
                yield from batch
                if not more:
                    return

        return run(first)

    def pages(
        self, selector: Selector, start_ms: int | None, end_ms: int | None, pattern: str | None = None
    ) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Pages in order. With ``prefetch`` the next page is requested while the caller handles this one."""
        if not self.prefetch:
            token: str | None = None
            while True:
                events, token = self._fetch(selector, start_ms, end_ms, pattern, token)
                yield events
                if not token:
                    return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vegaops-logs") as pool:
            future = pool.submit(self._fetch, selector, start_ms, end_ms, pattern, None)
            while True:
                events, token = future.result()
                if token:
                    future = pool.submit(self._fetch, selector, start_ms, end_ms, pattern, token)
                yield events
                if not token:
                    return

    def events(
        self, selector: Selector, start_ms: int | None, end_ms: int | None, pattern: str | None = None
    ) -> Iterator[LogEvent]:
        """Matching events of one group, in time order."""
        for page in self.pages(selector, start_ms, end_ms, pattern):
            batch = [e for e in (convert(selector, raw) for raw in page) if e is not None]
            batch.sort(key=LogEvent.sort_key)
            yield from batch


def convert(selector: Selector, raw: Mapping[str, Any]) -> LogEvent | None:
    stream = str(raw.get("logStreamName", ""))
    hit = selector.match(stream)
    if hit is None:
        return None
    source, tid = hit
    ts = int(raw.get("timestamp", 0))
    event_id = str(raw.get("eventId") or f"{stream}:{ts}:{hash(raw.get('message'))}")
    return LogEvent(
        ts,
        str(raw.get("message", "")).rstrip("\n"),
        event_id,
        stream,
        selector.group,
        source.service,
        source.container,
        tid,
        int(raw.get("ingestionTime", 0) or 0),
    )


def merged(streams: Iterable[Iterator[LogEvent]]) -> Iterator[LogEvent]:
    """K-way merge of time-ordered event streams (one per group)."""
    return heapq.merge(*streams, key=LogEvent.sort_key)


def backfill(
    fetcher: Fetcher,
    selectors: Sequence[Selector],
    start_ms: int | None,
    end_ms: int | None,
    pattern: str | None = None,
) -> Iterator[LogEvent]:
    """Every matching event of the window, in time order: per stream where that is cheaper (no
    ``pattern``, few streams), else per group with FilterLogEvents."""
    pool: ThreadPoolExecutor | None = None
    sources: list[Iterator[LogEvent]] = []
    try:
        per_stream: list[tuple[Selector, str]] = []
        for s in selectors:
            streams = None if pattern else fetcher.streams_for(s, start_ms)
            if streams is None:
                sources.append(fetcher.events(s, start_ms, end_ms, pattern))
            else:
                per_stream.extend((s, name) for name in streams)
        if per_stream:
            pool = ThreadPoolExecutor(max_workers=STREAM_WORKERS, thread_name_prefix="vegaops-logs")
            limit = max(1000, min(10000, STREAM_EVENTS_IN_FLIGHT // len(per_stream)))
            sources.extend(fetcher.stream_events(pool, s, name, start_ms, end_ms, limit) for s, name in per_stream)
        yield from merged(sources)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class _GroupState:
    high_water: int
    floor: int  # never query earlier than this
    seen: dict[str, int] = field(default_factory=dict)  # event id -> timestamp
    order: list[tuple[int, str]] = field(default_factory=list)  # heap of (timestamp, id) for pruning


class Follower:
    """Polls every group with an overlap window; yields each matching event exactly once."""

    def __init__(
        self,
        fetcher: Fetcher,
        selectors: Sequence[Selector],
        since_ms: int,
        until_ms: int | None = None,
        pattern: str | None = None,
        overlap_ms: int = 60_000,
        poll_seconds: float = 2.0,
        max_ids: int = 200_000,
        watcher: Callable[[], list[Marker]] | None = None,
        watch_seconds: float = 10.0,
        grace_ms: int = 5_000,
    ) -> None:
        self.fetcher = fetcher
        self.clock = fetcher.clock
        self.selectors = list(selectors)
        self.until_ms = until_ms
        self.pattern = pattern
        self.overlap_ms = overlap_ms
        self.poll_seconds = poll_seconds
        self.max_ids = max_ids
        self.watcher = watcher
        self.watch_seconds = watch_seconds
        self.grace_ms = grace_ms  # with --until: keep polling this long after it for late events
        self.state = {s.group: _GroupState(high_water=since_ms, floor=since_ms) for s in self.selectors}
        self.known_tasks: set[tuple[str, str]] = set()
        self.polls = 0
        self.peak_ids = 0
        self._last_watch: float | None = None
        self._seeded = False
        self.content_keys = False

    @property
    def remembered(self) -> int:
        return sum(len(s.seen) for s in self.state.values())

    def _key(self, event: LogEvent) -> str:
        if self.content_keys:  # StartLiveTail results carry no event id
            return f"{event.stream}\0{event.timestamp}\0{event.message}"
        return event.event_id

    def _remember(self, st: _GroupState, event: LogEvent) -> bool:
        key = self._key(event)
        if key in st.seen or event.timestamp < st.floor:
            return False
        st.seen[key] = event.timestamp
        heapq.heappush(st.order, (event.timestamp, key))
        return True

    def accept(self, events: Iterable[LogEvent]) -> list[LogEvent]:
        """The events not seen before (recorded now), e.g. from a live tail session."""
        fresh: list[LogEvent] = []
        for e in events:
            st = self.state[e.group]
            if self._remember(st, e):
                fresh.append(e)
                st.high_water = max(st.high_water, e.timestamp)
                self.known_tasks.add((e.service, e.task))
        for st in self.state.values():
            self._prune(st)
        return fresh

    def _horizon(self, st: _GroupState) -> int:
        """Where the next query starts: the newest timestamp seen (never past now, so one event stamped in
        the future by a skewed clock cannot hide the others) minus the overlap window."""
        return max(st.floor, min(st.high_water, to_ms(self.clock)) - self.overlap_ms)

    def _prune(self, st: _GroupState) -> None:
        horizon = self._horizon(st)
        while st.order and (st.order[0][0] < horizon or len(st.seen) > self.max_ids):
            ts, eid = heapq.heappop(st.order)
            st.seen.pop(eid, None)
            if ts >= horizon:  # over the cap: nothing at or before ts may be printed again
                st.floor = max(st.floor, ts + 1)

    def seed(self, events: Iterable[LogEvent]) -> None:
        """Record events already printed (the back-fill) so polling does not repeat them."""
        for e in events:
            st = self.state[e.group]
            self._remember(st, e)
            st.high_water = max(st.high_water, e.timestamp)
            self.known_tasks.add((e.service, e.task))
        for st in self.state.values():
            self._prune(st)
        self._seeded = True

    def poll_once(self) -> list[Item]:
        self.polls += 1
        out: list[LogEvent] = []
        for selector in self.selectors:
            st = self.state[selector.group]
            start = self._horizon(st)
            for event in self.fetcher.events(selector, start, self.until_ms, self.pattern):
                if self._remember(st, event):
                    out.append(event)
                    st.high_water = max(st.high_water, event.timestamp)
            self.peak_ids = max(self.peak_ids, self.remembered)
            self._prune(st)
        out.sort(key=LogEvent.sort_key)
        items: list[Item] = []
        for e in out:
            key = (e.service, e.task)
            if key not in self.known_tasks:
                self.known_tasks.add(key)
                if self.polls > 1 or self._seeded:
                    items.append(
                        Marker(
                            e.timestamp, e.service, e.task, "started", f"new task {e.task[:8]} ({e.service}) is logging"
                        )
                    )
            items.append(e)
        return items

    def _watch(self) -> list[Marker]:
        if self.watcher is None:
            return []
        now = self.clock.monotonic()
        if self._last_watch is not None and now - self._last_watch < self.watch_seconds:
            return []
        self._last_watch = now
        return self.watcher()

    def done(self) -> bool:
        if self.until_ms is None:
            return False
        return to_ms(self.clock) > self.until_ms + self.grace_ms

    def follow(self, polls: int | None = None, idle: Callable[[], None] | None = None) -> Iterator[Item]:
        """Poll until --until is passed (or ``polls`` polls); ``idle`` runs before each wait (flush output)."""
        while True:
            yield from self.poll_once()
            yield from self._watch()
            if self.done() or (polls is not None and self.polls >= polls):
                return
            if idle is not None:
                idle()
            self.clock.sleep(self.poll_seconds)
