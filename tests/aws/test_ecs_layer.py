"""The ECS/ELBv2 layer against in-process moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from vegaops.aws.ecs import Ecs, clone_spec, family_of, is_unsupported, revision_of
from vegaops.aws.elbv2 import Elbv2

REGION = "eu-central-1"


def _setup(n_services: int = 12) -> tuple[Any, list[str]]:
    client = boto3.client("ecs", region_name=REGION)
    client.create_cluster(clusterName="c")
    client.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "app",
                "image": "repo/app:1",
                "memory": 512,
                "secrets": [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:eu-central-1:1:secret:db"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
            },
            {"name": "sidecar", "image": "envoy:1", "memory": 128},
        ],
        executionRoleArn="arn:aws:iam::123456789012:role/exec",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="1024",
        tags=[{"key": "team", "value": "vega"}],
    )
    names = [f"svc-{i}" for i in range(n_services)]
    for name in names:
        client.create_service(cluster="c", serviceName=name, taskDefinition="web:1", desiredCount=1)
    return client, names


@pytest.mark.usefixtures("aws")
def test_describe_services_batches_by_ten_and_reports_missing() -> None:
    client, names = _setup()
    ecs = Ecs(client)
    found, missing = ecs.describe_services("c", [*names, "nope"])
    assert set(found) == set(names)
    assert missing == ["nope"]
    assert ecs.calls["describe_services"] == 2


@pytest.mark.usefixtures("aws")
def test_clone_keeps_every_field_and_tags_changes_only_the_image() -> None:
    client, _ = _setup(1)
    ecs = Ecs(client)
    live = ecs.describe_task_definition("web:1")
    assert live.tags == {"team": "vega"}
    new = ecs.clone_task_definition(live, {"app": "repo/app@sha256:" + "a" * 64}, {"vegaops:tag": "v2"})
    assert new.revision == 2
    assert new.container("app")["image"].endswith("a" * 64)  # type: ignore[index]
    assert new.container("sidecar")["image"] == "envoy:1"  # type: ignore[index]
    assert new.container("app")["secrets"] == live.container("app")["secrets"]  # type: ignore[index]
    assert new.container("app")["logConfiguration"] == live.container("app")["logConfiguration"]  # type: ignore[index]
    assert new.raw["executionRoleArn"] == live.raw["executionRoleArn"]
    assert ecs.describe_task_definition(new.arn).tags == {"team": "vega", "vegaops:tag": "v2"}
    with pytest.raises(KeyError):
        clone_spec(live, {"missing": "x"})
    assert ecs.list_task_definitions("web")[0].endswith("web:2")


@pytest.mark.usefixtures("aws")
def test_tasks_and_unsupported_deployment_api_fallback() -> None:
    client, _ = _setup(1)
    ecs = Ecs(client)
    client.register_task_definition(family="plain", containerDefinitions=[{"name": "a", "image": "x", "memory": 64}])
    client.run_task(cluster="c", taskDefinition="plain", startedBy="ecs-svc/1", launchType="FARGATE")
    arns = ecs.list_tasks("c", started_by="ecs-svc/1")
    assert len(arns) == 1
    assert ecs.list_tasks("c", started_by="ecs-svc/2") == []
    assert ecs.describe_tasks("c", arns)[0]["taskArn"] == arns[0]
    assert ecs.list_service_deployments("c", "svc-0") is None  # moto: not implemented
    assert ecs.deployments_api is False
    assert ecs.describe_service_deployments(["x"]) is None


def test_helpers() -> None:
    assert revision_of("arn:aws:ecs:r:1:task-definition/web:7") == 7
    assert revision_of("web") is None
    assert family_of("arn:aws:ecs:r:1:task-definition/web-api:7") == "web-api"
    assert not is_unsupported(ValueError("boom"))


@pytest.mark.usefixtures("aws")
def test_target_health() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    elb = boto3.client("elbv2", region_name=REGION)
    tg = elb.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.0.5", "Port": 80}])
    health = Elbv2(elb).target_health_many([arn, arn])
    assert [h.state for h in health[arn]] == ["healthy"]


@pytest.mark.usefixtures("aws")
def test_service_deployments_are_reused_only_when_asked_and_only_while_fresh() -> None:
    from botocore.awsrequest import AWSResponse

    client, _ = _setup(1)
    answered: list[int] = []

    def answer(**_: Any) -> tuple[Any, dict[str, Any]]:
        answered.append(1)
        body = {"serviceDeployments": [{"serviceDeploymentArn": "arn:sd/1", "status": "SUCCESSFUL"}]}
        return AWSResponse("http://127.0.0.1/", 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    client.meta.events.register("before-call.ecs.ListServiceDeployments", answer)
    ecs = Ecs(client)
    first = ecs.list_service_deployments("c", "svc-0", max_results=100)
    assert first is not None and first[0]["status"] == "SUCCESSFUL"
    assert ecs.list_service_deployments("c", "svc-0", max_results=100, max_age=5.0) == first  # reused
    assert len(answered) == 1
    ecs.list_service_deployments("c", "svc-0", max_results=100)  # not asked to reuse: read again
    ecs.list_service_deployments("c", "svc-0", max_results=10, max_age=5.0)  # another question
    assert len(answered) == 3
