"""``vegaops image``: push (docker or daemonless), promote between repositories, list tags and what runs."""

from __future__ import annotations

import typer

from vegaops.cli.image import list, promote, push

app = typer.Typer(
    rich_markup_mode=None,
    help="Container images in ECR: push, promote, list.",
    no_args_is_help=True,
)
app.command("push")(push.push)
app.command("promote")(promote.promote)
app.command("list")(list.list_)
