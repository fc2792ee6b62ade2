"""Values a person reads: short names for ARNs, durations with units, times to the second or relative."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def short_arn(value: Any) -> Any:
    """``arn:aws:ecs:...:task-definition/vega-api:3`` -> ``vega-api:3``; an IAM/STS principal -> its name
    (``user/alice`` -> ``alice``, ``assumed-role/Deploy/ci`` -> ``Deploy/ci``); anything else unchanged."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return value
    parts = value.split(":", 5)
    if len(parts) < 6:
        return value
    service, resource = parts[2], parts[5]
    if service in ("iam", "sts"):
        kind, _, rest = resource.partition("/")
        if kind == "root" or not rest:
            return kind
        return rest if kind == "assumed-role" else rest.rsplit("/", 1)[-1]
    if service == "secretsmanager" and resource.startswith("secret:"):
        return resource.removeprefix("secret:")
    if service == "ssm" and resource.startswith("parameter"):
        return resource.removeprefix("parameter")
    if service == "logs":
        return resource.removeprefix("log-group:").removesuffix(":*")
    if service == "ecs" and "/" in resource:
        return resource.rsplit("/", 1)[-1]  # service/cluster/name, task/cluster/id, task-definition/family:rev
    return resource.split("/", 1)[1] if "/" in resource else resource.split(":", 1)[-1]


def who(value: Any) -> str | None:
    """LastModifiedUser and the like, short; ``N/A`` or nothing -> None (shown as ``-``)."""
    if not value or value == "N/A":
        return None
    return str(short_arn(value))


def duration(seconds: float | None) -> str:
    """``42s``, ``3m05s``, ``1h02m``; below ten seconds one decimal (``1.6s``)."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.1f}s"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ago(when: datetime | None, now: datetime) -> str:
    """``5m ago`` (``in 5m`` for the future); older than a day: the local date and time to the second."""
    if when is None:
        return "-"
    if when.tzinfo is None:
        when = when.replace(tzinfo=now.tzinfo)
    delta = (now - when).total_seconds()
    if abs(delta) >= 86400:
        return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    span = abs(delta)
    text = f"{int(span)}s" if span < 60 else f"{int(span // 60)}m" if span < 3600 else duration(span)[:-3]
    return f"{text} ago" if delta >= 0 else f"in {text}"


def parse_time(value: Any) -> datetime | None:
    """A datetime, or an ISO 8601 string (as history records store it) -> datetime; else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None
