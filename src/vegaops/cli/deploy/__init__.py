"""``vegaops deploy``: deploy, and ``deploy watch|history|unlock``."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from vegaops.cli.deploy import abort, continue_, deploy, history, stop, unlock, watch


class DeployGroup(TyperGroup):
    """``deploy [SERVICE...] --tag T`` and ``deploy watch|history|unlock ...`` side by side: when the first
    argument names a subcommand, the group's own options and SERVICE arguments are not parsed."""

    allow_interspersed_args = True  # deploy api --dry-run

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] in self.commands:
            TyperGroup.parse_args(self, ctx, [])
            ctx._protected_args, ctx.args = args[:1], args[1:]
            return list(ctx.args)
        return TyperGroup.parse_args(self, ctx, args)


app = typer.Typer(
    rich_markup_mode=None,
    help="Deploy an image tag to ECS services, watch it, and say truthfully what happened.",
    cls=DeployGroup,
    invoke_without_command=True,
)
app.callback()(deploy.deploy)
app.command("watch")(watch.watch)
app.command("continue")(continue_.continue_)
app.command("abort")(abort.abort)
app.command("stop")(stop.stop)
app.command("history")(history.history)
app.command("unlock")(unlock.unlock)
