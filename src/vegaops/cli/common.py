"""What the command modules share, and nothing command-specific: option declarations used by more than one
command, ``app_ctx`` (the run's AppContext from typer's context) and ``emit`` (a Result through ``ctx.output``,
its exit code as the process's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport

__all__ = [
    "DryRunOpt",
    "KeysOpt",
    "NameArg",
    "PollOpt",
    "RedeployOpt",
    "VarFileOpt",
    "VarOpt",
    "WatchOpt",
    "app_ctx",
    "emit",
    "run_result",
]

WaitUntilOpt = Annotated[
    str | None,
    typer.Option(
        "--wait-until",
        help="Exit 0 once the deployment reaches this lifecycle stage healthy (RECONCILE_SERVICE ... BAKE_TIME, "
        "CLEAN_UP, or paused); ECS goes on, `deploy watch` re-attaches for the verdict.",
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")]
RedeployOpt = Annotated[
    bool,
    typer.Option(
        "--redeploy", help="Force a new deployment of the services that reference it (tasks read it at start)."
    ),
]
WatchOpt = Annotated[
    bool,
    typer.Option(
        "--watch/--no-watch", help="With --redeploy: watch the new deployments to a verdict (exit 5/6/7 on failure)."
    ),
]


def app_ctx(ctx: typer.Context, dry_run: bool = False) -> AppContext:
    root = ctx.find_root()
    obj = root.obj
    if obj is None:  # invoked without the root callback (should not happen)
        from vegaops.context import AppContext

        obj = root.obj = AppContext()
    from vegaops.cmdline import command_words

    obj.command = " ".join(command_words(ctx)) or "vegaops"
    if dry_run:
        obj.options.dry_run = True
    return obj  # type: ignore[no-any-return]


def emit(app: AppContext, result: Result) -> None:
    from dataclasses import replace

    result = replace(result, command=app.command)
    app.output.result(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


KeysOpt = Annotated[
    bool,
    typer.Option(
        "--keys",
        help="A JSON secret becomes one variable per key (MASTER_USERNAME, ...), named by the same rule; "
        "a secret tagged vegaops:env-keys=true always does.",
    ),
]

PollOpt = Annotated[
    float | None, typer.Option("--poll-interval", help="Fixed seconds between polls (default: adaptive).")
]

# runbook plan|run|validate
NameArg = Annotated[str, typer.Argument(help="Runbook name (from runbooks/) or path to a .toml file.")]
VarOpt = Annotated[list[str] | None, typer.Option("--var", help="Variable KEY=VALUE (repeatable).")]
VarFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--var-file", help="Variable KEY=PATH read from a file ('-' = stdin), so secrets stay off the command line."
    ),
]


def run_result(app: AppContext, report: RunReport, data: Any = None, message: str | None = None) -> Result:
    """:func:`vegaops.runbook.result.run_result`, imported on first use (not at start-up)."""
    from vegaops.runbook.result import run_result as build

    return build(app, report, data, message)
