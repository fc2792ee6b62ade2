"""The fetch/merge/dedup core against a scripted CloudWatch Logs (events arrive over a FakeClock)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from vegaops.clock import FakeClock
from vegaops.logs.core import MAX_THROTTLED_ATTEMPTS, Fetcher, Follower, LogEvent, Selector, backfill, to_ms
from vegaops.logs.sources import LogSource, discover
from vegaops.ratelimit import RateLimiter

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BASE = int(T0.timestamp() * 1000)


class ScriptedLogs:
    """Events become visible at their ingestion time (clock); pages of ``page_size``; scripted throttles."""

    def __init__(self, clock: FakeClock, page_size: int = 3) -> None:
        self.clock = clock
        self.page_size = page_size
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.throttle_next = 0
        self.calls: list[dict[str, Any]] = []
        self._n = 0

    def put(self, group: str, stream: str, ts: int, message: str, ingest: int | None = None) -> str:
        self._n += 1
        eid = f"e{self._n:06d}"
        self.events.setdefault(group, []).append(
            {
                "logStreamName": stream,
                "timestamp": BASE + ts,
                "message": message,
                "eventId": eid,
                "ingestionTime": BASE + (ts if ingest is None else ingest),
            }
        )
        return eid

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
    ) -> tuple[list[dict[str, Any]], str | None]:
        self.calls.append({"group": group, "start": start_ms, "token": token})
        if self.throttle_next:
            self.throttle_next -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "FilterLogEvents")
        now = to_ms(self.clock)
        visible = sorted(
            (
                e
                for e in self.events.get(group, [])
                if e["ingestionTime"] <= now
                and (start_ms is None or e["timestamp"] >= start_ms)
                and (end_ms is None or e["timestamp"] <= end_ms)
                and (not filter_pattern or filter_pattern in e["message"])
            ),
            key=lambda e: (e["timestamp"], e["eventId"]),
        )
        offset = int(token or 0)
        page = visible[offset : offset + min(limit, self.page_size)]
        nxt = offset + len(page)
        return [dict(e) for e in page], (str(nxt) if nxt < len(visible) else None)


API = LogSource("api", "api", "awslogs", group="/ecs/vega-api", region="eu-central-1", prefix="ecs")
WORKER = LogSource("worker", "worker", "awslogs", group="/ecs/vega-worker", region="eu-central-1", prefix="ecs")


def _setup(page_size: int = 3) -> tuple[FakeClock, ScriptedLogs, Fetcher]:
    clock = FakeClock(T0)
    api = ScriptedLogs(clock, page_size)
    notices: list[str] = []
    fetcher = Fetcher(api, clock, RateLimiter(clock, rate=100, burst=100), notices.append, random.Random(1))
    fetcher.notices = notices  # type: ignore[attr-defined]
    return clock, api, fetcher


def _messages(items: Sequence[object]) -> list[str]:
    return [i.message for i in items if isinstance(i, LogEvent)]


def test_discover_reads_awslogs_options_and_reports_other_drivers() -> None:
    td = {
        "containerDefinitions": [
            {
                "name": "api",
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/vega-api",
                        "awslogs-region": "eu-west-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            },
            {
                "name": "sidecar",
                "logConfiguration": {
                    "logDriver": "awsfirelens",
                    "options": {"Name": "datadog", "apikey": "SECRET", "dd_service": "vega"},
                },
            },
            {
                "name": "splunky",
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk.example:8088", "splunk-token": "SECRET"},
                },
            },
            {"name": "quiet"},
        ]
    }
    api, fire, splunk, quiet = discover("api", td, "eu-central-1")
    assert api.tailable and (api.group, api.region, api.prefix) == ("/ecs/vega-api", "eu-west-1", "ecs")
    assert api.stream_for("abc") == "ecs/api/abc" and api.matches("ecs/api/abc") == "abc"
    assert api.matches("ecs/other/abc") is None
    assert not fire.tailable and "FireLens" in (fire.destination or "") and "datadog" in (fire.destination or "")
    assert "splunk.example" in (splunk.destination or "")
    assert "SECRET" not in (fire.destination or "") + (splunk.destination or "")
    assert quiet.driver == "none" and not quiet.tailable


def test_backfill_merges_services_in_time_order_across_pages() -> None:
    clock, api, fetcher = _setup(page_size=2)
    api.put("/ecs/vega-api", "ecs/api/t1", 5, "a5")
    api.put("/ecs/vega-api", "ecs/api/t2", 1, "a1")
    api.put("/ecs/vega-api", "ecs/api/t1", 3, "a3")
    api.put("/ecs/vega-worker", "ecs/worker/w1", 2, "w2")
    api.put("/ecs/vega-worker", "ecs/worker/w1", 4, "w4")
    api.put("/ecs/vega-api", "ecs/other/t9", 4, "not ours")
    clock.advance(60)
    events = list(
        backfill(fetcher, [Selector("/ecs/vega-api", [API]), Selector("/ecs/vega-worker", [WORKER])], BASE, None)
    )
    assert [e.message for e in events] == ["a1", "w2", "a3", "w4", "a5"]
    assert [(e.service, e.task) for e in events][:2] == [("api", "t2"), ("worker", "w1")]


def test_follow_catches_late_events_and_never_prints_twice_across_overlap() -> None:
    clock, api, fetcher = _setup()
    api.put("/ecs/vega-api", "ecs/api/t1", 0, "first")
    clock.advance(1)
    f = Follower(fetcher, [Selector("/ecs/vega-api", [API])], since_ms=BASE, overlap_ms=30_000, poll_seconds=2)
    out = list(f.poll_once())
    # an event stamped 0.5 s but ingested 10 s later (late), and new ones on time
    api.put("/ecs/vega-api", "ecs/api/t1", 500, "late", ingest=10_000)
    api.put("/ecs/vega-api", "ecs/api/t1", 3_000, "second")
    clock.advance(3)
    out += f.poll_once()
    clock.advance(10)
    out += f.poll_once()
    clock.advance(2)
    out += f.poll_once()
    assert _messages(out) == ["first", "second", "late"]
    # every poll re-queried the overlap window (start before the newest event seen)
    starts = [c["start"] for c in api.calls if c["token"] is None]
    assert starts[-1] < BASE + 3_000


def test_new_streams_mid_follow_are_picked_up_with_a_marker() -> None:
    clock, api, fetcher = _setup()
    api.put("/ecs/vega-api", "ecs/api/old1", 0, "old")
    clock.advance(1)
    f = Follower(fetcher, [Selector("/ecs/vega-api", [API])], since_ms=BASE)
    first = f.poll_once()
    api.put("/ecs/vega-api", "ecs/api/new22222", 2_000, "from new task")
    clock.advance(3)
    items = f.poll_once()
    assert _messages(first) == ["old"] and _messages(items) == ["from new task"]
    markers = [i for i in items if not isinstance(i, LogEvent)]
    assert markers and markers[0].kind == "started" and markers[0].task == "new22222"


def test_throttling_is_retried_with_backoff_and_a_notice_never_fatal() -> None:
    clock, api, fetcher = _setup()
    for i in range(5):
        api.put("/ecs/vega-api", "ecs/api/t1", i, f"m{i}")
    clock.advance(1)
    api.throttle_next = 4
    events = list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))
    assert [e.message for e in events] == [f"m{i}" for i in range(5)]
    assert fetcher.throttled == 4
    assert len(fetcher.notices) == 4 and "throttled" in fetcher.notices[0]  # type: ignore[attr-defined]
    backoffs = [s for s in clock.sleeps if s > 0]
    assert backoffs and len(set(backoffs)) == len(backoffs)  # jittered


def test_throttling_that_never_ends_gives_up_after_the_attempt_limit() -> None:
    clock, api, fetcher = _setup()
    api.put("/ecs/vega-api", "ecs/api/t1", 0, "m0")
    clock.advance(1)
    api.throttle_next = 10**6  # throttled for good
    with pytest.raises(ClientError) as raised:
        list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert api.throttle_next == 10**6 - MAX_THROTTLED_ATTEMPTS  # the page was asked for exactly that many times
    assert fetcher.throttled == MAX_THROTTLED_ATTEMPTS - 1  # a notice before each wait, none after the last call
    backoffs = [s for s in clock.sleeps if s > 0]
    assert len(backoffs) == MAX_THROTTLED_ATTEMPTS - 1 and max(backoffs) <= fetcher.backoff_cap


def test_non_throttle_errors_propagate() -> None:
    _clock, api, fetcher = _setup()

    def boom(*_a: Any, **_k: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "FilterLogEvents")

    api.filter_page = boom  # type: ignore[method-assign]
    with pytest.raises(ClientError):
        list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))


def test_rate_limiter_spaces_calls_on_the_injected_clock() -> None:
    clock = FakeClock(T0)
    limiter = RateLimiter(clock, rate=2, burst=2)
    for _ in range(6):
        limiter.acquire()
    assert clock.monotonic() == pytest.approx(2.0)


def test_dedup_memory_is_bounded_over_a_long_follow() -> None:
    clock, api, fetcher = _setup(page_size=500)
    f = Follower(fetcher, [Selector("/ecs/vega-api", [API])], since_ms=BASE, overlap_ms=5_000, poll_seconds=1)
    printed: list[str] = []
    n = 0
    for second in range(600):  # ten minutes, 20 events/s over 4 tasks, some late by up to 3 s
        for k in range(20):
            n += 1
            ts = second * 1000 + k * 50
            late = 3_000 if k % 7 == 0 else 0
            api.put("/ecs/vega-api", f"ecs/api/t{k % 4}", ts, f"n{n}", ingest=ts + late)
        clock.advance(1)
        printed += _messages(f.poll_once())
    clock.advance(10)
    printed += _messages(f.poll_once())
    assert len(printed) == n == len(set(printed))
    assert f.peak_ids < 20 * 10  # about overlap + one poll of ids, not the whole run


def test_id_cap_moves_the_floor_instead_of_growing() -> None:
    clock, api, fetcher = _setup(page_size=100)
    f = Follower(fetcher, [Selector("/ecs/vega-api", [API])], since_ms=BASE, overlap_ms=60_000, max_ids=10)
    for i in range(30):
        api.put("/ecs/vega-api", "ecs/api/t1", i * 10, f"m{i}")
    clock.advance(1)
    first = _messages(f.poll_once())
    clock.advance(1)
    again = _messages(f.poll_once())
    assert len(first) == 30 and again == []
    assert f.remembered <= 10


def test_container_task_and_deployment_filters() -> None:
    clock, api, fetcher = _setup()
    side = LogSource("api", "envoy", "awslogs", group="/ecs/vega-api", prefix="ecs")
    api.put("/ecs/vega-api", "ecs/api/aaaa1111", 1, "api a")
    api.put("/ecs/vega-api", "ecs/envoy/aaaa1111", 2, "envoy a")
    api.put("/ecs/vega-api", "ecs/api/bbbb2222", 3, "api b")
    clock.advance(1)

    def run(sel: Selector) -> list[str]:
        return [e.message for e in backfill(fetcher, [sel], BASE, None)]

    assert run(Selector("/ecs/vega-api", [API, side])) == ["api a", "envoy a", "api b"]
    assert run(Selector("/ecs/vega-api", [API, side], containers={"envoy"})) == ["envoy a"]
    assert run(Selector("/ecs/vega-api", [API, side], tasks={"bbbb"})) == ["api b"]
    assert run(Selector("/ecs/vega-api", [API, side], task_filter=lambda t: t == "aaaa1111")) == ["api a", "envoy a"]


def test_an_event_stamped_in_the_future_does_not_hide_later_ones() -> None:
    clock, api, fetcher = _setup()
    api.put("/ecs/vega-api", "ecs/api/skewed", 600_000, "ten minutes ahead", ingest=0)
    clock.advance(1)
    f = Follower(fetcher, [Selector("/ecs/vega-api", [API])], since_ms=BASE, overlap_ms=30_000)
    first = _messages(f.poll_once())
    api.put("/ecs/vega-api", "ecs/api/t1", 2_000, "on time")
    clock.advance(2)
    assert first == ["ten minutes ahead"] and _messages(f.poll_once()) == ["on time"]


def test_prefetching_keeps_pages_in_order_and_handles_throttling() -> None:
    clock, api, fetcher = _setup(page_size=2)
    fetcher.prefetch = True
    for i in range(9):
        api.put("/ecs/vega-api", f"ecs/api/t{i % 3}", i, f"m{i}")
    clock.advance(1)
    api.throttle_next = 2
    events = list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))
    assert [e.message for e in events] == [f"m{i}" for i in range(9)] and fetcher.throttled == 2


class ScriptedStreamLogs(ScriptedLogs):
    """Adds the per-stream API with AWS's semantics: GetLogEvents' endTime is exclusive, the end of a
    stream answers with the token it was given, and a page may be empty while more events follow."""

    def __init__(self, clock: FakeClock, page_size: int = 3) -> None:
        super().__init__(clock, page_size)
        self.stream_calls: list[tuple[str, str | None]] = []
        self.empty_pages: set[tuple[str, str]] = set()  # (stream, token) answered with no events
        self.last_ingestion: dict[str, int] = {}  # overrides of a stream's lastIngestionTime
        self.stream_throttles = 0

    def list_streams(self, group: str, prefix: str | None = None, max_pages: int = 10) -> list[dict[str, Any]] | None:
        names: dict[str, int] = {}
        for e in self.events.get(group, []):
            if prefix is None or e["logStreamName"].startswith(prefix):
                names[e["logStreamName"]] = max(names.get(e["logStreamName"], 0), e["ingestionTime"])
        return [
            {"logStreamName": n, "lastIngestionTime": self.last_ingestion.get(n, t), "creationTime": BASE}
            for n, t in sorted(names.items())
        ]

    def stream_page(
        self,
        group: str,
        stream: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[list[dict[str, Any]], str | None]:
        self.stream_calls.append((stream, token))
        if self.stream_throttles:
            self.stream_throttles -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetLogEvents")
        if token is not None and (stream, token) in self.empty_pages:
            self.empty_pages.discard((stream, token))
            return [], token + "+"
        events = sorted(
            (
                e
                for e in self.events.get(group, [])
                if e["logStreamName"] == stream
                and (start_ms is None or e["timestamp"] >= start_ms)
                and (end_ms is None or e["timestamp"] < end_ms)
            ),
            key=lambda e: e["timestamp"],
        )
        offset = int(token.split("/")[1].rstrip("+")) if token else 0
        page = events[offset : offset + min(limit, self.page_size)]
        if not page and token is not None:
            return [], token  # the end: the same token back
        return (
            [{"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["ingestionTime"]} for e in page],
            f"f/{offset + len(page)}",
        )


def _stream_setup(page_size: int = 2) -> tuple[FakeClock, ScriptedStreamLogs, Fetcher]:
    clock = FakeClock(T0)
    api = ScriptedStreamLogs(clock, page_size)
    notices: list[str] = []
    fetcher = Fetcher(
        api,
        clock,
        RateLimiter(clock, rate=100, burst=100),
        notices.append,
        random.Random(1),
        stream_limiter=RateLimiter(clock, rate=100, burst=100),
    )
    fetcher.notices = notices  # type: ignore[attr-defined]
    return clock, api, fetcher


def test_backfill_reads_each_stream_and_merges_them_in_time_order() -> None:
    clock, api, fetcher = _stream_setup(page_size=2)
    for i in range(12):
        api.put("/ecs/vega-api", f"ecs/api/t{i % 3}", i * 10, f"m{i}")
    api.put("/ecs/vega-api", "ecs/api/t1", 115, "at the end, inclusive")
    api.put("/ecs/vega-api", "ecs/api/t1", 116, "after the end")
    api.put("/ecs/vega-api", "ecs/other/t9", 5, "not ours")
    api.put("/ecs/vega-worker", "ecs/worker/w1", 25, "w25")
    api.empty_pages.add(("ecs/api/t0", "f/2"))  # an empty page mid-stream must not end the read
    clock.advance(60)
    events = list(
        backfill(fetcher, [Selector("/ecs/vega-api", [API]), Selector("/ecs/vega-worker", [WORKER])], BASE, BASE + 115)
    )
    assert [e.message for e in events] == [
        "m0",
        "m1",
        "m2",
        "w25",
        *[f"m{i}" for i in range(3, 12)],
        "at the end, inclusive",
    ]
    assert [e.task for e in events][:3] == ["t0", "t1", "t2"] and events[3].service == "worker"
    assert not api.calls  # no FilterLogEvents scan
    assert {s for s, _ in api.stream_calls} == {"ecs/api/t0", "ecs/api/t1", "ecs/api/t2", "ecs/worker/w1"}
    assert len({e.event_id for e in events}) == len(events)


def test_backfill_skips_streams_that_stopped_long_before_the_window() -> None:
    clock, api, fetcher = _stream_setup()
    api.put("/ecs/vega-api", "ecs/api/old", 0, "old task")
    api.put("/ecs/vega-api", "ecs/api/new", 4 * 3600 * 1000, "new task")
    clock.advance(5 * 3600)
    since = BASE + 4 * 3600 * 1000 - 60_000
    api.last_ingestion["ecs/api/old"] = since - 3 * 3600 * 1000 - 1  # beyond the 2 h future + 1 h lag slack
    events = list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], since, None))
    assert [e.message for e in events] == ["new task"]
    assert {s for s, _ in api.stream_calls} == {"ecs/api/new"}


def test_backfill_scans_the_group_with_a_pattern_or_too_many_streams() -> None:
    from vegaops.logs.core import MAX_STREAMS

    clock, api, fetcher = _stream_setup(page_size=50)
    for i in range(MAX_STREAMS + 1):
        api.put("/ecs/vega-api", f"ecs/api/t{i:03d}", i, f"m{i}")
    clock.advance(60)
    many = list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))
    assert len(many) == MAX_STREAMS + 1 and api.calls and not api.stream_calls
    clock2, api2, fetcher2 = _stream_setup()
    api2.put("/ecs/vega-api", "ecs/api/t1", 1, "GET /v1/health")
    api2.put("/ecs/vega-api", "ecs/api/t1", 2, "POST /v1/items")
    clock2.advance(60)
    hits = list(backfill(fetcher2, [Selector("/ecs/vega-api", [API])], BASE, None, pattern="POST"))
    assert [e.message for e in hits] == ["POST /v1/items"] and api2.calls and not api2.stream_calls


def test_per_stream_reads_retry_throttling_with_a_notice() -> None:
    clock, api, fetcher = _stream_setup()
    for i in range(6):
        api.put("/ecs/vega-api", f"ecs/api/t{i % 2}", i, f"m{i}")
    clock.advance(1)
    api.stream_throttles = 3
    events = list(backfill(fetcher, [Selector("/ecs/vega-api", [API])], BASE, None))
    assert [e.message for e in events] == [f"m{i}" for i in range(6)]
    assert fetcher.throttled == 3 and "throttled" in fetcher.notices[0]  # type: ignore[attr-defined]
