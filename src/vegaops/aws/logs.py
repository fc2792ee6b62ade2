"""CloudWatch Logs, typed. No printing.

``filter_page`` always passes ``interleaved=True`` (real AWS interleaves anyway; moto groups events by
stream without it). ``logStreamNamePrefix`` is a server-side hint only: callers filter stream names
themselves because some endpoints ignore it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from vegaops.aws.errors import error_code

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


def _window(start_ms: int | None, end_ms: int | None) -> dict[str, int]:
    """startTime/endTime parameters (milliseconds) for the bounds that are given."""
    window = {"startTime": start_ms, "endTime": end_ms}
    return {k: int(v) for k, v in window.items() if v is not None}


class Logs:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: dict[str, int] = {}

    def _call(self, op: str, **kwargs: Any) -> dict[str, Any]:
        self.calls[op] = self.calls.get(op, 0) + 1
        result: dict[str, Any] = getattr(self.client, op)(**kwargs)
        return result

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
        """One FilterLogEvents page: (events, next token)."""
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "interleaved": True,
            "limit": limit,
            **_window(start_ms, end_ms),
        }
        if filter_pattern:
            kwargs["filterPattern"] = filter_pattern
        if streams:
            kwargs["logStreamNames"] = list(streams)[:100]
        elif stream_prefix:
            kwargs["logStreamNamePrefix"] = stream_prefix
        if token:
            kwargs["nextToken"] = token
        response = self._call("filter_log_events", **kwargs)
        return list(response.get("events", [])), response.get("nextToken") or None

    def list_streams(self, group: str, prefix: str | None = None, max_pages: int = 10) -> list[dict[str, Any]] | None:
        """The group's streams (name order, optionally under a prefix); None when there are more than
        ``max_pages`` pages of them (the caller then scans the group with FilterLogEvents instead)."""
        kwargs: dict[str, Any] = {"logGroupName": group}
        if prefix:
            kwargs["logStreamNamePrefix"] = prefix
        out: list[dict[str, Any]] = []
        for _ in range(max_pages):
            response = self._call("describe_log_streams", **kwargs)
            out.extend(response.get("logStreams", []))
            token = response.get("nextToken")
            if not token:
                return out
            kwargs["nextToken"] = token
        return None

    def stream_page(
        self,
        group: str,
        stream: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One GetLogEvents page read forwards (oldest first): (events, next forward token). The end is
        reached when the token returned equals the one given."""
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "logStreamName": stream,
            "startFromHead": True,
            "limit": limit,
            **_window(start_ms, end_ms),
        }
        if token:
            kwargs["nextToken"] = token
        response = self._call("get_log_events", **kwargs)
        return list(response.get("events", [])), response.get("nextForwardToken") or None

    def latest_streams(self, group: str, limit: int = 50) -> list[dict[str, Any]]:
        """Streams ordered by last event, newest first."""
        response = self._call(
            "describe_log_streams", logGroupName=group, orderBy="LastEventTime", descending=True, limit=limit
        )
        return list(response.get("logStreams", []))

    def last_events(self, group: str, stream: str, limit: int = 20) -> list[dict[str, Any]]:
        response = self._call(
            "get_log_events", logGroupName=group, logStreamName=stream, limit=limit, startFromHead=False
        )
        return list(response.get("events", []))

    def group_arn(self, group: str) -> str | None:
        response = self._call("describe_log_groups", logGroupNamePrefix=group)
        for g in response.get("logGroups", []):
            if g.get("logGroupName") == group:
                arn = str(g.get("arn", ""))
                return arn[:-2] if arn.endswith(":*") else arn
        return None

    def live_tail(self, group_arns: Sequence[str], filter_pattern: str | None = None) -> Iterator[list[dict[str, Any]]]:
        """StartLiveTail: yields batches of session results until the stream ends."""
        kwargs: dict[str, Any] = {"logGroupIdentifiers": list(group_arns)}
        if filter_pattern:
            kwargs["logEventFilterPattern"] = filter_pattern
        response = self._call("start_live_tail", **kwargs)
        stream = response["responseStream"]
        try:
            for item in stream:
                update = item.get("sessionUpdate")
                if update is not None:
                    yield list(update.get("sessionResults", []))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
