"""``vegaops secret``: Secrets Manager, names relative to the environment's secrets prefix."""

from __future__ import annotations

import typer

from vegaops.cli.secret import delete, diff, export, get, history, import_, list, refs, restore, rollback, set

app = typer.Typer(
    rich_markup_mode=None,
    help="Secrets in Secrets Manager (set, get, list, delete, restore, history, rollback, refs, export, diff, import).",
    no_args_is_help=True,
)
app.command("set")(set.set_)
app.command("get")(get.get)
app.command("list")(list.list_)
app.command("delete")(delete.delete)
app.command("restore")(restore.restore)
app.command("history")(history.history)
app.command("rollback")(rollback.rollback)
app.command("refs")(refs.refs_)
app.command("export")(export.export)
app.command("diff")(diff.diff)
app.command("import")(import_.import_)
