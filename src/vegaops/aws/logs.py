"""CloudWatch Logs, typed. No printing.

``filter_page`` always passes ``interleaved=True`` (real AWS interleaves anyway; moto groups events by
stream without it). ``logStreamNamePrefix`` is a server-side hint only: callers filter stream names
themselves because some endpoints ignore it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from vegaops.aws.calls import CallCounter
from vegaops.aws.errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import (
        DescribeLogStreamsRequestPaginateTypeDef,
        FilteredLogEventTypeDef,
        FilterLogEventsRequestTypeDef,
        GetLogEventsRequestTypeDef,
        LiveTailSessionLogEventTypeDef,
        LogStreamTypeDef,
        OutputLogEventTypeDef,
        StartLiveTailRequestTypeDef,
    )

THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "ServiceUnavailableException",
    }
)


def is_throttle(exc: BaseException) -> bool:
    return (error_code(exc) or "") in THROTTLE_CODES


class Logs:
    """The typed CloudWatch Logs client's reads; ``calls`` counts the API calls made on that client."""

    def __init__(self, client: CloudWatchLogsClient, counter: CallCounter | None = None) -> None:
        self.client = client
        self.counter = CallCounter.for_client(client, counter)

    @property
    def calls(self) -> dict[str, int]:
        """CloudWatch Logs calls so far per operation (``filter_log_events``: 3, ...)."""
        return self.counter.calls("logs")

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
    ) -> tuple[list[FilteredLogEventTypeDef], str | None]:
        """One FilterLogEvents page: (events, next token). The caller pages (it paces and resumes pages itself)."""
        request: FilterLogEventsRequestTypeDef = {"logGroupName": group, "interleaved": True, "limit": limit}
        if start_ms is not None:
            request["startTime"] = int(start_ms)
        if end_ms is not None:
            request["endTime"] = int(end_ms)
        if filter_pattern:
            request["filterPattern"] = filter_pattern
        if streams:
            request["logStreamNames"] = list(streams)[:100]
        elif stream_prefix:
            request["logStreamNamePrefix"] = stream_prefix
        if token:
            request["nextToken"] = token
        response = self.client.filter_log_events(**request)
        return list(response.get("events", [])), response.get("nextToken") or None

    def list_streams(self, group: str, prefix: str | None = None, max_pages: int = 10) -> list[LogStreamTypeDef] | None:
        """The group's streams (name order, optionally under a prefix); None when there are more than
        ``max_pages`` pages of them (the caller then scans the group with FilterLogEvents instead)."""
        request: DescribeLogStreamsRequestPaginateTypeDef = {"logGroupName": group}
        if prefix:
            request["logStreamNamePrefix"] = prefix
        out: list[LogStreamTypeDef] = []
        if max_pages <= 0:
            return None
        pages = self.client.get_paginator("describe_log_streams").paginate(**request)
        for number, page in enumerate(pages, 1):
            out.extend(page.get("logStreams", []))
            if not page.get("nextToken"):
                return out
            if number >= max_pages:
                return None  # more pages: stop before asking for the next one
        return out

    def stream_page(
        self,
        group: str,
        stream: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[list[OutputLogEventTypeDef], str | None]:
        """One GetLogEvents page read forwards (oldest first): (events, next forward token). The end is
        reached when the token returned equals the one given."""
        request: GetLogEventsRequestTypeDef = {
            "logGroupName": group,
            "logStreamName": stream,
            "startFromHead": True,
            "limit": limit,
        }
        if start_ms is not None:
            request["startTime"] = int(start_ms)
        if end_ms is not None:
            request["endTime"] = int(end_ms)
        if token:
            request["nextToken"] = token
        response = self.client.get_log_events(**request)
        return list(response.get("events", [])), response.get("nextForwardToken") or None

    def latest_streams(self, group: str, limit: int = 50) -> list[LogStreamTypeDef]:
        """Streams ordered by last event, newest first."""
        response = self.client.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", descending=True, limit=limit
        )
        return list(response.get("logStreams", []))

    def last_events(self, group: str, stream: str, limit: int = 20) -> list[OutputLogEventTypeDef]:
        response = self.client.get_log_events(
            logGroupName=group, logStreamName=stream, limit=limit, startFromHead=False
        )
        return list(response.get("events", []))

    def last_lines(self, group: str, stream: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` newest messages of ``group``/``stream``, oldest first; [] when the stream is absent."""
        try:
            events = self.last_events(group, stream, limit)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return []
            raise
        return [str(e.get("message", "")).rstrip() for e in events][-limit:]

    def group_arn(self, group: str) -> str | None:
        response = self.client.describe_log_groups(logGroupNamePrefix=group)
        for g in response.get("logGroups", []):
            if g.get("logGroupName") == group:
                arn = str(g.get("arn", ""))
                return arn[:-2] if arn.endswith(":*") else arn
        return None

    def live_tail(
        self, group_arns: Sequence[str], filter_pattern: str | None = None
    ) -> Iterator[list[LiveTailSessionLogEventTypeDef]]:
        """StartLiveTail: yields batches of session results until the stream ends."""
        request: StartLiveTailRequestTypeDef = {"logGroupIdentifiers": list(group_arns)}
        if filter_pattern:
            request["logEventFilterPattern"] = filter_pattern
        stream = self.client.start_live_tail(**request)["responseStream"]
        try:
            for item in stream:
                update = item.get("sessionUpdate")
                if update is not None:
                    yield list(update.get("sessionResults", []))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
