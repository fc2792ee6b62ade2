"""The last lines of one CloudWatch Logs stream (for a failed task's inline log tail). No printing."""

from __future__ import annotations

from typing import Any

from vegaops.aws.errors import error_code


def last_lines(client: Any, group: str, stream: str, limit: int = 5) -> list[str]:
    """Up to ``limit`` newest messages of ``group``/``stream``, oldest first; [] when the stream is absent."""
    try:
        response = client.get_log_events(logGroupName=group, logStreamName=stream, limit=limit, startFromHead=False)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return []
        raise
    return [str(e.get("message", "")).rstrip() for e in response.get("events", [])][-limit:]
