"""Reading a command's final result envelope: its deploy services and its overall verdict.

Shared by CI reporting (``vegaops.ci``) and notifications (``vegaops.notify``), which call each other's
neighbours; the readers live here, below both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Worst first: the overall verdict of a multi-service deploy is its worst service outcome.
_OUTCOME_ORDER = (
    "failed",
    "timed_out",
    "superseded",
    "rolled_back",
    "interrupted",
    "unknown",
    "in_progress",
    "succeeded",
)


def services_of(envelope: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = envelope.get("data")
    if isinstance(data, dict) and isinstance(data.get("services"), list):
        return [s for s in data["services"] if isinstance(s, dict) and "outcome" in s]
    return []


def verdict_of(envelope: Mapping[str, Any]) -> str:
    """The overall verdict: the worst service outcome of a deploy/rollback, else the command's status."""
    outcomes = [str(s.get("outcome")) for s in services_of(envelope)]
    if outcomes and all(o == "planned" for o in outcomes):
        return "planned"
    for outcome in _OUTCOME_ORDER:
        if outcome in outcomes:
            return outcome
    status = str(envelope.get("status") or "ok")
    return "failed" if status == "error" else status
