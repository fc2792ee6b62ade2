"""ecs.register / ecs.deploy / ecs.rollback / ecs.watch against in-process moto; the deploy lock; pruning."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.steps.test_ssm_steps import contract
from vegaops.clock import FakeClock
from vegaops.context import AppContext
from vegaops.deploy import core, watch
from vegaops.deploy.status import prune_revisions
from vegaops.errors import Refused
from vegaops.runbook import engine
from vegaops.runbook.engine import RunFailed
from vegaops.steps.ecs import (
    DeployParams,
    DeployService,
    RegisterParams,
    RegisterTaskDefinition,
    RollbackParams,
    RollbackService,
    WatchDeployments,
    WatchParams,
)
from vegaops.steps.registry import STEPS, get_step

pytestmark = pytest.mark.usefixtures("aws")
IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:" + "b" * 64


@pytest.fixture
def estate(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")  # moto: the service starts steady (COMPLETED)
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        executionRoleArn="arn:aws:iam::123456789012:role/exec",
        containerDefinitions=[
            {
                "name": "api",
                "image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:" + "a" * 64,
                "memory": 512,
                "secrets": [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:eu-central-1:1:secret:x"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/vega-api"}},
            }
        ],
        tags=[{"key": "team", "value": "vega"}],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=2)
    return ecs


def test_steps_are_registered() -> None:
    for sid in ("ecs.register", "ecs.deploy", "ecs.watch", "ecs.rollback", "ecr.resolve", "ecr.promote"):
        assert get_step(sid).id == sid, STEPS[sid]


def test_register_contract_and_clone(app_context: AppContext, estate: Any) -> None:
    step = RegisterTaskDefinition(RegisterParams(service="api", image=IMAGE, tag="v1.2.3-stable"))
    plan = step.plan(app_context)
    assert "api -> " + IMAGE in plan.changes[0].summary
    assert "containerDefinitions[api].image" in plan.changes[0].detail["task definition diff"]
    contract(app_context, step)  # the second plan reuses the identical revision 2: empty
    again = step.plan(app_context)
    assert again.outputs["task_definition"].endswith("vega-api:2")
    td = estate.describe_task_definition(taskDefinition="vega-api:2", include=["TAGS"])
    tags = {t["key"]: t["value"] for t in td["tags"]}
    assert tags["team"] == "vega" and tags[core.TAG_KEY] == "v1.2.3-stable" and core.DEPLOYER_KEY in tags
    assert td["taskDefinition"]["containerDefinitions"][0]["secrets"][0]["name"] == "DB"
    assert td["taskDefinition"]["executionRoleArn"].endswith("role/exec")


def test_register_same_image_is_empty(app_context: AppContext, estate: Any) -> None:
    live = estate.describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]
    image = live["containerDefinitions"][0]["image"]
    assert RegisterTaskDefinition(RegisterParams(service="vega-api", image=image)).plan(app_context).empty


def test_deploy_and_rollback_contracts(app_context: AppContext, estate: Any) -> None:
    report = engine.run(app_context, "t", [engine.single(RegisterTaskDefinition, RegisterParams("api", IMAGE, "v2"))])
    new = report.steps[0].outputs["task_definition"]
    contract(app_context, DeployService(DeployParams(service="api", task_definition=new)))
    svc = estate.describe_services(cluster="vega-staging", services=["vega-api"])["services"][0]
    assert svc["taskDefinition"] == new
    core.tag_outcome(app_context, new, "succeeded", "ecs-svc/2")
    core.tag_outcome(app_context, new.replace(":2", ":1"), "succeeded", "ecs-svc/1")
    step = RollbackService(RollbackParams(service="api"))
    assert step.plan(app_context).outputs["task_definition"].endswith("vega-api:1")
    # An explicit target is idempotent (plan, apply, plan again = empty); the automatic one always steps
    # back from the running revision, so it is not re-planned here.
    contract(app_context, RollbackService(RollbackParams(service="api", to_revision=1)))
    assert RollbackService(RollbackParams(service="api", to_revision=2)).plan(app_context).changes


def test_rollback_skips_revisions_whose_deploy_failed(app_context: AppContext, estate: Any) -> None:
    for digest in ("b", "c"):
        r = engine.run(
            app_context,
            "t",
            [engine.single(RegisterTaskDefinition, RegisterParams("api", IMAGE[:-64] + digest * 64, digest))],
        )
        engine.run(
            app_context, "t", [engine.single(DeployService, DeployParams("api", r.steps[0].outputs["task_definition"]))]
        )
    core.tag_outcome(
        app_context, "arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:2", "rolled_back", "x"
    )
    core.tag_outcome(app_context, "arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:1", "succeeded", "y")
    # running :3; :2 was rolled back; :1 succeeded -> the target is :1
    plan = RollbackService(RollbackParams(service="api")).plan(app_context)
    assert plan.outputs["task_definition"].endswith("vega-api:1")


def test_watch_times_out_on_a_rollout_that_never_finishes(
    app_context: AppContext, estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto's deployment stays IN_PROGRESS forever: the watch must end with exit 6 in fake time.
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")
    estate.create_service(cluster="vega-staging", serviceName="stuck", taskDefinition="vega-api:1", desiredCount=2)
    call = engine.single(WatchDeployments, WatchParams(services=["stuck"], timeout=60))
    with pytest.raises(RunFailed) as info:
        engine.run(app_context, "t", [call])
    assert int(info.value.exit_code) == 6
    assert "timed out after 60s waiting for deployment" in info.value.message
    clock = app_context.clock
    assert isinstance(clock, FakeClock)
    assert 58 <= sum(clock.sleeps) <= 61
    assert max(clock.sleeps) <= watch.MAX_INTERVAL * 1.15 + 1e-9  # adaptive backoff is capped
    assert clock.sleeps[1] < clock.sleeps[6]  # fast first, then backing off
    ecs = app_context.aws.ecs
    # one batched call per poll (a first look, then one after each sleep), however the jitter fell
    assert ecs.calls["describe_services"] == len(clock.sleeps) + 1


def test_lock_is_exclusive_names_the_holder_and_expires(app_context: AppContext) -> None:
    lock = core.acquire_lock(app_context, "vega-api", "v1", ttl=60)
    with pytest.raises(Refused) as info:
        core.acquire_lock(app_context, "vega-api", "v2", ttl=60)
    assert "held by" in info.value.message and "tag v1" in info.value.message
    assert "vegaops deploy unlock vega-api" in (info.value.hint or "")
    assert int(info.value.exit_code) == 8
    clock = app_context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(120)
    taken = core.acquire_lock(app_context, "vega-api", "v3", ttl=60)  # expired: taken over
    core.release_lock(app_context, lock)  # not ours any more: stays
    assert core.read_lock(app_context, "vega-api") == taken.holder
    core.release_lock(app_context, taken)
    assert core.read_lock(app_context, "vega-api") is None


@pytest.mark.e2e  # a real process holds the lock
def test_lock_of_a_killed_deploy_on_this_machine_is_taken_over(app_context: AppContext) -> None:
    import json
    import subprocess
    import sys

    ssm = app_context.aws.ssm
    name = core.lock_name(app_context, "vega-api")

    def held_by(pid: int, **extra: Any) -> None:
        holder = {**core._process_identity(), "who": "ci@here", "at": "2026-01-01T00:00:00+00:00", "tag": "v1"}
        holder.update(pid=pid, expires="2999-01-01T00:00:00+00:00", **extra)
        ssm.delete([name])
        ssm.put(name, json.dumps(holder), "String", overwrite=False)

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        held_by(alive.pid)  # a deploy still running on this machine: refused
        with pytest.raises(Refused):
            core.acquire_lock(app_context, "vega-api", "v2", ttl=60)
        held_by(alive.pid + 0, host="another-runner")  # another machine: its pids mean nothing here
        with pytest.raises(Refused):
            core.acquire_lock(app_context, "vega-api", "v2", ttl=60)
    finally:
        alive.kill()
        alive.wait()
    held_by(alive.pid)  # the same deploy, killed (SIGKILL cannot release a lock): taken over
    taken = core.acquire_lock(app_context, "vega-api", "v2", ttl=60)
    assert core.read_lock(app_context, "vega-api") == taken.holder


def test_prune_keeps_running_and_rollback_target(app_context: AppContext, estate: Any) -> None:
    for i in range(12):
        estate.register_task_definition(
            family="vega-api", containerDefinitions=[{"name": "api", "image": f"x:{i}", "memory": 64}]
        )
    # running is :1 (the oldest); the newest 3 are kept, :1 is protected
    removed = prune_revisions(app_context, "vega-api", keep=3, family="vega-api")
    assert len(removed) == 12 - 3 - 0
    left = estate.list_task_definitions(familyPrefix="vega-api", status="ACTIVE")["taskDefinitionArns"]
    assert any(a.endswith("vega-api:1") for a in left)
    assert len(left) == 4


class InterruptingClock(FakeClock):
    """Ctrl-C arrives during the third wait."""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if len(self.sleeps) == 3:
            raise KeyboardInterrupt


def test_ctrl_c_while_watching_is_130_and_says_how_to_reattach(
    app_context: AppContext, estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vegaops.errors import Interrupted
    from vegaops.pipeline.watch import watch_command

    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")
    estate.create_service(cluster="vega-staging", serviceName="stuck", taskDefinition="vega-api:1", desiredCount=2)
    app_context.clock = InterruptingClock()
    with pytest.raises(Interrupted) as info:
        watch_command(app_context, ["stuck"], timeout=600, poll_interval=None, rollback_on_failure=False)
    assert int(info.value.exit_code) == 130
    assert "the deployment continues" in info.value.message
    assert "re-attach with: vegaops deploy watch stuck" in (info.value.hint or "")
