"""Client of the sandbox's local admin API (tests, benchmarks, ``vegaops sandbox fault``)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def _call(endpoint: str, route: str, payload: dict[str, Any] | None = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{endpoint}/_sandbox/{route}", data=data,
                                     method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def status(endpoint: str) -> dict[str, Any]:
    result: dict[str, Any] = _call(endpoint, "status")
    return result


def set_fault(endpoint: str, service: str, mode: str | None) -> None:
    _call(endpoint, "fault", {"service": service, "mode": mode})


def inject_errors(endpoint: str, operation: str, code: str = "ThrottlingException", status: int = 400,
                  count: int = 1) -> None:
    _call(endpoint, "errors", {"operation": operation, "code": code, "status": status, "count": count})


def set_speed(endpoint: str, speed: float) -> None:
    """Change how fast simulated ECS moves (tests slow it down to watch a rollout in flight)."""
    _call(endpoint, "speed", {"speed": speed})


def call_counts(endpoint: str) -> dict[str, int]:
    result: dict[str, int] = _call(endpoint, "calls")
    return result


def reset_counts(endpoint: str) -> None:
    _call(endpoint, "calls/reset", {})
