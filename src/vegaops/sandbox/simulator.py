"""The ECS rollout simulator: time-based deployments, task lifecycles and the circuit breaker.

moto stores services and tasks but never animates them. ``Simulator.tick(now)`` advances every
service of moto's ECS backend to ``now`` and writes the result back into moto's objects
(deployments, counts, events, tasks, target registrations), so the ECS API answers like ECS.
It owns no thread and never sleeps: the server calls it periodically under its lock; unit tests
call it with a FakeClock inside ``mock_aws``.
"""

from __future__ import annotations

import math
import random
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vegaops.sandbox.images import GOOD, Outcome, outcome_for
from vegaops.sandbox.logs import TaskLog
from vegaops.sandbox.oneoff import OneOffTask
from vegaops.sandbox.state import ACCOUNT_ID, REGION

# Durations in simulated seconds (divided by the speed factor in wall time).
PROVISION_S = 1.0
PULL_S = 1.5
CRASH_AFTER_S = 1.5
HEALTHY_AFTER_S = 2.0
UNHEALTHY_STOP_S = 1.0
DRAIN_S = 1.5
STEADY_S = 0.5
RELAUNCH_S = 1.0
LOG_EVERY_S = 5.0
ALARM_AFTER_S = 1.0  # the "alarm" fault: the deployment alarm goes off this long after a new task runs
ALARM_FAULT = "alarm"
# Blue/green, linear, canary: each stage without its own duration lasts STAGE_S; a Lambda hook answers after
# HOOK_S (SUCCEEDED, or FAILED with the "hook-fail" fault); a pause hook waits for ContinueServiceDeployment or
# its timeout. Minutes of bake time, step bake and hook timeouts are MINUTE_S simulated seconds each.
STAGE_S = 1.0
HOOK_S = 1.0
MINUTE_S = 60.0
HOOK_FAIL_FAULT = "hook-fail"
HOOK_PAUSE_FAULT = "hook-pause"
HOOK_FAULTS = (HOOK_FAIL_FAULT, HOOK_PAUSE_FAULT)
SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
SANDBOX_HOOK_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:sandbox-smoke-test"


def breaker_threshold(desired: int) -> int:
    """ECS's deployment circuit breaker: 0.5 x desired failed tasks, at least 3, at most 200."""
    return min(max(math.ceil(0.5 * desired), 3), 200)


def pin_moto_task_states() -> None:
    """moto moves an ecs::task one state towards STOPPED on every DescribeTasks: switch that off."""
    from moto.moto_api import state_manager

    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})


@dataclass
class SimTask:
    arn: str
    id: str
    deployment_id: str
    outcome: Outcome
    state: str  # PROVISIONING, PENDING, RUNNING, DEACTIVATING, STOPPED
    since: float
    ip: str
    target_group: str | None = None
    port: int = 8080
    target: str | None = None  # initial, healthy, unhealthy, draining
    healthy: bool = False
    failed: bool = False
    log: TaskLog | None = None
    last_log: float = 0.0


@dataclass
class SimHook:
    hook_id: str
    target_type: str  # AWS_LAMBDA | PAUSE
    target_arn: str | None
    stage: str
    status: str  # IN_PROGRESS | AWAITING_ACTION | SUCCEEDED | FAILED | TIMED_OUT
    started: float
    expires: float | None = None  # simulated time of its timeout
    timeout_action: str = "ROLLBACK"
    fail: bool = False


@dataclass
class SimDeployment:
    id: str
    task_definition: str
    desired: int
    created_at: datetime
    rollout: str = "IN_PROGRESS"  # IN_PROGRESS, COMPLETED, FAILED
    reason: str = ""
    failed_tasks: int = 0
    rollback_from: str | None = None  # the deployment this one rolls back
    rollback_to: str | None = None  # set on a failed deployment that was rolled back
    status: str = "IN_PROGRESS"  # ServiceDeployments API status
    status_reason: str = ""
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    stop_requested: bool = False
    next_launch: float = 0.0
    steady_since: float | None = None
    source_tasks: dict[str, int] = field(default_factory=dict)  # source task definition -> running at start
    strategy: str = "ROLLING"  # ROLLING | BLUE_GREEN | LINEAR | CANARY (the service's, when it started)
    stage: str | None = None  # the lifecycle stage (blue/green, linear, canary)
    stage_since: float = 0.0
    prod_weight: float = 0.0  # the new revision's share of production / test traffic
    test_weight: float = 0.0
    hooks: list[SimHook] = field(default_factory=list)
    triggered_alarms: list[str] = field(default_factory=list)
    breaker_triggered: bool = False


@dataclass
class SimService:
    cluster: str
    name: str
    deployments: list[SimDeployment]  # index 0 is PRIMARY
    tasks: dict[str, SimTask] = field(default_factory=dict)
    last_completed: str | None = None
    history: list[SimDeployment] = field(default_factory=list)  # every deployment ever, oldest first


class Simulator:
    def __init__(self, speed: float = 1.0, region: str = REGION, seed: int | None = None) -> None:
        self.speed = speed
        self.region = region
        self.t = 0.0
        self._last: datetime | None = None
        self.now: datetime | None = None
        self.services: dict[tuple[str, str], SimService] = {}
        self.behaviours: dict[str, str] = {}  # image digest -> behaviour
        self.faults: dict[str, str] = {}  # ECS service name -> fault mode
        self.service_keys: dict[str, str] = {}  # service key (config) -> ECS service name
        self._rng = random.Random(seed)
        self.minute = MINUTE_S  # simulated seconds per minute of bake time, step bake and hook timeout
        self.paused = False  # while the server (re)seeds: services created then are adopted as already running
        self.oneoffs: dict[str, OneOffTask] = {}  # RunTask's tasks, by ARN (vegaops.sandbox.oneoff)
        pin_moto_task_states()

    # ----- moto access -------------------------------------------------------------------------
    @property
    def backend(self) -> Any:
        from moto.ecs.models import ecs_backends

        return ecs_backends[ACCOUNT_ID][self.region]

    def _elbv2(self) -> Any:
        from moto.elbv2.models import elbv2_backends

        return elbv2_backends[ACCOUNT_ID][self.region]

    def _new_deployment_id(self) -> str:
        return f"ecs-svc/{self._rng.randrange(10**18, 10**19)}"

    def _td_arn(self, ref: str | None) -> str | None:
        if not ref:
            return None
        if ref.startswith("arn:"):
            return ref
        return str(self.backend.describe_task_definition(ref).arn)

    # ----- the clock -----------------------------------------------------------------------------
    def tick(self, now: datetime) -> None:
        """Advance every service to ``now``."""
        if self.paused:
            return
        if self._last is not None:
            self.t += max(0.0, (now - self._last).total_seconds()) * self.speed
        self._last = now
        self.now = now
        from moto.moto_api import state_manager

        if state_manager.get_transition("ecs::task").get("progression") != "manual":
            pin_moto_task_states()
        backend = self.backend
        live = set()
        for service in list(backend.services.values()):
            if service.status != "ACTIVE":
                continue
            key = (service.cluster_name, service.name)
            live.add(key)
            sim = self.services.get(key)
            if sim is None:
                sim = self.adopt(service, instant=False)
            self._step(service, sim)
        for key in [k for k in self.services if k not in live]:
            del self.services[key]
        for task in list(self.oneoffs.values()):
            self.step_oneoff(task)

    # ----- adoption ------------------------------------------------------------------------------
    def adopt(self, service: Any, instant: bool) -> SimService:
        """Take over a service moto created. ``instant``: its first deployment is already done (seeding)."""
        now = self._now()
        td = self._td_arn(service.task_definition) or ""
        service.task_definition = td
        moto_id = service.deployments[0]["id"] if service.deployments else self._new_deployment_id()
        dep = SimDeployment(
            id=moto_id, task_definition=td, desired=service.desired_count, created_at=now, updated_at=now
        )
        sim = SimService(cluster=service.cluster_name, name=service.name, deployments=[dep], history=[dep])
        self.services[(service.cluster_name, service.name)] = sim
        if not hasattr(service, "deployment_configuration"):
            service.deployment_configuration = {
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            }
        if instant:
            started = [self._launch(service, sim, dep) for _ in range(dep.desired)]
            for task in started:
                task.state, task.healthy = "RUNNING", True
                task.target = "healthy" if task.target_group else None
                self._sync_task(task, service)
                if task.log:
                    moto_task = self._moto_task(service, task.arn)
                    image = str(moto_task.containers[0].image) if moto_task is not None and moto_task.containers else ""
                    task.log.started(now - timedelta(seconds=90), image)
                    task.log.requests(now - timedelta(seconds=30), 3)
                    task.last_log = self.t
            self._event(service, f"has started {len(started)} tasks: {self._task_list(started)}.")
            self._complete(service, sim, dep)
            self._write(service, sim)
        return sim

    def store_deployment_configuration(self, cluster: str, name: str, config: dict[str, Any] | None) -> None:
        """CreateService's deploymentConfiguration, which moto drops (the server calls this)."""
        if not config:
            return
        for service in self.backend.services.values():
            short = name.rsplit("/", maxsplit=1)[-1]
            if service.name == short and cluster.rsplit("/", maxsplit=1)[-1] in (service.cluster_name, ""):
                merged = {
                    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
                    "maximumPercent": 200,
                    "minimumHealthyPercent": 100,
                    **config,
                }
                service.deployment_configuration = merged

    # ----- one service ---------------------------------------------------------------------------
    def _step(self, service: Any, sim: SimService) -> None:
        self._detect_update(service, sim)
        primary = sim.deployments[0]
        primary.desired = service.desired_count
        for task in list(sim.tasks.values()):
            self._advance_task(service, sim, task)
        self._breaker(service, sim)
        self._alarm(service, sim)
        self._stages(service, sim)
        primary = sim.deployments[0]
        self._schedule(service, sim)
        self._finish(service, sim)
        self._write(service, sim)

    def _detect_update(self, service: Any, sim: SimService) -> None:
        primary = sim.deployments[0]
        td = self._td_arn(service.task_definition) or primary.task_definition
        service.task_definition = td
        moto_id = service.deployments[0]["id"] if service.deployments else primary.id
        forced = moto_id != primary.id
        if td == primary.task_definition and not forced:
            return
        now = self._now()
        dep = SimDeployment(
            id=self._new_deployment_id(),
            task_definition=td,
            desired=service.desired_count,
            created_at=now,
            updated_at=now,
        )
        dep.source_tasks = self._running_by_td(sim)
        strategy = str(self._config(service).get("strategy") or "ROLLING")
        if strategy in SHIFTING and sim.last_completed:
            dep.strategy, dep.stage_since = strategy, self.t
        for old in sim.deployments:
            if old.rollout == "IN_PROGRESS":
                old.status, old.status_reason = "STOPPED", f"Deployment stopped: superseded by {dep.id}."
                old.finished_at = now
        sim.deployments.insert(0, dep)
        sim.history.append(dep)
        self._event(service, f"(deployment {dep.id}) deployment started.")

    def _running_by_td(self, sim: SimService) -> dict[str, int]:
        counts: dict[str, int] = {}
        by_id = {d.id: d for d in sim.history}
        for task in sim.tasks.values():
            if task.state == "RUNNING" and task.deployment_id in by_id:
                td = by_id[task.deployment_id].task_definition
                counts[td] = counts.get(td, 0) + 1
        return counts

    # ----- tasks ---------------------------------------------------------------------------------
    def _launch(self, service: Any, sim: SimService, dep: SimDeployment) -> SimTask:
        td = self.backend.describe_task_definition(dep.task_definition)
        network = service.network_configuration or self._default_network()
        task = self.backend.run_task(
            service.cluster_name,
            dep.task_definition,
            1,
            None,
            dep.id,
            None,
            "FARGATE",
            network,
            f"service:{service.name}",
        )[0]
        now = self._now()
        task.created_at = now
        task.last_status = "PROVISIONING"
        task.desired_status = "RUNNING"
        task.availability_zone = f"{self.region}a"
        # ECS Exec: a task gets it when the service had it enabled at the task's start
        task.enable_execute_command = bool(getattr(service, "enable_execute_command", False))
        for container in task.containers:
            container.task_arn = task.task_arn
            container.last_status = "PENDING"
            del container.exitCode
        defs = list(td.container_definitions)
        fault = self.faults.get(service.name)
        outcome = outcome_for(
            defs, self.region, self.behaviours, None if fault in (ALARM_FAULT, *HOOK_FAULTS) else fault
        )
        ip = next(
            (d["value"] for a in task.attachments for d in a["details"] if d["name"] == "privateIPv4Address"),
            "10.0.0.1",
        )
        sim_task = SimTask(
            arn=task.task_arn,
            id=task.id,
            deployment_id=dep.id,
            outcome=outcome,
            state="PROVISIONING",
            since=self.t,
            ip=ip,
            log=TaskLog(self.region, defs[0], task.id) if defs else None,
        )
        for lb in service.load_balancers or []:
            if lb.get("targetGroupArn"):
                sim_task.target_group = lb["targetGroupArn"]
                sim_task.port = int(lb.get("containerPort", 8080))
                break
        sim.tasks[task.task_arn] = sim_task
        return sim_task

    def _default_network(self) -> dict[str, Any]:
        from moto.ec2.models import ec2_backends

        ec2 = ec2_backends[ACCOUNT_ID][self.region]
        subnets = [s.id for s in ec2.describe_subnets()][:2]
        groups = [g.id for g in ec2.describe_security_groups()][:1]
        return {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": groups}}

    def _moto_task(self, service: Any, arn: str) -> Any:
        return self.backend.tasks.get(service.cluster_name, {}).get(arn)

    def _advance_task(self, service: Any, sim: SimService, task: SimTask) -> None:
        moto_task = self._moto_task(service, task.arn)
        if moto_task is None:
            del sim.tasks[task.arn]
            return
        now = self._now()
        if task.state not in ("DEACTIVATING", "STOPPED") and moto_task.desired_status == "STOPPED":
            # StopTask from a user: ECS replaces it.
            self._stop(service, sim, task, moto_task.stopped_reason or "Task stopped by user", "UserInitiated")
            return
        age = self.t - task.since
        behaviour = task.outcome.behaviour
        if task.state == "PROVISIONING" and age >= PROVISION_S:
            task.state, task.since = "PENDING", self.t
            moto_task.pull_started_at = now
        elif task.state == "PENDING" and age >= PULL_S:
            if behaviour == "pull":
                self._fail(
                    service,
                    sim,
                    task,
                    "TaskFailedToStart",
                    f"CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to "
                    f"resolve ref {task.outcome.detail}: {task.outcome.detail}: not found",
                )
                return
            if behaviour == "secrets":
                self._fail(
                    service,
                    sim,
                    task,
                    "TaskFailedToStart",
                    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                    "retrieval failed: unable to retrieve secret from asm: service call has been retried 1 "
                    f"time(s): failed to fetch secret {task.outcome.detail} from secrets manager: "
                    "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
                )
                return
            task.state, task.since = "RUNNING", self.t
            moto_task.pull_stopped_at = now
            moto_task.started_at = now
            if task.log:
                image = str(moto_task.containers[0].image) if moto_task.containers else ""
                task.log.started(now, image)
                task.last_log = self.t
            if task.target_group:
                self._register(task)
                task.target = "initial"
                self._event(service, f"registered 1 targets in (target-group {task.target_group})")
        elif task.state == "RUNNING":
            if behaviour in ("crash", "oom") and age >= CRASH_AFTER_S:
                if task.log:
                    task.log.crashed(now, behaviour)
                exit_code = 137 if behaviour == "oom" else 1
                reason = "OutOfMemoryError: Container killed due to memory usage" if behaviour == "oom" else None
                self._fail(
                    service,
                    sim,
                    task,
                    "EssentialContainerExited",
                    "Essential container in task exited",
                    exit_code=exit_code,
                    container_reason=reason,
                )
                return
            if not task.healthy and behaviour == GOOD and age >= (HEALTHY_AFTER_S if task.target_group else 1.0):
                task.healthy = True
                if task.target_group:
                    task.target = "healthy"
            if behaviour == "unhealthy":
                if task.target_group and task.target == "initial" and age >= HEALTHY_AFTER_S:
                    task.target = "unhealthy"
                    self._event(
                        service,
                        f"(port {task.port}) is unhealthy in (target-group {task.target_group}) "
                        "due to (reason Health checks failed with these codes: [503]).",
                    )
                elif task.target == "unhealthy" and age >= HEALTHY_AFTER_S + UNHEALTHY_STOP_S:
                    self._fail(
                        service,
                        sim,
                        task,
                        "ServiceSchedulerInitiated",
                        f"Task failed ELB health checks in (target-group {task.target_group})",
                    )
                    return
                elif not task.target_group and age >= 1.0:
                    task.healthy = True  # nothing checks it
            # every LOG_EVERY_S of wall time, so a fast sandbox does not flood its log groups
            if task.log and self.t - task.last_log >= LOG_EVERY_S * max(1.0, self.speed):
                task.log.requests(now, 2, unhealthy=behaviour == "unhealthy")
                task.last_log = self.t
        elif task.state == "DEACTIVATING" and age >= DRAIN_S:
            self._stop_now(service, sim, task)
        self._sync_task(task, service)

    def _register(self, task: SimTask) -> None:
        tg = self._elbv2().target_groups.get(task.target_group)
        if tg is not None:
            tg.register([{"Id": task.ip, "Port": task.port}])

    def _deregister(self, task: SimTask) -> None:
        tg = self._elbv2().target_groups.get(task.target_group)
        if tg is not None and task.ip in tg.targets:
            tg.deregister([{"Id": task.ip, "Port": task.port}])

    def _fail(
        self,
        service: Any,
        sim: SimService,
        task: SimTask,
        stop_code: str,
        reason: str,
        exit_code: int | None = None,
        container_reason: str | None = None,
    ) -> None:
        task.failed = True
        dep = next((d for d in sim.history if d.id == task.deployment_id), None)
        if dep is not None and dep.rollout == "IN_PROGRESS":
            dep.failed_tasks += 1
            dep.next_launch = self.t + RELAUNCH_S
        moto_task = self._moto_task(service, task.arn)
        if moto_task is not None:
            for container in moto_task.containers:
                if exit_code is not None:
                    container.exitCode = exit_code
                if container_reason:
                    container.reason = container_reason
            moto_task.stopped_reason = reason
            moto_task.stop_code = stop_code
        self._stop_now(service, sim, task, reason=reason, stop_code=stop_code)
        self._event(service, f"has stopped 1 running tasks: (task {task.id}).")

    def _stop(self, service: Any, sim: SimService, task: SimTask, reason: str, stop_code: str) -> None:
        """Begin draining: deregister, DEACTIVATING, stopped after the deregistration delay."""
        moto_task = self._moto_task(service, task.arn)
        if moto_task is not None:
            moto_task.desired_status = "STOPPED"
            moto_task.stopped_reason = reason
            moto_task.stop_code = stop_code
            moto_task.stopping_at = self._now()
        if task.state in ("PROVISIONING", "PENDING"):
            self._stop_now(service, sim, task)
            return
        task.state, task.since = "DEACTIVATING", self.t
        if task.target_group and task.target:
            task.target = "draining"
        if task.log:
            task.log.stopping(self._now())
        self._sync_task(task, service)

    def _stop_now(
        self, service: Any, sim: SimService, task: SimTask, reason: str | None = None, stop_code: str | None = None
    ) -> None:
        now = self._now()
        if task.target_group and task.target:
            self._deregister(task)
        task.state, task.target, task.healthy = "STOPPED", None, False
        moto_task = self._moto_task(service, task.arn)
        if moto_task is not None:
            moto_task.desired_status = "STOPPED"
            if reason:
                moto_task.stopped_reason = reason
            if stop_code:
                moto_task.stop_code = stop_code
            moto_task.stopped_at = now
            moto_task.execution_stopped_at = now
            for container in moto_task.containers:
                container.last_status = "STOPPED"
        self._sync_task(task, service)

    def _sync_task(self, task: SimTask, service: Any) -> None:
        moto_task = self._moto_task(service, task.arn)
        if moto_task is None:
            return
        moto_task.last_status = task.state
        if task.state == "RUNNING":
            for container in moto_task.containers:
                container.last_status = "RUNNING"
            moto_task.health_status = "HEALTHY" if task.healthy else "UNKNOWN"
        elif task.state in ("PROVISIONING", "PENDING"):
            moto_task.health_status = "UNKNOWN"

    # ----- scheduling ----------------------------------------------------------------------------
    def _active(self, sim: SimService, dep_id: str | None = None) -> list[SimTask]:
        return [
            t
            for t in sim.tasks.values()
            if t.state in ("PROVISIONING", "PENDING", "RUNNING") and (dep_id is None or t.deployment_id == dep_id)
        ]

    def _config(self, service: Any) -> dict[str, Any]:
        config: dict[str, Any] = getattr(service, "deployment_configuration", None) or {}
        return config

    def _schedule(self, service: Any, sim: SimService) -> None:
        primary = sim.deployments[0]
        desired = primary.desired
        config = self._config(service)
        max_total = math.floor(desired * int(config.get("maximumPercent", 200)) / 100)
        min_healthy = math.ceil(desired * int(config.get("minimumHealthyPercent", 100)) / 100)
        mine = self._active(sim, primary.id)
        # Scale in the primary when desired dropped.
        for task in mine[desired:] if len(mine) > desired else []:
            self._stop(
                service,
                sim,
                task,
                f"Scaling activity initiated by (deployment {primary.id})",
                "ServiceSchedulerInitiated",
            )
        launching = primary.rollout != "FAILED" and not primary.stop_requested and self.t >= primary.next_launch
        if primary.strategy in SHIFTING and primary.stage in (None, "RECONCILE_SERVICE", "PRE_SCALE_UP"):
            launching = False  # the green revision starts at SCALE_UP
        if launching and len(mine) < desired:
            room = max(0, max(max_total, desired) - len(self._active(sim)))
            if not any(d.id != primary.id for d in sim.deployments):
                room = desired - len(mine)
            count = min(desired - len(mine), room)
            started = [self._launch(service, sim, primary) for _ in range(count)]
            if started:
                self._event(service, f"has started {len(started)} tasks: {self._task_list(started)}.")
        # Drain the other deployments' tasks as the primary's become healthy.
        if primary.rollout == "FAILED":
            return
        if primary.strategy in SHIFTING and primary.stage != "CLEAN_UP":
            return  # blue/green: the blue revision keeps running until CLEAN_UP
        healthy_primary = [t for t in self._active(sim, primary.id) if t.healthy]
        others = [t for t in self._active(sim) if t.deployment_id != primary.id]
        if not others:
            return
        healthy_total = len(healthy_primary) + sum(1 for t in others if t.healthy)
        to_stop = [t for t in others if not t.healthy]  # old tasks that never became healthy go first
        for task in sorted((t for t in others if t.healthy), key=lambda t: t.since):
            if healthy_total - 1 >= min_healthy and len(healthy_primary) > 0:
                to_stop.append(task)
                healthy_total -= 1
        if len(healthy_primary) >= desired:
            to_stop = others
        if to_stop:
            for task in to_stop:
                self._stop(
                    service,
                    sim,
                    task,
                    f"Scaling activity initiated by (deployment {primary.id})",
                    "ServiceSchedulerInitiated",
                )
            self._event(service, f"has begun draining connections on {len(to_stop)} tasks.")
            self._event(service, f"has stopped {len(to_stop)} running tasks: {self._task_list(to_stop)}.")

    def _breaker(self, service: Any, sim: SimService) -> None:
        primary = sim.deployments[0]
        breaker = self._config(service).get("deploymentCircuitBreaker") or {}
        if primary.rollout != "IN_PROGRESS" or not breaker.get("enable"):
            return
        threshold = breaker_threshold(primary.desired)
        if primary.failed_tasks < threshold:
            return
        now = self._now()
        primary.rollout = "FAILED"
        primary.breaker_triggered = True
        primary.reason = "ECS deployment circuit breaker: tasks failed to start."
        primary.updated_at = now
        self._event(service, f"(deployment {primary.id}) deployment failed: tasks failed to start.")
        for task in self._active(sim, primary.id):
            if not task.healthy:
                self._stop(
                    service,
                    sim,
                    task,
                    f"Scaling activity initiated by (deployment {primary.id})",
                    "ServiceSchedulerInitiated",
                )
        if primary.rollback_from is not None:
            # The rollback failed too. ECS does not roll back a rollback: the deployment ends FAILED and
            # the service needs a human (no loop of rollback deployments).
            self._rollback_failed(sim, primary, now)
        elif breaker.get("rollback") and sim.last_completed:
            self._rollback(service, sim, primary, "circuit breaker")
        else:
            primary.status, primary.status_reason, primary.finished_at = (
                "ROLLBACK_FAILED" if breaker.get("rollback") else "STOPPED",
                primary.reason,
                now,
            )

    def _rollback_failed(self, sim: SimService, rollback: SimDeployment, now: datetime) -> None:
        rollback.status, rollback.status_reason, rollback.finished_at = "ROLLBACK_FAILED", rollback.reason, now
        original = next((d for d in sim.history if d.id == rollback.rollback_from), None)
        if original is not None:
            original.status = "ROLLBACK_FAILED"
            original.status_reason = f"Service deployment rollback failed: {rollback.reason}"
            original.finished_at = now

    def _alarm(self, service: Any, sim: SimService) -> None:
        """The sandbox's ``alarm`` fault: the service's first deployment alarm goes into ALARM once a new
        task of the deployment runs; ECS fails the deployment and, with ``alarms.rollback``, rolls back."""
        primary = sim.deployments[0]
        if self.faults.get(service.name) != ALARM_FAULT or primary.rollout != "IN_PROGRESS":
            return
        if primary.rollback_from is not None or primary.stop_requested or not sim.last_completed:
            return
        alarms = self._config(service).get("alarms") or {}
        names = [str(n) for n in alarms.get("alarmNames") or []]
        if not alarms.get("enable") or not names:
            return
        running = [t for t in self._active(sim, primary.id) if t.state == "RUNNING"]
        if not running or self.t - min(t.since for t in running) < ALARM_AFTER_S:
            return
        if primary.strategy in SHIFTING and (
            primary.stage != "BAKE_TIME" or self.t - primary.stage_since < ALARM_AFTER_S
        ):
            return  # blue/green, linear, canary: the alarm goes off during the bake time
        name, now = names[0], self._now()
        primary.triggered_alarms.append(name)
        self._set_alarm_state(name, "ALARM", f"Threshold Crossed: deployment {primary.id}")
        primary.rollout = "FAILED"
        primary.reason = f"ECS deployment {primary.id} failed: alarm(s) detected: {name}."
        primary.updated_at = now
        self._event(service, f"(deployment {primary.id}) deployment failed: alarm {name} in ALARM state.")
        if alarms.get("rollback"):
            self._rollback(service, sim, primary, f"CloudWatch alarm {name}")
        else:
            primary.status, primary.status_reason, primary.finished_at = "STOPPED", primary.reason, now

    def _set_alarm_state(self, name: str, state: str, reason: str) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[ACCOUNT_ID][self.region]
        if name in backend.alarms:
            backend.set_alarm_state(name, reason, "{}", state)

    def ensure_alarm(self, name_or_key: str) -> str | None:
        """For the ``alarm`` fault: a service without deployment alarms gets one (a CloudWatch alarm
        ``<service>-deploy-alarm`` attached with rollback), as a user would configure it."""
        from moto.cloudwatch.models import cloudwatch_backends

        name = self.service_keys.get(name_or_key, name_or_key)
        attached = None
        for service in self.backend.services.values():
            if service.name != name:
                continue
            config = self._config(service)
            alarms = config.get("alarms") or {}
            if alarms.get("enable") and alarms.get("alarmNames"):
                attached = str(alarms["alarmNames"][0])
                continue
            attached = f"{name}-deploy-alarm"
            service.deployment_configuration = {
                **config,
                "alarms": {"alarmNames": [attached], "enable": True, "rollback": True},
            }
            cw = cloudwatch_backends[ACCOUNT_ID][self.region]
            if attached not in cw.alarms:
                cw.put_metric_alarm(
                    attached,
                    "AWS/ApplicationELB",
                    "HTTPCode_Target_5XX_Count",
                    "GreaterThanThreshold",
                    1,
                    60,
                    5.0,
                    "Sum",
                    f"5xx of {name} (sandbox deployment alarm)",
                    [],
                    [],
                )
        return attached

    def _rollback(self, service: Any, sim: SimService, failed: SimDeployment, why: str) -> None:
        now = self._now()
        target = sim.last_completed or failed.task_definition
        previous = next(
            (d for d in reversed(sim.history) if d.task_definition == target and d.rollout == "COMPLETED"), None
        )
        dep = SimDeployment(
            id=self._new_deployment_id(),
            task_definition=target,
            desired=failed.desired,
            created_at=now,
            updated_at=now,
            rollback_from=failed.id,
        )
        dep.source_tasks = self._running_by_td(sim)
        failed.rollback_to = dep.id
        if failed.strategy in SHIFTING:
            # blue/green: production traffic goes back to the blue tasks, which still run
            blue = {d.id for d in sim.history if d.task_definition == target and d is not failed}
            for task in self._active(sim):
                if task.deployment_id in blue:
                    task.deployment_id = dep.id
        failed.status = "ROLLBACK_IN_PROGRESS"
        failed.status_reason = (
            "Service deployment rollback requested."
            if why == "user"
            else f"Service deployment rolled back because the {why} was triggered."
        )
        by = (
            "alarms"
            if why.startswith("CloudWatch alarm")
            else ("lifecycle hook" if "hook" in why else ("rollback" if why == "user" else "circuit breaker"))
        )
        dep.reason = f"ECS deployment {by}: rolling back to deploymentId {previous.id if previous else ''}."
        sim.deployments.insert(0, dep)
        sim.history.append(dep)
        service.task_definition = target
        self._event(service, f"rolling back to deployment {previous.id if previous else target}.")

    def _finish(self, service: Any, sim: SimService) -> None:
        primary = sim.deployments[0]
        if primary.rollout != "IN_PROGRESS" or primary.stop_requested:
            return
        mine = self._active(sim, primary.id)
        healthy = [t for t in mine if t.healthy]
        others = [t for t in sim.tasks.values() if t.deployment_id != primary.id and t.state != "STOPPED"]
        if len(healthy) == primary.desired and len(mine) == primary.desired and not others:
            if primary.steady_since is None:
                primary.steady_since = self.t
            if self.t - primary.steady_since >= STEADY_S:
                self._complete(service, sim, primary)
        else:
            primary.steady_since = None

    def _complete(self, service: Any, sim: SimService, dep: SimDeployment) -> None:
        now = self._now()
        dep.rollout, dep.reason, dep.updated_at, dep.finished_at = (
            "COMPLETED",
            f"ECS deployment {dep.id} completed.",
            now,
            now,
        )
        for old in sim.deployments[1:]:
            if old.status in ("IN_PROGRESS", "PENDING"):
                old.status = "STOPPED"
            if old.status == "ROLLBACK_IN_PROGRESS":
                old.status = "ROLLBACK_SUCCESSFUL"
            old.finished_at = old.finished_at or now
        dep.status = "SUCCESSFUL"
        dep.status_reason = ""
        sim.deployments = [dep]
        sim.last_completed = dep.task_definition
        self._event(service, f"(deployment {dep.id}) deployment completed.")
        self._event(service, "has reached a steady state.")

    # ----- API-facing operations -----------------------------------------------------------------
    def stop_deployment(self, sim: SimService, dep: SimDeployment, stop_type: str) -> None:
        """StopServiceDeployment: ROLLBACK rolls back to the last completed revision; ABORT stops launching."""
        service = self.backend.services.get(f"{sim.cluster}:{sim.name}")
        if service is None:
            return
        if dep is not sim.deployments[0] or dep.rollout != "IN_PROGRESS":
            return
        if stop_type == "ROLLBACK" and sim.last_completed:
            dep.rollout, dep.reason = "FAILED", "Deployment stopped: rollback requested."
            self._event(service, f"(deployment {dep.id}) deployment stopped: rollback requested.")
            for task in self._active(sim, dep.id):
                if not task.healthy:
                    self._stop(
                        service,
                        sim,
                        task,
                        f"Scaling activity initiated by (deployment {dep.id})",
                        "ServiceSchedulerInitiated",
                    )
            self._rollback(service, sim, dep, "user")
            dep.status, dep.status_reason = "ROLLBACK_IN_PROGRESS", "Service deployment rollback requested."
        else:
            dep.stop_requested = True
            dep.status, dep.status_reason, dep.finished_at = "STOPPED", "Deployment stopped by request.", self._now()
        self._write(service, sim)

    def continue_deployment(self, sim: SimService, dep: SimDeployment, hook_id: str, action: str) -> str | None:
        """ContinueServiceDeployment: CONTINUE or ROLLBACK a pause hook AWAITING_ACTION; an error text if not."""
        service = self.backend.services.get(f"{sim.cluster}:{sim.name}")
        hook = next((h for h in dep.hooks if h.hook_id == hook_id), None)
        if service is None or hook is None:
            return f"The lifecycle hook {hook_id} was not found."
        if hook.status != "AWAITING_ACTION" or dep.status != "IN_PROGRESS":
            return f"The lifecycle hook {hook_id} is {hook.status}, not AWAITING_ACTION."
        hook.status = "SUCCEEDED"
        if action == "ROLLBACK":
            self._fail_shift(service, sim, dep, "user")
            dep.status, dep.status_reason = "ROLLBACK_IN_PROGRESS", "Service deployment rollback requested."
        self._write(service, sim)
        return None

    # ----- blue/green, linear, canary ------------------------------------------------------------
    def _stages(self, service: Any, sim: SimService) -> None:
        """Move a blue/green, linear or canary deployment through ECS's lifecycle stages."""
        dep = sim.deployments[0]
        if dep.strategy not in SHIFTING or dep.rollout != "IN_PROGRESS" or dep.stop_requested:
            return
        if dep.rollback_from is not None:
            return
        config = self._config(service)
        if dep.stage is None:
            self._enter(service, sim, dep, "PRE_SCALE_UP")
        if not self._hooks_done(service, sim, dep):
            return
        age = self.t - dep.stage_since
        stage = dep.stage
        if stage in ("PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"):
            following = {
                "PRE_SCALE_UP": "SCALE_UP",
                "POST_SCALE_UP": "TEST_TRAFFIC_SHIFT",
                "POST_TEST_TRAFFIC_SHIFT": "PRODUCTION_TRAFFIC_SHIFT",
                "POST_PRODUCTION_TRAFFIC_SHIFT": "BAKE_TIME",
            }
            if age >= STAGE_S:
                self._enter(service, sim, dep, following[str(stage)])
        elif stage == "SCALE_UP":
            healthy = [t for t in self._active(sim, dep.id) if t.healthy]
            if len(healthy) >= dep.desired and age >= STAGE_S:
                self._enter(service, sim, dep, "POST_SCALE_UP")
        elif stage == "TEST_TRAFFIC_SHIFT":
            dep.test_weight = 100.0
            if age >= STAGE_S:
                self._enter(service, sim, dep, "POST_TEST_TRAFFIC_SHIFT")
        elif stage == "PRODUCTION_TRAFFIC_SHIFT":
            done = self._shift(config, dep, age)
            if done:
                self._enter(service, sim, dep, "POST_PRODUCTION_TRAFFIC_SHIFT")
        elif stage == "BAKE_TIME" and age >= float(config.get("bakeTimeInMinutes") or 0) * self.minute:
            self._enter(service, sim, dep, "CLEAN_UP")

    def _shift(self, config: dict[str, Any], dep: SimDeployment, age: float) -> bool:
        """Production traffic to the green revision: at once, in linear steps, or a canary then the rest."""
        if dep.strategy == "LINEAR":
            linear = config.get("linearConfiguration") or {}
            step = float(linear.get("stepPercent") or 10.0)
            every = max(STAGE_S, float(linear.get("stepBakeTimeInMinutes") or 0) * self.minute)
            dep.prod_weight = min(100.0, step * (1 + math.floor(age / every)))
            return dep.prod_weight >= 100.0 and age >= every * math.ceil(100.0 / step - 1e-9) - every + STAGE_S
        if dep.strategy == "CANARY":
            canary = config.get("canaryConfiguration") or {}
            bake = max(STAGE_S, float(canary.get("canaryBakeTimeInMinutes") or 0) * self.minute)
            dep.prod_weight = float(canary.get("canaryPercent") or 10.0) if age < bake else 100.0
            return age >= bake + STAGE_S
        dep.prod_weight = 100.0
        return age >= STAGE_S

    def _enter(self, service: Any, sim: SimService, dep: SimDeployment, stage: str) -> None:
        dep.stage, dep.stage_since, dep.updated_at = stage, self.t, self._now()
        if stage == "CLEAN_UP":
            dep.prod_weight = dep.test_weight = 100.0
        elif stage == "TEST_TRAFFIC_SHIFT":
            dep.test_weight = 100.0
        elif stage == "PRODUCTION_TRAFFIC_SHIFT":
            self._shift(self._config(service), dep, 0.0)
        fault = self.faults.get(service.name)
        hooks = list(self._config(service).get("lifecycleHooks") or [])
        if fault == HOOK_FAIL_FAULT and not any(h.get("targetType", "AWS_LAMBDA") == "AWS_LAMBDA" for h in hooks):
            hooks.append(
                {
                    "targetType": "AWS_LAMBDA",
                    "hookTargetArn": SANDBOX_HOOK_ARN,
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                }
            )
        if fault == HOOK_PAUSE_FAULT and not any(h.get("targetType") == "PAUSE" for h in hooks):
            hooks.append(
                {
                    "targetType": "PAUSE",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                    "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
                }
            )
        for i, h in enumerate(hooks):
            if stage not in (h.get("lifecycleStages") or []):
                continue
            kind = str(h.get("targetType") or ("AWS_LAMBDA" if h.get("hookTargetArn") else "PAUSE"))
            timeout = h.get("timeoutConfiguration") or {}
            minutes = float(timeout.get("timeoutInMinutes") or 1440)
            dep.hooks.append(
                SimHook(
                    hook_id=f"ecs-{'pause' if kind == 'PAUSE' else 'hook'}-{dep.id[-8:]}-{stage.lower()}-{i}",
                    target_type=kind,
                    target_arn=h.get("hookTargetArn"),
                    stage=stage,
                    status="AWAITING_ACTION" if kind == "PAUSE" else "IN_PROGRESS",
                    started=self.t,
                    expires=self.t + minutes * self.minute,
                    timeout_action=str(timeout.get("action") or "ROLLBACK"),
                    fail=kind == "AWS_LAMBDA" and fault == HOOK_FAIL_FAULT,
                )
            )
        self._event(service, f"(deployment {dep.id}) entered lifecycle stage {stage}.")

    def _hooks_done(self, service: Any, sim: SimService, dep: SimDeployment) -> bool:
        """The current stage's hooks: Lambda hooks answer after HOOK_S; pause hooks wait; a failure rolls back."""
        done = True
        for hook in [h for h in dep.hooks if h.stage == dep.stage]:
            if hook.status == "IN_PROGRESS" and self.t - hook.started >= HOOK_S:
                hook.status = "FAILED" if hook.fail else "SUCCEEDED"
                if hook.fail:
                    name = (hook.target_arn or "").rsplit(":", 1)[-1]
                    self._fail_shift(service, sim, dep, f"lifecycle hook {name}")
                    return False
            if hook.status == "AWAITING_ACTION" and hook.expires is not None and self.t >= hook.expires:
                hook.status = "TIMED_OUT"
                if hook.timeout_action == "ROLLBACK":
                    self._fail_shift(service, sim, dep, "pause hook timeout")
                    return False
            if hook.status in ("IN_PROGRESS", "AWAITING_ACTION"):
                done = False
        return done

    def _fail_shift(self, service: Any, sim: SimService, dep: SimDeployment, why: str) -> None:
        now = self._now()
        dep.rollout, dep.updated_at = "FAILED", now
        dep.reason = f"ECS deployment {dep.id} failed at {dep.stage}: {why}."
        self._event(service, f"(deployment {dep.id}) deployment failed: {why} at {dep.stage}.")
        if sim.last_completed:
            self._rollback(service, sim, dep, why)
        else:
            dep.status, dep.status_reason, dep.finished_at = "STOPPED", dep.reason, now

    def knows_service(self, name_or_key: str) -> bool:
        name = self.service_keys.get(name_or_key, name_or_key)
        return any(svc_name == name for _, svc_name in self.services)

    def service_healthy(self, name_or_key: str) -> bool:
        name = self.service_keys.get(name_or_key, name_or_key)
        for (_, svc_name), sim in self.services.items():
            if svc_name == name:
                return any(
                    t.state == "RUNNING" and t.healthy and t.outcome.behaviour != "unhealthy"
                    for t in sim.tasks.values()
                )
        return False

    def target_health(self, target_group_arn: str) -> list[dict[str, Any]]:
        """DescribeTargetHealth descriptions of the simulated tasks registered in a target group."""
        reasons = {
            "initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
            "unhealthy": ("Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"),
            "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
        }
        out = []
        for sim in self.services.values():
            for task in sim.tasks.values():
                if task.target_group != target_group_arn or not task.target:
                    continue
                health: dict[str, Any] = {"State": task.target}
                if task.target in reasons:
                    health["Reason"], health["Description"] = reasons[task.target]
                out.append(
                    {
                        "Target": {"Id": task.ip, "Port": task.port},
                        "HealthCheckPort": str(task.port),
                        "TargetHealth": health,
                    }
                )
        return out

    # ----- one-off tasks (RunTask) -----------------------------------------------------------------
    def adopt_run(self, cluster: str, task_arn: str, overrides: dict[str, Any] | None) -> None:
        """A task RunTask created (the server calls this): run it as local processes (vegaops.sandbox.oneoff)."""
        from vegaops.sandbox import oneoff

        cluster = cluster.rsplit("/", 1)[-1] or "default"
        moto_task = self.backend.tasks.get(cluster, {}).get(task_arn)
        if moto_task is None or task_arn in self.oneoffs:
            return
        defs = list(self.backend.describe_task_definition(moto_task.task_definition_arn).container_definitions)
        now = self._now()
        moto_task.created_at = now
        moto_task.last_status = "PROVISIONING"
        moto_task.desired_status = "RUNNING"
        moto_task.availability_zone = f"{self.region}a"
        for container in moto_task.containers:
            container.task_arn = moto_task.task_arn
            container.last_status = "PENDING"
            if hasattr(container, "exitCode"):
                del container.exitCode
        outcome = outcome_for(defs, self.region, self.behaviours, None)
        self.oneoffs[task_arn] = oneoff.build(task_arn, cluster, defs, overrides, outcome, self.region, self.t)

    def step_oneoff(self, task: OneOffTask) -> None:
        import time as _time

        from vegaops.sandbox import oneoff

        moto_task = self.backend.tasks.get(task.cluster, {}).get(task.arn)
        if moto_task is None:  # the backend was reset
            oneoff.finish(task)
            del self.oneoffs[task.arn]
            return
        if task.state == "STOPPED":
            return
        now = self._now()
        age = self.t - task.since
        if moto_task.desired_status == "STOPPED" and task.stopping_since is None:  # StopTask
            reason = moto_task.stopped_reason or "Task stopped by user"
            if task.state in ("PROVISIONING", "PENDING"):
                self._oneoff_stopped(task, moto_task, "UserInitiated", reason)
                return
            task.stopping_since = _time.monotonic()
            task.state = "DEACTIVATING"
            moto_task.last_status = "DEACTIVATING"
            moto_task.stopping_at = now
            oneoff.signal_all(task, signal.SIGTERM)
        if task.stopping_since is not None:
            oneoff.flush_logs(task)
            if not oneoff.running(task) or _time.monotonic() - task.stopping_since >= oneoff.STOP_GRACE_S:
                for run in task.containers:  # stopped with the task: SIGTERM's exit code unless it exited
                    if run.proc is None and run.exit_code is None:
                        run.exit_code = 143 if task.outcome.behaviour == GOOD else None
                reason = moto_task.stopped_reason or "Task stopped by user"
                self._oneoff_stopped(task, moto_task, "UserInitiated", reason)
            return
        behaviour = task.outcome.behaviour
        if task.state == "PROVISIONING" and age >= PROVISION_S:
            task.state, task.since = "PENDING", self.t
            moto_task.last_status = "PENDING"
            moto_task.pull_started_at = now
        elif task.state == "PENDING" and age >= PULL_S:
            if behaviour in ("pull", "secrets"):
                detail = task.outcome.detail
                reason = (
                    f"CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to "
                    f"resolve ref {detail}: {detail}: not found"
                    if behaviour == "pull"
                    else "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                    "retrieval failed: unable to retrieve secret from asm: service call has been retried 1 "
                    f"time(s): failed to fetch secret {detail} from secrets manager: "
                    "ResourceNotFoundException: Secrets Manager can't find the specified secret."
                )
                self._oneoff_stopped(task, moto_task, "TaskFailedToStart", reason)
                return
            task.state, task.since = "RUNNING", self.t
            moto_task.last_status = "RUNNING"
            moto_task.pull_stopped_at = now
            moto_task.started_at = now
            for container in moto_task.containers:
                container.last_status = "RUNNING"
            if behaviour == GOOD:
                oneoff.start(task)
                if oneoff.no_local_program(task):  # the image's own program: it runs as a service's would
                    for run in task.containers:
                        run.log.started(now, "")
        elif task.state == "RUNNING":
            if behaviour in ("crash", "oom"):
                if age >= CRASH_AFTER_S:
                    app = task.containers[0]
                    app.log.crashed(now, behaviour)
                    app.exit_code = 137 if behaviour == "oom" else 1
                    if behaviour == "oom":
                        app.reason = "OutOfMemoryError: Container killed due to memory usage"
                    self._oneoff_stopped(
                        task, moto_task, "EssentialContainerExited", "Essential container in task exited"
                    )
                return
            oneoff.flush_logs(task)
            exited = oneoff.poll(task)
            if exited is not None:
                failed_start = (exited.reason or "").startswith("CannotStartContainerError")
                self._oneoff_stopped(
                    task,
                    moto_task,
                    "TaskFailedToStart" if failed_start else "EssentialContainerExited",
                    exited.reason if failed_start and exited.reason else "Essential container in task exited",
                )

    def _oneoff_stopped(self, task: OneOffTask, moto_task: Any, stop_code: str, reason: str) -> None:
        from vegaops.sandbox import oneoff

        oneoff.finish(task)
        now = self._now()
        task.state = "STOPPED"
        moto_task.last_status = "STOPPED"
        moto_task.desired_status = "STOPPED"
        moto_task.stop_code = stop_code
        moto_task.stopped_reason = reason
        moto_task.stopped_at = now
        moto_task.execution_stopped_at = now
        moto_task.stopping_at = getattr(moto_task, "stopping_at", None) or now
        runs = {run.name: run for run in task.containers}
        for container in moto_task.containers:
            container.last_status = "STOPPED"
            run = runs.get(str(container.name))
            if run is None:
                continue
            if run.exit_code is not None:
                container.exitCode = run.exit_code
            elif run.proc is None and stop_code == "EssentialContainerExited":
                container.exitCode = 0  # an idle sidecar stops cleanly with the task
            if run.reason:
                container.reason = run.reason

    def stop_processes(self) -> None:
        """Stop every one-off task's processes (the sandbox stops or resets)."""
        from vegaops.sandbox import oneoff

        for task in list(self.oneoffs.values()):
            oneoff.finish(task)
        self.oneoffs.clear()

    # ----- writing moto's view -------------------------------------------------------------------
    def _write(self, service: Any, sim: SimService) -> None:
        deployments = []
        for i, dep in enumerate(sim.deployments):
            tasks = [t for t in sim.tasks.values() if t.deployment_id == dep.id]
            running = sum(1 for t in tasks if t.state == "RUNNING")
            pending = sum(1 for t in tasks if t.state in ("PROVISIONING", "PENDING"))
            desired = dep.desired if i == 0 else running
            deployments.append(
                {
                    "id": dep.id,
                    "status": "PRIMARY" if i == 0 else "ACTIVE",
                    "taskDefinition": dep.task_definition,
                    "desiredCount": desired,
                    "pendingCount": pending,
                    "runningCount": running,
                    "failedTasks": dep.failed_tasks,
                    "createdAt": dep.created_at,
                    "updatedAt": dep.updated_at or dep.created_at,
                    "launchType": "FARGATE",
                    "platformVersion": "1.4.0",
                    "platformFamily": "Linux",
                    "networkConfiguration": service.network_configuration or None,
                    "rolloutState": dep.rollout,
                    "rolloutStateReason": dep.reason or f"ECS deployment {dep.id} in progress.",
                }
            )
        service.deployments = deployments
        service.running_count = sum(1 for t in sim.tasks.values() if t.state == "RUNNING")
        service.pending_count = sum(1 for t in sim.tasks.values() if t.state in ("PROVISIONING", "PENDING"))
        service.launch_type = service.launch_type or "FARGATE"

    def _event(self, service: Any, text: str) -> None:
        now = self._now()
        message = f"(service {service.name}) {text}"
        event = {"id": f"{self._rng.getrandbits(128):032x}", "createdAt": now, "message": message}
        service.events.insert(0, event)
        del service.events[100:]

    def _task_list(self, tasks: list[SimTask]) -> str:
        return " ".join(f"(task {t.id})" for t in tasks)

    def _now(self) -> datetime:
        if self.now is None:
            from datetime import UTC

            self.now = datetime.now(UTC)
        return self.now

    def set_now(self, now: datetime) -> None:
        """Set the wall time without advancing the simulation (before seeding)."""
        self.now = now
        self._last = now
