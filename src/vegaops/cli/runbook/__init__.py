"""``vegaops runbook``: list, validate, plan and run runbook files."""

from __future__ import annotations

import typer

from vegaops.cli.runbook import list, plan, run, validate

app = typer.Typer(
    rich_markup_mode=None,
    help="Runbooks: TOML files of steps (list, validate, plan, run).",
    no_args_is_help=True,
)
app.command("list")(list.list_)
app.command("validate")(validate.validate)
app.command("plan")(plan.plan)
app.command("run")(run.run)
