"""Gather the facts about one service (read-only), then diagnose them with ``vegaops.diagnosis``.

Two rules make the report true on real estates:

* **The deployment in question.** Causes come from the current (PRIMARY) deployment: its stopped tasks
  (``startedBy`` is the deployment id; tasks without one count when they run its task definition), service
  events since it started, its targets and its task definition's secrets. Failures of earlier deployments
  are history, shown as such, never the "likely cause" of a service that is healthy now.
* **Only DescribeServices is required.** Every other call (deployments history, tasks, task definitions,
  log lines, target health, secret checks) is enrichment: denied, unsupported or still failing, the section
  says why in its place (``unreadable``), the rest is still reported, and the exit code does not change.

``gather`` talks to AWS; ``diagnose`` is a pure function of the gathered report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from vegaops import diagnosis as dg
from vegaops.aws.errors import error_code
from vegaops.cmdline import prog
from vegaops.logs.service import of_service
from vegaops.logs.sources import discover, task_id

if TYPE_CHECKING:
    from vegaops.aws.ecs import Ecs
    from vegaops.aws.logs import Logs
    from vegaops.context import AppContext

T = TypeVar("T")

# Sections of the report and the IAM action that would let vegaops read each.
SECTIONS = {
    "deployment_history": "ecs:ListServiceDeployments",
    "stopped_tasks": "ecs:ListTasks",
    "task_details": "ecs:DescribeTasks",
    "task_definition": "ecs:DescribeTaskDefinition",
    "log_lines": "logs:GetLogEvents",
    "targets": "elasticloadbalancing:DescribeTargetHealth",
    "parameters": "ssm:GetParameters",
    "secrets": "secretsmanager:DescribeSecret",
}


@dataclass(frozen=True)
class Cause:
    kind: str  # a vegaops.diagnosis kind, or rollout | capacity
    summary: str  # one line: what happened
    evidence: str
    next_command: str
    explanation: str = ""
    deployment: str | None = None
    container: str | None = None
    sidecar: bool = False
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "explanation": self.explanation,
            "evidence": self.evidence,
            "next": self.next_command,
            "deployment": self.deployment,
            "container": self.container,
            "sidecar": self.sidecar,
            "tasks": self.count,
        }


@dataclass
class Reader:
    """Runs the optional reads of one report and remembers, per section, why one could not be read."""

    a: AppContext
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)

    def read(self, section: str, operation: str, fn: Callable[[], T], lost: str) -> T | None:
        """``fn()``, or None when it was skipped (the section then says why)."""
        value, skipped = self.a.enrichment.attempt(operation, fn, lost)
        if skipped is not None:
            self.unreadable.setdefault(section, skipped.to_dict())
            return None
        return value


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _deployment(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": d.get("id"),
        "status": d.get("status"),
        "rollout_state": d.get("rolloutState"),
        "reason": d.get("rolloutStateReason"),
        "task_definition": d.get("taskDefinition"),
        "running": d.get("runningCount"),
        "desired": d.get("desiredCount"),
        "pending": d.get("pendingCount"),
        "failed_tasks": d.get("failedTasks"),
        "created_at": _iso(d.get("createdAt")),
        "updated_at": _iso(d.get("updatedAt")),
    }


def _normalise(reason: str) -> str:
    """Group stop reasons that differ only by ids, digests or counts."""
    text = re.sub(r"sha256:[0-9a-f]{12,}", "sha256:...", reason)
    text = re.sub(r"\b[0-9a-f]{32}\b", "...", text)
    return re.sub(r"retried \d+ time\(s\)", "retried N time(s)", text)


def _short_td(arn: Any) -> str:
    return str(arn or "-").rsplit("/", 1)[-1]


def _secret_name(arn: str) -> str:
    """The secret's name from its full ARN (``...:secret:NAME-AbCdEf`` -> NAME)."""
    from vegaops.refs import arn_resource

    name = arn_resource(arn)
    return name[:-7] if len(name) > 7 and name[-7] == "-" else name


def _belongs(task: dict[str, Any], deployment: dict[str, Any] | None) -> bool:
    """Is this stopped task one of the deployment's? By startedBy (the deployment id) or, for tasks that
    carry no deployment id, by its task definition."""
    if deployment is None:
        return False
    started_by = str(task.get("startedBy") or "")
    if started_by.startswith("ecs-svc/"):
        return started_by == deployment.get("id")
    return bool(task.get("taskDefinitionArn")) and task.get("taskDefinitionArn") == deployment.get("task_definition")


def gather(
    a: AppContext,
    ecs: Ecs,
    key: str,
    ecs_name: str,
    cluster: str,
    lines: int = 10,
    stopped_limit: int = 20,
    app_container: str | None = None,
) -> dict[str, Any]:

    svc = ecs.require_services(cluster, [ecs_name])[ecs_name]  # the one required call
    reader = Reader(a)
    deployments = [_deployment(d) for d in svc.get("deployments", [])]
    current = next((d for d in deployments if d["status"] == "PRIMARY"), deployments[0] if deployments else None)
    previous = sorted(
        (d for d in deployments if d is not current), key=lambda d: str(d.get("created_at") or ""), reverse=True
    )
    history = reader.read(
        "deployment_history",
        SECTIONS["deployment_history"],
        lambda: ecs.list_service_deployments(cluster, ecs_name, max_results=5),
        "the service's deployment history",
    )
    if history is None and "deployment_history" not in reader.unreadable and ecs.deployments_api is False:
        skipped = a.enrichment.record(
            SECTIONS["deployment_history"], "unsupported", "the service's deployment history", "not implemented"
        )
        reader.unreadable["deployment_history"] = skipped.to_dict()
    since = current.get("created_at") if current else None
    events = [
        {
            "at": _iso(e.get("createdAt")),
            "message": e.get("message"),
            "current": since is None or not e.get("createdAt") or str(_iso(e.get("createdAt"))) >= str(since),
        }
        for e in svc.get("events", [])[:20]
    ]

    td_cache: dict[str, dict[str, Any]] = {}

    def td(arn: str) -> dict[str, Any]:
        if arn not in td_cache:
            td_cache[arn] = (
                reader.read(
                    "task_definition",
                    SECTIONS["task_definition"],
                    lambda: ecs.describe_task_definition(arn).raw,
                    "task definitions (secrets, log sources, sidecars)",
                )
                or {}
            )
        return td_cache[arn]

    arns: list[str] = (
        reader.read(
            "stopped_tasks",
            SECTIONS["stopped_tasks"],
            lambda: ecs.list_tasks(cluster, service=ecs_name, desired_status="STOPPED"),
            "stopped tasks and their causes",
        )
        or []
    )
    described: list[dict[str, Any]] = (
        reader.read(
            "task_details",
            SECTIONS["task_details"],
            lambda: [dict(t) for t in ecs.describe_tasks(cluster, arns)],
            "stopped tasks and their causes",
        )
        or []
        if arns
        else []
    )
    stopped = of_service(described, ecs_name)
    stopped.sort(key=lambda t: str(t.get("stoppedAt") or t.get("createdAt") or ""), reverse=True)
    stopped = stopped[:stopped_limit]
    logs = a.aws.logs
    groups: dict[tuple[bool, str, str], dict[str, Any]] = {}
    for t in stopped:
        reason = str(t.get("stoppedReason") or t.get("stopCode") or "no reason given")
        containers = [
            {"name": c.get("name"), "exit_code": c.get("exitCode"), "reason": c.get("reason")}
            for c in t.get("containers", [])
        ]
        is_current = _belongs(t, current)
        entry: dict[str, Any] = {
            "task": task_id(t["taskArn"]),
            "stopped_reason": reason,
            "stopped_at": _iso(t.get("stoppedAt")),
            "stop_code": t.get("stopCode"),
            "started_by": t.get("startedBy"),
            "task_definition": t.get("taskDefinitionArn"),
            "containers": containers,
            "last_log_lines": [],
        }
        definition = td(t["taskDefinitionArn"]) if t.get("taskDefinitionArn") else {}
        if lines > 0 and definition and "log_lines" not in reader.unreadable:
            for src in discover(key, definition, a.settings.region, cluster):
                stream = src.stream_for(entry["task"]) if src.tailable else None
                if not stream or src.group is None:
                    continue
                got: list[dict[str, Any]] = (
                    reader.read(
                        "log_lines",
                        SECTIONS["log_lines"],
                        partial(_last_events, logs, src.group, stream, lines),
                        "the stopped tasks' last log lines",
                    )
                    or []
                )
                entry["last_log_lines"] += [f"{src.container}: {str(e.get('message', '')).rstrip()}" for e in got]
        stop = dg.task_from_api(
            t,
            definition or None,
            app_container,
            [line.split(": ", 1)[-1] for line in entry["last_log_lines"]],
        )
        if dg.not_a_failure(stop):
            continue
        diagnosis = dg.classify_task(stop, key)
        entry["diagnosis"] = diagnosis.to_dict() if diagnosis else None
        deployment_id = str(t.get("startedBy") or "")
        group = groups.setdefault(
            (is_current, deployment_id, _normalise(reason)),
            {
                "reason": _normalise(reason),
                "current": is_current,
                "deployment": deployment_id or None,
                "task_definition": t.get("taskDefinitionArn"),
                "count": 0,
                "exit_codes": {},
                "tasks": [],
            },
        )
        group["count"] += 1
        for c in containers:
            if c["exit_code"] is not None:
                label = f"{c['name']}={c['exit_code']}" + (f" ({c['reason']})" if c["reason"] else "")
                group["exit_codes"][label] = group["exit_codes"].get(label, 0) + 1
        group["tasks"].append(entry)

    unhealthy: list[dict[str, Any]] = []
    if svc.get("loadBalancers"):
        elb = a.aws.elbv2
        for lb in svc["loadBalancers"]:
            if not lb.get("targetGroupArn"):
                continue
            health = reader.read(
                "targets", SECTIONS["targets"], partial(elb.target_health, lb["targetGroupArn"]), "target health"
            )
            for th in health or []:
                if th.state not in ("healthy", "draining"):
                    unhealthy.append(
                        {
                            "target_group": lb["targetGroupArn"],
                            "target": th.target_id,
                            "port": th.port,
                            "state": th.state,
                            "reason": th.reason,
                            "description": th.description,
                        }
                    )

    unresolved: list[dict[str, Any]] = []
    current_td = (current or {}).get("task_definition") or svc.get("taskDefinition")
    definition = td(str(current_td)) if current_td else {}
    if definition:
        from vegaops import refs

        found_vars = [v for v in refs.variables(definition) if v.source != "environment"]
        checked: list[refs.Variable] = []
        # one read per store, so a denied one names its own IAM action and the other is still checked
        for section, source, what in (
            ("parameters", "ssm", "whether the task definition's SSM parameters resolve"),
            ("secrets", "secretsmanager", "whether the task definition's secrets resolve"),
        ):
            these = [v for v in found_vars if v.source == source]
            if not these:
                continue
            done: bool | None = reader.read(section, SECTIONS[section], partial(_check, a, these), what)
            if done:
                checked += these
        unresolved = [
            {
                "container": v.container,
                "name": v.name,
                "via": v.via,  # secrets, or a log driver's secretOptions
                "value_from": v.value_from,
                "error": v.why,
                "current_arn": v.current_arn,  # a stale ARN: the secret was deleted and recreated
            }
            for v in checked
            if v.resolves is False
        ]

    return {
        "service": key,
        "ecs_service": ecs_name,
        "cluster": cluster,
        "status": svc.get("status"),
        "running": svc.get("runningCount"),
        "desired": svc.get("desiredCount"),
        "task_definition": svc.get("taskDefinition"),
        "current_deployment": current,
        "previous_deployments": previous[:10],
        "previous_deployments_total": len(previous),
        "deployment_history": [
            {
                "arn": h.get("serviceDeploymentArn"),
                "status": h.get("status"),
                "target_revision": h.get("targetServiceRevisionArn"),
                "created_at": _iso(h.get("createdAt")),
            }
            for h in history or []
        ],
        "events": events,
        "stopped_tasks": list(groups.values()),
        "unhealthy_targets": unhealthy,
        "unresolved_secrets": unresolved,
        "unreadable": reader.unreadable,
    }


def _check(a: AppContext, variables: list[Any]) -> bool:
    """Resolve the references; a store that could not be read (denied, failing) fails the whole section, so
    the report says "not read (...)" in its place instead of blaming the secrets themselves."""
    from vegaops import refs
    from vegaops.aws.optional import skip_kind

    refs.check_resolution(a, variables)
    for v in variables:
        code = v.why[len("cannot read: ") :] if v.resolves is False and v.why.startswith("cannot read: ") else ""
        if code:
            from botocore.exceptions import ClientError

            operation = "DescribeSecret" if v.source == "secretsmanager" else "GetParameters"
            error = ClientError({"Error": {"Code": code, "Message": f"{v.value_from}: {code}"}}, operation)
            if skip_kind(error) is not None:
                raise error
    return True


def _last_events(logs: Logs, group: str, stream: str, lines: int) -> list[dict[str, Any]]:
    try:
        return [dict(e) for e in logs.last_events(group, stream, lines)]
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return []


def _group_causes(groups: list[dict[str, Any]], name: str) -> list[Cause]:
    by_kind: dict[tuple[str, str | None], Cause] = {}
    for group in groups:
        first = group["tasks"][0]
        d = first.get("diagnosis")
        if not d:
            continue
        codes = " ".join(group["exit_codes"])
        last = next((line for t in group["tasks"] for line in reversed(t["last_log_lines"]) if line.strip()), "")
        evidence = (
            f"{group['count']} task(s) of {group['deployment'] or 'the service'}"
            + (f" exited {codes}" if codes else "")
            + f": {d['evidence'] or group['reason']}"
            + (f"; last log: {last}" if last and "last log:" not in (d["evidence"] or "") else "")
        )
        k = (d["kind"], group["deployment"])
        if k in by_kind:
            old = by_kind[k]
            by_kind[k] = Cause(
                old.kind,
                old.summary,
                old.evidence,
                old.next_command,
                old.explanation,
                old.deployment,
                old.container,
                old.sidecar,
                old.count + group["count"],
            )
            continue
        by_kind[k] = Cause(
            d["kind"],
            d["reason"],
            evidence,
            d["fix"],
            d["explanation"],
            group["deployment"],
            d.get("container"),
            bool(d.get("sidecar")),
            group["count"],
        )
    return sorted(by_kind.values(), key=lambda c: -c.count)


def diagnose(report: dict[str, Any]) -> list[Cause]:
    """The likely causes of the *current* deployment's trouble (empty when it is healthy)."""
    name = report["service"]
    causes: list[Cause] = []
    seen: set[str] = set()

    def add(c: Cause) -> None:
        if c.kind not in seen:
            seen.add(c.kind)
            causes.append(c)

    current = report.get("current_deployment") or {}
    for c in _group_causes([g for g in report["stopped_tasks"] if g.get("current", True)], name):
        add(c)
    for e in report.get("events", []):
        if not e.get("current", True):
            continue
        d = dg.classify_event(str(e.get("message") or ""), name)
        if d is not None:
            add(Cause(d.kind, d.reason, f"service event {e.get('at')}: {d.evidence}", d.fix, d.explanation))
    for problem in report["unresolved_secrets"]:
        why = str(problem.get("error") or "")
        kind = dg.SECRET_MISSING if "not found" in why or "deletion" in why else dg.SECRET_INVALID
        stale_arn = problem.get("current_arn")
        if stale_arn:  # deleted and recreated: the secret exists, the task definition names its old ARN
            add(
                Cause(
                    dg.SECRET_MISSING,
                    f"valueFrom names an old ARN of a secret that was deleted and recreated (it exists as {stale_arn})",
                    f"{problem['container']}.{problem['name']} -> {problem['value_from']}: {why}",
                    f"{prog()} secret refs /{_secret_name(stale_arn)} --repoint  (repoint valueFrom and redeploy)",
                    "a recreated secret gets a new ARN suffix; tasks of this task definition cannot start until "
                    "valueFrom names the current ARN",
                )
            )
            continue
        add(
            Cause(
                kind,
                f"the task definition references a secret/parameter that does not resolve ({why})",
                f"{problem['container']}.{problem['name']} -> {problem['value_from']}: {why}",
                f"{prog()} secret refs {name}  (create it, or point valueFrom at the existing one and redeploy)",
                "tasks of this task definition cannot start until every valueFrom resolves",
            )
        )
    bad = [t for t in report["unhealthy_targets"] if t["state"] == "unhealthy"]
    if bad:
        reasons = sorted({f"{t['reason']}: {t['description']}" for t in bad})
        add(
            Cause(
                dg.ELB_HEALTH,
                "targets fail the load balancer health check",
                f"{len(bad)} unhealthy target(s): {'; '.join(reasons)}",
                f"{prog()} health {name}",
                "the target group's health check does not get the expected answer from the tasks",
            )
        )
    if current.get("rollout_state") == "FAILED":
        add(
            Cause(
                "rollout",
                "the current deployment failed (circuit breaker)",
                f"{current.get('id')}: {current.get('reason')}",
                f"{prog()} logs tail {name} --deployment current",
                deployment=current.get("id"),
            )
        )
    if not causes and (report["running"] or 0) < (report["desired"] or 0):
        add(
            Cause(
                "capacity",
                f"{report['running']} of {report['desired']} tasks running, no stopped task explains it yet",
                "see the service events above",
                f"{prog()} health {name} --wait",
            )
        )
    return causes


def history_causes(report: dict[str, Any]) -> list[Cause]:
    """What went wrong in earlier deployments: shown as history, never as the current cause."""
    name = report["service"]
    out = _group_causes([g for g in report["stopped_tasks"] if not g.get("current", True)], name)
    for d in report["previous_deployments"]:
        if d.get("rollout_state") == "FAILED" and not any(c.deployment == d.get("id") for c in out):
            out.append(
                Cause(
                    "rollout",
                    f"deployment {d.get('id')} of {_short_td(d.get('task_definition'))} failed",
                    str(d.get("reason") or ""),
                    f"{prog()} deploy history {name}",
                    deployment=d.get("id"),
                )
            )
    return out


def healthy(report: dict[str, Any], causes: list[Cause]) -> bool:
    """Healthy now: the current deployment completed (or is steady), every task runs, nothing explains trouble."""
    current = report.get("current_deployment") or {}
    done = current.get("rollout_state") in ("COMPLETED", None) and len(report["previous_deployments"]) == 0
    return (
        not causes
        and report.get("status") == "ACTIVE"
        and (report["running"] or 0) >= (report["desired"] or 0)
        and (done or current.get("rollout_state") == "COMPLETED")
    )
