"""The ECS rollout simulator's rules, in-process against moto with a FakeClock (no real sleeping)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from vegaops.clock import FakeClock
from vegaops.sandbox.env import CLUSTER
from vegaops.sandbox.middleware import deployments
from vegaops.sandbox.seed import REGISTRY, adopt_seeded, seed
from vegaops.sandbox.simulator import Simulator, breaker_threshold

REGION = "eu-central-1"
STEP = 0.1


@dataclass
class Estate:
    sim: Simulator
    clock: FakeClock
    ecs: Any
    logs: Any
    elbv2: Any
    ecr: Any

    def tick(self, seconds: float = STEP) -> None:
        self.clock.advance(seconds)
        self.sim.tick(self.clock.now())

    def service(self, name: str = "vega-api") -> dict[str, Any]:
        result: dict[str, Any] = self.ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]
        return result

    def run_until(self, cond: Callable[[], bool], limit: float = 60.0) -> float:
        """Advance simulated time until cond() holds; the simulated seconds it took."""
        start = self.clock.monotonic()
        while not cond():
            assert self.clock.monotonic() - start < limit, f"not reached in {limit} s: {self.service()}"
            self.tick()
        return self.clock.monotonic() - start

    def deploy_tag(self, tag: str, name: str = "vega-api", image: str | None = None) -> str:
        svc = self.service(name)
        td = self.ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
        container = td["containerDefinitions"][0]
        container["image"] = image or f"{REGISTRY}/{name}:{tag}"
        keys = (
            "family",
            "networkMode",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "containerDefinitions",
            "executionRoleArn",
            "taskRoleArn",
        )
        arn: str = self.ecs.register_task_definition(**{k: td[k] for k in keys})["taskDefinition"]["taskDefinitionArn"]
        self.ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=arn)
        self.tick()
        return arn

    def completed(self, name: str = "vega-api") -> bool:
        svc = self.service(name)
        deps = svc["deployments"]
        return len(deps) == 1 and deps[0]["rolloutState"] == "COMPLETED" and svc["runningCount"] == svc["desiredCount"]

    def tasks(self, status: str) -> list[dict[str, Any]]:
        arns = self.ecs.list_tasks(cluster=CLUSTER, desiredStatus=status)["taskArns"]
        return self.ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []


@pytest.fixture
def estate(aws: None) -> Iterator[Estate]:
    clock = FakeClock()
    sim = Simulator(speed=1.0, seed=7)
    sim.set_now(clock.now())
    result = seed(lambda name: boto3.client(name, region_name=REGION))  # type: ignore[call-overload]
    adopt_seeded(sim, result)
    yield Estate(
        sim,
        clock,
        boto3.client("ecs", region_name=REGION),
        boto3.client("logs", region_name=REGION),
        boto3.client("elbv2", region_name=REGION),
        boto3.client("ecr", region_name=REGION),
    )


def test_seeded_services_are_steady(estate: Estate) -> None:
    for name in ("vega-api", "vega-worker", "vega-llm-proxy", "vega-checkout", "vega-search"):
        svc = estate.service(name)
        assert svc["runningCount"] == 2 and svc["desiredCount"] == 2
        assert [d["rolloutState"] for d in svc["deployments"]] == ["COMPLETED"]
        assert svc["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert svc["events"][0]["message"] == f"(service {name}) has reached a steady state."
    assert len(estate.tasks("RUNNING")) == 10
    assert estate.service("vega-checkout")["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert estate.service("vega-search")["deploymentConfiguration"]["strategy"] == "CANARY"
    advanced = estate.service("vega-checkout")["loadBalancers"][0]["advancedConfiguration"]
    assert advanced["alternateTargetGroupArn"].split("/")[-2] == "vega-checkout-green"


def test_good_image_rolls_out_like_ecs(estate: Estate) -> None:
    old = estate.service()["deployments"][0]
    old_tasks = {t["taskArn"] for t in estate.tasks("RUNNING") if t["group"] == "service:vega-api"}
    new_td = estate.deploy_tag("v1.2.3-stable")
    svc = estate.service()
    primary, active = svc["deployments"]
    assert primary["status"] == "PRIMARY" and primary["rolloutState"] == "IN_PROGRESS"
    assert primary["taskDefinition"] == new_td == svc["taskDefinition"]
    assert active["status"] == "ACTIVE" and active["id"] == old["id"]
    new = [t for t in estate.tasks("RUNNING") if t.get("startedBy") == primary["id"]]
    assert len(new) == 2 and {t["lastStatus"] for t in new} == {"PROVISIONING"}
    assert {t["group"] for t in new} == {"service:vega-api"}
    estate.run_until(
        lambda: all(
            t["lastStatus"] == "PENDING" for t in estate.tasks("RUNNING") if t.get("startedBy") == primary["id"]
        )
    )
    took = estate.run_until(estate.completed)
    assert 3.0 < took < 15.0
    svc = estate.service()
    assert svc["deployments"][0]["id"] == primary["id"] and svc["runningCount"] == 2
    stopped = {t["taskArn"]: t for t in estate.tasks("STOPPED")}
    assert old_tasks <= set(stopped)
    for arn in old_tasks:
        assert stopped[arn]["stoppedReason"] == f"Scaling activity initiated by (deployment {primary['id']})"
        assert stopped[arn]["lastStatus"] == "STOPPED"
    messages = [e["message"] for e in svc["events"]]
    assert messages[0] == "(service vega-api) has reached a steady state."
    assert messages[1] == f"(service vega-api) (deployment {primary['id']}) deployment completed."
    assert any(m.startswith("(service vega-api) has started 2 tasks:") for m in messages)
    tg = estate.elbv2.describe_target_groups(Names=["vega-api-tg"])["TargetGroups"][0]["TargetGroupArn"]
    health = estate.sim.target_health(tg)
    assert len(health) == 2 and {h["TargetHealth"]["State"] for h in health} == {"healthy"}


def test_force_new_deployment_replaces_tasks(estate: Estate) -> None:
    before = estate.service()
    estate.ecs.update_service(cluster=CLUSTER, service="vega-worker", forceNewDeployment=True)
    estate.tick()
    svc = estate.service("vega-worker")
    assert len(svc["deployments"]) == 2 and svc["deployments"][0]["id"] != before["deployments"][0]["id"]
    estate.run_until(lambda: estate.completed("vega-worker"))
    assert estate.service("vega-worker")["taskDefinition"] == svc["taskDefinition"]


def _stopped_of(estate: Estate, deployment_id: str) -> list[dict[str, Any]]:
    return [t for t in estate.tasks("STOPPED") if t.get("startedBy") == deployment_id]


def test_crashing_image_trips_the_breaker_and_rolls_back(estate: Estate) -> None:
    old_td = estate.service()["taskDefinition"]
    estate.deploy_tag("v1.2.4-crash")
    failed_id = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: any(d["rolloutState"] == "FAILED" for d in estate.service()["deployments"]))
    svc = estate.service()
    failed = next(d for d in svc["deployments"] if d["id"] == failed_id)
    assert failed["failedTasks"] >= breaker_threshold(2) == 3
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    rollback = svc["deployments"][0]
    assert rollback["status"] == "PRIMARY" and rollback["taskDefinition"] == old_td
    crashed = _stopped_of(estate, failed_id)
    assert len(crashed) >= 3
    for task in crashed:
        assert task["stopCode"] == "EssentialContainerExited"
        assert task["stoppedReason"] == "Essential container in task exited"
        assert task["containers"][0]["exitCode"] == 1
    estate.run_until(estate.completed)
    svc = estate.service()
    assert svc["taskDefinition"] == old_td and svc["deployments"][0]["id"] == rollback["id"]
    messages = [e["message"] for e in svc["events"]]
    assert f"(service vega-api) (deployment {failed_id}) deployment failed: tasks failed to start." in messages
    # the crash output is in the task's awslogs stream
    stream = f"ecs/api/{crashed[0]['taskArn'].split('/')[-1]}"
    events = estate.logs.get_log_events(logGroupName="/ecs/vega-api", logStreamName=stream)["events"]
    assert any("Traceback" in e["message"] for e in events)


def test_oom_exits_137(estate: Estate) -> None:
    estate.deploy_tag("v1.2.5-oom")
    failed_id = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: len(_stopped_of(estate, failed_id)) >= 1)
    task = _stopped_of(estate, failed_id)[0]
    assert task["containers"][0]["exitCode"] == 137
    assert task["containers"][0]["reason"].startswith("OutOfMemoryError")
    assert task["stopCode"] == "EssentialContainerExited"


def test_missing_image_cannot_be_pulled(estate: Estate) -> None:
    estate.deploy_tag("v9.9.9-nope")
    failed_id = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: len(_stopped_of(estate, failed_id)) >= 1)
    task = _stopped_of(estate, failed_id)[0]
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"].startswith("CannotPullContainerError:")
    assert "v9.9.9-nope" in task["stoppedReason"]


def test_missing_secret_fails_resource_initialization(estate: Estate) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.delete_secret(SecretId="vega/sandbox/openai-api-key", ForceDeleteWithoutRecovery=True)
    estate.deploy_tag("v1.2.3-stable")
    failed_id = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: len(_stopped_of(estate, failed_id)) >= 1)
    task = _stopped_of(estate, failed_id)[0]
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"].startswith("ResourceInitializationError:")
    assert "openai-api-key" in task["stoppedReason"]


def test_unhealthy_targets_are_stopped_for_elb_health_checks(estate: Estate) -> None:
    tg = estate.elbv2.describe_target_groups(Names=["vega-api-tg"])["TargetGroups"][0]["TargetGroupArn"]
    estate.deploy_tag("v1.2.6-unhealthy")
    failed_id = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: any(h["TargetHealth"]["State"] == "unhealthy" for h in estate.sim.target_health(tg)))
    # the new tasks fail their health checks while the old ones keep serving next to them
    assert estate.sim.service_healthy("api") and estate.service()["runningCount"] > 2
    estate.run_until(lambda: len(_stopped_of(estate, failed_id)) >= 1)
    task = _stopped_of(estate, failed_id)[0]
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {tg})"
    estate.run_until(estate.completed)  # breaker + rollback
    assert estate.sim.service_healthy("api")


def test_runtime_fault_applies_to_new_tasks(estate: Estate) -> None:
    estate.sim.faults["vega-worker"] = "crash"
    estate.ecs.update_service(cluster=CLUSTER, service="vega-worker", forceNewDeployment=True)
    estate.tick()
    dep_id = estate.service("vega-worker")["deployments"][0]["id"]
    estate.run_until(lambda: len(_stopped_of(estate, dep_id)) >= 1)
    assert _stopped_of(estate, dep_id)[0]["containers"][0]["exitCode"] == 1


def test_without_rollback_the_deployment_stays_failed(estate: Estate) -> None:
    estate.ecs.update_service(
        cluster=CLUSTER,
        service="vega-api",
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": False},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
    )
    old_td = estate.service()["taskDefinition"]
    estate.deploy_tag("v1.2.4-crash")
    estate.run_until(lambda: estate.service()["deployments"][0]["rolloutState"] == "FAILED")
    for _ in range(100):
        estate.tick()
    svc = estate.service()
    assert [d["rolloutState"] for d in svc["deployments"]] == ["FAILED", "COMPLETED"]
    assert svc["deployments"][1]["taskDefinition"] == old_td and svc["deployments"][1]["runningCount"] == 2
    assert svc["deployments"][0]["runningCount"] == 0


@pytest.mark.parametrize(("desired", "threshold"), [(1, 3), (2, 3), (6, 3), (7, 4), (10, 5), (399, 200), (1000, 200)])
def test_breaker_threshold(desired: int, threshold: int) -> None:
    assert breaker_threshold(desired) == threshold


def test_breaker_trips_at_threshold_for_larger_services(estate: Estate) -> None:
    estate.ecs.update_service(cluster=CLUSTER, service="vega-worker", desiredCount=10)
    estate.run_until(lambda: estate.completed("vega-worker"))
    estate.deploy_tag("v1.2.4-crash", name="vega-worker")
    dep_id = estate.service("vega-worker")["deployments"][0]["id"]
    seen = []
    while True:
        dep = next(d for d in estate.service("vega-worker")["deployments"] if d["id"] == dep_id)
        seen.append(dep["failedTasks"])
        if dep["rolloutState"] == "FAILED":
            break
        estate.tick()
    assert seen[-1] >= breaker_threshold(10) == 5
    assert all(n < 5 for n in seen[:-1])


def test_service_deployment_apis_and_stop_with_rollback(estate: Estate) -> None:
    estate.deploy_tag("v1.2.6-unhealthy")
    status, listed = deployments.answer(
        estate.sim, "ListServiceDeployments", {"cluster": CLUSTER, "service": "vega-api"}
    )
    assert status == "200 OK"
    briefs = listed["serviceDeployments"]
    assert [b["status"] for b in briefs] == ["IN_PROGRESS", "SUCCESSFUL"]
    arn = briefs[0]["serviceDeploymentArn"]
    assert arn.startswith("arn:aws:ecs:eu-central-1:123456789012:service-deployment/vega-sandbox/vega-api/")
    _, described = deployments.answer(estate.sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})
    full = described["serviceDeployments"][0]
    assert full["deploymentCircuitBreaker"] == {"status": "MONITORING", "failureCount": 0, "threshold": 3}
    assert full["targetServiceRevision"]["requestedTaskCount"] == 2
    status, stopped = deployments.answer(
        estate.sim, "StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"}
    )
    assert status == "200 OK" and stopped == {"serviceDeploymentArn": arn}
    estate.run_until(estate.completed)
    _, listed = deployments.answer(estate.sim, "ListServiceDeployments", {"cluster": CLUSTER, "service": "vega-api"})
    assert [b["status"] for b in listed["serviceDeployments"]] == ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]
    status, again = deployments.answer(estate.sim, "StopServiceDeployment", {"serviceDeploymentArn": arn})
    assert status.startswith("400") and again["__type"] == "ConflictException"


def test_running_tasks_write_request_logs(estate: Estate) -> None:
    before = len(estate.logs.filter_log_events(logGroupName="/ecs/vega-worker", interleaved=True)["events"])
    for _ in range(60):
        estate.tick()
    events = estate.logs.filter_log_events(logGroupName="/ecs/vega-worker", interleaved=True)["events"]
    assert len(events) > before
    streams = {e["logStreamName"] for e in events}
    assert all(s.startswith("ecs/worker/") for s in streams) and len(streams) == 2
    assert any('"msg": "request"' in e["message"] for e in events)


def test_a_failed_rollback_ends_failed_with_one_rollback_and_no_loop(estate: Estate) -> None:
    # the old revision cannot start either (the runtime fault hits every new task): ECS rolls back once,
    # the rollback deployment fails, and that is the end (FAILED, ROLLBACK_FAILED), as on ECS
    old_td = estate.service()["taskDefinition"]
    estate.sim.faults["vega-api"] = "crash"
    estate.deploy_tag("v1.2.3-stable")
    ours = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: estate.service()["deployments"][0]["id"] != ours)
    rollback = estate.service()["deployments"][0]
    assert rollback["taskDefinition"] == old_td
    estate.run_until(lambda: estate.service()["deployments"][0]["rolloutState"] == "FAILED")
    for _ in range(300):  # 30 more simulated seconds: nothing new starts
        estate.tick()
    svc = estate.service()
    assert [d["id"] for d in svc["deployments"]][:2] == [rollback["id"], ours]
    assert [d["rolloutState"] for d in svc["deployments"]][:2] == ["FAILED", "FAILED"]
    sim_svc = estate.sim.services[(CLUSTER, "vega-api")]
    assert [d.id for d in sim_svc.history][1:] == [ours, rollback["id"]]  # the seeded one, ours, one rollback
    listed = deployments.answer(estate.sim, "ListServiceDeployments", {"cluster": CLUSTER, "service": "vega-api"})
    statuses = {d["serviceDeploymentArn"].rsplit("/", 1)[-1]: d["status"] for d in listed[1]["serviceDeployments"]}
    assert statuses[ours.rsplit("/", 1)[-1]] == "ROLLBACK_FAILED"
    messages = [e["message"] for e in svc["events"]]
    assert f"(service vega-api) (deployment {rollback['id']}) deployment failed: tasks failed to start." in messages


def test_alarm_fault_fails_the_deployment_and_rolls_back_naming_the_alarm(estate: Estate) -> None:
    old_td = estate.service()["taskDefinition"]
    assert estate.sim.ensure_alarm("vega-api") == "vega-api-deploy-alarm"
    estate.sim.faults["vega-api"] = "alarm"
    assert estate.service()["deploymentConfiguration"]["alarms"] == {
        "alarmNames": ["vega-api-deploy-alarm"],
        "enable": True,
        "rollback": True,
    }
    estate.deploy_tag("v1.2.3-stable")
    ours = estate.service()["deployments"][0]["id"]
    estate.run_until(lambda: any(d["rolloutState"] == "FAILED" for d in estate.service()["deployments"]))
    svc = estate.service()
    failed = next(d for d in svc["deployments"] if d["id"] == ours)
    assert "vega-api-deploy-alarm" in failed["rolloutStateReason"]
    assert svc["deployments"][0]["taskDefinition"] == old_td
    assert svc["deployments"][0]["rolloutStateReason"].startswith("ECS deployment alarms: rolling back")
    assert not _stopped_of(estate, ours) or all(
        t["stopCode"] == "ServiceSchedulerInitiated" for t in _stopped_of(estate, ours)
    )
    estate.run_until(estate.completed)
    assert estate.service()["taskDefinition"] == old_td
    cw = boto3.client("cloudwatch", region_name=REGION)
    (alarm,) = cw.describe_alarms(AlarmNames=["vega-api-deploy-alarm"])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"
