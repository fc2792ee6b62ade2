"""``vegaops health``: ECS, ALB targets, the HTTP health URL and environment checks; exit 5 when unhealthy."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def health(
    ctx: typer.Context,
    services: Annotated[list[str] | None, typer.Argument(help="Services (default: every configured one).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Keep checking until healthy or --timeout (exit 6).")] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="How long --wait waits: 300, 90s, 5m.")] = "300",
    interval: Annotated[str, typer.Option("--interval", help="Time between checks with --wait: 10, 0.5s, 1m.")] = "10",
    retries: Annotated[int, typer.Option("--retries", help="Attempts per HTTP health URL.", min=1)] = 3,
    http_timeout: Annotated[float, typer.Option("--http-timeout", help="Seconds per HTTP attempt.")] = 5.0,
) -> None:
    """Check services: exit 0 when every check passes, 5 when any fails (all listed), 6 when --wait times out."""
    from vegaops.health.report import health_result
    from vegaops.health.run import failing_lines, run_checks, wait_healthy
    from vegaops.inputs import parse_duration, positive_seconds

    a = app_ctx(ctx)
    timeout_s = parse_duration(timeout, "--timeout", allow_zero=True)
    interval_s = parse_duration(interval, "--interval")
    http_s = positive_seconds(http_timeout, "--http-timeout") or 5.0
    names = list(services or [])
    if wait:

        def progress(checks: list) -> None:  # type: ignore[type-arg]
            bad = failing_lines(checks)
            a.output.info(f"waiting: {len(bad)} check(s) failing: {bad[0]}" + (" ..." if len(bad) > 1 else ""))

        _, checks = wait_healthy(a, names, timeout_s, interval_s, retries=1, http_timeout=http_s, progress=progress)
    else:
        checks = run_checks(a, names, retries=retries, http_timeout=http_s)
    emit(a, health_result(a.command, checks, waited=wait, timeout=timeout_s))
