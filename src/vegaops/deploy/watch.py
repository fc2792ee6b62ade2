"""Watch the exact deployments we started until each has a verdict.

One batched DescribeServices per poll for every service (10 per call); ListTasks(startedBy=<deployment>) +
DescribeTasks only when the deployment's failed-task count rises; DescribeTargetHealth only once our tasks
are all running. Polling starts fast and backs off (jittered) up to ``max_interval``; time comes from the
injected clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from vegaops.aws.ecs import Ecs, TargetHealth
from vegaops.clock import Clock
from vegaops.deploy.verdict import Deployment, Observation, StoppedTask, Target, Verdict, fail_fast, judge
from vegaops.errors import Interrupted


@dataclass
class Tracked:
    key: str  # the service as the user names it (api)
    name: str  # ECS service name (vega-api)
    deployment: str  # the ECS deployment id we started (or re-attached to)
    task_definition: str  # ours (ARN)
    old_task_definition: str
    target_groups: list[str] = field(default_factory=list)
    log_config: dict[str, Any] = field(default_factory=dict)  # container -> awslogs options
    started: float = 0.0
    stopped: dict[str, StoppedTask] = field(default_factory=dict)
    last_failed: int = 0
    breaker: bool = True
    last: Observation | None = None
    verdict: Verdict | None = None
    fail_fast_cause: str | None = None
    rollback_requested: bool = False
    events_seen: set[str] = field(default_factory=set)
    finished: float | None = None
    since: datetime | None = None  # service events from this time on are shown

    @property
    def elapsed(self) -> float:
        return (self.finished or 0.0) - self.started if self.finished else 0.0


class View(Protocol):
    def update(self, tracked: list[Tracked], now: float) -> None: ...

    def event(self, t: Tracked, message: str) -> None: ...

    def stopped(self, t: Tracked, task: StoppedTask, log_lines: list[str]) -> None: ...

    def note(self, t: Tracked, message: str) -> None: ...

    def close(self) -> None: ...


@dataclass
class WatchOptions:
    timeout: float = 900.0
    poll_interval: float | None = None  # fixed interval when given
    first_interval: float = 1.0
    max_interval: float = 4.0
    rollback_on_failure: bool = False


class Watcher:
    def __init__(self, ecs: Ecs, elb: TargetHealth | None, logs: Any, clock: Clock, view: View,
                 options: WatchOptions, rng: random.Random | None = None) -> None:
        self.ecs = ecs
        self.elb = elb
        self.logs = logs
        self.clock = clock
        self.view = view
        self.options = options
        self.rng = rng or random.Random()
        self.log_calls = 0

    def run(self, tracked: list[Tracked]) -> list[Tracked]:
        start = self.clock.monotonic()
        for t in tracked:
            t.started = t.started or start
        interval = self.options.poll_interval or self.options.first_interval
        try:
            while True:
                pending = [t for t in tracked if t.verdict is None]
                if not pending:
                    break
                changed = self.poll(pending)
                self.view.update(tracked, self.clock.monotonic())
                if all(t.verdict is not None for t in tracked):
                    break
                if self.options.poll_interval:
                    interval = self.options.poll_interval
                elif changed:
                    interval = self.options.first_interval
                else:
                    interval = min(interval * 1.5, self.options.max_interval)
                self.clock.sleep(interval * self.rng.uniform(0.85, 1.15))
        except KeyboardInterrupt:
            names = " ".join(t.key for t in tracked if t.verdict is None)
            raise Interrupted("interrupted: the deployment continues in AWS",
                              hint=f"re-attach with: vegaops deploy watch {names}") from None
        finally:
            self.view.close()
        return tracked

    def poll(self, pending: list[Tracked]) -> bool:
        services, _ = self.ecs.describe_services([t.name for t in pending])
        now = self.clock.monotonic()
        changed = False
        for t in pending:
            svc = services.get(t.name)
            if svc is None:
                t.verdict = Verdict("failed", 7, f"service {t.name} disappeared while deploying")
                continue
            obs = self._observe(t, svc)
            for event in reversed(svc.get("events", [])[:10]):
                if event["id"] not in t.events_seen:
                    t.events_seen.add(event["id"])
                    at = event.get("createdAt")
                    if t.last is not None or (t.since is not None and isinstance(at, datetime) and at >= t.since):
                        self.view.event(t, event["message"])
            if t.last is None or _summary(obs) != _summary(t.last):
                changed = True
            t.last = obs
            cause = fail_fast(obs)
            if cause and t.fail_fast_cause is None:
                t.fail_fast_cause = cause
                ours = obs.find(t.deployment)
                if self.options.rollback_on_failure and ours is not None and ours.rollout == "IN_PROGRESS":
                    self.view.note(t, f"tasks keep failing ({cause}): rolling back now (--rollback-on-failure)")
                    self._rollback(t)
                else:
                    self.view.note(t, f"tasks keep failing ({cause})"
                                   + ("; waiting for the circuit breaker" if obs.breaker else ""))
            t.verdict = judge(t.deployment, t.task_definition, obs, now - t.started, self.options.timeout,
                              rolling_back=t.rollback_requested)
            if t.verdict is not None:
                t.finished = now
        return changed

    def _rollback(self, t: Tracked) -> None:
        t.rollback_requested = True
        if not self.ecs.stop_deployment_with_rollback(t.name, t.deployment):
            self.ecs.update_service(t.name, task_definition=t.old_task_definition)

    def _observe(self, t: Tracked, svc: dict[str, Any]) -> Observation:
        deployments = tuple(Deployment.from_api(d) for d in svc.get("deployments", []))
        ours = next((d for d in deployments if d.id == t.deployment), None)
        cfg = svc.get("deploymentConfiguration") or {}
        t.breaker = bool((cfg.get("deploymentCircuitBreaker") or {}).get("enable"))
        failed = ours.failed if ours else t.last_failed
        if failed > t.last_failed or (ours is None and not t.stopped and t.last_failed == 0 and t.last is not None):
            self._fetch_stopped(t)
            t.last_failed = failed
        targets: tuple[Target, ...] | None = None
        if t.target_groups and self.elb is not None and ours is not None and ours.running >= ours.desired \
                and ours.pending == 0:
            found: list[Target] = []
            for tg in t.target_groups:
                for d in self.elb.of(tg):
                    health = d.get("TargetHealth", {})
                    found.append(Target(d["Target"]["Id"], health.get("State", ""), health.get("Reason", "")))
            targets = tuple(found)
        return Observation(svc.get("status", "ACTIVE"), int(svc.get("desiredCount", 0)),
                           int(svc.get("runningCount", 0)), int(svc.get("pendingCount", 0)), deployments,
                           tuple(t.stopped.values()), targets, t.breaker)

    def _fetch_stopped(self, t: Tracked) -> None:
        new = [a for a in self.ecs.stopped_tasks(t.deployment) if a.rsplit("/", 1)[-1] not in t.stopped]
        if not new:
            return
        for task in self.ecs.describe_tasks(new):
            st = StoppedTask.from_api(task)
            t.stopped[st.id] = st
            lines = self._last_log_lines(t, st) if st.cause else []
            self.view.stopped(t, st, lines)

    def _last_log_lines(self, t: Tracked, st: StoppedTask, n: int = 5) -> list[str]:
        if self.logs is None:
            return []
        lines: list[str] = []
        for container, options in t.log_config.items():
            stream = f"{options.get('awslogs-stream-prefix', 'ecs')}/{container}/{st.id}"
            try:
                self.log_calls += 1
                r = self.logs.get_log_events(logGroupName=options["awslogs-group"], logStreamName=stream,
                                             limit=n, startFromHead=False)
            except Exception:  # logs are a courtesy here; the verdict never depends on them
                continue
            lines += [e["message"] for e in r.get("events", [])]
        return lines[-n:]


def _summary(obs: Observation) -> tuple[Any, ...]:
    return (obs.running, obs.pending, tuple((d.id, d.status, d.rollout, d.running, d.pending, d.failed)
                                            for d in obs.deployments),
            tuple((x.id, x.state) for x in obs.targets or ()))
