"""A run's report (``runbook.engine.RunReport``) as the ``Result`` a command emits: planned/changed/unchanged,
the changes, the steps, and a one-line message (the plan's count, the summary, or the steps' notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport


def run_result(app: AppContext, report: RunReport, data: Any = None, message: str | None = None) -> Result:
    """The result of a command whose work was one run of the engine (``data`` added to the steps)."""
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
