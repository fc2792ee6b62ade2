"""The step contract for every registered step, found from the registry: plan -> apply -> plan again is empty.

``CASES`` holds one fixture per step id of ``vegaops.steps.registry.STEPS``: what to set up in (in-process) moto and
the step to run. A step that changes AWS must plan a change first; a read-only step (a gate or a report) must plan
none and leave nothing to do. A registered step without a case fails ``test_plan_apply_plan_again``: a new step adds
its case here. Steps whose set-up needs a server (a registry for ``ecr.push``) are marked e2e.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.images.imagegen import write_oci
from tests.sandbox_fixtures import SimulatedClock
from tests.steps.test_ecr_steps import manifest
from vegaops.context import AppContext
from vegaops.runbook import engine
from vegaops.steps.base import Plan, Step
from vegaops.steps.registry import STEPS, get_step

ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:" + "b" * 64


def _service(monkeypatch: pytest.MonkeyPatch) -> Any:
    """vega-api on vega-staging (the sample config's service api), steady on vega-api:1."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")  # moto: the service starts steady (COMPLETED)
    boto3.client("ssm").put_parameter(Name="/vega/staging/db-url", Value="postgres://db", Type="String")
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        containerDefinitions=[
            {
                "name": "api",
                "image": f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:" + "a" * 64,
                "memory": 512,
                "secrets": [{"name": "DB", "valueFrom": "/vega/staging/db-url"}],
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=2)
    return ecs


def _secret(name: str, *values: str) -> None:
    """The secret with these values in order (the last one current)."""
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name=name, SecretString=values[0])
    for value in values[1:]:
        sm.put_secret_value(SecretId=name, SecretString=value)


@dataclass(frozen=True)
class Case:
    """How to run one step in moto: ``setup`` seeds the estate and returns the step."""

    setup: Callable[[AppContext, pytest.FixtureRequest], Step[Any]]
    changes: bool = True  # False: a read-only step (gate/report) that plans no change
    expect: Callable[[Plan], bool] = field(default=lambda plan: True)  # about the first plan
    e2e: bool = False  # the set-up starts a server
    settle: Callable[[AppContext], None] = field(default=lambda ctx: None)  # what AWS does after the apply


def _ssm_put(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ssm import PutParameter, PutParams

    return PutParameter(PutParams(name="log-level", value="debug", tags={"team": "core"}))


def _ssm_delete(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ssm import DeleteParameters, DeleteParams

    ssm = boto3.client("ssm")
    for name in ("a", "b"):
        ssm.put_parameter(Name=f"/vega/staging/{name}", Value="v", Type="String")
    return DeleteParameters(DeleteParams(names=["a", "b"]))


def _secrets_put(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.secrets import PutSecret, PutSecretParams

    _secret("vega/staging/database-url", "postgres://old")
    return PutSecret(PutSecretParams(name="database-url", value="postgres://new"))


def _secrets_delete(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.secrets import DeleteSecret, DeleteSecretParams

    _secret("vega/staging/database-url", "postgres://x")
    return DeleteSecret(DeleteSecretParams("database-url", recovery_days=7))


def _secrets_restore(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.secrets import RestoreSecret, RestoreSecretParams

    _secret("vega/staging/database-url", "postgres://x")
    boto3.client("secretsmanager").delete_secret(SecretId="vega/staging/database-url", RecoveryWindowInDays=7)
    return RestoreSecret(RestoreSecretParams("database-url"))


def _secrets_rollback(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams

    _secret("vega/staging/database-url", "postgres://one", "postgres://two")
    return RollbackSecret(RollbackSecretParams("database-url"))  # the default target: a second run is a no-op


def _ssm_rollback(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ssm import RollbackParameter, RollbackParams

    ssm = boto3.client("ssm")
    for value in ("info", "debug"):
        ssm.put_parameter(Name="/vega/staging/log-level", Value=value, Type="String", Overwrite=True)
    return RollbackParameter(RollbackParams("log-level"))


def _secrets_repoint(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.repoint import RepointParams, RepointSecret

    _service(request.getfixturevalue("monkeypatch"))
    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    old = sm.create_secret(Name="vega/staging/db", SecretString="pw-old")["ARN"]
    td = ecs.register_task_definition(
        family="vega-api",
        containerDefinitions=[
            {"name": "api", "image": IMAGE, "memory": 512, "secrets": [{"name": "DB", "valueFrom": old}]}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="vega-staging", service="vega-api", taskDefinition=td)
    sm.delete_secret(SecretId=old, ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="vega/staging/db", SecretString="pw-new")  # recreated: a new ARN
    return RepointSecret(RepointParams("db"))


def _staging_images() -> None:
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="staging/vega-api")
    ecr.create_repository(repositoryName="vega-api")
    ecr.put_image(repositoryName="staging/vega-api", imageManifest=manifest("a"), imageTag="v1")


def _ecr_resolve(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecr import ResolveImage, ResolveParams

    _staging_images()
    return ResolveImage(ResolveParams(repository="staging/vega-api", tag="v1"))


def _ecr_promote(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecr import PromoteImage, PromoteParams

    _staging_images()
    return PromoteImage(PromoteParams(tag="v1", source_repository="staging/vega-api", repository="vega-api"))


def _ecr_push(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from tests.images.test_push_cli import config
    from vegaops.steps.ecr import PushImage, PushParams

    registry = request.getfixturevalue("local_registry")  # ECR's registry API: docker-registry on loopback
    (ctx.cwd / "vegaops.toml").write_text(config(registry.host))
    boto3.client("ecr").create_repository(repositoryName="vega-worker")
    write_oci(ctx.cwd / "img", [10_000], label="contract")
    return PushImage(PushParams(repository="vega-worker", tag="c1", source=f"oci:{ctx.cwd / 'img'}"))


def _ecr_learns_of_the_push(ctx: AppContext) -> None:
    """What ECR does after a push (the sandbox registry's mirror does it there): it knows the image."""
    from tests.images.test_push_cli import mirror

    mirror("vega-worker", "c1", str(ctx.cwd / "img"))


def _ecs_register(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import RegisterParams, RegisterTaskDefinition

    _service(request.getfixturevalue("monkeypatch"))
    return RegisterTaskDefinition(RegisterParams(service="api", image=IMAGE, tag="v2"))


def _new_revision(request: pytest.FixtureRequest) -> str:
    ecs = _service(request.getfixturevalue("monkeypatch"))
    td = ecs.register_task_definition(
        family="vega-api", containerDefinitions=[{"name": "api", "image": IMAGE, "memory": 512}]
    )
    return str(td["taskDefinition"]["taskDefinitionArn"])


def _ecs_deploy(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import DeployParams, DeployService

    return DeployService(DeployParams(service="api", task_definition=_new_revision(request)))


def _ecs_rollback(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import RollbackParams, RollbackService

    arn = _new_revision(request)
    boto3.client("ecs").update_service(cluster="vega-staging", service="vega-api", taskDefinition=arn)
    return RollbackService(RollbackParams(service="api", to_revision=1))


def _ecs_watch(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import WatchDeployments, WatchParams

    _service(request.getfixturevalue("monkeypatch"))
    return WatchDeployments(WatchParams(services=["api"], timeout=60))


def _ecs_wait_other(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import WaitForOther, WaitOtherParams

    ecs = _service(request.getfixturevalue("monkeypatch"))
    (svc,) = ecs.describe_services(cluster="vega-staging", services=["vega-api"])["services"]
    # the deployment waited for has ended (the service is steady on it): nothing to wait for
    return WaitForOther(WaitOtherParams(deployments={"api": svc["deployments"][0]["id"]}, timeout=60))


def _health_check(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.health import HealthCheck, HealthParams

    (ctx.cwd / "vegaops.toml").write_text(
        (ctx.cwd / "vegaops.toml").read_text().replace('health_url = "http://127.0.0.1:1/v1/health"\n', "")
    )
    _service(request.getfixturevalue("monkeypatch"))
    return HealthCheck(HealthParams(services=["api"], timeout=20, interval=5))


def _debug_report(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.debug import DebugParams, DebugReport

    _service(request.getfixturevalue("monkeypatch"))
    return DebugReport(DebugParams(service="api"))


def _force_redeploy(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.redeploy import ForceRedeploy, RedeployParams

    _service(request.getfixturevalue("monkeypatch"))
    changed = datetime.now(UTC).isoformat()  # the change the services must pick up happened after they started
    return ForceRedeploy(RedeployParams(services=["vega-api"], after=changed))


def _paused_on_the_sandbox(ctx: AppContext, request: pytest.FixtureRequest) -> None:
    """The sandbox (it has the ServiceDeployment APIs) with vega-checkout's blue/green deployment waiting at a
    pause hook (the ``hook-pause`` fault); ``ctx`` on ``--env sandbox``."""
    import time

    from vegaops.sandbox import admin

    handle = request.getfixturevalue("sandbox")
    ctx.options.env = "sandbox"
    admin.set_fault(handle.endpoint, "checkout", "hook-pause")
    ecs = boto3.client(
        "ecs",
        endpoint_url=handle.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    svc = ecs.describe_services(cluster="vega-sandbox", services=["vega-checkout"])["services"][0]
    ecs.update_service(
        cluster="vega-sandbox", service="vega-checkout", taskDefinition=svc["taskDefinition"], forceNewDeployment=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = ecs.list_service_deployments(cluster="vega-sandbox", service="vega-checkout")["serviceDeployments"]
        arns = [i["serviceDeploymentArn"] for i in items if i["status"] == "IN_PROGRESS"]
        found = ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"] if arns else []
        if any(h["status"] == "AWAITING_ACTION" for d in found for h in d.get("lifecycleHookDetails", [])):
            return
        time.sleep(0.2)
    raise AssertionError("the sandbox deployment never paused")


def _ecs_continue(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.service_deployments import ContinueDeployment, ContinueParams

    _paused_on_the_sandbox(ctx, request)
    return ContinueDeployment(ContinueParams("vega-checkout"))


def _ecs_stop(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.service_deployments import StopDeployment, StopParams

    _paused_on_the_sandbox(ctx, request)
    return StopDeployment(StopParams("vega-checkout"))  # ABORT: the deployment ends STOPPED, nothing left in flight


def _scale_desired(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.scale import DesiredParams, SetDesiredCount

    _service(request.getfixturevalue("monkeypatch"))
    return SetDesiredCount(DesiredParams(service="vega-api", desired=3))


def _scale_autoscaling(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.scale import AutoscalingParams, SetScalableTarget

    _service(request.getfixturevalue("monkeypatch"))
    return SetScalableTarget(AutoscalingParams(service="vega-api", min=1, max=4))


def _scale_save(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.scale import SaveCounts, SaveParams

    _service(request.getfixturevalue("monkeypatch"))
    return SaveCounts(SaveParams(services=["vega-api"]))


def _scale_restore(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    import json

    from vegaops.steps.scale import RestoreCounts, RestoreParams

    _service(request.getfixturevalue("monkeypatch"))
    saved = {"desired": 3, "autoscaling": {"min": 1, "max": 4, "suspended": False}, "saved_at": "", "by": "ci"}
    boto3.client("ssm").put_parameter(Name="/vegaops/scale/staging/vega-api", Value=json.dumps(saved), Type="String")
    return RestoreCounts(RestoreParams())


def _scheduled_worker(target_revision: int) -> str:
    """vega-api:1 and :2 registered; a Scheduler schedule and a rule that run vega-api:<target_revision>."""
    _service_from_env()
    ecs = boto3.client("ecs")
    second = ecs.register_task_definition(
        family="vega-api", containerDefinitions=[{"name": "api", "image": "vega-api:2", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    cluster = ecs.describe_clusters(clusters=["vega-staging"])["clusters"][0]["clusterArn"]
    td = second.replace(":2", f":{target_revision}")
    role = f"arn:aws:iam::{ACCOUNT}:role/scheduler"
    params = {"TaskDefinitionArn": td, "TaskCount": 1, "LaunchType": "FARGATE"}
    boto3.client("scheduler").create_schedule(
        Name="nightly",
        ScheduleExpression="cron(0 3 * * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": cluster, "RoleArn": role, "EcsParameters": params},
    )
    events = boto3.client("events")
    events.put_rule(Name="hourly", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="hourly", Targets=[{"Id": "1", "Arn": cluster, "RoleArn": role, "EcsParameters": params}])
    return second


def _service_from_env() -> None:
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api", containerDefinitions=[{"name": "api", "image": "vega-api:1", "memory": 512}]
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=1)


def _schedules_follow(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.schedules import FollowParams, FollowSchedules

    return FollowSchedules(FollowParams(task_definitions={"vega-api": _scheduled_worker(1)}))


def _schedules_run(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.schedules import RunParams, RunScheduled

    _scheduled_worker(2)  # moto starts a FARGATE task without a network configuration
    return RunScheduled(RunParams(name="nightly", run_id="vegaops-schedule-contract"))


class _SimulatedClock(SimulatedClock):
    """A task RunTask creates is handed to the simulator (as the sandbox server's middleware does) and runs its
    command as a local process."""

    def advance(self) -> None:
        import time

        for cluster, tasks in self.sim.backend.tasks.items():
            for arn, task in tasks.items():
                if arn not in self.sim.oneoffs and str(task.started_by or "").startswith("vegaops-run"):
                    self.sim.adopt_run(cluster, arn, task.overrides)
        time.sleep(0.05)  # the task's process runs in real time
        super().advance()


def _ecs_run(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.run import RunParams, RunTask

    ec2, ecs = boto3.client("ec2"), boto3.client("ecs")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks")["GroupId"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        containerDefinitions=[
            {
                "name": "api",
                "image": "public.ecr.aws/docker/library/python:3",
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/vega-api", "awslogs-stream-prefix": "ecs"},
                },
            }
        ],
    )
    ecs.create_service(
        cluster="vega-staging",
        serviceName="vega-api",
        taskDefinition="vega-api:1",
        desiredCount=1,
        launchType="FARGATE",
        platformVersion="1.4.0",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )
    ctx.clock = _SimulatedClock()
    return RunTask(RunParams(service="api", command=["sh", "-c", "echo migrated"], key="v2"))


def _enable_exec(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.exec import EnableExec, EnableExecParams

    _service(request.getfixturevalue("monkeypatch"))
    return EnableExec(EnableExecParams(service="api"))


def _deploy_lock(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.deploy import core
    from vegaops.steps.deploy import LockParams, LockService

    holder = core.new_lock(ctx, "vega-api", "v2", 600).holder  # the holder a deploy releases by
    return LockService(LockParams(service="vega-api", tag="v2", ttl=600, holder=holder))


def _deploy_unlock(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.deploy import core
    from vegaops.steps.deploy import UnlockParams, UnlockService

    core.acquire_lock(ctx, "vega-api", "v1", ttl=600)  # a crashed deploy's lock
    return UnlockService(UnlockParams(service="api"))


def _deploy_release(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.deploy import core
    from vegaops.steps.deploy import ReleaseLock, ReleaseParams

    lock = core.acquire_lock(ctx, "vega-api", "v2", ttl=600)  # the lock this run's deploy.lock took
    return ReleaseLock(ReleaseParams(service="vega-api", holder=lock.holder))


def _ecs_tag_outcome(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.deploy import TagOutcome, TagOutcomeParams

    arn = _new_revision(request)
    return TagOutcome(TagOutcomeParams("vega-api", arn, "ecs-svc/1", outcomes={"vega-api": "succeeded"}))


def _ecs_prune(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.deploy import PruneParams, PruneRevisions

    ecs = _service(request.getfixturevalue("monkeypatch"))
    for _ in range(3):  # vega-api:2..4, the service still on :1
        ecs.register_task_definition(
            family="vega-api", containerDefinitions=[{"name": "api", "image": IMAGE, "memory": 512}]
        )
    return PruneRevisions(PruneParams("vega-api", "vega-api:4", keep=2, outcomes={"vega-api": "succeeded"}))


def _ecs_rollback_on_failure(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.ecs import RollbackOnFailure, RollbackOnFailureParams

    _service(request.getfixturevalue("monkeypatch"))
    request.getfixturevalue("monkeypatch").delenv("MOTO_ECS_SERVICE_RUNNING")  # moto: a rollout that never ends
    ecs = boto3.client("ecs")
    old = ecs.describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="vega-staging", serviceName="vega-web", taskDefinition=old, desiredCount=2)
    new = _new_revision_of("vega-api")
    ecs.update_service(cluster="vega-staging", service="vega-web", taskDefinition=new)
    (svc,) = ecs.describe_services(cluster="vega-staging", services=["vega-web"])["services"]
    primary = next(d for d in svc["deployments"] if d["status"] == "PRIMARY")
    assert primary["rolloutState"] == "IN_PROGRESS"
    return RollbackOnFailure(RollbackOnFailureParams("vega-web", primary["id"], old))


def _new_revision_of(family: str) -> str:
    td = boto3.client("ecs").register_task_definition(
        family=family, containerDefinitions=[{"name": "api", "image": IMAGE, "memory": 512}]
    )
    return str(td["taskDefinition"]["taskDefinitionArn"])


def _ecs_record_outcomes(ctx: AppContext, request: pytest.FixtureRequest) -> Step[Any]:
    from vegaops.steps.deploy import RecordOutcomes, RecordOutcomesParams

    _service(request.getfixturevalue("monkeypatch"))  # steady on vega-api:1, its outcome never tagged
    return RecordOutcomes(RecordOutcomesParams("api"))


CASES: dict[str, Case] = {
    "ssm.put": Case(_ssm_put),
    "ssm.delete": Case(_ssm_delete),
    "ssm.rollback": Case(_ssm_rollback),
    "secrets.put": Case(_secrets_put),
    "secrets.delete": Case(_secrets_delete),
    "secrets.restore": Case(_secrets_restore),
    "secrets.rollback": Case(_secrets_rollback),
    "secrets.repoint": Case(_secrets_repoint),
    "ecr.resolve": Case(_ecr_resolve, changes=False, expect=lambda plan: plan.outputs["digest"].startswith("sha256:")),
    "ecr.promote": Case(_ecr_promote),
    "ecr.push": Case(_ecr_push, e2e=True, settle=_ecr_learns_of_the_push),
    "ecs.register": Case(_ecs_register),
    "ecs.deploy": Case(_ecs_deploy),
    "ecs.rollback": Case(_ecs_rollback),
    "ecs.watch": Case(_ecs_watch, changes=False),
    "ecs.wait-other": Case(
        _ecs_wait_other, changes=False, expect=lambda plan: plan.outputs["outcomes"] == {"vega-api": "ended"}
    ),
    "health.check": Case(_health_check, changes=False, expect=lambda plan: plan.outputs.get("healthy") is True),
    "debug.report": Case(_debug_report, changes=False, expect=lambda plan: plan.outputs.get("causes") == []),
    "ecs.force-redeploy": Case(_force_redeploy),
    "ecs.continue": Case(_ecs_continue, e2e=True),
    "ecs.stop": Case(_ecs_stop, e2e=True),
    "scale.desired": Case(_scale_desired),
    "scale.autoscaling": Case(_scale_autoscaling),
    "scale.save": Case(_scale_save),
    "scale.restore": Case(_scale_restore),
    "schedules.follow": Case(_schedules_follow),
    "schedules.run": Case(_schedules_run),
    "ecs.run": Case(_ecs_run, e2e=True),  # runs a local process
    "ecs.enable-exec": Case(_enable_exec),
    "deploy.lock": Case(_deploy_lock),
    "deploy.unlock": Case(_deploy_unlock),
    "deploy.release": Case(_deploy_release),
    "ecs.tag-outcome": Case(_ecs_tag_outcome),
    "ecs.prune": Case(_ecs_prune, expect=lambda plan: "vega-api:2" in plan.changes[0].summary),
    "ecs.rollback-on-failure": Case(_ecs_rollback_on_failure),
    "ecs.record-outcomes": Case(
        _ecs_record_outcomes, expect=lambda plan: plan.changes[0].summary.startswith("record succeeded on vega-api:1")
    ),
}


def _params() -> list[Any]:
    return [
        pytest.param(sid, marks=[pytest.mark.e2e] if sid in CASES and CASES[sid].e2e else [], id=sid)
        for sid in sorted(STEPS)
    ]


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("step_id", _params())
def test_plan_apply_plan_again(step_id: str, app_context: AppContext, request: pytest.FixtureRequest) -> None:
    case = CASES.get(step_id)
    if case is None:
        pytest.fail(f"step {step_id} ({STEPS[step_id]}) has no case in CASES (tests/steps/test_step_contract.py)")
    step = case.setup(app_context, request)
    assert type(step) is get_step(step_id), f"the case for {step_id} builds a {type(step).__name__}"
    plan = step.plan(app_context)
    assert plan.empty is not case.changes, plan.changes
    assert case.expect(plan), (plan.outputs, plan.notes)
    report = engine.run(app_context, "contract", [engine.single(type(step), step.params)])
    assert [s.status for s in report.steps] == (["done"] if case.changes else ["unchanged"]), report.steps
    case.settle(app_context)
    again = step.plan(app_context)
    assert again.empty, again.changes


def test_every_case_is_a_registered_step() -> None:
    assert sorted(set(CASES) - set(STEPS)) == []
