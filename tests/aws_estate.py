"""A small ECS estate in moto (mock_aws or server) for the logs/health/debug tests."""

from __future__ import annotations

import contextlib
from typing import Any

import boto3

REGION = "eu-central-1"


def awslogs(group: str, prefix: str = "ecs") -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {"awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": prefix},
    }


def seed_service(
    name: str = "vega-api",
    container: str = "api",
    cluster: str = "vega-staging",
    desired: int = 0,
    log_config: dict[str, Any] | None = None,
    target_group: bool = False,
    secrets: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    ecs = boto3.client("ecs", REGION)
    ecs.create_cluster(clusterName=cluster)
    definition: dict[str, Any] = {
        "name": container,
        "image": f"123.dkr.ecr.{REGION}.amazonaws.com/{name}:v1",
        "memory": 512,
        "essential": True,
        "logConfiguration": log_config or awslogs(f"/ecs/{name}"),
    }
    if secrets:
        definition["secrets"] = secrets
    td = ecs.register_task_definition(
        family=name,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[definition],
    )
    kwargs: dict[str, Any] = {}
    tg_arn = None
    if target_group:
        ec2 = boto3.client("ec2", REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        elb = boto3.client("elbv2", REGION)
        tg_arn = elb.create_target_group(
            Name=f"{name}-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", HealthCheckPath="/v1/health"
        )["TargetGroups"][0]["TargetGroupArn"]
        kwargs["loadBalancers"] = [{"targetGroupArn": tg_arn, "containerName": container, "containerPort": 8080}]
    svc = ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=name, desiredCount=desired, launchType="FARGATE", **kwargs
    )["service"]
    return {"service": svc, "task_definition": td["taskDefinition"], "target_group": tg_arn}


def put_events(group: str, stream: str, events: list[tuple[int, str]]) -> None:
    logs = boto3.client("logs", REGION)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": ts, "message": m} for ts, m in events]
    )
