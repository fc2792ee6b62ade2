"""The watch loop on a blue/green deployment scripted on an injected clock (moto has no ServiceDeployment
API): stages in the events, a long bake polled slowly, --wait-until returning soon after its stage, a pause
announced, and DescribeServices alone where the API is missing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from vegaops.clock import FakeClock
from vegaops.deploy import verdict as vd
from vegaops.deploy import watch
from vegaops.deploy.snapshot import Target
from vegaops.deploy.watch import Tracked, Watcher

TD_NEW = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web:8"
TD_OLD = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web:7"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
ARN = "arn:aws:ecs:eu-central-1:123456789012:service-deployment/vega/web/2222"
BAKE_MIN = 60

# (starts at, stage, production weight, test weight)
TIMELINE = [
    (0.0, "PRE_SCALE_UP", 0, 0),
    (5.0, "SCALE_UP", 0, 0),
    (20.0, "TEST_TRAFFIC_SHIFT", 0, 100),
    (30.0, "POST_TEST_TRAFFIC_SHIFT", 0, 100),
    (40.0, "PRODUCTION_TRAFFIC_SHIFT", 100, 100),
    (50.0, "POST_PRODUCTION_TRAFFIC_SHIFT", 100, 100),
    (55.0, "BAKE_TIME", 100, 100),
    (55.0 + BAKE_MIN * 60, "CLEAN_UP", 100, 100),
]
DONE_AT = 60.0 + BAKE_MIN * 60


class ScriptedBlueGreen:
    """A BLUE_GREEN deployment moving through ECS's stages on the clock (``Ecs``'s interface, not boto3)."""

    def __init__(
        self,
        clock: FakeClock,
        api: bool = True,
        alarm_at: float | None = None,
        pause_at_post_test: bool = False,
        failing_after: float | None = None,
    ) -> None:
        self.failing_after = failing_after
        self.clock = clock
        self.t0 = clock.monotonic()
        self.api = api
        self.alarm_at = alarm_at
        self.pause = pause_at_post_test
        self.calls: dict[str, int] = {}
        self.deployments_api: bool | None = None

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def _count(self, op: str) -> None:
        self.calls[op] = self.calls.get(op, 0) + 1

    def now(self) -> float:
        return self.clock.monotonic() - self.t0

    def stage(self) -> tuple[str, int, int]:
        now = self.now()
        if self.pause and now >= 30.0:
            return ("POST_TEST_TRAFFIC_SHIFT", 0, 100)
        current = TIMELINE[0]
        for row in TIMELINE:
            if now >= row[0]:
                current = row
        return current[1], current[2], current[3]

    def status(self) -> str:
        now = self.now()
        if self.alarm_at is not None and now >= self.alarm_at:
            return "ROLLBACK_SUCCESSFUL" if now >= self.alarm_at + 10 else "ROLLBACK_IN_PROGRESS"
        return "SUCCESSFUL" if now >= DONE_AT else "IN_PROGRESS"

    def describe_services(
        self, cluster: str, names: Sequence[str], max_age: float = 0.0
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        self._count("describe_services")
        now = self.now()
        running = 2 if now >= 15 else (1 if now >= 10 else 0)
        status = self.status()
        ours = {
            "id": "ecs-svc/2222",
            "status": "PRIMARY",
            "taskDefinition": TD_NEW,
            "desiredCount": 2,
            "runningCount": running,
            "pendingCount": 2 - running,
            "failedTasks": 0,
            "rolloutState": "COMPLETED" if now >= 55 else "IN_PROGRESS",
            "createdAt": T0,
        }
        old = {
            "id": "ecs-svc/1111",
            "status": "ACTIVE",
            "taskDefinition": TD_OLD,
            "desiredCount": 2,
            "runningCount": 2,
            "pendingCount": 0,
            "failedTasks": 0,
            "rolloutState": "COMPLETED",
        }
        if status.startswith("ROLLBACK"):
            ours = {**ours, "status": "ACTIVE", "rolloutState": "FAILED"}
            old = {
                **old,
                "status": "PRIMARY",
                "rolloutState": "COMPLETED" if status.endswith("SUCCESSFUL") else "IN_PROGRESS",
            }
            deployments = [old] if status == "ROLLBACK_SUCCESSFUL" else [old, ours]
        else:
            deployments = [ours] if now >= DONE_AT else [ours, old]
        service = {
            "serviceName": "web",
            "status": "ACTIVE",
            "desiredCount": 2,
            "runningCount": 2,
            "pendingCount": 0,
            "taskDefinition": TD_NEW,
            "events": [],
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": BAKE_MIN},
            "deployments": deployments,
        }
        return {n: service for n in names}, []

    def list_service_deployments(
        self, cluster: str, service: str, max_results: int = 20
    ) -> list[dict[str, Any]] | None:
        if not self.api:
            self.deployments_api = False
            return None
        self._count("list_service_deployments")
        return [{"serviceDeploymentArn": ARN, "createdAt": T0, "status": self.status()}]

    def describe_service_deployments(self, arns: Sequence[str]) -> list[dict[str, Any]] | None:
        self._count("describe_service_deployments")
        if self.failing_after is not None and self.now() >= self.failing_after:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},  # type: ignore[typeddict-item]
                "DescribeServiceDeployments",
            )
        stage, prod, test = self.stage()
        hooks = []
        if self.pause and self.now() >= 30:
            hooks = [
                {
                    "hookId": "ecs-pause-1",
                    "targetType": "PAUSE",
                    "status": "AWAITING_ACTION",
                    "expiresAt": T0 + timedelta(minutes=30),
                    "timeoutAction": "ROLLBACK",
                }
            ]
        alarms = {"status": "MONITORING", "alarmNames": ["web-5xx"], "triggeredAlarmNames": []}
        if self.status().startswith("ROLLBACK"):
            alarms = {"status": "TRIGGERED", "alarmNames": ["web-5xx"], "triggeredAlarmNames": ["web-5xx"]}
        return [
            {
                "serviceDeploymentArn": ARN,
                "status": self.status(),
                "lifecycleStage": stage,
                "updatedAt": T0 + timedelta(seconds=self.now()),
                "targetServiceRevision": {
                    "requestedTaskCount": 2,
                    "runningTaskCount": 2,
                    "requestedProductionTrafficWeight": float(prod),
                    "requestedTestTrafficWeight": float(test),
                },
                "lifecycleHookDetails": hooks,
                "alarms": alarms,
            }
        ]


def _watch(
    ecs: ScriptedBlueGreen, clock: FakeClock, timeout: float, wait_until: str | None = None
) -> tuple[Watcher, vd.Verdict, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    tracked = [Tracked(Target("web", "ecs-svc/2222", TD_NEW, TD_OLD))]
    watcher = Watcher(
        ecs,  # type: ignore[arg-type]
        "vega",
        clock,
        tracked,
        emit=events.append,
        options=watch.WatchOptions(timeout=timeout, seed=5, wait_until=wait_until),
    )
    return watcher, watcher.run()["web"], events


def test_blue_green_watched_through_a_one_hour_bake_cheaply() -> None:
    clock = FakeClock(T0)
    ecs = ScriptedBlueGreen(clock)
    _watcher, verdict, events = _watch(ecs, clock, timeout=2 * 3600)
    assert verdict.outcome == vd.SUCCEEDED, verdict
    assert clock.monotonic() - DONE_AT <= 12  # seen soon after the clean-up
    stages = [e.get("stage") for e in events if e["event"] == "state"]
    for stage in ("SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"):
        assert stage in stages
    bake = next(e for e in events if e["event"] == "state" and e.get("stage") == "BAKE_TIME")
    assert bake["production_weight"] == 100 and bake["step"] == "1/1" and bake["bake_remaining"] > 3500
    # the bake: one DescribeServices every ~10 s and DescribeServiceDeployments every ~30 s
    per_minute = ecs.total_calls / (clock.monotonic() / 60)
    assert per_minute <= 9.0, ecs.calls


def test_wait_until_returns_soon_after_its_stage() -> None:
    for stage, at in (("TEST_TRAFFIC_SHIFT", 20.0), ("BAKE_TIME", 55.0)):
        clock = FakeClock(T0)
        ecs = ScriptedBlueGreen(clock)
        _w, verdict, _e = _watch(ecs, clock, timeout=3600, wait_until=stage)
        assert verdict.outcome == vd.REACHED and verdict.exit_code == 0
        assert stage in verdict.reasons[0]
        assert at <= clock.monotonic() <= at + 2.0, clock.monotonic()


def test_an_alarm_during_the_bake_reads_as_a_rollback() -> None:
    clock = FakeClock(T0)
    ecs = ScriptedBlueGreen(clock, alarm_at=600.0)
    _w, verdict, _e = _watch(ecs, clock, timeout=3600)
    assert verdict.outcome == vd.ROLLED_BACK and verdict.exit_code == 5
    assert "web-5xx" in " ".join(verdict.reasons) and "BAKE_TIME" in " ".join(verdict.reasons)
    assert clock.monotonic() <= 600 + 10 + 12


def test_a_pause_is_announced_and_a_timeout_names_the_stage() -> None:
    clock = FakeClock(T0)
    ecs = ScriptedBlueGreen(clock, pause_at_post_test=True)
    _w, verdict, events = _watch(ecs, clock, timeout=300)
    paused = [e for e in events if e["event"] == "paused"]
    assert (
        len(paused) == 1
        and paused[0]["stage"] == "POST_TEST_TRAFFIC_SHIFT"
        and paused[0]["timeout_action"] == "ROLLBACK"
    )
    assert "ECS will roll back" in paused[0]["message"]
    assert verdict.outcome == vd.TIMED_OUT
    assert "the deployment was at POST_TEST_TRAFFIC_SHIFT (IN_PROGRESS)" in verdict.reasons
    clock = FakeClock(T0)
    _w, verdict, _e = _watch(ScriptedBlueGreen(clock, pause_at_post_test=True), clock, 300, wait_until="paused")
    assert verdict.outcome == vd.REACHED and 30 <= clock.monotonic() <= 32


def test_without_the_api_the_verdict_waits_for_the_blue_deployment_to_go() -> None:
    clock = FakeClock(T0)
    ecs = ScriptedBlueGreen(clock, api=False)
    _w, verdict, events = _watch(ecs, clock, timeout=2 * 3600, wait_until="BAKE_TIME")
    assert verdict.outcome == vd.SUCCEEDED and clock.monotonic() >= DONE_AT
    infos = [e for e in events if e["event"] == "info"]
    assert len(infos) == 1 and "waiting for the final verdict" in infos[0]["message"]


def test_progress_that_stops_answering_is_not_evidence() -> None:
    # DescribeServiceDeployments still failing after retries from the bake on: its last answer (IN_PROGRESS)
    # goes stale and the verdict comes from DescribeServices alone (success once the blue deployment is gone)
    clock = FakeClock(T0)
    ecs = ScriptedBlueGreen(clock, failing_after=100.0)
    _w, verdict, _e = _watch(ecs, clock, timeout=2 * 3600)
    assert verdict.outcome == vd.SUCCEEDED and DONE_AT <= clock.monotonic() <= DONE_AT + 12
