"""``vegaops deploy unlock SERVICE``: the ``deploy.unlock`` step through the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.deploy.core import selected
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def unlock(ctx: AppContext, name: str) -> Result:
    """``vegaops deploy unlock SERVICE``: the ``deploy.unlock`` step (asked about in no environment: it is the
    command's whole purpose, as before)."""
    from vegaops.output.result import Result

    ((_key, service),) = selected(ctx, [name])
    report = engine.run(
        ctx, "deploy-unlock", [StepCall("unlock", "deploy.unlock", {"service": service})], confirmed=True
    )
    step = report.steps[0]
    held = step.outputs.get("lock")
    if ctx.options.dry_run:
        message = step.changes[0].summary if step.changes else f"{service} is not locked"
        status = "planned" if step.changes else "unchanged"
    else:
        message = (
            f"removed the deploy lock of {service} (held by {held.get('who')} since {held.get('at')})"
            if held
            else f"{service} is not locked"
        )
        status = "changed" if held else "unchanged"
    return Result(
        command=ctx.command,
        status=status,
        changes=report.changes,
        data={"service": service, "lock": held},
        message=message,
    )
