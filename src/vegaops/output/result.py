"""The result envelope every command returns, and the view shapes human output is drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vegaops.sensitive import redact

SCHEMA = "vegaops.result/v1"
ENVELOPE_KEYS = ("schema", "command", "status", "exit_code", "changes", "data", "errors")


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]
    title: str | None = None


@dataclass(frozen=True)
class Fields:
    pairs: list[tuple[str, Any]]
    title: str | None = None


@dataclass(frozen=True)
class Lines:
    lines: list[str]


@dataclass(frozen=True)
class Reveal:
    """A value the user asked to see (``--reveal``): printed alone on stdout, nothing else on its line."""

    value: str


View = Table | Fields | Lines | Reveal


@dataclass(frozen=True)
class Result:
    """What a command returns, built once with everything (pypa/pipx's result envelope): frozen, and its
    sequences read-only, so a change is a new result (``dataclasses.replace`` or :meth:`with_errors` ...)."""

    command: str
    status: str = "ok"
    exit_code: int = 0
    changes: Sequence[dict[str, Any]] = ()
    data: Any = None
    errors: Sequence[dict[str, Any]] = ()
    views: Sequence[View] = ()
    message: str | None = None

    def envelope(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "command": self.command,
            "status": self.status,
            "exit_code": self.exit_code,
            "changes": redact(list(self.changes)),
            "data": redact(self.data),
            "errors": redact(list(self.errors)),
        }
