"""The result of ``vegaops health``: status, exit code, message and table from the checks that ran."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.health.run import failing_lines, skipped_lines

if TYPE_CHECKING:
    from vegaops.health.checks import Check
    from vegaops.output.result import Result


def health_result(command: str, checks: Sequence[Check], *, waited: bool, timeout: float) -> Result:
    """Exit 0 when every check passed, 5 when any failed (each listed), 6 when ``--wait`` ran out of time."""
    from vegaops.output.result import Result, Table

    healthy = all(c.ok for c in checks)
    failing = failing_lines(list(checks))
    skipped = skipped_lines(list(checks))
    code = 0 if healthy else (6 if waited else 5)
    if healthy:
        passed = len(checks) - len(skipped)
        message = f"healthy: {passed} check{'s' if passed != 1 else ''} passed" + (
            f", {len(skipped)} not read ({'; '.join(skipped)})" if skipped else ""
        )
    elif waited:
        message = f"timed out after {timeout:g}s waiting for health: {len(failing)} of {len(checks)} checks failing"
    else:
        message = f"unhealthy: {len(failing)} of {len(checks)} checks failing" + (
            f"; {len(skipped)} not read" if skipped else ""
        )
    kind = "ok" if healthy else ("timeout" if waited else "failed")
    errors: list[dict[str, Any]] = [
        {"kind": kind, "message": line, "hint": None, "exit_code": code} for line in failing
    ]
    first_bad = next((c for c in checks if not c.ok), None)
    if errors and first_bad is not None and any(c.scope != "env" for c in checks if not c.ok):
        errors[-1]["hint"] = f"for details: {prog()} debug {first_bad.scope}"
    return Result(
        command,
        status="healthy" if healthy else ("timeout" if waited else "unhealthy"),
        exit_code=code,
        data={"healthy": healthy, "checks": [c.to_dict() for c in checks]},
        errors=errors,
        message=message,
        views=[Table(["scope", "check", "target", "status", "detail"], [_row(c) for c in checks])],
    )


def _row(c: Check) -> list[str]:
    return [c.scope, c.name, c.target or "-", c.status, c.detail]
