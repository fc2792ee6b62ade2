"""``vegaops deploy history SERVICE``: read (``deploy/status.py``), then record through the engine what was
resolved from ECS and is not on its revision yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def history(ctx: AppContext, name: str, limit: int) -> Result:
    """``vegaops deploy history SERVICE``: the revisions and their outcomes (``deploy/status.py`` reads them);
    outcomes resolved from ECS that are not on their revisions yet are recorded by the ``ecs.record-outcomes``
    step, so a dry run shows the writes and the journal records them (asked about nowhere: bookkeeping)."""
    from vegaops.deploy.status import history as read_history

    result, unrecorded = read_history(ctx, name, limit)
    if unrecorded:
        service = str(result.data["service"])
        record = StepCall("record", "ecs.record-outcomes", {"service": service, "revisions": unrecorded}, literal=True)
        engine.execute(ctx, "deploy-history", [record])
    return result
