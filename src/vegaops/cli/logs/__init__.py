"""``vegaops logs``: tail the CloudWatch Logs of one or more ECS services, merged in time order."""

from __future__ import annotations

import typer

from vegaops.cli.logs import tail

app = typer.Typer(
    rich_markup_mode=None,
    help="Service logs from CloudWatch Logs (tail, follow, merged across services).",
    no_args_is_help=True,
)
app.command("tail")(tail.tail)
