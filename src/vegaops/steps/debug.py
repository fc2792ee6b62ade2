"""``debug.report``: a read-only step that diagnoses a service (always an empty plan; the causes are notes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from vegaops.steps.base import Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass(frozen=True)
class DebugParams:
    service: str
    lines: int = 10


class DebugReport(Step[DebugParams]):
    id: ClassVar[str] = "debug.report"
    read_only = True
    Params = DebugParams
    outputs = ("causes",)
    description = "diagnose a service: stopped tasks, unhealthy targets, unresolvable secrets, likely causes"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.debug.report import diagnose, gather, healthy, history_causes
        from vegaops.logs.service import cluster_of, resolve_name

        key, ecs_name, cfg = resolve_name(ctx, self.params.service)
        report = gather(
            ctx,
            ctx.aws.ecs,
            key,
            ecs_name,
            cluster_of(ctx),
            lines=self.params.lines,
            app_container=getattr(cfg, "container", None),
        )
        causes = diagnose(report)
        notes = [f"{c.kind}: {c.summary} ({c.evidence}); next: {c.next_command}" for c in causes] or [
            f"{key}: healthy" if healthy(report, causes) else f"{key}: no failure found in the current deployment"
        ]
        seen: set[str] = set()
        for c in history_causes(report):  # earlier deployments: said as history, never as the cause
            if c.kind not in seen:
                seen.add(c.kind)
                notes.append(f"history ({c.deployment}): {c.kind}: {c.summary}")
        return Plan(self.id, notes=notes, outputs={"causes": [c.kind for c in causes]})

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:  # never called: the plan is always empty
        return Outcome(outputs=plan.outputs)
