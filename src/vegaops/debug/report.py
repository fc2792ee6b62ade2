"""Gather the facts about one service (read-only), then diagnose them with plain rules.

``gather`` talks to AWS; ``diagnose`` is a pure function of the gathered report, so each sandbox
failure mode (crash, OOM, unhealthy, image pull, secrets) maps to a named cause and a next command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vegaops.aws.errors import error_code
from vegaops.logs.service import of_service
from vegaops.logs.sources import discover, task_id

if TYPE_CHECKING:
    from vegaops.aws.ecs import Ecs
    from vegaops.context import AppContext


@dataclass(frozen=True)
class Cause:
    kind: str  # crash | oom | unhealthy | image-pull | secrets | rollout | capacity
    summary: str
    evidence: str
    next_command: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "summary": self.summary, "evidence": self.evidence, "next": self.next_command}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _deployment(d: dict[str, Any]) -> dict[str, Any]:
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


def _secrets_of(td: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for c in td.get("containerDefinitions", []):
        for s in c.get("secrets", []) or []:
            out.append((str(c.get("name")), str(s.get("name")), str(s.get("valueFrom"))))
    return out


def _secret_name(arn: str) -> str:
    """The secret's name from its full ARN (``...:secret:NAME-AbCdEf`` -> NAME)."""
    from vegaops.refs import arn_resource

    name = arn_resource(arn)
    return name[:-7] if len(name) > 7 and name[-7] == "-" else name


def check_secret(a: AppContext, value_from: str) -> str | None:
    """None when the reference resolves, else the error code/message."""
    try:
        if ":secretsmanager:" in value_from:
            # arn:aws:secretsmanager:region:acct:secret:name-AbCdEf[:json-key:version-stage:version-id]
            parts = value_from.split(":")
            secret_id = ":".join(parts[:7])
            a.client("secretsmanager").describe_secret(SecretId=secret_id)
        else:
            name = value_from.split(":parameter", 1)[-1] if value_from.startswith("arn:") else value_from
            a.client("ssm").get_parameter(Name=name, WithDecryption=False)
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        return code
    return None


def gather(
    a: AppContext, ecs: Ecs, key: str, ecs_name: str, cluster: str, lines: int = 10, stopped_limit: int = 20
) -> dict[str, Any]:
    from vegaops.aws.elbv2 import Elbv2
    from vegaops.aws.logs import Logs

    found, missing = ecs.describe_services(cluster, [ecs_name])
    if missing:
        from vegaops.errors import NotFoundError

        raise NotFoundError(
            f"ECS service {ecs_name} not found in cluster {cluster}", hint="check the service name and --env"
        )
    svc = found[ecs_name]
    deployments = [_deployment(d) for d in svc.get("deployments", [])]
    current = next((d for d in deployments if d["status"] == "PRIMARY"), deployments[0] if deployments else None)
    previous = sorted(
        (d for d in deployments if d is not current), key=lambda d: str(d.get("created_at") or ""), reverse=True
    )
    history = ecs.list_service_deployments(cluster, ecs_name, max_results=5)
    events = [{"at": _iso(e.get("createdAt")), "message": e.get("message")} for e in svc.get("events", [])[:10]]

    td_cache: dict[str, dict[str, Any]] = {}

    def td(arn: str) -> dict[str, Any]:
        if arn not in td_cache:
            td_cache[arn] = ecs.describe_task_definition(arn).raw
        return td_cache[arn]

    arns = ecs.list_tasks(cluster, service=ecs_name, desired_status="STOPPED")
    stopped = of_service(ecs.describe_tasks(cluster, arns), ecs_name) if arns else []
    stopped.sort(key=lambda t: str(t.get("stoppedAt") or t.get("createdAt") or ""), reverse=True)
    stopped = stopped[:stopped_limit]
    logs = Logs(a.client("logs"))
    groups: dict[str, dict[str, Any]] = {}
    for t in stopped:
        reason = str(t.get("stoppedReason") or t.get("stopCode") or "no reason given")
        containers = [
            {"name": c.get("name"), "exit_code": c.get("exitCode"), "reason": c.get("reason")}
            for c in t.get("containers", [])
        ]
        entry = {
            "task": task_id(t["taskArn"]),
            "stopped_reason": reason,
            "stopped_at": _iso(t.get("stoppedAt")),
            "stop_code": t.get("stopCode"),
            "started_by": t.get("startedBy"),
            "task_definition": t.get("taskDefinitionArn"),
            "containers": containers,
            "last_log_lines": [],
        }
        if lines > 0 and t.get("taskDefinitionArn"):
            for src in discover(key, td(t["taskDefinitionArn"]), a.settings.region, cluster):
                stream = src.stream_for(entry["task"]) if src.tailable else None
                if not stream or src.group is None:
                    continue
                try:
                    got = logs.last_events(src.group, stream, lines)
                except Exception as exc:
                    if error_code(exc) != "ResourceNotFoundException":
                        raise
                    continue
                entry["last_log_lines"] += [f"{src.container}: {str(e.get('message', '')).rstrip()}" for e in got]
        group = groups.setdefault(
            _normalise(reason), {"reason": _normalise(reason), "count": 0, "exit_codes": {}, "tasks": []}
        )
        group["count"] += 1
        for c in containers:
            if c["exit_code"] is not None:
                label = f"{c['name']}={c['exit_code']}" + (f" ({c['reason']})" if c["reason"] else "")
                group["exit_codes"][label] = group["exit_codes"].get(label, 0) + 1
        group["tasks"].append(entry)

    unhealthy: list[dict[str, Any]] = []
    if svc.get("loadBalancers"):
        elb = Elbv2(a.client("elbv2"))
        for lb in svc["loadBalancers"]:
            if not lb.get("targetGroupArn"):
                continue
            for th in elb.target_health(lb["targetGroupArn"]):
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

    from vegaops.refs import unresolved as unresolved_refs

    # secrets and log drivers' secretOptions, in every valueFrom form; stale ARNs carry current_arn
    td_arns = sorted({str(x) for x in (svc.get("taskDefinition"), current and current.get("task_definition")) if x})
    unresolved = unresolved_refs(a, [td(arn) for arn in td_arns])

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
    }


def diagnose(report: dict[str, Any]) -> list[Cause]:
    name = report["service"]
    causes: list[Cause] = []
    seen: set[str] = set()

    def add(c: Cause) -> None:
        if c.kind not in seen:
            seen.add(c.kind)
            causes.append(c)

    for group in report["stopped_tasks"]:
        reason = str(group["tasks"][0].get("stopped_reason") or group["reason"])
        codes = " ".join(group["exit_codes"]) or "-"
        last = next((line for t in group["tasks"] for line in reversed(t["last_log_lines"]) if line.strip()), "")
        if "CannotPullContainerError" in reason or "pull image" in reason.lower():
            ref = re.search(r"failed to resolve ref (\S+?):? ", reason)
            add(
                Cause(
                    "image-pull",
                    "the image cannot be pulled (tag or digest missing from the registry, or no registry access)",
                    (f"image {ref.group(1)}; " if ref else "") + f"{group['count']} task(s): {reason[:160]}",
                    f"vegaops rollback {name}  (or deploy an image that exists in ECR)",
                )
            )
        elif "ResourceInitializationError" in reason or "secret" in reason.lower():
            stale = [u for u in report.get("unresolved_secrets", []) if u.get("current_arn")]
            add(
                Cause(
                    "secrets",
                    "the task cannot fetch its secrets/parameters at start (ResourceInitializationError)"
                    + ("; valueFrom names a secret's old ARN (it was deleted and recreated)" if stale else ""),
                    f"{group['count']} task(s): {reason[:200]}"
                    + "".join(f"; {u['value_from']} is now {u['current_arn']}" for u in stale[:3]),
                    f"vegaops secret refs /{_secret_name(stale[0]['current_arn'])} --repoint  (repoint valueFrom "
                    "at the current ARN and redeploy)"
                    if stale
                    else "vegaops secret list  (create the missing secret, or fix valueFrom in the task definition)",
                )
            )
        elif "OutOfMemory" in codes or "=137" in codes:
            add(
                Cause(
                    "oom",
                    "the container is killed for running out of memory (exit 137, OutOfMemoryError)",
                    f"{group['count']} task(s) exited {codes}" + (f"; last log: {last}" if last else ""),
                    f"vegaops logs tail {name} --deployment current --since 30m  (then raise the task memory or "
                    f"vegaops rollback {name})",
                )
            )
        elif "ELB health check" in reason or "health checks" in reason.lower():
            add(
                Cause(
                    "unhealthy",
                    "tasks start but fail the load balancer health check and are replaced",
                    f"{group['count']} task(s): {reason}",
                    f"vegaops health {name}  (check the health check path answers 200; vegaops logs tail {name} "
                    "--grep health)",
                )
            )
        elif "Essential container" in reason and group["exit_codes"]:
            add(
                Cause(
                    "crash",
                    "the essential container exits on start-up (the application crashes)",
                    f"{group['count']} task(s) exited {codes}" + (f"; last log: {last}" if last else ""),
                    f"vegaops logs tail {name} --deployment current --since 30m  (or vegaops rollback {name})",
                )
            )
    for problem in report["unresolved_secrets"]:
        stale_arn = problem.get("current_arn")
        add(
            Cause(
                "secrets",
                f"valueFrom names an old ARN of a secret that was deleted and recreated (it exists as {stale_arn})"
                if stale_arn
                else "the task definition references a secret/parameter that does not resolve",
                f"{problem['container']}.{problem['name']} -> {problem['value_from']}: "
                f"{problem.get('why') or problem['error']}",
                f"vegaops secret refs /{_secret_name(stale_arn)} --repoint  (repoint valueFrom and redeploy)"
                if stale_arn
                else "vegaops secret list  (create it, or fix valueFrom)",
            )
        )
    bad = [t for t in report["unhealthy_targets"] if t["state"] == "unhealthy"]
    if bad:
        reasons = sorted({f"{t['reason']}: {t['description']}" for t in bad})
        add(
            Cause(
                "unhealthy",
                "targets fail the load balancer health check",
                f"{len(bad)} unhealthy target(s): {'; '.join(reasons)}",
                f"vegaops health {name}",
            )
        )
    current = report["current_deployment"] or {}
    if current.get("rollout_state") == "FAILED" or any(
        d.get("rollout_state") == "FAILED" for d in report["previous_deployments"]
    ):
        failed = (
            current
            if current.get("rollout_state") == "FAILED"
            else next(d for d in report["previous_deployments"] if d.get("rollout_state") == "FAILED")
        )
        add(
            Cause(
                "rollout",
                "a deployment failed (circuit breaker)",
                f"{failed.get('id')}: {failed.get('reason')}",
                f"vegaops logs tail {name} --deployment previous",
            )
        )
    if not causes and (report["running"] or 0) < (report["desired"] or 0):
        add(
            Cause(
                "capacity",
                f"{report['running']} of {report['desired']} tasks running, no stopped task explains it yet",
                "see the service events above",
                f"vegaops health {name} --wait",
            )
        )
    return causes
