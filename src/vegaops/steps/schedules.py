"""Scheduled-task steps.

* ``schedules.follow``: move the EventBridge Scheduler schedules and EventBridge rule targets that run a family
  of ``task_definitions`` to that new revision (a deploy's last step). Empty when every one already runs it,
  names the family alone (always the latest revision) or none exists.
* ``schedules.run``: run a scheduled task now, with its target's parameters (RunTask). ``run_id`` makes it
  idempotent: a task already started with it (startedBy) is not started again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, cast

from vegaops.cmdline import prog
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import RunTaskRequestTypeDef, TaskOverrideTypeDef

    from vegaops.context import AppContext
    from vegaops.schedules.core import Scheduled


def _short(td: str) -> str:
    return td.rsplit("/", 1)[-1]


@dataclass
class FollowParams:
    task_definitions: dict[str, str] = field(default_factory=dict)  # service -> its new revision (family:N ARN)
    outcomes: dict[str, str] | None = None  # service -> its deployment's final outcome: followed once it succeeded


class FollowSchedules(Step[FollowParams]):
    id: ClassVar[str] = "schedules.follow"
    Params = FollowParams
    outputs = ("moved",)
    description = "move scheduled tasks (EventBridge Scheduler, rules) of the deployed families to the new revisions"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.aws.ecs import family_of, revision_of
        from vegaops.schedules.core import enabled, find

        p = self.params
        plan = Plan(step=self.id, state={"moves": []}, outputs={"moved": {}})
        new: dict[str, str] = {}
        for service, revision in sorted(p.task_definitions.items()):
            if not revision or revision == "None":
                continue
            if p.outcomes is not None and p.outcomes.get(service) != "succeeded":
                plan.notes.append(f"{service}: its scheduled tasks follow only a deployment that succeeded")
                continue
            new[family_of(revision)] = revision
        if not new or not enabled(ctx):
            if new:
                plan.notes.append("scheduled tasks do not follow deploys here (schedules_follow = false)")
            return plan
        for item in find(ctx, ctx.settings.require_cluster(), set(new)):
            td = new.get(item.family)
            if td is None:
                continue
            if revision_of(item.task_definition) is None:
                plan.notes.append(f"{item.label} runs the latest revision of {item.family} (no revision named)")
                continue
            if _short(item.task_definition) == _short(td):
                plan.notes.append(f"{item.label} already runs {_short(td)}")
                continue
            plan.state["moves"].append((item, td))
            plan.outputs["moved"][item.label] = _short(td)
            plan.changes.append(
                Change(
                    "update",
                    item.label,
                    f"{item.label} ({item.expression}): {_short(item.task_definition)} -> {_short(td)}",
                    {"task_definition": {"from": _short(item.task_definition), "to": _short(td)}},
                )
            )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.schedules.core import retarget

        moves: list[tuple[Scheduled, str]] = plan.state["moves"]
        for item, td in moves:
            retarget(ctx, item, td)
        return Outcome(changes=list(plan.changes), outputs=dict(plan.outputs))


@dataclass
class RunParams:
    name: str  # the schedule or rule
    run_id: str  # startedBy of the task: the same id never starts a second task
    group: str | None = None  # schedule group / event bus when names clash


def find_one(ctx: AppContext, name: str, group: str | None = None) -> Scheduled:
    from vegaops.errors import NotFoundError, UsageError
    from vegaops.schedules.core import find
    from vegaops.schedules.listing import environment_families

    cluster = ctx.settings.require_cluster()
    matches = [
        s
        for s in find(ctx, cluster, environment_families(ctx, cluster))
        if s.name == name and (group is None or s.group == group)
    ]
    if not matches:
        raise NotFoundError(
            f"no scheduled task {name!r} of environment {ctx.settings.env}",
            hint=f"list them: {prog()} schedule list",
        )
    if len(matches) > 1:
        raise UsageError(
            f"{len(matches)} scheduled tasks are named {name!r}: "
            + ", ".join(f"{m.label} in {m.group}" for m in matches),
            hint=f"name the group: {prog()} schedule run {name} --group GROUP",
        )
    return matches[0]


def run_task_request(item: Scheduled) -> RunTaskRequestTypeDef:
    """RunTask's parameters from the target's EcsParameters (EventBridge spells them in PascalCase)."""
    import json

    p = item.ecs_parameters
    request: RunTaskRequestTypeDef = {
        "cluster": item.cluster,
        "taskDefinition": str(p.get("TaskDefinitionArn")),
        "count": int(p.get("TaskCount") or 1),
    }
    if p.get("LaunchType"):
        request["launchType"] = p["LaunchType"]
    if p.get("PlatformVersion"):
        request["platformVersion"] = p["PlatformVersion"]
    if p.get("Group"):
        request["group"] = p["Group"]
    vpc = (p.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or (
        (p.get("NetworkConfiguration") or {}).get("awsvpcConfiguration")
    )
    if vpc:
        request["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": list(vpc.get("Subnets") or vpc.get("subnets") or []),
                "securityGroups": list(vpc.get("SecurityGroups") or vpc.get("securityGroups") or []),
                "assignPublicIp": "ENABLED"
                if str(vpc.get("AssignPublicIp") or vpc.get("assignPublicIp") or "").upper() == "ENABLED"
                else "DISABLED",
            }
        }
    strategy = p.get("CapacityProviderStrategy") or []
    if strategy:
        request["capacityProviderStrategy"] = [
            {
                "capacityProvider": s["CapacityProvider"],
                "weight": int(s.get("Weight", 0)),
                "base": int(s.get("Base", 0)),
            }
            for s in strategy
        ]
        request.pop("launchType", None)
    if p.get("PropagateTags"):
        request["propagateTags"] = p["PropagateTags"]
    if p.get("EnableECSManagedTags") is not None:
        request["enableECSManagedTags"] = bool(p["EnableECSManagedTags"])
    raw_input = (item.raw.get("Target", {}) if item.kind == "scheduler" else item.raw).get("Input")
    if raw_input:
        try:
            overrides = json.loads(raw_input)
        except ValueError:
            overrides = None
        if isinstance(overrides, dict) and ("containerOverrides" in overrides or "taskRoleArn" in overrides):
            request["overrides"] = cast("TaskOverrideTypeDef", overrides)  # the target's Input: ECS's overrides JSON
    return request


class RunScheduled(Step[RunParams]):
    id: ClassVar[str] = "schedules.run"
    Params = RunParams
    outputs = ("tasks", "cluster")
    description = "run a scheduled task now with its target's parameters (RunTask)"

    def plan(self, ctx: AppContext) -> Plan:
        item = find_one(ctx, self.params.name, self.params.group)
        request = run_task_request(item)
        plan = Plan(step=self.id, state={"request": request}, outputs={"tasks": [], "cluster": item.cluster})
        paginator = ctx.aws.ecs_client.get_paginator("list_tasks")
        started = [
            arn
            for status in ("RUNNING", "STOPPED")
            for page in paginator.paginate(cluster=item.cluster, startedBy=self.params.run_id, desiredStatus=status)
            for arn in page.get("taskArns", [])
        ]
        if started:
            plan.notes.append(f"{item.label}: already started as {self.params.run_id} ({len(started)} task(s))")
            plan.outputs["tasks"] = started
            return plan
        plan.changes.append(
            Change(
                "create",
                item.label,
                f"run {item.label} now: {request['count']} task(s) of {_short(request['taskDefinition'])} "
                f"on {item.cluster.rsplit('/', 1)[-1]}",
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.errors import OperationFailed

        request: RunTaskRequestTypeDef = plan.state["request"].copy()  # planned by run_task_request
        request["startedBy"] = self.params.run_id
        answer = ctx.aws.ecs_client.run_task(**request)
        failures = answer.get("failures") or []
        tasks = [str(t["taskArn"]) for t in answer.get("tasks", [])]
        if failures and not tasks:
            raise OperationFailed(
                f"RunTask started nothing: {failures[0].get('reason')} ({failures[0].get('arn', '')})",
                hint="check the target's network configuration and capacity",
            )
        return Outcome(changes=list(plan.changes), outputs={"tasks": tasks, "cluster": plan.outputs["cluster"]})
