"""``vegaops schedule``: the environment's scheduled tasks (EventBridge Scheduler and rules)."""

from __future__ import annotations

import typer

from vegaops.cli.schedule import list as list_
from vegaops.cli.schedule import run

app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Scheduled tasks: list them (which run an old revision), run one now.",
)
app.command("list")(list_.list_)
app.command("run")(run.run)
