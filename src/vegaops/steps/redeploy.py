"""``ecs.force-redeploy``: start a new deployment of services so their tasks read secrets and parameters again.

ECS resolves ``secrets``/``valueFrom`` only when a task starts, so a changed value reaches a service only
through new tasks. The plan is empty for a service whose primary deployment started at or after ``after``
(the moment of the change): its tasks are already being replaced, which keeps the step idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass
class RedeployParams:
    services: list[str] = field(default_factory=list)  # ECS service names
    after: str = ""  # ISO time of the change; empty: always redeploy
    cluster: str | None = None  # default: the environment's cluster
    secret: str | None = None  # also: every service whose task definitions read this secret
    param: str | None = None  # also: every service whose task definitions read this SSM parameter


def referencing_services(ctx: AppContext, cluster: str, secret: str | None, param: str | None) -> list[str]:
    from vegaops.errors import NotFoundError
    from vegaops.refs import param_matcher, references, secret_matcher

    names: set[str] = set()
    if secret:
        from vegaops.naming import secret_name

        full = secret_name(ctx.settings.secrets_prefix, secret)
        meta = ctx.aws.secrets.describe(full)
        if meta is None:
            raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
        names |= {r.service for r in references(ctx, cluster, secret_matcher(meta.arn, full), None)}
    if param:
        from vegaops.naming import param_name

        full = param_name(ctx.settings.params_prefix, param)
        names |= {r.service for r in references(ctx, cluster, param_matcher(full), None)}
    return sorted(names)


def _primary(service: Mapping[str, Any]) -> dict[str, Any] | None:
    for d in service.get("deployments", []):
        if d.get("status") == "PRIMARY":
            return dict(d)
    return None


class ForceRedeploy(Step[RedeployParams]):
    id: ClassVar[str] = "ecs.force-redeploy"
    Params = RedeployParams
    outputs = ("deployments",)
    description = "force a new deployment of services (tasks pick up secrets and parameters as they are replaced)"

    def plan(self, ctx: AppContext) -> Plan:

        p = self.params
        cluster = p.cluster or ctx.settings.require_cluster()
        plan = Plan(step=self.id, state={"cluster": cluster, "services": [], "started": {}})
        wanted = sorted(set(p.services) | set(referencing_services(ctx, cluster, p.secret, p.param)))
        if not wanted:
            plan.notes.append("no services to redeploy")
            plan.outputs["deployments"] = {}
            return plan
        found = ctx.aws.ecs.require_services(
            cluster, wanted, hint=f"check the cluster and service names: {prog()} env show", inactive=True
        )
        try:
            after = datetime.fromisoformat(p.after) if p.after else None
        except ValueError:
            from vegaops.errors import UsageError

            raise UsageError(
                f"ecs.force-redeploy: after={p.after!r} is not an ISO date-time",
                hint="for example 2026-01-31T12:00:00+00:00",
            ) from None
        if after is not None and after.tzinfo is None:
            after = after.replace(tzinfo=UTC)
        for name in wanted:
            primary = _primary(found[name])
            created = primary.get("createdAt") if primary else None
            if after is not None and isinstance(created, datetime) and created >= after:
                plan.notes.append(f"{name}: deployment {primary and primary.get('id')} started after the change")
                plan.state["started"][name] = primary and primary.get("id")
                continue
            plan.state["services"].append(name)
            plan.changes.append(
                Change(
                    "deploy",
                    name,
                    f"force a new deployment of {name} (its tasks pick up the new value as they are replaced)",
                )
            )
        if plan.empty:
            plan.outputs["deployments"] = dict(plan.state["started"])
        # else the deployment ids are known only after apply (a dry run shows them as such)
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:

        ecs = ctx.aws.ecs
        deployments: dict[str, Any] = dict(plan.state["started"])
        for name in plan.state["services"]:
            service = ecs.update_service(plan.state["cluster"], name, force_new_deployment=True)
            primary = _primary(service)
            deployments[name] = primary.get("id") if primary else None
        return Outcome(changes=list(plan.changes), outputs={"deployments": deployments})
