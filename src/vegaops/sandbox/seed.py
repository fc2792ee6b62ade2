"""Seed the sandbox estate through the AWS APIs (boto3 clients against moto)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from vegaops.sandbox import estate
from vegaops.sandbox.estate import ServiceSpec

ClientFn = Callable[[str], Any]


def _manifest(repo: str, tag: str) -> str:
    def blob(kind: str) -> str:
        return "sha256:" + hashlib.sha256(f"{repo}:{tag}:{kind}".encode()).hexdigest()

    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1470,
                   "digest": blob("config")},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2811478,
                    "digest": blob("base")},
                   {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 412311,
                    "digest": blob("app")}],
    })


def _image_digest(ecr: Any, repo: str, tag: str) -> str:
    r = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
    return str(r["imageDetails"][0]["imageDigest"])


def seed(client: ClientFn, services: tuple[ServiceSpec, ...] = estate.SERVICES,
         secrets_prefix: str = estate.SECRETS_PREFIX, params_prefix: str = estate.PARAMS_PREFIX,
         cluster: str = estate.CLUSTER) -> dict[str, str]:
    """Create the estate; returns image digest -> behaviour for the simulator."""
    behaviours: dict[str, str] = {}
    ecr, ecs, sm, ssm = client("ecr"), client("ecs"), client("secretsmanager"), client("ssm")
    logs, ec2, elb = client("logs"), client("ec2"), client("elbv2")

    # Network (Fargate tasks are awsvpc) and the ALB.
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24",
                                 AvailabilityZone=f"{estate.REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab", start=1)]
    sg = ec2.create_security_group(GroupName="vega-sandbox", Description="vega sandbox tasks", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name="vega-sandbox-alb", Subnets=subnets, SecurityGroups=[sg],
                                  Scheme="internet-facing", Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]

    for name, value in estate.SECRETS.items():
        sm.create_secret(Name=secrets_prefix + name, SecretString=value, Description=f"sandbox {name}")
    for name, value in estate.PARAMS.items():
        ssm.put_parameter(Name=params_prefix + name, Value=value, Type="String")
    secret_arns = {s["Name"]: s["ARN"] for s in sm.list_secrets()["SecretList"]}

    ecs.create_cluster(clusterName=cluster)
    for svc in services:
        for repo, tags in ((svc.repo, estate.TAGS), (estate.SOURCE_REPO_PREFIX + svc.repo, estate.SOURCE_TAGS)):
            ecr.create_repository(repositoryName=repo)
            for tag, behaviour in tags.items():
                ecr.put_image(repositoryName=repo, imageManifest=_manifest(repo.removeprefix("staging/"), tag),
                              imageTag=tag)
                behaviours[_image_digest(ecr, repo, tag)] = behaviour
        digest = _image_digest(ecr, svc.repo, estate.RUNNING_TAG)
        logs.create_log_group(logGroupName=svc.log_group)
        container: dict[str, Any] = {
            "name": svc.container,
            "image": f"{estate.REGISTRY}/{svc.repo}@{digest}",
            "essential": True,
            "cpu": 256,
            "memory": 512,
            "environment": [{"name": "NODE_ENV", "value": "production"},
                            {"name": "SERVICE", "value": svc.key}],
            "secrets": [{"name": k.upper().replace("-", "_"), "valueFrom": secret_arns[secrets_prefix + k]}
                        for k in svc.secrets]
                       + [{"name": k.upper().replace("-", "_"),
                           "valueFrom": f"arn:aws:ssm:{estate.REGION}:{estate.ACCOUNT}:parameter{params_prefix}{k}"}
                          for k in svc.params],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": svc.log_group, "awslogs-region": estate.REGION, "awslogs-stream-prefix": "ecs"}},
        }
        if svc.port:
            container["portMappings"] = [{"containerPort": svc.port, "protocol": "tcp"}]
        td = ecs.register_task_definition(
            family=svc.ecs_service, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
            memory="512", containerDefinitions=[container],
            executionRoleArn=f"arn:aws:iam::{estate.ACCOUNT}:role/vega-sandbox-execution",
            tags=[{"key": "vegaops:image-tag", "value": estate.RUNNING_TAG},
                  {"key": "vegaops:outcome", "value": "succeeded"}],
        )["taskDefinition"]["taskDefinitionArn"]
        load_balancers = []
        if svc.port:
            tg = elb.create_target_group(
                Name=svc.target_group, Protocol="HTTP", Port=svc.port, VpcId=vpc, TargetType="ip",
                HealthCheckPath="/v1/health", HealthCheckProtocol="HTTP",
            )["TargetGroups"][0]["TargetGroupArn"]
            elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=svc.port,
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
            load_balancers = [{"targetGroupArn": tg, "containerName": svc.container, "containerPort": svc.port}]
        ecs.create_service(
            cluster=cluster, serviceName=svc.ecs_service, taskDefinition=td, desiredCount=svc.desired,
            launchType="FARGATE", loadBalancers=load_balancers,
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg],
                                                          "assignPublicIp": "DISABLED"}},
        )
        ecs.update_service(cluster=cluster, service=svc.ecs_service, deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200, "minimumHealthyPercent": 100,
        })
    return behaviours


def wait_steady(is_steady: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_steady():
            return True
        time.sleep(0.05)
    return False
