"""The watch loop's pacing on an injected clock: fast near the switch-over, polls on their schedule only,
and the enrichment calls failures cost (ListTasks, DescribeTasks, ServiceDeployments) within their
budget (20 a minute for all services together) without ever delaying a poll.

moto cannot hold a deployment in "all new tasks running, old ones draining", so these tests script
the ECS layer's answers (our own ``Ecs`` interface, not boto3) as a rollout would move over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from vegaops.clock import FakeClock
from vegaops.deploy import verdict as vd
from vegaops.deploy import watch
from vegaops.deploy.snapshot import Target
from vegaops.deploy.watch import Tracked, Watcher

TD_NEW = "arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:8"
TD_OLD = "arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:7"


class ScriptedEcs:
    """A service rolling out on the clock: new tasks running from ``running_at``, the old deployment
    gone (COMPLETED) at ``done_at``; ``failing`` adds a failed task of our deployment on every read."""

    def __init__(
        self, clock: FakeClock, services: Sequence[str], running_at: float, done_at: float, failing: bool = False
    ) -> None:
        self.clock = clock
        self.t0 = clock.monotonic()
        self.services = list(services)
        self.running_at = running_at
        self.done_at = done_at
        self.failing = failing
        self.failed = 0
        self.calls: dict[str, int] = {}
        self.describe_batches: list[int] = []

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def _count(self, op: str) -> None:
        self.calls[op] = self.calls.get(op, 0) + 1

    def describe_services(
        self, cluster: str, names: Sequence[str], max_age: float = 0.0
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(names), 10):
            self._count("describe_services")
            self.describe_batches.append(len(names[i : i + 10]))
        now = self.clock.monotonic() - self.t0
        if self.failing:
            self.failed += 1
        for name in names:
            running = 2 if now >= self.running_at else 0
            ours = {
                "id": f"ecs-svc/{name}",
                "status": "PRIMARY",
                "taskDefinition": TD_NEW,
                "desiredCount": 2,
                "runningCount": running,
                "pendingCount": 2 - running,
                "failedTasks": self.failed,
                "rolloutState": "COMPLETED" if now >= self.done_at else "IN_PROGRESS",
            }
            old = {
                "id": f"ecs-svc/{name}-old",
                "status": "ACTIVE",
                "taskDefinition": TD_OLD,
                "desiredCount": 0,
                "runningCount": 2,
                "pendingCount": 0,
                "failedTasks": 0,
                "rolloutState": "COMPLETED",
            }
            found[name] = {
                "serviceName": name,
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": 2,
                "pendingCount": 0,
                "taskDefinition": TD_NEW,
                "events": [],
                "deployments": [ours] if now >= self.done_at else [ours, old],
            }
        return found, []

    def list_tasks(
        self, cluster: str, started_by: str | None = None, desired_status: str | None = None, service: str | None = None
    ) -> list[str]:
        self._count("list_tasks")
        return [f"arn:aws:ecs:eu-central-1:123456789012:task/c/{started_by}-{i}" for i in range(self.failed)]

    def describe_tasks(self, cluster: str, arns: Sequence[str]) -> list[dict[str, Any]]:
        self._count("describe_tasks")
        return [
            {
                "taskArn": a,
                "lastStatus": "STOPPED",
                "stopCode": "TaskFailedToStart",
                "stoppedReason": "ResourceInitializationError: unable to pull secrets",
                "containers": [],
            }
            for a in arns
        ]

    def list_service_deployments(self, cluster: str, service: str, max_results: int = 5) -> None:
        self._count("list_service_deployments")


def _watch(ecs: ScriptedEcs, clock: FakeClock, timeout: float) -> tuple[Watcher, dict[str, vd.Verdict]]:
    tracked = [Tracked(Target(s, f"ecs-svc/{s}", TD_NEW, TD_OLD)) for s in ecs.services]
    watcher = Watcher(ecs, "vega", clock, tracked, options=watch.WatchOptions(timeout=timeout, seed=7))  # type: ignore[arg-type]
    return watcher, watcher.run()


def _clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 1, tzinfo=UTC))


def test_a_long_switch_over_is_polled_closely_within_the_budget() -> None:
    # ten services, new tasks running after 60 s, old ones draining for 5 minutes (a 300 s
    # deregistration delay), steady at 360 s
    clock = _clock()
    names = [f"svc-{i}" for i in range(10)]
    ecs = ScriptedEcs(clock, names, running_at=60, done_at=360.4)
    watcher, verdicts = _watch(ecs, clock, timeout=900)
    assert all(v.outcome == vd.SUCCEEDED for v in verdicts.values())
    elapsed = clock.monotonic() - ecs.t0
    assert elapsed - 360.4 <= 3.5  # seen soon after the steady state
    assert ecs.describe_batches and max(ecs.describe_batches) == 10  # one batched call for the ten
    # polls only (one batched call for the ten): backed off while tasks start, ~every 2.5 s near the end
    assert ecs.total_calls <= 60 / 10 + (360 - 60) / (watch.IMMINENT_INTERVAL * 0.85) + 2
    assert watcher.calls == ecs.total_calls
    drain_waits = clock.sleeps[-60:]
    assert 2.0 <= sorted(drain_waits)[len(drain_waits) // 2] <= 3.0  # ~every 2.5 s near the end


def test_tasks_starting_slowly_are_polled_rarely() -> None:
    clock = _clock()
    ecs = ScriptedEcs(clock, ["vega-api"], running_at=300, done_at=302)
    _watcher, verdicts = _watch(ecs, clock, timeout=900)
    assert verdicts["vega-api"].outcome == vd.SUCCEEDED
    assert ecs.total_calls == ecs.calls["describe_services"] <= 40  # 5 minutes of polls backed off to 10 s
    assert max(clock.sleeps) <= watch.MAX_INTERVAL * 1.15 + 1e-9


def test_extra_calls_on_failures_are_budgeted_and_never_slow_the_polls() -> None:
    # every poll sees a new failed task: ListTasks + DescribeTasks on top of DescribeServices
    clock = _clock()
    ecs = ScriptedEcs(clock, ["vega-api"], running_at=0, done_at=10_000, failing=True)  # polled fast
    _watcher, verdicts = _watch(ecs, clock, timeout=300)
    assert verdicts["vega-api"].outcome == vd.TIMED_OUT
    elapsed = clock.monotonic() - ecs.t0
    assert ecs.calls["list_tasks"] >= 5 and ecs.calls["describe_tasks"] >= 5
    extra = ecs.total_calls - ecs.calls["describe_services"]
    assert extra <= 20 * elapsed / 60 + 8  # the enrichment budget: 20 a minute, 8 of burst, no overdraft
    assert max(clock.sleeps[3:]) <= watch.IMMINENT_INTERVAL * 1.15 + 1e-9  # failures never stretch a wait


class ScriptedTargets:
    """One target group: the new tasks' targets in ``initial`` until ``healthy_at``, then healthy."""

    def __init__(self, clock: FakeClock, healthy_at: float) -> None:
        self.clock = clock
        self.t0 = clock.monotonic()
        self.healthy_at = healthy_at
        self.calls = 0

    def target_health(self, arn: str) -> list[Any]:
        from vegaops.aws.elbv2 import TargetHealth

        self.calls += 1
        state = "healthy" if self.clock.monotonic() - self.t0 >= self.healthy_at else "initial"
        return [TargetHealth(f"10.0.0.{i}", 8080, state, None, None) for i in range(2)]


def test_health_checks_in_progress_are_not_polled_as_the_switch_over() -> None:
    # tasks run at 20 s, pass health checks at 140 s, the old ones drain until 170 s
    clock = _clock()
    ecs = ScriptedEcs(clock, ["vega-api"], running_at=20, done_at=170.2)
    elb = ScriptedTargets(clock, healthy_at=140)
    tracked = [Tracked(Target("vega-api", "ecs-svc/vega-api", TD_NEW, TD_OLD), target_groups=["arn:tg/api"])]
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        tracked,
        elbv2=elb,  # type: ignore[arg-type]
        options=watch.WatchOptions(timeout=900, seed=3),
    )
    verdicts = watcher.run()
    assert verdicts["vega-api"].outcome == vd.SUCCEEDED
    assert clock.monotonic() - ecs.t0 - 170.2 <= 3.5
    t, during_checks = 0.0, 0
    for s in clock.sleeps:
        t += s
        during_checks += 40 <= t < 140
    assert during_checks <= 12  # backed off (~10 s) while the targets are still in "initial"


class ScriptedRollback(ScriptedEcs):
    """Our deployment fails at ``failed_at``; the breaker's rollback deployment then runs its own rollout
    and completes at ``done_at``."""

    def __init__(self, clock: FakeClock, failed_at: float, done_at: float) -> None:
        super().__init__(clock, ["vega-api"], running_at=10_000, done_at=10_000)
        self.failed_at = failed_at
        self.rollback_done_at = done_at

    def describe_services(
        self, cluster: str, names: Sequence[str], max_age: float = 0.0
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        found, missing = super().describe_services(cluster, names)
        now = self.clock.monotonic() - self.t0
        if now >= self.failed_at:
            done = now >= self.rollback_done_at
            ours = {
                **found["vega-api"]["deployments"][0],
                "status": "ACTIVE",
                "rolloutState": "FAILED",
                "runningCount": 0,
                "pendingCount": 0,
            }
            rollback = {
                "id": "ecs-svc/rollback",
                "status": "PRIMARY",
                "taskDefinition": TD_OLD,
                "desiredCount": 2,
                "runningCount": 2 if done else 0,
                "pendingCount": 0 if done else 2,
                "failedTasks": 0,
                "rolloutState": "COMPLETED" if done else "IN_PROGRESS",
            }
            found["vega-api"]["deployments"] = [rollback] if done else [rollback, ours]
        return found, missing


def test_a_rollback_starting_is_watched_from_its_start_again() -> None:
    clock = _clock()
    ecs = ScriptedRollback(clock, failed_at=40, done_at=47.3)
    _watcher, verdicts = _watch(ecs, clock, timeout=900)
    assert verdicts["vega-api"].outcome == vd.ROLLED_BACK
    assert clock.monotonic() - ecs.t0 - 47.3 <= 2.5  # not a 10 s back-off step after the rollback's end


class ScriptedFailingMany(ScriptedEcs):
    """Several services whose deployments fail the same way: tasks keep failing (a new stopped task on
    every read), the breaker trips at ``failed_at`` and the rollback completes at ``done_at[service]``."""

    def __init__(self, clock: FakeClock, done_at: dict[str, float], failed_at: float = 20.0) -> None:
        super().__init__(clock, list(done_at), running_at=10_000, done_at=10_000)
        self.failed_at = failed_at
        self.rollback_done_at = done_at
        self.failed_by: dict[str, int] = {}

    def describe_services(
        self, cluster: str, names: Sequence[str], max_age: float = 0.0
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        found, missing = super().describe_services(cluster, names)
        now = self.clock.monotonic() - self.t0
        for name in names:
            svc = found[name]
            ours = svc["deployments"][0]
            failed = self.failed_by[name] = self.failed_by.get(name, 0) + (1 if now < self.failed_at else 0)
            ours.update(failedTasks=failed, runningCount=0, pendingCount=2)
            if now < self.failed_at:
                continue
            done = now >= self.rollback_done_at[name]
            ours.update(status="ACTIVE", rolloutState="FAILED", pendingCount=0)
            rollback = {
                "id": f"ecs-svc/{name}-rollback",
                "status": "PRIMARY",
                "taskDefinition": TD_OLD,
                "desiredCount": 2,
                "runningCount": 2 if done else 1,
                "pendingCount": 0 if done else 1,
                "failedTasks": 0,
                "rolloutState": "COMPLETED" if done else "IN_PROGRESS",
                "rolloutStateReason": "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/old.",
            }
            svc["deployments"] = [rollback] if done else [rollback, ours]
        return found, missing

    def list_tasks(
        self, cluster: str, started_by: str | None = None, desired_status: str | None = None, service: str | None = None
    ) -> list[str]:
        self._count("list_tasks")
        name = str(started_by).removeprefix("ecs-svc/")
        n = self.failed_by.get(name, 0)
        return [f"arn:aws:ecs:eu-central-1:123456789012:task/c/{name}-{i}" for i in range(n)]

    def list_service_deployments(  # type: ignore[override]
        self, cluster: str, service: str, max_results: int = 5
    ) -> list[dict[str, Any]]:
        self._count("list_service_deployments")
        return [{"status": "ROLLBACK_IN_PROGRESS"}]


def _latencies(names: list[str], done_offsets: list[float]) -> dict[str, float]:
    clock = _clock()
    done_at = {n: 40.0 + off for n, off in zip(names, done_offsets, strict=True)}
    ecs = ScriptedFailingMany(clock, done_at)
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        [Tracked(Target(s, f"ecs-svc/{s}", TD_NEW, TD_OLD)) for s in names],
        options=watch.WatchOptions(timeout=900, seed=11),
    )
    verdicts = watcher.run()
    assert all(v.outcome == vd.ROLLED_BACK for v in verdicts.values()), verdicts
    return {t.target.service: (t.finished_at or 0) - ecs.t0 - done_at[t.target.service] for t in watcher.tracked}


def test_several_failing_services_get_their_verdicts_as_soon_as_one_does() -> None:
    # one failing service: its verdict lands within ~2.5 s of the rollback's steady state
    (single,) = _latencies(["vega-api"], [0.0]).values()
    assert 0 <= single <= 2.6
    # three failing together (each poll finds new stopped tasks for each: ListTasks + DescribeTasks on
    # top of the batched DescribeServices): no poll starvation, the same ~2.5 s after each one's end
    many = _latencies(["vega-api", "vega-worker", "vega-llm-proxy"], [0.0, 0.3, 0.7])
    assert max(many.values()) <= 2.6, many


def test_the_live_views_clock_ticks_between_polls() -> None:
    # tasks start slowly (polls back off to 10 s): the view still hears from the watch at least every second
    clock = _clock()
    ecs = ScriptedEcs(clock, ["vega-api"], running_at=60, done_at=62)
    ticks: list[float] = []
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        [Tracked(Target("vega-api", "ecs-svc/vega-api", TD_NEW, TD_OLD))],
        options=watch.WatchOptions(timeout=900, seed=5),
        tick=ticks.append,
    )
    assert watcher.run()["vega-api"].outcome == vd.SUCCEEDED
    assert ticks and max(b - a for a, b in zip([0.0, *ticks], ticks, strict=False)) <= watch.TICK + 1e-9
    assert ticks[-1] >= 60


def test_the_live_view_keeps_its_clock_moving(app_context: Any) -> None:
    from vegaops.deploy.view import LiveView

    view = LiveView(app_context)
    assert view.ticker is None  # no terminal, no live table: the watch sleeps in one piece
    view.event({"event": "state", "service": "vega-api", "deployment": "d", "elapsed": 1.0})
    view.tick(7.0)
    assert view.rows["vega-api"]["elapsed"] == 7.0
    view.event({"event": "verdict", "service": "vega-api", "outcome": "succeeded", "elapsed": 7.5, "reasons": []})
    view.tick(12.0)  # finished: its clock stops at the verdict
    assert view.rows["vega-api"]["elapsed"] == 7.5


def test_timeout_counts_from_the_commands_start() -> None:
    # 20 s already spent before the watch (preflight, waiting for another deployment): --timeout 30 ends
    # the watch 10 s later, and says 30 s
    clock = _clock()
    started = clock.monotonic()
    clock.advance(20)
    ecs = ScriptedEcs(clock, ["vega-api"], running_at=10_000, done_at=10_000)
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        [Tracked(Target("vega-api", "ecs-svc/vega-api", TD_NEW, TD_OLD))],
        options=watch.WatchOptions(timeout=30, seed=5, started=started),
    )
    verdict = watcher.run()["vega-api"]
    assert verdict.outcome == vd.TIMED_OUT and "timed out after 30s" in verdict.reasons[0]
    assert clock.monotonic() - started == pytest.approx(30, abs=1e-6)


class DeniedEverything(ScriptedFailingMany):
    """Every enrichment call fails: ListTasks denied, DescribeTasks never reached, ServiceDeployments
    with an error the shared rule would not skip by itself."""

    def list_tasks(
        self, cluster: str, started_by: str | None = None, desired_status: str | None = None, service: str | None = None
    ) -> list[str]:
        from botocore.exceptions import ClientError

        self._count("list_tasks")
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized to perform: ecs:ListTasks"}}
        raise ClientError(error, "ListTasks")  # type: ignore[arg-type]

    def list_service_deployments(  # type: ignore[override]
        self, cluster: str, service: str, max_results: int = 5
    ) -> list[dict[str, Any]]:
        self._count("list_service_deployments")
        raise ValueError("an answer the layer cannot read")


def test_enrichment_failures_never_change_the_verdict_and_are_said_once() -> None:
    from vegaops.aws.optional import Enrichment

    clock = _clock()
    ecs = DeniedEverything(clock, {"vega-api": 40.0})
    said: list[str] = []
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        [Tracked(Target("vega-api", "ecs-svc/vega-api", TD_NEW, TD_OLD))],
        options=watch.WatchOptions(timeout=900, seed=11),
        enrichment=Enrichment(warn=said.append),
    )
    verdict = watcher.run()["vega-api"]
    assert (verdict.outcome, verdict.exit_code) == (vd.ROLLED_BACK, 5)
    assert ecs.calls["list_tasks"] == 1  # denied: not asked again
    assert ecs.calls["list_service_deployments"] == 1  # failing: left alone for 30 s (the rollback took 20)
    assert len(said) == 2, said
    assert "(ecs:ListTasks denied; grant ecs:ListTasks" in said[0]
    assert "(ecs:ListServiceDeployments still failing" in said[1]


def test_the_watch_rolls_back_only_through_the_engines_step() -> None:
    # --rollback-on-failure without the engine's ecs.rollback-on-failure contingency: no second way to roll back
    clock = _clock()
    ecs = ScriptedEcs(clock, ["api"], running_at=10, done_at=20, failing=True)
    tracked = [Tracked(Target("api", "ecs-svc/api", TD_NEW, TD_OLD))]
    options = watch.WatchOptions(timeout=60, rollback_on_failure=True)
    with pytest.raises(ValueError, match=r"ecs\.rollback-on-failure"):
        Watcher(ecs, "vega", clock, tracked, options=options)  # type: ignore[arg-type]
