"""``vegaops sandbox``: a local simulated AWS estate (moto + an ECS that rolls out) for demos and tests."""

from __future__ import annotations

import typer

from vegaops.cli.sandbox import down, env, fault, reset, status, up

app = typer.Typer(
    rich_markup_mode=None,
    help="The local sandbox: a simulated AWS estate (up, down, status, env, reset, fault).",
    no_args_is_help=True,
)
app.command("up")(up.up)
app.command("down")(down.down)
app.command("status")(status.status)
app.command("env")(env.env)
app.command("reset")(reset.reset)
app.command("fault")(fault.fault)
