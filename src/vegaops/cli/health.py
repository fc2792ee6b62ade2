"""``vegaops health``: ECS, ALB targets, the HTTP health URL and environment checks; exit 5 when unhealthy."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit
from vegaops.cmdline import prog


def health(
    ctx: typer.Context,
    services: Annotated[list[str] | None, typer.Argument(help="Services (default: every configured one).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Keep checking until healthy or --timeout (exit 6).")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds --wait waits.")] = 300.0,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks with --wait.")] = 10.0,
    retries: Annotated[int, typer.Option("--retries", help="Attempts per HTTP health URL.")] = 3,
    http_timeout: Annotated[float, typer.Option("--http-timeout", help="Seconds per HTTP attempt.")] = 5.0,
) -> None:
    """Check services: exit 0 when every check passes, 5 when any fails (all listed), 6 when --wait times out."""
    from vegaops.errors import UsageError
    from vegaops.health.run import failing_lines, run_checks, skipped_lines, wait_healthy
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    if timeout < 0 or interval <= 0 or retries < 1 or http_timeout <= 0:
        raise UsageError("--timeout, --interval, --retries and --http-timeout must be positive")
    names = list(services or [])
    if wait:

        def progress(checks: list) -> None:  # type: ignore[type-arg]
            bad = failing_lines(checks)
            a.output.info(f"waiting: {len(bad)} check(s) failing: {bad[0]}" + (" ..." if len(bad) > 1 else ""))

        healthy, checks = wait_healthy(
            a, names, timeout, interval, retries=1, http_timeout=http_timeout, progress=progress
        )
    else:
        checks = run_checks(a, names, retries=retries, http_timeout=http_timeout)
        healthy = all(c.ok for c in checks)
    failing = failing_lines(checks)
    rows = [[c.scope, c.name, c.target or "-", c.status, c.detail] for c in checks]
    skipped = skipped_lines(checks)
    code = 0 if healthy else (6 if wait else 5)
    if healthy:
        passed = len(checks) - len(skipped)
        message = f"healthy: {passed} check{'s' if passed != 1 else ''} passed" + (
            f", {len(skipped)} not read ({'; '.join(skipped)})" if skipped else ""
        )
    elif wait:
        message = f"timed out after {timeout:g}s waiting for health: {len(failing)} of {len(checks)} checks failing"
    else:
        message = f"unhealthy: {len(failing)} of {len(checks)} checks failing" + (
            f"; {len(skipped)} not read" if skipped else ""
        )
    kind = "ok" if healthy else ("timeout" if wait else "failed")
    errors = [{"kind": kind, "message": line, "hint": None, "exit_code": code} for line in failing]
    if failing:
        errors[-1]["hint"] = (
            f"for details: {prog()} debug {checks[[c.ok for c in checks].index(False)].scope}"
            if any(c.scope != "env" for c in checks if not c.ok)
            else None
        )
    emit(
        a,
        Result(
            a.command,
            status="healthy" if healthy else ("timeout" if wait else "unhealthy"),
            exit_code=code,
            data={"healthy": healthy, "checks": [c.to_dict() for c in checks]},
            errors=errors,
            message=message,
            views=[Table(["scope", "check", "target", "status", "detail"], rows)],
        ),
    )
