"""``secrets.repoint``: point task definitions that name a secret by an ARN it no longer has at its current ARN.

A secret deleted and recreated keeps its name but gets a new 6-character ARN suffix. Task definitions that
name it by the old full ARN cannot start tasks (ResourceInitializationError), and a redeploy does not help:
the task definition itself must change. For every service whose task definition does so, the plan is one
change: register a revision with those ``valueFrom`` (``secrets`` and log drivers' ``secretOptions``)
repointed at the current ARN, JSON key, version stage and version id kept, everything else identical
(``vegaops:*`` tags dropped: a new revision inherits no deployment record), then deploy it. Once applied, the
services' task definitions name the current ARN, so the next plan is empty.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import RegisterTaskDefinitionRequestTypeDef

    from vegaops.context import AppContext


@dataclass
class RepointParams:
    secret: str  # name relative to the environment's secrets prefix ("/" for absolute)
    cluster: str | None = None  # default: the environment's cluster
    services: list[str] = field(default_factory=list)  # only these ECS services (default: every one)


def repointed(value_from: str, current_arn: str) -> str:
    """``valueFrom`` with its secret ARN replaced by ``current_arn`` (``:key:stage:version`` kept)."""
    parts = value_from.split(":")
    return ":".join([current_arn, *parts[7:]]) if len(parts) > 7 else current_arn


def repoint_spec(
    raw: dict[str, Any], tags: dict[str, str], stale: set[str], current_arn: str
) -> RegisterTaskDefinitionRequestTypeDef:
    """Register arguments for a described task definition with the ``stale`` valueFroms repointed."""
    from vegaops.aws.ecs import REGISTRABLE_FIELDS, is_register_request

    spec = copy.deepcopy({k: raw[k] for k in REGISTRABLE_FIELDS if k in raw and raw[k] not in (None, [])})
    for c in spec.get("containerDefinitions", []):
        entries = list(c.get("secrets") or []) + list((c.get("logConfiguration") or {}).get("secretOptions") or [])
        for entry in entries:
            if entry.get("valueFrom") in stale:
                entry["valueFrom"] = repointed(str(entry["valueFrom"]), current_arn)
    kept = {k: v for k, v in tags.items() if not k.startswith("vegaops:")}
    if kept:
        spec["tags"] = [{"key": k, "value": v} for k, v in kept.items()]
    if not is_register_request(spec):
        raise ValueError(f"not a RegisterTaskDefinition request: {sorted(spec)}")
    return spec


class RepointSecret(Step[RepointParams]):
    id: ClassVar[str] = "secrets.repoint"
    Params = RepointParams
    outputs = ("task_definitions", "deployments")
    description = "repoint task definitions at a recreated secret's current ARN and deploy them"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.errors import NotFoundError
        from vegaops.naming import secret_name
        from vegaops.refs import arn_gone, cluster_services, parse_value_from, secret_match, variables

        p = self.params
        cluster = p.cluster or ctx.settings.require_cluster()
        full = secret_name(ctx.settings.secrets_prefix, p.secret)
        meta = ctx.aws.secrets.describe(full)
        if meta is None:
            raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
        plan = Plan(
            step=self.id,
            outputs={"task_definitions": {}, "deployments": {}},
            state={"cluster": cluster, "arn": meta.arn, "services": {}},
        )
        ecs = ctx.aws.ecs
        services = cluster_services(ctx, cluster)
        gone: dict[str, bool] = {}
        for name in sorted(services):
            if p.services and name not in p.services:
                continue
            td = ecs.describe_task_definition(str(services[name].get("taskDefinition", "")))
            stale = sorted(
                {
                    str(v.value_from)
                    for v in variables(td.raw)
                    if v.value_from
                    and v.source == "secretsmanager"
                    and secret_match(parse_value_from(v.value_from).store_id, meta.arn, meta.name) == "stale"
                    and arn_gone(ctx, parse_value_from(v.value_from).store_id, gone)
                }
            )
            if not stale:
                continue
            plan.state["services"][name] = {"task_definition": td.arn, "stale": stale}
            plan.changes.append(
                Change(
                    "deploy",
                    name,
                    f"register {td.family}:{td.revision + 1} from {td.family}:{td.revision} with valueFrom "
                    f"repointed at {meta.arn}, then deploy it to {name}",
                    {"valueFrom": "\n        ".join(["", *(f"{s} -> {repointed(s, meta.arn)}" for s in stale)])},
                )
            )
        if not plan.changes:
            plan.notes.append(f"no task definition in cluster {cluster} names {full} by an old ARN")
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:

        ecs = ctx.aws.ecs
        outputs: dict[str, Any] = {"task_definitions": {}, "deployments": {}}
        for name, item in plan.state["services"].items():
            live = ecs.describe_task_definition(item["task_definition"])
            spec = repoint_spec(live.raw, live.tags, set(item["stale"]), plan.state["arn"])
            new = ecs.register_task_definition(spec)
            service = ecs.update_service(plan.state["cluster"], name, task_definition=new.arn)
            primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
            outputs["task_definitions"][name] = new.arn
            outputs["deployments"][name] = primary.get("id") if primary else None
        return Outcome(changes=list(plan.changes), outputs=outputs)
