"""Enrichment: the AWS calls a command can do without.

The truth rule (ARCHITECTURE.md): a verdict, or a report's main answer, comes from the minimum calls a
command needs (for a deploy: UpdateService's answer and DescribeServices). Every other call adds detail.
When such a call is denied, unsupported by the endpoint (plain moto answers HTTP 500 with an HTML body,
some emulators 404 or "unknown action"), or still failing after botocore's retries (5xx, throttling, a
timeout), the command says once on stderr what it skipped and which permission would give it, and goes
on with what it has: the verdict and the exit code are exactly what they would be with the call answered.

``skip_kind`` decides which failures are skippable; anything else (a validation error, a missing
resource the caller asked for) is re-raised for the caller to handle. ``Enrichment`` runs the calls
and keeps the once-per-operation notices, and the list of what was skipped for ``--output json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vegaops.aws.errors import error_code

T = TypeVar("T")

DENIED = "denied"
UNSUPPORTED = "unsupported"
FAILING = "failing"

_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
    "AuthorizationErrorException",
    "NotAuthorized",
    "Forbidden",
    "403",
}
UNSUPPORTED_CODES = {
    "UnknownOperationException",
    "UnknownOperation",
    "InvalidAction",
    "UnrecognizedOperation",
    "NotImplemented",
    "NotImplementedError",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "404",
    "501",
}
_UNSUPPORTED_TEXT = (
    "not yet implemented",
    "not implemented",
    "not been implemented",
    "unknown action",
    "invalid action",
    "unknownoperation",
    "could not find operation",
)
_FAILING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServerException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServiceError",
    "LimitExceededException",
}


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if isinstance(status, int) else None


def is_unsupported(exc: BaseException) -> bool:
    """True when the endpoint does not implement an operation (moto, LocalStack, old regions)."""
    if isinstance(exc, NotImplementedError):
        return True
    code = error_code(exc) or ""
    if code in UNSUPPORTED_CODES:
        return True
    text = str(exc).lower()
    if any(s in text for s in _UNSUPPORTED_TEXT):
        return True
    # An emulator's web framework answering an action it lacks (plain moto: HTTP 500 with an HTML page,
    # after botocore's retries). AWS APIs never answer with HTML.
    return code == "500" and ("<!doctype html" in text or "<html" in text)


def skip_kind(exc: BaseException) -> str | None:
    """``denied``, ``unsupported`` or ``failing`` when an enrichment call may be skipped; else None."""
    code = error_code(exc) or ""
    if code in _DENIED_CODES or code.startswith("AccessDenied"):
        return DENIED
    if is_unsupported(exc):
        return UNSUPPORTED
    if code in _FAILING_CODES:
        return FAILING
    status = _http_status(exc)
    if status is not None and status >= 500:
        return FAILING
    module = type(exc).__module__
    if module.startswith(("botocore", "urllib3")) and not code:
        # EndpointConnectionError, ReadTimeoutError, ConnectTimeoutError, ...: nothing answered.
        return FAILING
    return None


@dataclass(frozen=True)
class Skipped:
    """One enrichment a command went without."""

    operation: str  # e.g. "ecs:ListTasks"
    kind: str  # denied | unsupported | failing
    lost: str  # what the output lacks because of it
    detail: str  # the error, one line

    @property
    def why(self) -> str:
        """Why it is missing, in a few words: what a report prints in the section's place."""
        return {
            DENIED: f"{self.operation} denied; grant it to see this",
            UNSUPPORTED: f"{self.operation} is not supported by this endpoint",
            FAILING: f"{self.operation} still failing after retries: {self.detail}",
        }.get(self.kind, self.detail)

    def line(self) -> str:
        why = {
            DENIED: f"denied; grant {self.operation} to see it",
            UNSUPPORTED: "the endpoint does not support it",
            FAILING: f"still failing after retries: {self.detail}",
        }.get(self.kind, self.detail)
        return f"skipped {self.lost} ({self.operation} {why}); the verdict does not depend on it"

    def to_dict(self) -> dict[str, str]:
        return {"operation": self.operation, "kind": self.kind, "lost": self.lost, "why": self.why}


@dataclass
class Enrichment:
    """Runs enrichment calls; the first skip of each operation is reported through ``warn``."""

    warn: Callable[[str], None] = field(default=lambda _m: None)
    skipped: list[Skipped] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def call(self, operation: str, fn: Callable[[], T], default: T, lost: str) -> T:
        """``fn()``, or ``default`` when it fails in a skippable way (reported once per operation).

        An operation once denied or unsupported is not tried again in the same command (its answer would
        not change, and an unsupported one costs botocore's retries each time)."""
        if self.unavailable(operation):
            return default
        try:
            return fn()
        except Exception as exc:
            kind = skip_kind(exc)
            if kind is None:
                raise
            self.record(operation, kind, lost, exc)
            return default

    def attempt(self, operation: str, fn: Callable[[], T], lost: str) -> tuple[T | None, Skipped | None]:
        """``(fn(), None)``, or ``(None, skipped)`` when it fails in a skippable way (reported once), so a
        report can say in the section's place why it is missing."""
        try:
            return fn(), None
        except Exception as exc:
            kind = skip_kind(exc)
            if kind is None:
                raise
            return None, self.record(operation, kind, lost, exc)

    def record(self, operation: str, kind: str, lost: str, exc: BaseException | str) -> Skipped:
        detail = " ".join(str(exc).split())[:200]
        skip = Skipped(operation, kind, lost, detail)
        if operation in self._seen:
            return skip
        self._seen.add(operation)
        self.skipped.append(skip)
        self.warn(skip.line())
        return skip

    def unavailable(self, operation: str) -> bool:
        """The operation was denied or is unsupported in this command (a failing one is tried again)."""
        return any(s.operation == operation and s.kind in (DENIED, UNSUPPORTED) for s in self.skipped)

    def as_json(self) -> list[dict[str, Any]]:
        return [{"operation": s.operation, "kind": s.kind, "lost": s.lost, "detail": s.detail} for s in self.skipped]
