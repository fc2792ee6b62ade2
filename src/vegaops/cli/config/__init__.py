"""``vegaops config``: SSM Parameter Store, names relative to the environment's params prefix."""

from __future__ import annotations

import typer

from vegaops.cli.config import delete, diff, get, history, import_, list, rollback, set

app = typer.Typer(
    rich_markup_mode=None,
    help="Configuration in SSM Parameter Store (set, get, list, delete, history, rollback).",
    no_args_is_help=True,
)
app.command("set")(set.set_)
app.command("get")(get.get)
app.command("list")(list.list_)
app.command("delete")(delete.delete)
app.command("history")(history.history)
app.command("rollback")(rollback.rollback)
app.command("diff")(diff.diff)
app.command("import")(import_.import_)
