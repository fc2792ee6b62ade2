"""``vegaops rollback SERVICE``: redeploy the newest known-good revision, watched."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, PollOpt, app_ctx, emit
from vegaops.cmdline import prog
from vegaops.errors import UsageError


def rollback(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service to roll back.", autocompletion=completion.services)],
    to: Annotated[int | None, typer.Option("--to", help="Task definition revision to go back to.")] = None,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to watch: 900, 15m, 1h.")] = "15m",
    poll_interval: PollOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Redeploy the newest known-good revision older than the running one (or --to REVISION), watched.

    Never a revision whose outcome is unknown or failed: none known-good is exit 8, asking for --to.
    """
    from vegaops.inputs import parse_duration, positive_seconds
    from vegaops.pipeline.rollback import rollback as run_rollback

    timeout_s, poll_s = parse_duration(timeout, "--timeout"), positive_seconds(poll_interval, "--poll-interval")
    if to is not None and to < 1:
        raise UsageError(f"--to {to}: a task definition revision is 1 or more", hint=f"see {prog()} deploy history")
    a = app_ctx(ctx, dry_run)
    emit(a, run_rollback(a, service, to, timeout_s, poll_s))
