"""``vegaops schedule run NAME``."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit


def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The schedule or rule (see vegaops schedule list).")],
    group: Annotated[str | None, typer.Option("--group", help="Schedule group or event bus, when names clash.")] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for the task to stop (exit 5 if it failed).")
    ] = True,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long to wait: 900, 15m, 1h; then stop the task and exit 6.")
    ] = "30m",
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="On --timeout or Ctrl-C leave the task running.")
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Run a scheduled task now with its target's parameters (task definition, network, overrides)."""
    from vegaops.capacity.schedule_run import run_schedule
    from vegaops.inputs import parse_duration

    timeout_s = parse_duration(timeout, "--timeout")
    a = app_ctx(ctx, dry_run)
    emit(a, run_schedule(a, name, group, wait, timeout_s, 2.0, keep_running))
