"""A small Vega estate in moto: cluster, services with secrets/params references, ECR, target groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

REGION = "eu-central-1"
ACCOUNT = "123456789012"


def seed_estate(missing: bool = True) -> dict[str, Any]:
    ecs = boto3.client("ecs", region_name=REGION)
    ecr = boto3.client("ecr", region_name=REGION)
    sm = boto3.client("secretsmanager", region_name=REGION)
    ssm = boto3.client("ssm", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    elbv2 = boto3.client("elbv2", region_name=REGION)

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    lb = elbv2.create_load_balancer(Name="vega-prod-alb", Subnets=subnets)["LoadBalancers"][0]
    tg = elbv2.create_target_group(
        Name="vega-api-tg", Protocol="HTTP", Port=8080, VpcId=vpc, HealthCheckPath="/v1/health", TargetType="ip"
    )["TargetGroups"][0]
    elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )

    db = sm.create_secret(Name="vega/prod/database-url", SecretString="postgres://u:p@db/vega")["ARN"]
    token_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:vega/prod/management-token-AbCdEf"
    if not missing:
        sm.create_secret(Name="vega/prod/management-token", SecretString="tok")
        ssm.put_parameter(Name="/vega/prod/redis-endpoint", Value="redis://r", Type="String")
    ssm.put_parameter(Name="/vega/prod/log-level", Value="info", Type="String")
    for repo in ("vega-api", "vega-worker", "other"):
        ecr.create_repository(repositoryName=repo)

    ecs.create_cluster(clusterName="vega-prod")
    ecs.create_cluster(clusterName="vega-staging")
    param_arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/vega/prod/log-level"
    for name, container in (("vega-api", "api"), ("vega-worker", "worker")):
        ecs.register_task_definition(
            family=name,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": container,
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}:v1.2.2-stable",
                    "essential": True,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": f"/ecs/{name}",
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "ecs",
                        },
                    },
                    "secrets": [
                        {"name": "DATABASE_URL", "valueFrom": db},
                        {"name": "MANAGEMENT_TOKEN", "valueFrom": token_arn},
                        {"name": "LOG_LEVEL", "valueFrom": param_arn},
                        {"name": "REDIS_ADDR", "valueFrom": "/vega/prod/redis-endpoint"},
                    ],
                },
                {"name": "xray", "image": "amazon/aws-xray-daemon", "essential": False},
            ],
        )
        kwargs: dict[str, Any] = {}
        if name == "vega-api":
            kwargs["loadBalancers"] = [
                {"targetGroupArn": tg["TargetGroupArn"], "containerName": container, "containerPort": 8080}
            ]
        ecs.create_service(
            cluster="vega-prod", serviceName=name, taskDefinition=name, desiredCount=2, launchType="FARGATE", **kwargs
        )
    return {"lb_dns": lb["DNSName"], "tg": tg["TargetGroupArn"]}


@pytest.fixture
def estate(aws: None) -> Iterator[dict[str, Any]]:
    yield seed_estate()
