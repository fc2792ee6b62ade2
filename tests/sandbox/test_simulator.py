"""The ECS simulator's rules, in-process against moto with a fake clock (no real sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from vegaops.clock import FakeClock
from vegaops.sandbox import estate
from vegaops.sandbox.seed import seed
from vegaops.sandbox.simulator import Simulator, breaker_threshold

CLUSTER = estate.CLUSTER


class Estate:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.logged: list[str] = []
        self.sim = Simulator(speed=1.0, log_writer=lambda s, t, lines: self.logged.extend(m for _, m in lines))
        self.sim.behaviours.update(seed(lambda name: boto3.client(name, region_name=estate.REGION)))
        self.ecs = boto3.client("ecs", region_name=estate.REGION)
        assert self.run_until(self.sim.steady)

    def run_until(self, done: Any, limit: float = 120.0, step: float = 0.25) -> bool:
        while self.clock.monotonic() < limit:
            self.sim.tick(self.clock.now())
            if done():
                return True
            self.clock.advance(step)
        return False

    def service(self, name: str = "vega-api") -> dict[str, Any]:
        result: dict[str, Any] = self.ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]
        return result

    def deploy_tag(self, tag: str, name: str = "vega-api", repo: str = "vega-api") -> str:
        td = self.ecs.describe_task_definition(taskDefinition=name)["taskDefinition"]
        digest = boto3.client("ecr", region_name=estate.REGION).describe_images(
            repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]
        return self.deploy_image(td, f"{estate.REGISTRY}/{repo}@{digest}", name)

    def deploy_image(self, td: dict[str, Any], image: str, name: str = "vega-api") -> str:
        td["containerDefinitions"][0]["image"] = image
        keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory",
                "executionRoleArn")
        arn = self.ecs.register_task_definition(**{k: td[k] for k in keep})["taskDefinition"]["taskDefinitionArn"]
        self.ecs.update_service(cluster=CLUSTER, service=name, taskDefinition=arn)
        self.sim.tick(self.clock.now())
        return str(arn)

    def settled(self, name: str = "vega-api") -> bool:
        deployments = self.service(name)["deployments"]
        return len(deployments) == 1 and deployments[0]["rolloutState"] in ("COMPLETED", "FAILED")

    def stopped(self, started_by: str | None = None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"cluster": CLUSTER, "desiredStatus": "STOPPED"}
        if started_by:
            kwargs["startedBy"] = started_by
        arns = self.ecs.list_tasks(**kwargs)["taskArns"]
        return self.ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []


@pytest.fixture
def estate_() -> Iterator[Estate]:
    from moto import mock_aws
    from moto.moto_api import state_manager

    with mock_aws():
        state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
        yield Estate()


def test_seeded_services_reach_a_steady_state(estate_: Estate) -> None:
    s = estate_.service()
    assert (s["runningCount"], s["desiredCount"], len(s["deployments"])) == (2, 2, 1)
    assert s["deployments"][0]["rolloutState"] == "COMPLETED"
    assert s["events"][0]["message"] == "(service vega-api) has reached a steady state."
    assert s["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert any("Starting vega-api" in line for line in estate_.logged)


def test_good_image_rolls_out_like_ecs(estate_: Estate) -> None:
    old = estate_.service()["deployments"][0]["id"]
    arn = estate_.deploy_tag("v1.2.3-stable")
    s = estate_.service()
    primary, active = s["deployments"]
    assert (primary["status"], primary["rolloutState"], active["id"], active["status"]) == \
        ("PRIMARY", "IN_PROGRESS", old, "ACTIVE")
    assert s["taskDefinition"] == arn
    started = estate_.clock.monotonic()
    assert estate_.run_until(estate_.settled)
    assert estate_.clock.monotonic() - started <= 15
    s = estate_.service()
    assert [(d["id"], d["rolloutState"]) for d in s["deployments"]] == [(primary["id"], "COMPLETED")]
    assert (s["runningCount"], s["pendingCount"]) == (2, 0)
    new_tasks = estate_.ecs.list_tasks(cluster=CLUSTER, startedBy=primary["id"])["taskArns"]
    tasks = estate_.ecs.describe_tasks(cluster=CLUSTER, tasks=new_tasks)["tasks"]
    assert {(t["lastStatus"], t["group"]) for t in tasks} == {("RUNNING", "service:vega-api")}
    drained = estate_.stopped(old)
    assert len(drained) == 2
    assert {t["stoppedReason"] for t in drained} == {f"Scaling activity initiated by (deployment {primary['id']})"}


@pytest.mark.parametrize(("tag", "stop_code", "reason", "exit_code"), [
    ("v1.2.4-crash", "EssentialContainerExited", "Essential container in task exited", 1),
    ("v1.2.5-oom", "EssentialContainerExited", "OutOfMemoryError", 137),
    ("v1.2.6-unhealthy", "ServiceSchedulerInitiated", "failed ELB health checks", 0),
])
def test_failing_image_trips_the_breaker_and_rolls_back(estate_: Estate, tag: str, stop_code: str, reason: str,
                                                        exit_code: int) -> None:
    old_td = estate_.service()["taskDefinition"]
    estate_.deploy_tag(tag)
    ours = estate_.service()["deployments"][0]["id"]
    assert estate_.run_until(estate_.settled)
    s = estate_.service()
    assert len(s["deployments"]) == 1
    back = s["deployments"][0]
    assert (back["taskDefinition"], back["rolloutState"]) == (old_td, "COMPLETED")
    assert back["id"] != ours
    failed = [t for t in estate_.stopped(ours) if t.get("stopCode") == stop_code and reason in t["stoppedReason"]]
    assert len(failed) >= breaker_threshold(2)
    assert {t["containers"][0].get("exitCode") for t in failed} == {exit_code}
    messages = [e["message"] for e in s["events"]]
    assert any(f"(deployment {ours}) deployment failed" in m for m in messages)


def test_missing_image_cannot_be_pulled(estate_: Estate) -> None:
    td = estate_.ecs.describe_task_definition(taskDefinition="vega-api")["taskDefinition"]
    estate_.deploy_image(td, f"{estate.REGISTRY}/vega-api:v0.0.0-missing")
    ours = estate_.service()["deployments"][0]["id"]
    assert estate_.run_until(estate_.settled)
    stopped = estate_.stopped(ours)
    assert stopped and all(t["stoppedReason"].startswith("CannotPullContainerError") for t in stopped)
    assert {t["stopCode"] for t in stopped} == {"TaskFailedToStart"}


def test_missing_secret_fails_task_initialisation(estate_: Estate) -> None:
    boto3.client("secretsmanager", region_name=estate.REGION).delete_secret(
        SecretId="vega/sandbox/database-url", ForceDeleteWithoutRecovery=True)
    estate_.ecs.update_service(cluster=CLUSTER, service="vega-api", forceNewDeployment=True)
    estate_.sim.tick(estate_.clock.now())
    ours = estate_.service()["deployments"][0]["id"]

    def ours_failed() -> bool:
        return any(d["id"] == ours and d["rolloutState"] == "FAILED" for d in estate_.service()["deployments"])

    assert estate_.run_until(ours_failed)
    stopped = estate_.stopped(ours)
    assert len(stopped) >= 3 and all("ResourceInitializationError" in t["stoppedReason"] for t in stopped)


def test_breaker_without_rollback_leaves_the_deployment_failed(estate_: Estate) -> None:
    estate_.ecs.update_service(cluster=CLUSTER, service="vega-api", deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": False}, "maximumPercent": 200,
        "minimumHealthyPercent": 100})
    estate_.deploy_tag("v1.2.4-crash")

    def failed() -> bool:
        return bool(estate_.service()["deployments"][0]["rolloutState"] == "FAILED")

    assert estate_.run_until(failed)
    s = estate_.service()
    assert s["deployments"][0]["status"] == "PRIMARY"
    assert s["deployments"][0]["failedTasks"] >= breaker_threshold(2)


def test_runtime_fault_applies_to_new_tasks(estate_: Estate) -> None:
    estate_.sim.set_fault("vega-api", "oom")
    estate_.ecs.update_service(cluster=CLUSTER, service="vega-api", forceNewDeployment=True)
    estate_.sim.tick(estate_.clock.now())
    ours = estate_.service()["deployments"][0]["id"]

    def ours_failed() -> bool:
        return any(d["id"] == ours and d["rolloutState"] == "FAILED" for d in estate_.service()["deployments"])

    assert estate_.run_until(ours_failed)
    assert any(t["containers"][0].get("exitCode") == 137 for t in estate_.stopped(ours))


@pytest.mark.parametrize(("desired", "threshold"), [(1, 3), (2, 3), (6, 3), (7, 4), (10, 5), (1000, 200)])
def test_breaker_threshold_matches_ecs(desired: int, threshold: int) -> None:
    assert breaker_threshold(desired) == threshold
