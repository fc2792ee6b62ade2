"""The exit-code contract (ARCHITECTURE.md) and the errors that carry it.

Every error a user can cause is a ``VegaopsError``: one line saying what went wrong and
where, plus an optional hint saying how to fix it. ``main()`` is the only place that turns
them into output and an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    FAILED = 5
    TIMEOUT = 6
    NEEDS_HUMAN = 7
    REFUSED = 8
    UNAVAILABLE = 75  # sysexits EX_TEMPFAIL: AWS unreachable or still failing after retries; try again
    INTERRUPTED = 130


class VegaopsError(Exception):
    """Base class: a message (what + where), a hint (how to fix) and an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "hint": self.hint,
            "exit_code": int(self.exit_code),
        }


class UsageError(VegaopsError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class ConfigError(UsageError):
    kind = "config"


class RunbookError(UsageError):
    kind = "runbook"


class NotFoundError(VegaopsError):
    exit_code = ExitCode.NOT_FOUND
    kind = "not_found"


class AuthError(VegaopsError):
    exit_code = ExitCode.AUTH
    kind = "auth"


class OperationFailed(VegaopsError):
    exit_code = ExitCode.FAILED
    kind = "failed"


class TimedOut(VegaopsError):
    exit_code = ExitCode.TIMEOUT
    kind = "timeout"


class NeedsHuman(VegaopsError):
    exit_code = ExitCode.NEEDS_HUMAN
    kind = "needs_human"


class Refused(VegaopsError):
    exit_code = ExitCode.REFUSED
    kind = "refused"


class Interrupted(VegaopsError):
    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI runner cancelling its job, ``timeout``, ``docker stop``), raised by the executable's handler
    so that every path that handles Ctrl-C handles it the same way: a deploy releases its lock and says what it
    changed, ``run`` stops its task, the exit code is 130."""


class Unavailable(VegaopsError):
    """AWS could not be reached (refused, reset, timed out) or kept failing (5xx, throttling) after retries.

    Temporary by nature: the message names the endpoint, the hint says what was and was not changed.
    """

    exit_code = ExitCode.UNAVAILABLE
    kind = "unavailable"


class AwsError(Unavailable):
    """An AWS error that is neither the user's input nor credentials (a 5xx that outlived retries)."""

    kind = "aws"


class InternalError(VegaopsError):
    """A bug in vegaops: the only error that exits 1."""

    exit_code = ExitCode.INTERNAL
    kind = "internal"
