"""Typed client for the sandbox's local-only admin endpoint (``<endpoint>/_sandbox/...``); stdlib only."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

FAULT_MODES = ("crash", "oom", "unhealthy", "pull", "secrets", "alarm", "hook-fail", "hook-pause")


def _call(endpoint: str, path: str, body: dict[str, Any] | None = None, method: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{endpoint.rstrip('/')}/_sandbox/{path}",
        data=data,
        method=method or ("POST" if data is not None else "GET"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def set_fault(endpoint: str, service: str, mode: str | None) -> dict[str, str]:
    """Set (or with None clear) a runtime fault on an ECS service (name or service key)."""
    result: dict[str, str] = _call(endpoint, "faults", {"service": service, "mode": mode})["faults"]
    return result


def clear_faults(endpoint: str) -> None:
    _call(endpoint, "faults", {"clear": True})


def faults(endpoint: str) -> dict[str, str]:
    result: dict[str, str] = _call(endpoint, "faults")["faults"]
    return result


def inject_errors(
    endpoint: str, operation: str, code: str = "ThrottlingException", status: int = 400, count: int = 1
) -> None:
    """Answer the next ``count`` calls of ``operation`` (e.g. "DescribeServices") with the error."""
    _call(endpoint, "inject", {"operation": operation, "code": code, "status": status, "count": count})


def plain(endpoint: str, operations: list[str]) -> list[str]:
    """Let plain moto answer these operations (e.g. ["ListServiceDeployments", "DescribeServiceDeployments",
    "StopServiceDeployment"]: HTTP 500 with an HTML page, as on a moto server); [] restores the sandbox's
    answers. ``reset`` restores them too."""
    result: list[str] = _call(endpoint, "plain", {"operations": operations})["plain"]
    return result


def call_counts(endpoint: str) -> dict[str, int]:
    """Calls served per operation, e.g. {"ecs:DescribeServices": 3}."""
    result: dict[str, int] = _call(endpoint, "counts")["counts"]
    return result


def reset_counts(endpoint: str) -> None:
    _call(endpoint, "counts", {}, method="DELETE")


def info(endpoint: str) -> dict[str, Any]:
    """What the sandbox holds (services with rollout state, counts), for ``sandbox status``."""
    result: dict[str, Any] = _call(endpoint, "info")
    return result


def reset(endpoint: str) -> None:
    """Wipe every resource and seed the estate again."""
    _call(endpoint, "reset", {})
