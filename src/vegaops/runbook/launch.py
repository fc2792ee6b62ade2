"""``runbook plan`` and ``runbook run``: load a runbook, bind its variables (``--var``, ``--var-file``), run it
through the engine, and remember the command that resumes a run stopped part-way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.inputs import parse_pairs

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.runbook.engine import RunReport


def var_files(items: list[str] | None) -> dict[str, str]:
    from vegaops.inputs import read_value

    values: dict[str, str] = {}
    for key, path in parse_pairs(items, "--var-file").items():
        values[key] = read_value(path, f"--var-file {key}")
    return values


def run_named(
    a: AppContext, name: str, var: list[str] | None, dry_run: bool, var_file: list[str] | None = None
) -> tuple[str, RunReport]:
    """Run the runbook ``name`` (a path or a name in the search path); returns its name and the run's report."""
    import shlex

    from vegaops.runbook import engine
    from vegaops.runbook.model import bind_vars, load

    book = load(name, a.cwd, a.config.path)
    variables = bind_vars(book, {**parse_pairs(var, "--var"), **var_files(var_file)})
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
    return book.name, report
