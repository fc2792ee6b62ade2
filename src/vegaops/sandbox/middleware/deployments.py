"""ListServiceDeployments / DescribeServiceDeployments / StopServiceDeployment (not in moto), target health
and the sandbox summary, answered from the simulator with AWS's shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from vegaops.sandbox.simulator import SHIFTING, SimDeployment, SimService, Simulator, breaker_threshold
from vegaops.sandbox.state import ACCOUNT_ID

OPERATIONS = (
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "StopServiceDeployment",
    "ContinueServiceDeployment",
)


def _arn(sim: Simulator, kind: str, svc: SimService, dep_id: str) -> str:
    return f"arn:aws:ecs:{sim.region}:{ACCOUNT_ID}:{kind}/{svc.cluster}/{svc.name}/{dep_id.rsplit('/', maxsplit=1)[-1]}"


def _service_arn(sim: Simulator, svc: SimService) -> str:
    return f"arn:aws:ecs:{sim.region}:{ACCOUNT_ID}:service/{svc.cluster}/{svc.name}"


def _cluster_arn(sim: Simulator, svc: SimService) -> str:
    return f"arn:aws:ecs:{sim.region}:{ACCOUNT_ID}:cluster/{svc.cluster}"


def _revision_arn(sim: Simulator, svc: SimService, td: str) -> str:
    dep = next((d for d in svc.history if d.task_definition == td), None)
    return _arn(sim, "service-revision", svc, dep.id if dep else td.rsplit(":", 1)[-1])


def _brief(sim: Simulator, svc: SimService, dep: SimDeployment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "serviceDeploymentArn": _arn(sim, "service-deployment", svc, dep.id),
        "serviceArn": _service_arn(sim, svc),
        "clusterArn": _cluster_arn(sim, svc),
        "createdAt": dep.created_at,
        "startedAt": dep.created_at,
        "targetServiceRevisionArn": _revision_arn(sim, svc, dep.task_definition),
        "status": dep.status,
    }
    if dep.status_reason:
        out["statusReason"] = dep.status_reason
    if dep.finished_at:
        out["finishedAt"] = dep.finished_at
    return out


def _full(sim: Simulator, svc: SimService, dep: SimDeployment) -> dict[str, Any]:
    out = _brief(sim, svc, dep)
    out.pop("targetServiceRevisionArn")
    tasks = [t for t in svc.tasks.values() if t.deployment_id == dep.id]
    out["updatedAt"] = dep.updated_at or dep.created_at
    out["targetServiceRevision"] = {
        "arn": _revision_arn(sim, svc, dep.task_definition),
        "requestedTaskCount": dep.desired,
        "runningTaskCount": sum(1 for t in tasks if t.state == "RUNNING"),
        "pendingTaskCount": sum(1 for t in tasks if t.state in ("PROVISIONING", "PENDING")),
    }
    out["sourceServiceRevisions"] = [
        {"arn": _revision_arn(sim, svc, td), "requestedTaskCount": 0, "runningTaskCount": n, "pendingTaskCount": 0}
        for td, n in dep.source_tasks.items()
        if td != dep.task_definition
    ]
    service = sim.backend.services.get(f"{svc.cluster}:{svc.name}")
    config = dict(getattr(service, "deployment_configuration", None) or {})
    breaker = config.get("deploymentCircuitBreaker") or {}
    out["deploymentConfiguration"] = config
    if dep.strategy in SHIFTING:
        out["lifecycleStage"] = dep.stage or "PRE_SCALE_UP"
        out["targetServiceRevision"]["requestedProductionTrafficWeight"] = dep.prod_weight
        out["targetServiceRevision"]["requestedTestTrafficWeight"] = dep.test_weight
        for source in out["sourceServiceRevisions"]:
            source["requestedProductionTrafficWeight"] = 100.0 - dep.prod_weight
            source["requestedTestTrafficWeight"] = 100.0 - dep.test_weight
        base = sim.now or dep.created_at
        out["lifecycleHookDetails"] = [
            {
                "hookId": h.hook_id,
                "targetType": h.target_type,
                **({"targetArn": h.target_arn} if h.target_arn else {}),
                "status": h.status,
                **(
                    {"expiresAt": base + timedelta(seconds=(h.expires - sim.t) / max(sim.speed, 1e-9))}
                    if h.expires is not None
                    else {}
                ),
                "timeoutAction": h.timeout_action,
            }
            for h in dep.hooks
        ]
    else:
        # a rolling deployment: its tasks replace the old ones (SCALE_UP) until it ends (CLEAN_UP)
        out["lifecycleStage"] = "CLEAN_UP" if dep.finished_at else "SCALE_UP"
    alarms = config.get("alarms") or {}
    if alarms.get("enable") and alarms.get("alarmNames"):
        out["alarms"] = {
            "status": "TRIGGERED"
            if dep.triggered_alarms
            else ("MONITORING" if dep.status == "IN_PROGRESS" else "MONITORING_COMPLETE"),
            "alarmNames": list(alarms["alarmNames"]),
            "triggeredAlarmNames": list(dep.triggered_alarms),
        }
    else:
        out["alarms"] = {"status": "DISABLED", "alarmNames": [], "triggeredAlarmNames": []}
    if breaker.get("enable"):
        failed = dep.breaker_triggered or (
            dep.rollout == "FAILED" and dep.failed_tasks >= breaker_threshold(dep.desired)
        )
        out["deploymentCircuitBreaker"] = {
            "status": "TRIGGERED"
            if failed
            else ("MONITORING" if dep.rollout == "IN_PROGRESS" else "MONITORING_COMPLETE"),
            "failureCount": dep.failed_tasks,
            "threshold": breaker_threshold(dep.desired),
        }
    else:
        out["deploymentCircuitBreaker"] = {"status": "DISABLED", "failureCount": dep.failed_tasks, "threshold": 0}
    if dep.rollback_to:
        rollback = next((d for d in svc.history if d.id == dep.rollback_to), None)
        out["rollback"] = {
            "reason": dep.status_reason or dep.reason,
            "startedAt": rollback.created_at if rollback else dep.updated_at,
            "serviceRevisionArn": _revision_arn(
                sim, svc, rollback.task_definition if rollback else dep.task_definition
            ),
        }
    if dep.status == "STOPPED" and dep.finished_at:
        out["stoppedAt"] = dep.finished_at
    return out


def _find_service(sim: Simulator, cluster: str | None, service: str) -> SimService | None:
    name = service.rsplit("/", maxsplit=1)[-1]
    cluster_name = (cluster or "default").split("/")[-1]
    return sim.services.get((cluster_name, name))


def _find_deployment(sim: Simulator, arn: str) -> tuple[SimService, SimDeployment] | None:
    for svc in sim.services.values():
        for dep in svc.history:
            if _arn(sim, "service-deployment", svc, dep.id) == arn:
                return svc, dep
    return None


def _client_error(code: str, message: str) -> tuple[str, Any]:
    return "400 Bad Request", {"__type": code, "message": message}


def answer(sim: Simulator, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
    if operation == "ListServiceDeployments":
        svc = _find_service(sim, params.get("cluster"), str(params.get("service", "")))
        if svc is None:
            return _client_error("ServiceNotFoundException", "Service not found.")
        wanted = set(params.get("status") or [])
        deps = [d for d in reversed(svc.history) if not wanted or d.status in wanted]
        created = params.get("createdAt") or {}
        if created.get("after") is not None:
            deps = [d for d in deps if d.created_at.timestamp() >= float(created["after"])]
        if created.get("before") is not None:
            deps = [d for d in deps if d.created_at.timestamp() <= float(created["before"])]
        start = int(params.get("nextToken") or 0)
        size = int(params.get("maxResults") or 20)
        page = deps[start : start + size]
        out: dict[str, Any] = {"serviceDeployments": [_brief(sim, svc, d) for d in page]}
        if start + size < len(deps):
            out["nextToken"] = str(start + size)
        return "200 OK", out
    if operation == "DescribeServiceDeployments":
        found, failures = [], []
        for arn in params.get("serviceDeploymentArns") or []:
            hit = _find_deployment(sim, str(arn))
            if hit is None:
                failures.append({"arn": arn, "reason": "MISSING", "detail": "The service deployment was not found."})
            else:
                found.append(_full(sim, *hit))
        return "200 OK", {"serviceDeployments": found, "failures": failures}
    if operation == "ContinueServiceDeployment":
        arn = str(params.get("serviceDeploymentArn", ""))
        hit = _find_deployment(sim, arn)
        if hit is None:
            return _client_error("ServiceDeploymentNotFoundException", f"The service deployment {arn} was not found.")
        action = str(params.get("action") or "CONTINUE")
        error = sim.continue_deployment(*hit, str(params.get("hookId", "")), action)
        if error is not None:
            return _client_error("InvalidParameterException", error)
        return "200 OK", {"serviceDeploymentArn": arn}
    # StopServiceDeployment
    arn = str(params.get("serviceDeploymentArn", ""))
    hit = _find_deployment(sim, arn)
    if hit is None:
        return _client_error("ServiceDeploymentNotFoundException", f"The service deployment {arn} was not found.")
    svc, dep = hit
    if dep.status != "IN_PROGRESS":
        return _client_error(
            "ConflictException", f"The service deployment is in {dep.status} status and cannot be stopped."
        )
    sim.stop_deployment(svc, dep, str(params.get("stopType") or "ROLLBACK"))
    return "200 OK", {"serviceDeploymentArn": arn}


def target_health_xml(descriptions: list[dict[str, Any]]) -> bytes:
    members = []
    for d in descriptions:
        health = d["TargetHealth"]
        extra = "".join(f"<{k}>{escape(str(health[k]))}</{k}>" for k in ("Reason", "Description") if k in health)
        members.append(
            f"<member><HealthCheckPort>{d['HealthCheckPort']}</HealthCheckPort><Target><Id>{d['Target']['Id']}</Id>"
            f"<Port>{d['Target']['Port']}</Port></Target><TargetHealth><State>{health['State']}</State>{extra}"
            "</TargetHealth></member>"
        )
    xml = (
        '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
        f"<DescribeTargetHealthResult><TargetHealthDescriptions>{''.join(members)}</TargetHealthDescriptions>"
        "</DescribeTargetHealthResult><ResponseMetadata><RequestId>sandbox</RequestId></ResponseMetadata>"
        "</DescribeTargetHealthResponse>"
    )
    return xml.encode()


def _strategy(sim: Simulator, svc: SimService) -> str:
    service = sim.backend.services.get(f"{svc.cluster}:{svc.name}")
    config = dict(getattr(service, "deployment_configuration", None) or {})
    return str(config.get("strategy") or "ROLLING")


def info(sim: Simulator) -> dict[str, Any]:
    services = []
    for svc in sim.services.values():
        primary = svc.deployments[0]
        services.append(
            {
                "cluster": svc.cluster,
                "service": svc.name,
                "task_definition": primary.task_definition.split("/")[-1],
                "rollout": primary.rollout,
                "deployments": len(svc.deployments),
                "running": sum(1 for t in svc.tasks.values() if t.state == "RUNNING"),
                "desired": primary.desired,
                "fault": sim.faults.get(svc.name),
                "strategy": _strategy(sim, svc),
                "stage": primary.stage if primary.strategy in SHIFTING else None,
            }
        )
    return {
        "services": services,
        "faults": dict(sim.faults),
        "speed": sim.speed,
        "now": sim.now.isoformat() if isinstance(sim.now, datetime) else None,
    }
