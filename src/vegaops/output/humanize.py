"""Values a person reads: short names for ARNs, durations with units, times to the second or relative."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_ARN_IN_TEXT = re.compile(r"arn:aws[\w-]*:[\w-]+:[\w-]*:\d*:[^\s,;)\]]+")


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


def short_digest(digest: Any) -> str | None:
    """``sha256:1b0316e6c32f087c...`` -> ``sha256:1b0316e6c32f`` (12 hex digits, as docker shows ids)."""
    if not digest:
        return None
    algo, _, hexes = str(digest).partition(":")
    return f"{algo}:{hexes[:12]}" if hexes else str(digest)[:19]


def short_image(image: Any) -> Any:
    """``123456789012.dkr.ecr.REGION.amazonaws.com/vega-api@sha256:<64>`` -> ``vega-api@sha256:<12>``."""
    if not isinstance(image, str) or not image:
        return image
    name, at, digest = image.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        name = rest  # drop the registry host
    return f"{name}@{short_digest(digest)}" if at else name


def local_time(value: Any) -> str:
    """A datetime or ISO string as the local time to the second (no microseconds, no offset); ``-`` if none."""
    when = parse_time(value)
    if when is None:
        return "-" if value is None else str(value)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def short_arns_in(text: str) -> str:
    """Every ARN inside a sentence (an ECS event names its target group by ARN) by its short name."""
    return _ARN_IN_TEXT.sub(lambda m: str(short_arn(m.group(0))), text)


_SERVICE_PREFIX = re.compile(r"^\(service [^)]*\)\s*")


def event_text(message: Any, limit: int | None = None) -> str | None:
    """An ECS service event in a table: without the ``(service NAME)`` its row already names, ARNs short,
    at most ``limit`` characters (``…`` marks the cut)."""
    if not message:
        return None
    text = short_arns_in(_SERVICE_PREFIX.sub("", str(message)))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_TASK_ID = re.compile(
    r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b([0-9a-f]{8})[0-9a-f]{24}\b"
)


def short_ids_in(text: str) -> str:
    """ARNs by their short names and task ids by their first 8 characters, as the tables show them."""
    return _TASK_ID.sub(lambda m: m.group(1) or m.group(2), short_arns_in(text))
