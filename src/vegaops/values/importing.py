"""``config import`` / ``secret import``: every key of a dotenv or JSON file planned, the plan shown, one
confirmation, then only the differences applied."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.runbook.engine import RunReport


def import_file(a: AppContext, file: Path, keep_names: bool, make_call: Any, store: str) -> tuple[RunReport, int]:
    """Plan every key of the file, show the plan, confirm once, then apply only the differences. Returns the
    run's report (the plan's when nothing is applied) and the number of keys in the file."""
    from vegaops import dotenv
    from vegaops.inputs import read_text
    from vegaops.runbook import engine
    from vegaops.stores import name_from_env_key

    text = read_text(file, f"{store} import", hint="import a dotenv or JSON text file (UTF-8)")
    values = dotenv.parse_file_text(text, str(file))
    if not values:
        raise UsageError(f"{store} import: {file} holds no values")
    calls = [make_call(k if keep_names else name_from_env_key(k), v) for k, v in values.items()]
    wanted_dry = a.options.dry_run
    a.options.dry_run = True
    plan = engine.run(a, a.command, calls)
    if wanted_dry or not plan.changes:
        return plan, len(values)
    a.options.dry_run = False
    count = len(plan.changes)
    if not a.options.yes:
        if a.options.no_input:
            raise UsageError(
                f"{store} import asks for confirmation and --no-input is set", hint="pass --yes to apply without asking"
            )
        from vegaops.errors import Interrupted

        if not a.ask().confirm(
            f"Apply {count} change{'s' if count != 1 else ''} to {a.settings.env or 'the default environment'}?",
            default=False,
        ):
            raise Interrupted("declined at confirmation; nothing was changed")
    a.options.yes = True
    quiet, a.output.quiet = a.output.quiet, True
    try:
        report = engine.run(a, a.command, calls)
    finally:
        a.output.quiet = quiet
    return report, len(values)
