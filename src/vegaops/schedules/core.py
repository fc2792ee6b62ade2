"""Scheduled tasks of an environment: EventBridge Scheduler schedules and EventBridge rules whose ECS targets run
on the environment's cluster or run a task definition family of its services.

A scheduled task names a task definition (``family:revision`` ARN, or a family alone: the latest ACTIVE
revision then). After a deploy registers ``family:N+1``, a target still on ``family:N`` runs last month's image:
``deploy`` moves such targets (step ``schedules.follow``), ``schedule list`` says which are not current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import TargetTypeDef
    from mypy_boto3_scheduler.type_defs import FlexibleTimeWindowTypeDef, UpdateScheduleInputTypeDef
    from mypy_boto3_scheduler.type_defs import TargetTypeDef as ScheduleTargetTypeDef

    from vegaops.context import AppContext

SCHEDULER = "scheduler"
RULE = "rule"


def enabled(ctx: AppContext) -> bool:
    """Whether a deploy moves scheduled tasks here (``schedules_follow``, default true)."""
    return ctx.settings.get("schedules_follow") is not False


@dataclass
class Scheduled:
    kind: str  # SCHEDULER | RULE
    name: str
    group: str  # the schedule group, or the rule's event bus
    expression: str
    timezone: str | None
    state: str
    cluster: str  # the target's cluster ARN
    task_definition: str  # as the target names it
    target_id: str | None = None  # a rule's target id
    raw: dict[str, Any] = field(default_factory=dict)  # the full schedule (GetSchedule) or the rule's target

    @property
    def family(self) -> str:
        from vegaops.aws.ecs import family_of

        return family_of(self.task_definition)

    @property
    def revision(self) -> int | None:
        from vegaops.aws.ecs import revision_of

        return revision_of(self.task_definition)

    @property
    def label(self) -> str:
        return f"{'schedule' if self.kind == SCHEDULER else 'rule'} {self.name}"

    @property
    def ecs_parameters(self) -> dict[str, Any]:
        target = self.raw.get("Target", {}) if self.kind == SCHEDULER else self.raw
        return dict(target.get("EcsParameters") or {})


def _cluster_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _ours(ctx: AppContext, cluster: str, families: set[str], target_arn: str, td: str | None) -> bool:
    from vegaops.aws.ecs import family_of

    if not target_arn.startswith("arn:aws") or ":ecs:" not in target_arn:
        return False
    return _cluster_name(target_arn) == _cluster_name(cluster) or (td is not None and family_of(td) in families)


def find(ctx: AppContext, cluster: str, families: set[str]) -> list[Scheduled]:
    """Every schedule and rule whose ECS target runs on ``cluster`` or runs one of ``families``.

    The Scheduler and the rules are read separately, each an enrichment: denied or unsupported, the other is
    still listed and the command says once what it skipped."""
    empty: list[Scheduled] = []
    found: list[Scheduled] = ctx.enrichment.call(
        "scheduler:ListSchedules",
        lambda: _schedules(ctx, cluster, families),
        empty,
        "EventBridge Scheduler schedules",
    )
    found += ctx.enrichment.call("events:ListRules", lambda: _rules(ctx, cluster, families), empty, "EventBridge rules")
    return sorted(found, key=lambda s: (s.kind, s.group, s.name))


def _schedules(ctx: AppContext, cluster: str, families: set[str]) -> list[Scheduled]:
    out: list[Scheduled] = []
    paginator = ctx.aws.scheduler.get_paginator("list_schedules")
    for page in paginator.paginate():
        for raw in page.get("Schedules", []):
            summary: dict[str, Any] = dict(raw)
            arn = str((summary.get("Target") or {}).get("Arn", ""))
            if ":ecs:" not in arn:
                continue
            group = str(summary.get("GroupName") or "default")
            full: dict[str, Any] = dict(ctx.aws.scheduler.get_schedule(Name=str(summary["Name"]), GroupName=group))
            full.pop("ResponseMetadata", None)
            td = ((full.get("Target") or {}).get("EcsParameters") or {}).get("TaskDefinitionArn")
            if not _ours(ctx, cluster, families, arn, td):
                continue
            out.append(
                Scheduled(
                    SCHEDULER,
                    str(full["Name"]),
                    str(full.get("GroupName") or "default"),
                    str(full.get("ScheduleExpression", "")),
                    full.get("ScheduleExpressionTimezone"),
                    str(full.get("State", "")),
                    arn,
                    str(td),
                    raw=full,
                )
            )
    return out


def _rules(ctx: AppContext, cluster: str, families: set[str]) -> list[Scheduled]:
    out: list[Scheduled] = []
    rules = ctx.aws.events.get_paginator("list_rules")
    targets = ctx.aws.events.get_paginator("list_targets_by_rule")
    for page in rules.paginate():
        for rule in page.get("Rules", []):
            if not rule.get("ScheduleExpression"):
                continue  # an event pattern rule is not a schedule
            bus = str(rule.get("EventBusName") or "default")
            for tpage in targets.paginate(Rule=str(rule["Name"]), EventBusName=bus):
                for raw_target in tpage.get("Targets", []):
                    target: dict[str, Any] = dict(raw_target)
                    td = (target.get("EcsParameters") or {}).get("TaskDefinitionArn")
                    if td is None or not _ours(ctx, cluster, families, str(target.get("Arn", "")), td):
                        continue
                    out.append(
                        Scheduled(
                            RULE,
                            str(rule["Name"]),
                            bus,
                            str(rule.get("ScheduleExpression", "")),
                            None,
                            str(rule.get("State", "")),
                            str(target.get("Arn")),
                            str(td),
                            target_id=str(target.get("Id")),
                            raw=dict(target),
                        )
                    )
    return out


def next_run(expression: str, timezone: str | None, now: datetime) -> datetime | str | None:
    """The next run of ``cron(...)`` (a datetime), ``rate(...)`` ("every ...": AWS counts it from creation), or
    ``at(...)`` (its time, None once past)."""
    from zoneinfo import ZoneInfo

    expr = expression.strip()
    if expr.startswith("rate(") and expr.endswith(")"):
        return f"every {expr[5:-1]}"
    if expr.startswith("at(") and expr.endswith(")"):
        when = datetime.fromisoformat(expr[3:-1]).replace(tzinfo=ZoneInfo(timezone or "UTC"))
        return when if when > now else None
    if expr.startswith("cron(") and expr.endswith(")"):
        from datetime import UTC

        from aws_croniter import AwsCroniter

        tz = ZoneInfo(timezone or "UTC")
        wall = now.astimezone(tz).replace(tzinfo=UTC)  # the library counts in UTC: give it the zone's wall clock
        try:
            found = AwsCroniter(expr[5:-1]).get_next(wall)
        except Exception:  # a cron the library cannot read: say so rather than guess
            return None
        return found[0].replace(tzinfo=tz) if found else None
    return None


def current_revisions(ctx: AppContext, families: set[str], running: dict[str, str]) -> dict[str, str]:
    """``family -> the revision its service runs`` (``running``), else the family's latest ACTIVE revision."""
    out = dict(running)
    for family in sorted(families - set(running)):
        td = ctx.enrichment.call(
            "ecs:DescribeTaskDefinition",
            lambda f=family: ctx.aws.ecs.describe_task_definition(f, tags=False).arn,  # type: ignore[misc]
            None,
            "the current revision of a scheduled task's family",
        )
        if td:
            out[family] = td
    return out


def retarget(ctx: AppContext, item: Scheduled, task_definition: str) -> None:
    """Point the scheduled task at ``task_definition``, everything else kept as it is."""
    if item.kind == SCHEDULER:
        full = item.raw
        target = dict(full["Target"])
        target["EcsParameters"] = {**(target.get("EcsParameters") or {}), "TaskDefinitionArn": task_definition}
        # UpdateSchedule replaces the whole schedule: everything GetSchedule said is sent back, only the target's
        # task definition changes (the request's own TypedDict: mypy checks every key)
        off: FlexibleTimeWindowTypeDef = {"Mode": "OFF"}
        window: FlexibleTimeWindowTypeDef = full.get("FlexibleTimeWindow") or off
        request: UpdateScheduleInputTypeDef = {
            "Name": full["Name"],
            "GroupName": full.get("GroupName") or "default",
            "ScheduleExpression": full["ScheduleExpression"],
            "FlexibleTimeWindow": window,
            "Target": cast("ScheduleTargetTypeDef", target),
        }
        if full.get("ScheduleExpressionTimezone") is not None:
            request["ScheduleExpressionTimezone"] = full["ScheduleExpressionTimezone"]
        if full.get("StartDate") is not None:
            request["StartDate"] = full["StartDate"]
        if full.get("EndDate") is not None:
            request["EndDate"] = full["EndDate"]
        if full.get("Description") is not None:
            request["Description"] = full["Description"]
        if full.get("State") is not None:
            request["State"] = full["State"]
        if full.get("KmsKeyArn") is not None:
            request["KmsKeyArn"] = full["KmsKeyArn"]
        if full.get("ActionAfterCompletion") is not None:
            request["ActionAfterCompletion"] = full["ActionAfterCompletion"]
        ctx.aws.scheduler.update_schedule(**request)
        return
    target = dict(item.raw)
    target["EcsParameters"] = {**(target.get("EcsParameters") or {}), "TaskDefinitionArn": task_definition}
    # the rule's own target as ListTargetsByRule returned it, with only the task definition changed
    answer = ctx.aws.events.put_targets(
        Rule=item.name, EventBusName=item.group, Targets=[cast("TargetTypeDef", target)]
    )
    if answer.get("FailedEntryCount"):
        from vegaops.errors import OperationFailed

        failed = answer.get("FailedEntries", [{}])[0]
        raise OperationFailed(
            f"rule {item.name}: target {item.target_id} not updated: {failed.get('ErrorMessage') or failed}",
            hint="check events:PutTargets and iam:PassRole on the target's role",
        )
