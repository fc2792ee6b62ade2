"""Every value a user hands vegaops, checked in one place before the first AWS call.

- ``parse_duration`` / ``parse_time``: the one parser for durations (``90``, ``30s``, ``15m``, ``2h``,
  ``1d``, ``1w``) and times (a duration ago, or ISO 8601), bounded so no option can overflow a date.
- ``read_value`` / ``read_text``: the one reader for values from stdin, files and prompts: bytes in,
  UTF-8 validated, one clear error naming the source.
- ``check_output_file``: a ``--to FILE`` path is a file in an existing folder.
- AWS and Docker name rules (SSM parameter names, Secrets Manager names, image tags, environment names).

Every error is a ``UsageError`` (exit 2) naming the option or key and the rule broken.
"""

from __future__ import annotations

import math
import os
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from vegaops.cmdline import prog
from vegaops.errors import UsageError

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|"
    r"week|weeks)?\s*$",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Ten years: longer than any log retention or deploy watch; keeps every datetime arithmetic in range.
MAX_DURATION = 10 * 365 * 86400.0


def parse_duration(value: str, option: str, *, allow_zero: bool = False, maximum: float = MAX_DURATION) -> float:
    """Seconds from ``900``, ``30s``, ``15m``, ``2h``, ``1d`` or ``1w``; positive (or zero if allowed), bounded."""
    example = f"for example {option} 90, {option} 30s, {option} 15m or {option} 2h"
    m = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise UsageError(f"{option} {value!r}: expected a duration like 90, 30s, 15m, 2h or 1d", hint=example)
    seconds = float(m.group(1)) * _UNITS[(m.group(2) or "s")[0].lower()]
    if not math.isfinite(seconds) or seconds > maximum:
        raise UsageError(f"{option} {value!r}: longer than the maximum of {_human(maximum)}", hint=example)
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"{option} {value!r}: must be greater than 0", hint=example)
    return seconds


def positive_seconds(value: float | None, option: str) -> float | None:
    """A number of seconds given as a float option: finite, > 0 and bounded (None stays None)."""
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"{option} {value:g}: must be a number of seconds greater than 0", hint=f"for example {option} 5"
        )
    if value > MAX_DURATION:
        raise UsageError(f"{option} {value:g}: longer than the maximum of {_human(MAX_DURATION)}")
    return value


def _human(seconds: float) -> str:
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_time(value: str, now: datetime, option: str = "--since") -> datetime:
    """``10m``, ``2h``, ``1d``, ``30s`` (ago) or an ISO 8601 time (naive = local time)."""
    if _DURATION.fullmatch(value):
        return now - timedelta(seconds=parse_duration(value, option, allow_zero=True))
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        parsed = parsed.astimezone() if parsed.tzinfo is None else parsed
        parsed.timestamp()  # out-of-range local times fail here, not later
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            f"{option} {value!r}: expected a duration like 10m, 2h, 1d or an ISO time",
            hint=f"for example {option} 30m or {option} 2026-01-01T12:00",
        ) from None
    return parsed


# values ----------------------------------------------------------------------------------------


_BINARY_HINT = "give a text value; encode binary data first (for example base64)"


def decode(data: bytes, what: str, where: str, hint: str = _BINARY_HINT) -> str:
    """UTF-8 text from bytes, or an error naming the source and the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what}: {where} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", hint=hint
        ) from None


def _read_stream(stream: IO[str]) -> bytes:
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data = buffer.read()
        return data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogateescape")
    return stream.read().encode("utf-8", "surrogateescape")


def read_text(source: str | Path, what: str, hint: str = _BINARY_HINT) -> str:
    """The whole text of a file (or stdin for ``-``): readable, a file, UTF-8."""
    where = "stdin" if str(source) == "-" else str(source)
    if len(where) > 80:
        where = where[:60] + "..."
    if str(source) == "-":
        return decode(_read_stream(sys.stdin), what, where, hint)
    path = Path(source)
    try:
        if path.is_dir():
            raise UsageError(f"{what}: {where} is a directory, not a file", hint="give the path of a file")
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {where}: {exc.strerror or exc}", hint="check the path") from None
    return decode(data, what, where, hint)


def strip_value(data: str, what: str, where: str, hint: str = "give a non-empty value") -> str:
    """One trailing newline (\\n or \\r\\n) dropped; empty is an error."""
    if data.endswith("\n"):
        data = data[:-1]
        if data.endswith("\r"):
            data = data[:-1]
    if not data:
        raise UsageError(f"{what}: the value read from {where} is empty", hint=hint)
    if "\x00" in data:
        raise UsageError(f"{what}: the value read from {where} contains a NUL byte", hint=hint)
    return data


def read_value(source: str | Path, what: str, hint: str = "give a non-empty value") -> str:
    """A single value from stdin (``-``) or a file: UTF-8, one trailing newline dropped, not empty."""
    where = "stdin" if str(source) == "-" else str(source)
    return strip_value(read_text(source, what), what, where, hint)


def check_value(value: str, what: str, where: str = "the command line") -> str:
    """A value that did not come through ``read_value`` (argv, prompts, runbook variables): same rules."""
    if not value:
        raise UsageError(f"{what}: the value from {where} is empty", hint="give a non-empty value")
    if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise UsageError(f"{what}: the value from {where} is not valid text", hint="give a UTF-8 text value")
    return value


# files -----------------------------------------------------------------------------------------


def check_output_file(path: Path, option: str) -> Path:
    """``--to FILE``: not a directory, in a folder that exists and is a folder (the write itself is elsewhere)."""
    text = str(path)
    shown = text if len(text) <= 80 else text[:60] + "..."
    try:
        if not text or text.endswith(os.sep) or path.is_dir():
            raise UsageError(
                f"{option} {shown!r}: is a directory, expected a file path", hint=f"for example {option} ./.env"
            )
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            why = "does not exist" if not parent.exists() else "is not a directory"
            raise UsageError(f"{option} {shown!r}: folder {str(parent)!r} {why}", hint="create the folder first")
    except OSError as exc:  # a name too long for the file system, a loop of symlinks, ...
        raise UsageError(f"{option} {shown!r}: {exc.strerror}", hint="give a shorter or simpler path") from None
    return path


# names -----------------------------------------------------------------------------------------

_SSM_NAME = re.compile(r"^[A-Za-z0-9_.\-/]+$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@\-]+$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


def check_param_name(full: str) -> str:
    """SSM parameter name rules: at most 2048 characters, ``a-zA-Z0-9_.-/``, at most 15 levels."""
    hint = "parameter names use letters, digits and _ . - /, at most 2048 characters and 15 levels"
    shown = full if len(full) <= 80 else full[:60] + "..."
    if not full.strip("/"):
        raise UsageError("invalid parameter name: empty", hint=hint)
    if len(full) > 2048:
        raise UsageError(f"invalid parameter name {shown!r}: {len(full)} characters; the limit is 2048", hint=hint)
    if not _SSM_NAME.fullmatch(full):
        bad = next(c for c in full if not _SSM_NAME.fullmatch(c))
        raise UsageError(f"invalid parameter name {shown!r}: character {bad!r} is not allowed", hint=hint)
    levels = len([p for p in full.strip("/").split("/") if p])
    if full.startswith("/") and levels > 15:
        raise UsageError(f"invalid parameter name {shown!r}: {levels} levels; the limit is 15", hint=hint)
    return full


def check_secret_name(full: str) -> str:
    """Secrets Manager name rules: 1-512 characters, letters, digits and ``/_+=.@-``."""
    hint = "secret names use letters, digits and / _ + = . @ -, at most 512 characters"
    shown = full if len(full) <= 80 else full[:60] + "..."
    if not full:
        raise UsageError("invalid secret name: empty", hint=hint)
    if len(full) > 512:
        raise UsageError(f"invalid secret name {shown!r}: {len(full)} characters; the limit is 512", hint=hint)
    if not _SECRET_NAME.fullmatch(full):
        bad = next(c for c in full if not _SECRET_NAME.fullmatch(c))
        raise UsageError(f"invalid secret name {shown!r}: character {bad!r} is not allowed", hint=hint)
    return full


def check_image_tag(tag: str, option: str = "--tag") -> str:
    """Docker tag grammar: ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``."""
    if not _TAG.fullmatch(tag):
        raise UsageError(
            f"{option} {tag!r}: not a valid image tag"
            + (" (empty)" if not tag else " (letters, digits, _ . -; at most 128; not starting with . or -)"),
            hint="a tag looks like v1.2.3 or 2026-12-04_ab12cd",
        )
    return tag


_REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def check_repository(value: str, option: str, known_envs: list[str] | None = None) -> str:
    """An ECR repository name (2-256 characters, lowercase, ``[._-]`` separators, ``/`` namespaces)."""
    if 2 <= len(value) <= 256 and _REPOSITORY.fullmatch(value):
        return value
    envs = ", ".join(sorted(known_envs or [])) or "none configured"
    raise UsageError(
        f"{option} {value!r}: neither an environment nor a valid ECR repository name",
        hint=f"environments: {envs}; repository names are lowercase, e.g. vega-api or team/vega-api",
    )


_DEPLOYMENT_ID = re.compile(r"^(ecs-svc/)?\d{1,32}$")


def check_deployment(value: str, option: str) -> str:
    """``current``, ``previous`` or an ECS deployment id (``ecs-svc/123...`` or its digits)."""
    if value in ("current", "previous") or _DEPLOYMENT_ID.fullmatch(value):
        return value
    raise UsageError(
        f"{option} {value!r}: expected current, previous or a deployment id like ecs-svc/1234567890",
        hint=f"deployment ids are shown by {prog()} status and {prog()} deploy history",
    )


_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def check_region(region: str, where: str) -> str:
    if not _REGION.fullmatch(region):
        raise UsageError(f"{where}: {region!r} is not an AWS region name", hint="a region looks like eu-central-1")
    return region


def parse_pairs(items: list[str] | None, option: str) -> dict[str, str]:
    """Repeated ``KEY=VALUE`` options (``--tag``, ``--var``) as a dict; a later key wins."""
    pairs: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} {item!r}: expected KEY=VALUE", hint=f"for example {option} team=platform")
        pairs[key.strip()] = value
    return pairs
