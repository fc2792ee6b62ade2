"""Canary: the moto behaviour and internals the sandbox relies on. A failure here means the pinned moto
changed: re-check vegaops/sandbox/simulator.py, images.py, logs.py and middleware/ before upgrading."""

from __future__ import annotations

import json
from importlib.metadata import version

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "eu-central-1"


def test_moto_is_the_pinned_version() -> None:
    assert version("moto") == "5.2.5", "the sandbox patches moto's models; re-run this canary file and update the pin"


def _service(ecs: object) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    ecs.create_cluster(clusterName="c")  # type: ignore[attr-defined]
    ecs.register_task_definition(  # type: ignore[attr-defined]
        family="f",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx:1", "essential": True, "memory": 512}],
    )
    ecs.create_service(  # type: ignore[attr-defined]
        cluster="c",
        serviceName="s",
        taskDefinition="f",
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )


def test_ecs_facts_the_simulator_replaces(aws: None) -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    _service(ecs)
    svc = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    # moto drops deploymentConfiguration on create (the middleware stores it) and never animates.
    assert "deploymentConfiguration" not in svc or not svc["deploymentConfiguration"].get("deploymentCircuitBreaker")
    assert len(svc["deployments"]) == 1 and svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    ecs.register_task_definition(family="f", containerDefinitions=[{"name": "app", "image": "nginx:2", "memory": 512}])
    svc = ecs.update_service(cluster="c", service="s", taskDefinition="f:2")["service"]
    assert svc["taskDefinition"] == "f:2", "moto stores the literal reference (the simulator normalizes it)"
    assert len(svc["deployments"]) == 1
    # The newer deployment APIs are not in moto (the middleware answers them).
    with pytest.raises((ClientError, NotImplementedError)):
        ecs.list_service_deployments(cluster="c", service="s")


def test_ecs_internals_the_simulator_uses(aws: None) -> None:
    from moto.ecs.models import Container, Task, ecs_backends
    from moto.moto_api import state_manager

    ecs = boto3.client("ecs", region_name=REGION)
    _service(ecs)
    backend = ecs_backends["123456789012"][REGION]
    service = backend.services["c:s"]
    for attr in (
        "deployments",
        "events",
        "running_count",
        "pending_count",
        "desired_count",
        "task_definition",
        "load_balancers",
        "network_configuration",
        "cluster_name",
    ):
        assert hasattr(service, attr), attr
    task = backend.run_task(
        "c", "f", 1, None, "ecs-svc/1", None, "FARGATE", service.network_configuration, "service:s"
    )[0]
    assert isinstance(task, Task) and isinstance(task.containers[0], Container)
    assert task.task_arn in backend.tasks["c"]
    assert any(d["name"] == "privateIPv4Address" for a in task.attachments for d in a["details"])
    # the DescribeTasks trap: moto advances the task's state on every describe unless pinned
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 1})
    task.last_status = "RUNNING"
    ecs.describe_tasks(cluster="c", tasks=[task.task_arn])
    assert ecs.describe_tasks(cluster="c", tasks=[task.task_arn])["tasks"][0]["lastStatus"] != "RUNNING"
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    task.last_status = "PROVISIONING"
    for _ in range(3):
        assert ecs.describe_tasks(cluster="c", tasks=[task.task_arn])["tasks"][0]["lastStatus"] == "PROVISIONING"
    # attributes set on the models are serialized by moto's response layer
    task.stop_code = "EssentialContainerExited"
    task.stopped_reason = "Essential container in task exited"
    task.containers[0].exitCode = 137
    task.containers[0].reason = "OutOfMemoryError: Container killed due to memory usage"
    service.deployment_configuration = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    described = ecs.describe_tasks(cluster="c", tasks=[task.task_arn])["tasks"][0]
    assert described["stopCode"] == "EssentialContainerExited"
    assert described["stoppedReason"] == "Essential container in task exited"
    assert described["containers"][0]["exitCode"] == 137
    assert described["containers"][0]["reason"].startswith("OutOfMemoryError")
    svc = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    assert svc["deploymentConfiguration"]["deploymentCircuitBreaker"]["rollback"] is True


def test_other_backends_the_sandbox_writes(aws: None) -> None:
    from moto.ecr.models import ecr_backends
    from moto.elbv2.models import elbv2_backends
    from moto.logs.models import logs_backends

    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="repo")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "layers": [{"digest": "sha256:aa"}],
        }
    )
    image = ecr.put_image(repositoryName="repo", imageTag="t", imageManifest=manifest)["image"]
    digest = image["imageId"]["imageDigest"]
    repo = ecr_backends["123456789012"][REGION].repositories["repo"]
    assert [(i.image_tags, i.image_digest) for i in repo.images] == [(["t"], digest)]

    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/g")
    group = logs_backends["123456789012"][REGION].groups["/g"]
    group.create_log_stream("ecs/app/1")
    group.put_log_events("ecs/app/1", [{"timestamp": 1_700_000_000_000, "message": "hello"}])
    assert logs.get_log_events(logGroupName="/g", logStreamName="ecs/app/1")["events"][0]["message"] == "hello"

    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = boto3.client("ec2", region_name=REGION).describe_vpcs()["Vpcs"][0]["VpcId"]
    arn = elbv2.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
        "TargetGroupArn"
    ]
    tg = elbv2_backends["123456789012"][REGION].target_groups[arn]
    tg.register([{"Id": "10.0.0.1", "Port": 8080}])
    health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    # moto says healthy for every registered target: the middleware answers from the simulator instead
    assert [(h["Target"]["Id"], h["TargetHealth"]["State"]) for h in health] == [("10.0.0.1", "healthy")]
