"""The watch loop: poll the services we deployed, feed the pure verdicts, emit state changes.

Per poll: one batched DescribeServices for every service still in flight (10 per call); for a
deployment whose ``failedTasks`` grew, ListTasks(startedBy=<deployment id>, STOPPED) + DescribeTasks
for the newly stopped tasks only; DescribeTargetHealth for the service's target groups when the
rollout is close to done; the ServiceDeployment API (where the endpoint has it) while a rollback runs.
Timing goes through an injected clock: a first look after 1 s, then backing off (x1.5, jittered) to
10 s while tasks start and pass health checks (starting over at 1 s when another deployment, e.g. the
circuit breaker's rollback, becomes the primary), and every ~2.5 s once only the switch-over is left
(so steady state is seen ~1.3 s after it happens, on median). A call budget caps the watch at 20
ECS calls per minute for all services together (a token bucket, 8 calls of burst): extra calls on
failures (ListTasks/DescribeTasks, ServiceDeployments) stretch the next wait instead of adding up.
An explicit ``--poll-interval`` is taken as given.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.deploy import verdict as vd
from vegaops.deploy.snapshot import Snapshot, StoppedTask, Target, snapshot_from_api, stopped_task_from_api
from vegaops.ratelimit import RateLimiter

if TYPE_CHECKING:
    from vegaops.aws.ecs import Ecs
    from vegaops.aws.elbv2 import Elbv2
    from vegaops.clock import Clock

DEFAULT_TIMEOUT = 900.0
FIRST_POLL = 1.0
MIN_INTERVAL = 1.0
MAX_INTERVAL = 10.0
IMMINENT_INTERVAL = 2.5
BACKOFF = 1.5
CALLS_PER_MINUTE = 20.0  # the watch's ECS call budget, every watched service together
CALL_BURST = 8.0  # enough for a failing poll (ListTasks, DescribeTasks, ServiceDeployments) without delay
SD_EVERY = 10.0  # seconds between ServiceDeployment reads while a rollback runs

Emit = Callable[[dict[str, Any]], None]
LogTail = Callable[[str, dict[str, Any]], list[str]]  # (task definition, task) -> last log lines


@dataclass
class WatchOptions:
    timeout: float = DEFAULT_TIMEOUT
    poll_interval: float | None = None  # fixed interval; None: adaptive
    rollback_on_failure: bool = False
    seed: int | None = None


@dataclass
class Tracked:
    target: Target
    target_groups: list[str] = field(default_factory=list)
    history: list[Snapshot] = field(default_factory=list)
    stopped: dict[str, StoppedTask] = field(default_factory=dict)
    failed_seen: dict[str, int] = field(default_factory=dict)
    events_seen: set[str] = field(default_factory=set)
    verdict: vd.Verdict = field(default_factory=lambda: vd.Verdict(vd.IN_PROGRESS))
    last_state: tuple[Any, ...] = ()
    announced_failing: str | None = None
    tailed: set[str] = field(default_factory=set)
    stopped_by_us: bool = False
    started_at: float = 0.0
    finished_at: float | None = None
    sd_checked_at: float | None = None  # last ListServiceDeployments, and what it said
    sd_status: str | None = None


class Watcher:
    def __init__(
        self,
        ecs: Ecs,
        cluster: str,
        clock: Clock,
        tracked: list[Tracked],
        elbv2: Elbv2 | None = None,
        emit: Emit | None = None,
        options: WatchOptions | None = None,
        log_tail: LogTail | None = None,
    ) -> None:
        self.log_tail = log_tail
        self.ecs = ecs
        self.elbv2 = elbv2
        self.cluster = cluster
        self.clock = clock
        self.tracked = tracked
        self.emit: Emit = emit or (lambda _e: None)
        self.options = options or WatchOptions()
        self.random = random.Random(self.options.seed)
        self.polls = 0
        self.start = 0.0
        self.calls = 0  # ECS calls made by the watch
        self.budget = RateLimiter(clock, rate=CALLS_PER_MINUTE / 60.0, burst=CALL_BURST)
        self._transition = False  # the last poll saw a service's primary deployment change

    # -- timing ------------------------------------------------------------------------------
    def _interval(self, current: float, imminent: bool) -> float:
        if self.options.poll_interval is not None:
            base = self.options.poll_interval
        elif imminent:
            base = min(IMMINENT_INTERVAL, max(current, MIN_INTERVAL))
        else:
            base = min(MAX_INTERVAL, max(MIN_INTERVAL, current * BACKOFF))
        return base * self.random.uniform(0.85, 1.15)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> dict[str, vd.Verdict]:
        self.start = self.clock.monotonic()
        self.budget = RateLimiter(self.clock, rate=CALLS_PER_MINUTE / 60.0, burst=CALL_BURST)
        for t in self.tracked:
            t.started_at = self.start
        deadline = self.start + self.options.timeout
        interval = FIRST_POLL
        self.clock.sleep(FIRST_POLL if self.options.poll_interval is None else 0)
        while True:
            before = self.ecs.total_calls
            imminent = self.poll()
            self.calls += self.ecs.total_calls - before
            # a poll's extra calls (stopped tasks, ServiceDeployments) are repaid by waiting longer after it
            self.budget.spend(self.ecs.total_calls - before)
            pending = [t for t in self.tracked if not t.verdict.final]
            if not pending:
                break
            now = self.clock.monotonic()
            if now >= deadline:
                for t in pending:
                    t.verdict = vd.timed_out(t.target, t.history, self.options.timeout)
                    t.finished_at = now
                    self._emit_verdict(t)
                break
            if self._transition:  # a new deployment (the breaker's rollback) starts its own rollout
                interval = MIN_INTERVAL
            interval = self._interval(interval, imminent)
            wait = interval if self.options.poll_interval is not None else max(interval, self.budget.wait_time())
            self.clock.sleep(min(wait, max(0.0, deadline - now)))
        return {t.target.service: t.verdict for t in self.tracked}

    def poll(self) -> bool:
        """One round for every unfinished service; True when some rollout is about to finish."""
        self.polls += 1
        pending = [t for t in self.tracked if not t.verdict.final]
        found, _missing = self.ecs.describe_services(self.cluster, [t.target.service for t in pending])
        imminent = False
        self._transition = False
        at = self.clock.monotonic() - self.start
        for t in pending:
            service = found.get(t.target.service)
            snap = self._snapshot(t, service, at)
            previous = t.history[-1].primary if t.history else None
            if previous is not None and snap.primary is not None and previous.id != snap.primary.id:
                self._transition = True
            t.history.append(snap)
            if len(t.history) > 50:  # keep memory bounded on long watches
                del t.history[1:-40]
            self._emit_changes(t, snap, service)
            t.verdict = vd.assess(t.target, t.history)
            reason = t.verdict.failing.rsplit(" (", 1)[0] if t.verdict.failing else None
            if t.verdict.failing and reason != t.announced_failing:
                t.announced_failing = reason
                self.emit({"event": "failing", "service": t.target.service, "reason": t.verdict.failing})
                ours = snap.deployment(t.target.deployment_id)
                still_ours = (
                    ours is not None
                    and ours.status == "PRIMARY"
                    and ours.rollout_state == "IN_PROGRESS"
                    and t.verdict.outcome == vd.IN_PROGRESS
                )
                # Only while our deployment is still the one rolling out: once the breaker has tripped,
                # the IN_PROGRESS deployment is ECS's rollback, which must not be stopped.
                if self.options.rollback_on_failure and not t.stopped_by_us and still_ours:
                    self._rollback(t)
            if t.verdict.final:
                t.finished_at = self.clock.monotonic()
                self._emit_verdict(t)
            elif self._imminent(snap, t):
                imminent = True
        return imminent

    def _imminent(self, snap: Snapshot, t: Tracked) -> bool:
        """Only the switch-over is left: the new tasks all run and (behind a load balancer) pass their
        health checks, so the old ones drain and the steady state can come at any poll."""
        primary = snap.primary
        if primary is None or primary.running < primary.desired or primary.pending:
            return False
        if not t.target_groups or snap.targets is None:
            return True
        targets = snap.targets
        return (
            targets.get("healthy", 0) >= primary.desired * len(t.target_groups)
            and not targets.get("initial")
            and not targets.get("unhealthy")
        )

    def _snapshot(self, t: Tracked, service: dict[str, Any] | None, at: float) -> Snapshot:
        if service is None:
            return snapshot_from_api(t.target.service, at, None, stopped=tuple(t.stopped.values()))
        deployments = service.get("deployments", [])
        did = t.target.deployment_id
        for d in deployments:
            failed = int(d.get("failedTasks", 0))
            if str(d.get("id", "")) == did and failed > t.failed_seen.get(did, 0):
                t.failed_seen[did] = failed
                self._fetch_stopped(t, did)
        if did not in t.failed_seen and not any(str(d.get("id")) == did for d in deployments):
            # Our deployment is gone before we saw its failures (a fast breaker + rollback): look once.
            t.failed_seen[did] = 0
            self._fetch_stopped(t, did)
        # Target health is read only when the primary deployment has all its tasks running: before that
        # no verdict can be success, so the calls would be wasted.
        targets: dict[str, int] | None = None
        if t.target_groups and self.elbv2 is not None:
            primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
            if primary and int(primary.get("runningCount", 0)) >= int(primary.get("desiredCount", 0)):
                targets = {}
                for arn in t.target_groups:
                    for h in self.elbv2.target_health(arn):
                        targets[h.state] = targets.get(h.state, 0) + 1
        sd_status = None
        ours = next((d for d in deployments if d.get("id") == t.target.deployment_id), None)
        if ours is None or ours.get("rolloutState") == "FAILED":
            # A second opinion on the rollback (DescribeServices shows it too), so asked every 10 s at most.
            now = self.clock.monotonic()
            if t.sd_checked_at is None or now - t.sd_checked_at >= SD_EVERY:
                t.sd_checked_at, t.sd_status = now, self._service_deployment_status(t)
            sd_status = t.sd_status
        return snapshot_from_api(t.target.service, at, service, targets, tuple(t.stopped.values()), sd_status)

    def _fetch_stopped(self, t: Tracked, deployment_id: str) -> None:
        arns = self.ecs.list_tasks(self.cluster, started_by=deployment_id, desired_status="STOPPED")
        new = [a for a in arns if a not in t.stopped]
        if not new:
            return
        tasks = self.ecs.describe_tasks(self.cluster, new)
        by_reason: dict[str, list[StoppedTask]] = {}
        raw_by_arn = {str(raw.get("taskArn")): raw for raw in tasks}
        for raw in tasks:
            task = stopped_task_from_api(raw)
            if task.deployment_id is None:
                task = StoppedTask(task.arn, deployment_id, task.stop_code, task.stopped_reason, task.containers)
            t.stopped[task.arn] = task
            reason = vd.task_failure_reason(task) or (task.stopped_reason or "stopped")
            by_reason.setdefault(reason, []).append(task)
        for reason, group in by_reason.items():
            codes = sorted({c for task in group for _, c, _ in task.containers if c is not None})
            event: dict[str, Any] = {
                "event": "tasks_stopped",
                "service": t.target.service,
                "deployment": deployment_id,
                "reason": reason,
                "count": len(group),
                "exit_codes": codes,
                "tasks": [task.arn.rsplit("/", 1)[-1] for task in group],
            }
            if self.log_tail is not None and reason not in t.tailed:
                t.tailed.add(reason)
                try:
                    event["log_tail"] = self.log_tail(t.target.task_definition, raw_by_arn[group[0].arn])
                except Exception as exc:  # a log tail is a courtesy; never let it break the watch
                    event["log_tail_error"] = str(exc)
            self.emit(event)

    def _service_deployment_status(self, t: Tracked) -> str | None:
        items = self.ecs.list_service_deployments(self.cluster, t.target.service, max_results=5)
        if not items:
            return None
        for item in items:
            status = str(item.get("status", ""))
            if status.startswith("ROLLBACK_"):
                return status
        return None

    def _rollback(self, t: Tracked) -> None:
        """--rollback-on-failure: stop our deployment with a rollback instead of waiting for the breaker."""
        t.stopped_by_us = True
        arn = None
        items = self.ecs.list_service_deployments(self.cluster, t.target.service, max_results=5)
        active = [i for i in items or [] if i.get("status") in ("IN_PROGRESS", "PENDING")]
        active.sort(key=lambda i: str(i.get("createdAt", "")), reverse=True)
        if active:
            arn = active[0].get("serviceDeploymentArn")
        how = "StopServiceDeployment(ROLLBACK)"
        try:
            stopped = bool(arn) and self.ecs.stop_service_deployment(str(arn), "ROLLBACK")
        except Exception as exc:
            from vegaops.aws.errors import error_code

            if error_code(exc) != "ConflictException":
                raise
            # The circuit breaker got there first (ROLLBACK_IN_PROGRESS): ECS is already rolling back.
            self.emit(
                {
                    "event": "rollback_started",
                    "service": t.target.service,
                    "by": "ecs",
                    "how": "already in progress",
                    "reason": t.verdict.failing,
                }
            )
            return
        if not stopped:
            if not t.target.previous_task_definition:
                self.emit(
                    {
                        "event": "rollback_skipped",
                        "service": t.target.service,
                        "reason": "no previous task definition known",
                    }
                )
                return
            self.ecs.update_service(self.cluster, t.target.service, task_definition=t.target.previous_task_definition)
            how = f"UpdateService back to {vd.short_td(t.target.previous_task_definition)}"
        self.emit(
            {
                "event": "rollback_started",
                "service": t.target.service,
                "by": "vegaops",
                "how": how,
                "reason": t.verdict.failing,
            }
        )

    # -- events ------------------------------------------------------------------------------
    def _emit_changes(self, t: Tracked, snap: Snapshot, service: dict[str, Any] | None) -> None:
        ours = snap.deployment(t.target.deployment_id)
        primary = snap.primary
        state = (
            snap.status,
            ours.rollout_state if ours else None,
            ours.running if ours else None,
            ours.pending if ours else None,
            ours.failed if ours else None,
            primary.id if primary else None,
            primary.rollout_state if primary else None,
            primary.running if primary else None,
            tuple(sorted((snap.targets or {}).items())),
        )
        if state != t.last_state:
            t.last_state = state
            self.emit(
                {
                    "event": "state",
                    "service": t.target.service,
                    "deployment": t.target.deployment_id,
                    "status": snap.status,
                    "rollout_state": ours.rollout_state if ours else ("GONE" if t.history[:-1] else None),
                    "desired": ours.desired if ours else snap.desired,
                    "pending": ours.pending if ours else 0,
                    "running": ours.running if ours else 0,
                    "failed": ours.failed if ours else 0,
                    "primary": primary.id if primary else None,
                    "primary_task_definition": vd.short_td(primary.task_definition) if primary else None,
                    # what runs once ours is gone (rolled back): the live view's last row shows these
                    "primary_rollout_state": primary.rollout_state if primary else None,
                    "primary_desired": primary.desired if primary else None,
                    "primary_running": primary.running if primary else None,
                    "primary_pending": primary.pending if primary else None,
                    "targets": snap.targets,
                    "elapsed": round(snap.at, 1),
                }
            )
        if service is None:
            return
        fresh = [e for e in service.get("events", []) if str(e.get("id")) not in t.events_seen]
        first = len(t.history) == 1
        for e in reversed(fresh):
            t.events_seen.add(str(e.get("id")))
            if not first or t.target.deployment_id in str(e.get("message", "")):
                self.emit(
                    {
                        "event": "service_event",
                        "service": t.target.service,
                        "message": e.get("message"),
                        "at": e.get("createdAt"),
                    }
                )

    def _emit_verdict(self, t: Tracked) -> None:
        v = t.verdict
        self.emit(
            {
                "event": "verdict",
                "service": t.target.service,
                "deployment": t.target.deployment_id,
                "outcome": v.outcome,
                "exit_code": v.exit_code,
                "reasons": list(v.reasons),
                "rollback_to": v.rollback_to,
                "elapsed": round((t.finished_at or self.start) - self.start, 1),
            }
        )
