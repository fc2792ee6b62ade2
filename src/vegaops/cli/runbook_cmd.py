"""``vegaops runbook``: list, validate, plan and run runbook files."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit, parse_pairs, run_result

app = typer.Typer(
    rich_markup_mode=None,
    help="Runbooks: TOML files of steps (list, validate, plan, run).",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Runbook name (from runbooks/) or path to a .toml file.")]
VarOpt = Annotated[list[str] | None, typer.Option("--var", help="Variable KEY=VALUE (repeatable).")]
VarFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--var-file", help="Variable KEY=PATH read from a file ('-' = stdin), so secrets stay off the command line."
    ),
]


def _var_files(items: list[str] | None) -> dict[str, str]:
    from vegaops.inputs import read_value

    values: dict[str, str] = {}
    for key, path in parse_pairs(items, "--var-file").items():
        values[key] = read_value(path, f"--var-file {key}")
    return values


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the runbooks found in ./runbooks, next to vegaops.toml, and shipped with vegaops."""
    from vegaops.errors import RunbookError
    from vegaops.output.result import Result, Table
    from vegaops.runbook.model import load, search_dirs

    a = app_ctx(ctx)
    rows: list[list[object]] = []
    seen: set[str] = set()
    for directory in search_dirs(a.cwd, a.config.path):
        for path in sorted(directory.glob("*.toml")):
            if path.stem in seen:
                continue
            seen.add(path.stem)
            try:
                book = load(str(path), a.cwd, a.config.path)
                rows.append([path.stem, len(book.steps), book.description, str(path)])
            except RunbookError as exc:
                rows.append([path.stem, "-", f"INVALID: {exc.message}", str(path)])
    data = [dict(zip(["name", "steps", "description", "path"], r, strict=True)) for r in rows]
    emit(
        a,
        Result(
            a.command,
            data={"runbooks": data},
            views=[Table(["NAME", "STEPS", "DESCRIPTION", "PATH"], rows)],
            message=None if rows else "no runbooks found",
        ),
    )


@app.command("validate")
def validate(ctx: typer.Context, name: NameArg) -> None:
    """Check a runbook (steps, parameters, variables, references) without calling AWS."""
    from vegaops.output.result import Result
    from vegaops.runbook.model import load

    a = app_ctx(ctx)
    book = load(name, a.cwd, a.config.path)
    emit(
        a,
        Result(
            a.command,
            data={
                "runbook": book.name,
                "path": str(book.path),
                "steps": [s.id for s in book.steps],
                "vars": list(book.vars),
            },
            message=f"{book.path}: valid ({len(book.steps)} steps)",
        ),
    )


def _run(
    ctx: typer.Context, name: str, var: list[str] | None, dry_run: bool, var_file: list[str] | None = None
) -> None:
    import shlex

    from vegaops.runbook import engine
    from vegaops.runbook.model import bind_vars, load

    a = app_ctx(ctx)
    book = load(name, a.cwd, a.config.path)
    variables = bind_vars(book, {**parse_pairs(var, "--var"), **_var_files(var_file)})
    if dry_run:
        a.options.dry_run = True
    a.output.note(
        f"runbook {book.name} on {a.settings.env or 'the default environment'}"
        f"{' (dry run)' if a.options.dry_run else ''}"
    )
    # the command that finishes a run stopped part-way: the same variables (a sensitive one given with --var
    # is never repeated: the command asks for it as --var-file KEY=FILE)
    resume = [*shlex.split(engine.command_prefix(a)), "runbook", "run", name]
    for key, value in parse_pairs(var, "--var").items():
        spec = book.vars.get(key)
        resume += ["--var-file", f"{key}=FILE"] if spec is not None and spec.sensitive else ["--var", f"{key}={value}"]
    for item in var_file or []:
        resume += ["--var-file", item]
    report = engine.run(a, book.name, book.steps, variables, resume=shlex.join(resume))
    emit(a, run_result(a, report, data={"runbook": book.name, "summary": report.summary()}))


@app.command("plan")
def plan(ctx: typer.Context, name: NameArg, var: VarOpt = None, var_file: VarFileOpt = None) -> None:
    """Show what a runbook would change (the same path as run, applying nothing)."""
    _run(ctx, name, var, dry_run=True, var_file=var_file)


@app.command("run")
def run(ctx: typer.Context, name: NameArg, var: VarOpt = None, var_file: VarFileOpt = None) -> None:
    """Run a runbook; stops at the first failure, and re-running resumes (done steps plan empty)."""
    _run(ctx, name, var, dry_run=False, var_file=var_file)
