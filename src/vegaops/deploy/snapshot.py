"""What the watcher sees of one service at one poll: plain frozen data, built from API responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Deployment:
    id: str
    status: str  # PRIMARY | ACTIVE | INACTIVE
    task_definition: str
    rollout_state: str | None = None  # IN_PROGRESS | COMPLETED | FAILED
    rollout_reason: str | None = None
    desired: int = 0
    pending: int = 0
    running: int = 0
    failed: int = 0


@dataclass(frozen=True)
class StoppedTask:
    arn: str
    deployment_id: str | None
    stop_code: str | None = None
    stopped_reason: str | None = None
    containers: tuple[tuple[str, int | None, str | None], ...] = ()  # (name, exit code, reason)


@dataclass(frozen=True)
class Snapshot:
    service: str
    at: float  # seconds since the watch started
    status: str = "ACTIVE"  # ACTIVE | DRAINING | INACTIVE | MISSING
    desired: int = 0
    running: int = 0
    pending: int = 0
    task_definition: str = ""
    deployments: tuple[Deployment, ...] = ()
    targets: dict[str, int] | None = None  # target health state -> count; None: no load balancer
    stopped: tuple[StoppedTask, ...] = ()  # stopped tasks of our deployment seen so far
    rollback_enabled: bool | None = None  # circuit breaker rollback (None: unknown)
    service_deployment_status: str | None = None  # from the ServiceDeployment API when available
    events: tuple[str, ...] = ()  # newest first
    alarms: tuple[str, ...] = ()  # deploymentConfiguration.alarms.alarmNames when enabled
    alarm_rollback: bool | None = None  # deploymentConfiguration.alarms.rollback (None: no alarms)

    def deployment(self, deployment_id: str) -> Deployment | None:
        for d in self.deployments:
            if d.id == deployment_id:
                return d
        return None

    @property
    def primary(self) -> Deployment | None:
        for d in self.deployments:
            if d.status == "PRIMARY":
                return d
        return None


def deployment_from_api(d: dict[str, Any]) -> Deployment:
    return Deployment(
        id=str(d.get("id", "")),
        status=str(d.get("status", "")),
        task_definition=str(d.get("taskDefinition", "")),
        rollout_state=d.get("rolloutState"),
        rollout_reason=d.get("rolloutStateReason"),
        desired=int(d.get("desiredCount", 0)),
        pending=int(d.get("pendingCount", 0)),
        running=int(d.get("runningCount", 0)),
        failed=int(d.get("failedTasks", 0)),
    )


def stopped_task_from_api(t: dict[str, Any]) -> StoppedTask:
    containers = tuple((str(c.get("name", "")), c.get("exitCode"), c.get("reason")) for c in t.get("containers", []))
    return StoppedTask(
        arn=str(t.get("taskArn", "")),
        deployment_id=t.get("startedBy"),
        stop_code=t.get("stopCode"),
        stopped_reason=t.get("stoppedReason"),
        containers=containers,
    )


def snapshot_from_api(
    name: str,
    at: float,
    service: Mapping[str, Any] | None,
    targets: dict[str, int] | None = None,
    stopped: tuple[StoppedTask, ...] = (),
    service_deployment_status: str | None = None,
) -> Snapshot:
    if service is None:
        return Snapshot(service=name, at=at, status="MISSING", stopped=stopped)
    config = service.get("deploymentConfiguration") or {}
    breaker = config.get("deploymentCircuitBreaker")
    alarms = config.get("alarms") or {}
    alarm_names = tuple(str(a) for a in alarms.get("alarmNames") or []) if alarms.get("enable") else ()
    return Snapshot(
        service=name,
        at=at,
        status=str(service.get("status", "ACTIVE")),
        desired=int(service.get("desiredCount", 0)),
        running=int(service.get("runningCount", 0)),
        pending=int(service.get("pendingCount", 0)),
        task_definition=str(service.get("taskDefinition", "")),
        deployments=tuple(deployment_from_api(d) for d in service.get("deployments", [])),
        targets=targets,
        stopped=stopped,
        rollback_enabled=bool(breaker.get("enable") and breaker.get("rollback")) if breaker else None,
        service_deployment_status=service_deployment_status,
        events=tuple(str(e.get("message", "")) for e in service.get("events", [])[:20]),
        alarms=alarm_names,
        alarm_rollback=bool(alarms.get("rollback")) if alarm_names else None,
    )


@dataclass(frozen=True)
class Target:
    """What we deployed: the deployment id to track and the task definitions involved."""

    service: str
    deployment_id: str
    task_definition: str
    previous_task_definition: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
