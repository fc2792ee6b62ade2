"""``vegaops env``: the environments in vegaops.toml and where each resolved setting came from."""

from __future__ import annotations

import typer

from vegaops.cli.env import list, show, vars

app = typer.Typer(
    rich_markup_mode=None,
    help="Environments: list them and show their resolved settings.",
    no_args_is_help=True,
)
app.command("list")(list.list_envs)
app.command("show")(show.show)
app.command("vars")(vars.vars_)
