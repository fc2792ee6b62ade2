"""What every command module uses: the shared option declarations, the context, emitting results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport


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
    result.command = app.command
    app.output.result(result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def value_read(data: str, what: str, where: str, hint: str) -> str:
    """A value already read as text: one trailing newline (\\n or \\r\\n) dropped; empty is an error."""
    from vegaops.inputs import strip_value

    return strip_value(data, what, where, hint)


def run_result(app: AppContext, report: RunReport, data: Any = None, message: str | None = None) -> Result:
    from vegaops.output.result import Lines, Result, View

    if report.dry_run:
        status = "planned" if report.changes else "unchanged"
    else:
        status = "changed" if report.changed else "unchanged"
    notes = [n for s in report.steps for n in s.notes]
    views: list[View] = []
    if not message:
        count = len(report.changes)
        if report.dry_run:
            message = (
                f"plan: {count} change{'s' if count != 1 else ''} (dry run, nothing was changed)"
                if count
                else "nothing to change"
            )
        elif len(report.steps) > 1:
            message = ", ".join(f"{len(ids)} {status.replace('_', ' ')}" for status, ids in report.summary().items())
        elif report.changed:
            message = "; ".join(c.summary for s in report.steps for c in s.changes)
        else:
            message = "; ".join(notes) or "nothing to change"
    elif notes and not report.changed and not report.dry_run:
        views.append(Lines(notes))
    return Result(
        command=app.command,
        status=status,
        changes=report.changes,
        data={"steps": [s.to_dict() for s in report.steps], **(data or {})},
        views=views,
        message=message,
    )


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
