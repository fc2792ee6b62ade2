"""An ECS that rolls out like ECS, on top of moto's backend objects.

moto stores services and tasks but never animates them (../shared/MOTO-NOTES.md). ``Simulator.tick(now)``
is called often (a thread in the sandbox server; a FakeClock in tests). Each tick it notices
``UpdateService`` calls (a new task definition, or the new deployment id moto writes on
``forceNewDeployment``), and moves every deployment along ECS's rules: new tasks PROVISIONING -> PENDING ->
RUNNING (``startedBy`` = deployment id, ``group`` = ``service:NAME``), targets initial -> healthy, old tasks
drained with ECS's "Scaling activity initiated by" reason, PRIMARY COMPLETED; failed tasks count towards the
circuit breaker (``clamp(ceil(0.5 * desired), 3, 200)``), whose trip fails the deployment and, with rollback
on, starts a rollback deployment to the last completed task definition.

All durations are ECS-like seconds divided by ``speed``.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vegaops.sandbox import estate

# Phase timings in simulated seconds (divided by speed).
PROVISION = 1.0
PENDING = 1.0
HEALTHY_AFTER = 2.0
CRASH_AFTER = 1.5
OOM_AFTER = 2.0
UNHEALTHY_STOP_AFTER = 3.0
FAIL_TO_START_AFTER = 0.5
LOG_EVERY = 2.0

STOP_REASONS = {
    "crash": ("EssentialContainerExited", "Essential container in task exited", 1,
              "Error: connect ECONNREFUSED db.sandbox.internal:5432 - exiting"),
    "oom": ("EssentialContainerExited", "OutOfMemoryError: Container killed due to memory usage", 137,
            "FATAL: JavaScript heap out of memory"),
}


def patch_moto() -> None:
    """moto 5.2.5 fails to start awsvpc tasks: its ENI model lacks ``private_dns_name`` (canary-tested)."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):
        def dns(self: Any) -> str:
            return "ip-" + str(self.private_ip_address).replace(".", "-") + ".ec2.internal"

        setattr(NetworkInterface, "private_dns_name", property(dns))  # noqa: B010 (mypy: class attr is str)


def breaker_threshold(desired: int) -> int:
    """ECS's circuit breaker failed-task threshold."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def _deployment_id() -> str:
    return "ecs-svc/" + "".join(random.choices("0123456789", k=19))


@dataclass
class SimTask:
    task: Any  # moto Task
    deployment: str
    behaviour: str
    created: datetime
    running_at: datetime | None = None
    healthy_at: datetime | None = None
    stopped_at: datetime | None = None
    failed: bool = False
    target: str = "initial"  # initial | healthy | unhealthy | draining | unused
    logged_until: datetime | None = None

    @property
    def live(self) -> bool:
        return self.stopped_at is None

    @property
    def id(self) -> str:
        return str(self.task.id)


@dataclass
class SimDeployment:
    id: str
    task_definition: str
    created: datetime
    updated: datetime
    desired: int
    status: str = "PRIMARY"  # PRIMARY | ACTIVE | INACTIVE
    rollout: str = "IN_PROGRESS"  # IN_PROGRESS | COMPLETED | FAILED
    reason: str = ""
    failed: int = 0
    rollback_from: str | None = None
    finished: datetime | None = None
    tasks: list[SimTask] = field(default_factory=list)

    def live(self) -> list[SimTask]:
        return [t for t in self.tasks if t.live]


@dataclass
class SimService:
    arn: str
    name: str
    cluster: str
    deployments: list[SimDeployment]
    last_completed: str | None = None
    history: list[SimDeployment] = field(default_factory=list)  # every deployment, newest last


class Simulator:
    def __init__(self, account: str = estate.ACCOUNT, region: str = estate.REGION, speed: float = 1.0,
                 log_writer: Callable[[SimService, SimTask, list[tuple[datetime, str]]], None] | None = None) -> None:
        self.account = account
        self.region = region
        self.speed = speed
        self.lock = threading.RLock()
        self.services: dict[str, SimService] = {}
        self.faults: dict[str, str] = {}  # ECS service name -> behaviour forced on new tasks
        self.behaviours: dict[str, str] = {}  # image digest -> behaviour
        self.log_writer = log_writer
        patch_moto()

    # ------------------------------------------------------------------ moto access
    @property
    def ecs(self) -> Any:
        from moto.ecs.models import ecs_backends

        return ecs_backends[self.account][self.region]

    def _seconds(self, base: float) -> timedelta:
        return timedelta(seconds=base / self.speed)

    # ------------------------------------------------------------------ faults
    def set_fault(self, service: str, mode: str | None) -> None:
        with self.lock:
            if mode is None:
                self.faults.pop(service, None)
            else:
                self.faults[service] = mode

    # ------------------------------------------------------------------ the clock
    def tick(self, now: datetime) -> None:
        with self.lock:
            for service in list(self.ecs.services.values()):
                if service.status != "ACTIVE":
                    continue
                sim = self.services.get(service.arn) or self._adopt(service, now)
                self._notice_updates(service, sim, now)
                for dep in sim.deployments:
                    self._advance_tasks(service, sim, dep, now)
                self._advance_deployments(service, sim, now)
                self._project(service, sim)

    # ------------------------------------------------------------------ deployments
    def _td_arn(self, ref: str) -> str:
        return str(self.ecs.describe_task_definition(ref).arn)

    def _adopt(self, service: Any, now: datetime) -> SimService:
        td = self._td_arn(service.task_definition)
        dep_id = service.deployments[0]["id"] if service.deployments else _deployment_id()
        dep = SimDeployment(dep_id, td, now, now, service.desired_count)
        sim = SimService(service.arn, service.name, service.cluster_name, [dep], history=[dep])
        self.services[service.arn] = sim
        self._event(service, now, f"(service {service.name}) has begun a deployment ({dep_id}).")
        return sim

    def _notice_updates(self, service: Any, sim: SimService, now: datetime) -> None:
        primary = sim.deployments[0]
        td = self._td_arn(service.task_definition)
        service.task_definition = td  # moto keeps the literal "family:rev" string
        moto_id = service.deployments[0]["id"] if service.deployments else primary.id
        known = {d.id for d in sim.deployments}
        if td != primary.task_definition:
            self._start_deployment(service, sim, td, _deployment_id(), now)
        elif moto_id not in known:  # forceNewDeployment: moto wrote a new id into the PRIMARY deployment
            self._start_deployment(service, sim, td, moto_id, now)
        sim.deployments[0].desired = service.desired_count

    def _start_deployment(self, service: Any, sim: SimService, td: str, dep_id: str, now: datetime,
                          rollback_from: str | None = None) -> SimDeployment:
        dep = SimDeployment(dep_id, td, now, now, service.desired_count, rollback_from=rollback_from)
        for old in sim.deployments:
            old.status = "ACTIVE"
            old.updated = now
        sim.deployments.insert(0, dep)
        sim.history.append(dep)
        dep.reason = f"ECS deployment {dep_id} in progress."
        return dep

    def _config(self, service: Any) -> dict[str, Any]:
        cfg = getattr(service, "deployment_configuration", None) or {}
        return dict(cfg)

    def _advance_deployments(self, service: Any, sim: SimService, now: datetime) -> None:
        primary = sim.deployments[0]
        cfg = self._config(service)
        breaker = cfg.get("deploymentCircuitBreaker") or {}
        if primary.rollout == "IN_PROGRESS":
            if breaker.get("enable") and primary.failed >= breaker_threshold(primary.desired):
                self._trip(service, sim, primary, bool(breaker.get("rollback")), now)
                return
            self._launch(service, sim, primary, now)
            healthy = [t for t in primary.live() if t.healthy_at is not None and t.healthy_at <= now]
            if len(healthy) >= primary.desired:
                self._drain_old(service, sim, primary, now)
                if len(sim.deployments) == 1:
                    primary.rollout = "COMPLETED"
                    primary.reason = f"ECS deployment {primary.id} completed."
                    primary.finished = primary.updated = now
                    sim.last_completed = primary.task_definition
                    self._event(service, now, f"(service {service.name}) (deployment {primary.id}) "
                                              "deployment completed.")
                    self._event(service, now, f"(service {service.name}) has reached a steady state.")
        elif primary.rollout == "COMPLETED":
            self._launch(service, sim, primary, now)  # replace tasks that stop later (faults, scaling)

    def _trip(self, service: Any, sim: SimService, dep: SimDeployment, rollback: bool, now: datetime) -> None:
        dep.rollout = "FAILED"
        dep.finished = dep.updated = now
        dep.reason = "ECS deployment circuit breaker: tasks failed to start."
        self._event(service, now, f"(service {service.name}) (deployment {dep.id}) deployment failed: "
                                  "tasks failed to start.")
        if not rollback or dep.rollback_from is not None:  # ECS never rolls back a rollback
            return
        for st in dep.live():  # the rollback replaces the failed deployment's tasks
            self._stop(st, now, "ServiceSchedulerInitiated", f"Scaling activity initiated by (deployment {dep.id})",
                       exit_code=None)
        target = sim.last_completed
        if target is None:
            dep.reason += " No completed deployment to roll back to."
            return
        new = self._start_deployment(service, sim, target, _deployment_id(), now, rollback_from=dep.id)
        new.reason = (f"ECS deployment circuit breaker: rolling back to deployment "
                      f"{self._completed_id(sim, target)}.")
        service.task_definition = target
        self._event(service, now, f"(service {service.name}) (deployment {dep.id}) rolling back to task "
                                  f"definition {target.rsplit('/', 1)[-1]}.")

    def _completed_id(self, sim: SimService, td: str) -> str:
        for d in reversed(sim.history):
            if d.task_definition == td and d.rollout == "COMPLETED":
                return d.id
        return "unknown"

    def _launch(self, service: Any, sim: SimService, dep: SimDeployment, now: datetime) -> None:
        if dep.rollout == "FAILED":
            return
        cfg = self._config(service)
        max_total = max(dep.desired, math.floor(dep.desired * cfg.get("maximumPercent", 200) / 100))
        live_total = sum(len(d.live()) for d in sim.deployments)
        want = min(dep.desired - len(dep.live()), max_total - live_total)
        if want <= 0:
            return
        tasks = self.ecs.run_task(
            service.cluster_name, dep.task_definition, want, None, dep.id, None, "FARGATE",
            networking_configuration=service.network_configuration or None, group=f"service:{service.name}",
        )
        behaviour = self._behaviour(service, dep.task_definition)
        started = []
        for task in tasks:
            task.last_status = "PROVISIONING"
            task.created_at = now
            task.desired_status = "RUNNING"
            task.health_status = "UNKNOWN"
            st = SimTask(task, dep.id, behaviour, now)
            if not self._has_target_group(service):
                st.target = "unused"
            dep.tasks.append(st)
            started.append(st)
        self._event(service, now, f"(service {service.name}) has started {len(started)} tasks: "
                                  + " ".join(f"(task {t.id})" for t in started) + ".")

    def _drain_old(self, service: Any, sim: SimService, primary: SimDeployment, now: datetime) -> None:
        for old in sim.deployments[1:]:
            stopping = old.live()
            for st in stopping:
                self._stop(st, now, "ServiceSchedulerInitiated",
                           f"Scaling activity initiated by (deployment {primary.id})", exit_code=0)
            if stopping:
                self._event(service, now, f"(service {service.name}) has stopped {len(stopping)} running tasks: "
                                          + " ".join(f"(task {t.id})" for t in stopping) + ".")
            old.status = "INACTIVE"
            old.updated = now
        sim.deployments = [primary]

    # ------------------------------------------------------------------ tasks
    def _has_target_group(self, service: Any) -> bool:
        return any(lb.get("targetGroupArn") for lb in (service.load_balancers or []))

    def _behaviour(self, service: Any, td_arn: str) -> str:
        fault = self.faults.get(service.name)
        if fault:
            return fault
        td = self.ecs.describe_task_definition(td_arn)
        for container in td.container_definitions:
            if container.get("essential", True) is False:
                continue
            image = str(container.get("image", ""))
            behaviour = self.image_behaviour(image)
            if behaviour != "good":
                return behaviour
            if not self._secrets_resolve(container):
                return "secrets"
        return "good"

    def image_behaviour(self, image: str) -> str:
        """good | crash | oom | unhealthy for an image in the sandbox's ECR; pull when it is not there."""
        from moto.ecr.models import ecr_backends

        ecr = ecr_backends[self.account][self.region]
        path = image.split("/", 1)[1] if "/" in image else image
        if "@" in path:
            repo_name, ref = path.split("@", 1)
            by = "digest"
        else:
            repo_name, _, ref = path.partition(":")
            ref, by = ref or "latest", "tag"
        repo = ecr.repositories.get(repo_name)
        if repo is None:
            return "pull"
        for img in repo.images:
            if (by == "digest" and img.image_digest == ref) or (by == "tag" and img.image_tag == ref):
                digest = img.image_digest
                if digest in self.behaviours:
                    return self.behaviours[digest]
                return estate.behaviour_of_tag(img.image_tag or "")
        return "pull"

    def _secrets_resolve(self, container: dict[str, Any]) -> bool:
        from moto.secretsmanager.models import secretsmanager_backends
        from moto.ssm.models import ssm_backends

        sm = secretsmanager_backends[self.account][self.region]
        ssm = ssm_backends[self.account][self.region]
        for ref in container.get("secrets", []) or []:
            value_from = str(ref.get("valueFrom", ""))
            if ":secretsmanager:" in value_from:
                name = value_from.split(":secret:", 1)[1].split(":", 1)[0]
                if not any(s.name == name or s.arn.startswith(value_from.split("::", maxsplit=1)[0])
                           for s in sm.secrets.values()):
                    return False
            elif ":ssm:" in value_from or value_from.startswith("/"):
                name = value_from.split(":parameter", 1)[1] if ":parameter" in value_from else value_from
                if name not in ssm._parameters:
                    return False
        return True

    def _advance_tasks(self, service: Any, sim: SimService, dep: SimDeployment, now: datetime) -> None:
        for st in dep.live():
            age = now - st.created
            task = st.task
            if st.behaviour in ("pull", "secrets"):
                if age >= self._seconds(PROVISION):
                    task.last_status = "PENDING"
                if age >= self._seconds(PROVISION + FAIL_TO_START_AFTER):
                    self._fail_to_start(service, dep, st, now)
                continue
            if st.running_at is None:
                if age >= self._seconds(PROVISION + PENDING):
                    st.running_at = now
                    task.last_status = "RUNNING"
                    task.started_at = now
                    task.pull_started_at = st.created + self._seconds(PROVISION)
                    task.pull_stopped_at = now
                    task.health_status = "HEALTHY"
                    for c in task.containers:
                        c.last_status = "RUNNING"
                    self._log(sim, st, now, "start")
                elif age >= self._seconds(PROVISION):
                    task.last_status = "PENDING"
                continue
            up = now - st.running_at
            if st.behaviour in STOP_REASONS:
                after = CRASH_AFTER if st.behaviour == "crash" else OOM_AFTER
                if up >= self._seconds(after):
                    code, reason, exit_code, line = STOP_REASONS[st.behaviour]
                    self._log(sim, st, now, "crash", line)
                    self._fail(service, dep, st, now, code, reason, exit_code)
                continue
            if st.behaviour == "unhealthy":
                if up >= self._seconds(HEALTHY_AFTER) and st.target == "initial":
                    st.target = "unhealthy"
                if up >= self._seconds(UNHEALTHY_STOP_AFTER):
                    tg = next((lb.get("targetGroupArn") for lb in service.load_balancers or []), "")
                    self._fail(service, dep, st, now, "ServiceSchedulerInitiated",
                               f"Task failed ELB health checks in (target-group {tg})", 0)
                continue
            if st.healthy_at is None and up >= self._seconds(HEALTHY_AFTER):
                st.healthy_at = now
                if st.target == "initial":
                    st.target = "healthy"
            if st.healthy_at is not None:
                self._log(sim, st, now, "request")

    def _fail_to_start(self, service: Any, dep: SimDeployment, st: SimTask, now: datetime) -> None:
        if st.behaviour == "pull":
            image = st.task.containers[0].image if st.task.containers else "image"
            reason = (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
                      f"ref {image}: not found")
        else:
            reason = ("ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                      "retrieval failed: unable to retrieve secret from asm: service call has been retried 5 "
                      "time(s): ResourceNotFoundException: Secrets Manager can't find the specified secret.")
        self._fail(service, dep, st, now, "TaskFailedToStart", reason, None)

    def _fail(self, service: Any, dep: SimDeployment, st: SimTask, now: datetime, code: str, reason: str,
              exit_code: int | None) -> None:
        self._stop(st, now, code, reason, exit_code)
        st.failed = True
        dep.failed += 1
        dep.updated = now
        self._event(service, now, f"(service {service.name}) has stopped 1 running tasks: (task {st.id}).")

    def _stop(self, st: SimTask, now: datetime, code: str, reason: str, exit_code: int | None) -> None:
        task = st.task
        st.stopped_at = now
        st.target = "draining" if st.target in ("healthy", "initial") else st.target
        task.last_status = "STOPPED"
        task.desired_status = "STOPPED"
        task.stopped_reason = reason
        task.stop_code = code
        task.stopped_at = now
        task.stopping_at = now
        task.execution_stopped_at = now
        for c in task.containers:
            c.last_status = "STOPPED"
            if exit_code is not None:
                c.exitCode = exit_code
                c.exit_code = exit_code
            if code == "TaskFailedToStart":
                c.reason = reason.split(":", 1)[0]
            elif exit_code == 137:
                c.reason = "OutOfMemoryError: Container killed due to memory usage"

    # ------------------------------------------------------------------ projection onto moto
    def _event(self, service: Any, now: datetime, message: str) -> None:
        import uuid

        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": now, "message": message})
        del service.events[100:]

    def _log(self, sim: SimService, st: SimTask, now: datetime, kind: str, line: str = "") -> None:
        if self.log_writer is None:
            return
        lines: list[tuple[datetime, str]] = []
        if kind == "start":
            lines = [(now, f"Starting {sim.name} (task {st.id})"), (now, "Listening on :8080")]
            st.logged_until = now
        elif kind == "crash":
            lines = [(now, line)]
        elif kind == "request":
            last = st.logged_until or now
            step = self._seconds(LOG_EVERY)
            while last + step <= now:
                last += step
                lines.append((last, _request_line(last)))
            st.logged_until = last
        if lines:
            self.log_writer(sim, st, lines)

    def _project(self, service: Any, sim: SimService) -> None:
        running = pending = 0
        rows = []
        for dep in sim.deployments:
            live = dep.live()
            d_running = sum(1 for t in live if t.running_at is not None)
            d_pending = len(live) - d_running
            running += d_running
            pending += d_pending
            rows.append({
                "id": dep.id, "status": dep.status, "taskDefinition": dep.task_definition,
                "desiredCount": dep.desired if dep.status == "PRIMARY" else len(live),
                "pendingCount": d_pending, "runningCount": d_running, "failedTasks": dep.failed,
                "createdAt": dep.created, "updatedAt": dep.updated, "launchType": "FARGATE",
                "platformVersion": "1.4.0", "platformFamily": "Linux",
                "networkConfiguration": service.network_configuration or None,
                "rolloutState": dep.rollout, "rolloutStateReason": dep.reason,
            })
        service.deployments = rows
        service.running_count = running
        service.pending_count = pending

    # ------------------------------------------------------------------ reads for the admin API
    def target_health(self, service_name: str) -> list[tuple[str, str]]:
        """(task id, state) of every target the service's tasks registered."""
        with self.lock:
            for sim in self.services.values():
                if sim.name == service_name:
                    return [(t.id, t.target) for d in sim.deployments for t in d.tasks
                            if t.target not in ("unused",) and (t.live or t.target == "draining")
                            and t.running_at is not None]
        return []

    def healthy(self, service_name: str) -> bool:
        with self.lock:
            for sim in self.services.values():
                if sim.name == service_name:
                    return any(t.healthy_at is not None and t.live and t.behaviour == "good"
                               for d in sim.deployments for t in d.tasks)
        return False

    def targets_of(self, target_group_arn: str) -> list[tuple[str, int, list[tuple[str, str]]]]:
        """Per service behind this target group: its port and (ip, state) of every registered task."""
        out = []
        with self.lock:
            for service in self.ecs.services.values():
                for lb in service.load_balancers or []:
                    if lb.get("targetGroupArn") != target_group_arn:
                        continue
                    sim = self.services.get(service.arn)
                    targets = []
                    for dep in sim.deployments if sim else []:
                        for t in dep.tasks:
                            if t.running_at is None or t.target == "unused" or not t.live:
                                continue
                            targets.append((_task_ip(t.task), t.target))
                    out.append((service.name, int(lb.get("containerPort", 80)), targets))
        return out

    def stop_deployment(self, sim: SimService, dep: SimDeployment, now: datetime) -> None:
        """StopServiceDeployment(stopType=ROLLBACK): fail it and roll back to the last completed revision."""
        service = next(s for s in self.ecs.services.values() if s.arn == sim.arn)
        self._trip(service, sim, dep, True, now)
        dep.reason = "Service deployment stopped by user request; rolling back."
        self._project(service, sim)

    def deployments_of(self, service_arn_or_name: str) -> SimService | None:
        with self.lock:
            for sim in self.services.values():
                if service_arn_or_name in (sim.arn, sim.name):
                    return sim
        return None

    def steady(self) -> bool:
        with self.lock:
            return bool(self.services) and all(
                s.deployments[0].rollout == "COMPLETED" and len(s.deployments) == 1 for s in self.services.values())


def _task_ip(task: Any) -> str:
    for attachment in getattr(task, "attachments", []) or []:
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return str(detail.get("value"))
    return "10.42.1.10"


def _request_line(at: datetime) -> str:
    import json

    n = int(at.timestamp())
    level = "error" if n % 17 == 0 else ("warn" if n % 7 == 0 else "info")
    path = ("/v1/health", "/v1/chat", "/v1/models", "/v1/usage")[n % 4]
    status = 500 if level == "error" else 200
    return json.dumps({"level": level, "msg": "request", "method": "GET", "path": path, "status": status,
                       "ms": 5 + n % 40})
