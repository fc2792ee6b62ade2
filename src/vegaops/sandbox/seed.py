"""The seeded estate: the built-in Vega demo, or the services of a vegaops.toml, created through the AWS APIs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vegaops.sandbox.env import (
    CLUSTER,
    DEMO_SERVICES,
    DEMO_STRATEGIES,
    PARAMS_PREFIX,
    SECRETS_PREFIX,
    SOURCE_REPO_PREFIX,
)
from vegaops.sandbox.state import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from vegaops.sandbox.simulator import Simulator

REGISTRY = f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"
RUNNING_TAG = "v1.2.2-stable"
# tag -> behaviour of its image (by digest)
PROD_TAGS = {
    "v1.2.2-stable": "good",
    "v1.2.3-stable": "good",
    "v1.2.4-crash": "crash",
    "v1.2.5-oom": "oom",
    "v1.2.6-unhealthy": "unhealthy",
}
SOURCE_TAGS = {"sha-abc123": "good", "v1.3.0-stable": "good"}
SECRETS = {
    "database-url": "postgresql://vega:sandbox-password@vega-db.sandbox.internal:5432/vega",
    "management-token": "mgmt-sandbox-4f1c2a9e7b",
    "openai-api-key": "sk-sandbox-000000000000000000000000",
}
PARAMS = {
    "log-level": "INFO",
    "cache-enabled": "true",
    "redis-endpoint": "vega-redis.sandbox.internal:6379",
    "rate-limit-rpm": "600",
}
CIRCUIT_BREAKER = {
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


# Seed 002: the LLM proxy on ARM64 (Graviton, ~20% less), autoscaled between 1 and 4 tasks.
ARM64_SERVICES = {"llm-proxy": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}}
AUTOSCALING = {"llm-proxy": (1, 4), "api": (2, 6)}


@dataclass(frozen=True)
class SeedService:
    key: str
    ecs_service: str
    container: str
    ecr_repo: str
    behind_alb: bool


@dataclass
class SeedResult:
    behaviours: dict[str, str] = field(default_factory=dict)  # digest -> behaviour
    services: list[str] = field(default_factory=list)  # ECS service names
    service_keys: dict[str, str] = field(default_factory=dict)  # key -> ECS service name
    deployment_configuration: dict[str, dict[str, Any]] = field(default_factory=dict)


def services_from_config(config_path: Path | None) -> list[SeedService]:
    """The services to seed: the vegaops.toml's [service.*] when it has any, else the Vega demo."""
    if config_path is not None and config_path.is_file():
        from vegaops.config import parse_config

        cfg = parse_config(config_path.read_text(encoding="utf-8"), config_path)
        if cfg.services:
            return [
                SeedService(
                    key=name,
                    ecs_service=str(t.get("ecs_service", name)),
                    container=str(t.get("container") or name),
                    ecr_repo=str(t.get("ecr_repo") or t.get("ecs_service", name)),
                    behind_alb=bool(t.get("health_url")),
                )
                for name, t in cfg.services.items()
            ]
    return [SeedService(k, svc, c, repo, alb) for k, (svc, c, repo, alb) in DEMO_SERVICES.items()]


def _manifest(repo: str, tag: str) -> str:
    def digest(text: str) -> str:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1469,
                "digest": digest(f"config:{repo}:{tag}"),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 29_124_000,
                    "digest": digest("layer:python-3.12-slim"),
                },
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 4_210_000 + len(tag),
                    "digest": digest(f"layer:{repo.removeprefix(SOURCE_REPO_PREFIX)}:{tag}"),
                },
            ],
        }
    )


def seed(client: Callable[[str], Any], config_path: Path | None = None) -> SeedResult:
    """Create the estate through the AWS APIs (``client(service_name)`` gives a boto3 client)."""
    result = SeedResult()
    services = services_from_config(config_path)
    ec2, ecr, ecs = client("ec2"), client("ecr"), client("ecs")
    sm, ssm, logs, elbv2 = client("secretsmanager"), client("ssm"), client("logs"), client("elbv2")

    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault"))
    subnets = [
        s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    ][:2]
    sg = ec2.create_security_group(
        GroupName="vega-sandbox-tasks", Description="vega sandbox tasks", VpcId=vpc["VpcId"]
    )["GroupId"]
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "DISABLED"}}

    secret_arns = {}
    for name, value in SECRETS.items():
        secret_arns[name] = sm.create_secret(
            Name=f"{SECRETS_PREFIX}{name}", SecretString=value, Tags=[{"Key": "app", "Value": "vega"}]
        )["ARN"]
    for name, value in PARAMS.items():
        ssm.put_parameter(Name=f"{PARAMS_PREFIX}{name}", Value=value, Type="String")

    alb_arn = None
    if any(s.behind_alb for s in services):
        alb_arn = elbv2.create_load_balancer(
            Name="vega-sandbox-alb", Subnets=subnets, SecurityGroups=[sg], Scheme="internet-facing", Type="application"
        )["LoadBalancers"][0]["LoadBalancerArn"]

    ecs.create_cluster(clusterName=CLUSTER, capacityProviders=["FARGATE"])
    listener_arn = None
    tds: dict[str, str] = {}
    labels: dict[str, str] = {}
    for priority, svc in enumerate(services, start=1):
        digests = {}
        for repo, tags in ((svc.ecr_repo, PROD_TAGS), (f"{SOURCE_REPO_PREFIX}{svc.ecr_repo}", SOURCE_TAGS)):
            ecr.create_repository(repositoryName=repo)
            for tag, behaviour in tags.items():
                image = ecr.put_image(
                    repositoryName=repo,
                    imageTag=tag,
                    imageManifest=_manifest(repo, tag),
                    imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json",
                )
                digest = image["image"]["imageId"]["imageDigest"]
                result.behaviours[digest] = behaviour
                digests[(repo, tag)] = digest
        group = f"/ecs/{svc.ecs_service}"
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=30)
        container: dict[str, Any] = {
            "name": svc.container,
            "image": f"{REGISTRY}/{svc.ecr_repo}@{digests[(svc.ecr_repo, RUNNING_TAG)]}",
            "essential": True,
            "cpu": 256,
            "memory": 512,
            "environment": [{"name": "APP_ENV", "value": "sandbox"}, {"name": "IMAGE_TAG", "value": RUNNING_TAG}],
            "secrets": [{"name": n.upper().replace("-", "_"), "valueFrom": secret_arns[n]} for n in SECRETS]
            + [
                {
                    "name": n.upper().replace("-", "_"),
                    "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter{PARAMS_PREFIX}{n}",
                }
                for n in PARAMS
            ],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"},
            },
        }
        if svc.behind_alb:
            container["portMappings"] = [{"containerPort": 8080, "protocol": "tcp"}]
        platform = ARM64_SERVICES.get(svc.key)
        td = ecs.register_task_definition(
            family=svc.ecs_service,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            **({"runtimePlatform": platform} if platform else {}),
            containerDefinitions=[container],
            executionRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/vega-sandbox-execution",
            taskRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/vega-sandbox-task",
        )["taskDefinition"]["taskDefinitionArn"]
        load_balancers = []
        if svc.behind_alb and alb_arn:
            tg = elbv2.create_target_group(
                Name=f"{svc.ecs_service}-tg"[:32],
                Protocol="HTTP",
                Port=8080,
                VpcId=vpc["VpcId"],
                TargetType="ip",
                HealthCheckPath="/v1/health",
                HealthCheckIntervalSeconds=15,
                HealthyThresholdCount=2,
                UnhealthyThresholdCount=3,
                Matcher={"HttpCode": "200"},
            )["TargetGroups"][0]["TargetGroupArn"]
            if listener_arn is None:
                listener_arn = elbv2.create_listener(
                    LoadBalancerArn=alb_arn,
                    Protocol="HTTP",
                    Port=80,
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
                )["Listeners"][0]["ListenerArn"]
            else:
                elbv2.create_rule(
                    ListenerArn=listener_arn,
                    Priority=priority,
                    Conditions=[{"Field": "path-pattern", "Values": [f"/{svc.key}/*"]}],
                    Actions=[{"Type": "forward", "TargetGroupArn": tg}],
                )
            load_balancers = [{"targetGroupArn": tg, "containerName": svc.container, "containerPort": 8080}]
        strategy = DEMO_STRATEGIES.get(svc.ecs_service) if not config_path else None
        if strategy and load_balancers and listener_arn:
            # blue/green: the alternate (green) target group and the production listener rule it switches
            green = elbv2.create_target_group(
                Name=f"{svc.ecs_service}-green"[:32],
                Protocol="HTTP",
                Port=8080,
                VpcId=vpc["VpcId"],
                TargetType="ip",
                HealthCheckPath="/v1/health",
            )["TargetGroups"][0]["TargetGroupArn"]
            rule = elbv2.create_rule(
                ListenerArn=listener_arn,
                Priority=100 + priority,
                Conditions=[{"Field": "path-pattern", "Values": [f"/{svc.key}/v2/*"]}],
                Actions=[{"Type": "forward", "TargetGroupArn": load_balancers[0]["targetGroupArn"]}],
            )["Rules"][0]["RuleArn"]
            load_balancers[0]["advancedConfiguration"] = {
                "alternateTargetGroupArn": green,
                "productionListenerRule": rule,
                "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/vega-sandbox-ecs-infrastructure",
            }
        deployment_configuration = {**CIRCUIT_BREAKER, **(strategy or {})}
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=svc.ecs_service,
            taskDefinition=td,
            desiredCount=2,
            launchType="FARGATE",
            platformVersion="1.4.0",
            networkConfiguration=network,
            loadBalancers=load_balancers,
            deploymentConfiguration=deployment_configuration,
            propagateTags="SERVICE",
            tags=[{"key": "app", "value": "vega"}, {"key": "service", "value": svc.key}],
        )
        result.services.append(svc.ecs_service)
        result.service_keys[svc.key] = svc.ecs_service
        result.deployment_configuration[svc.ecs_service] = deployment_configuration
        tds[svc.key] = td
        if load_balancers and alb_arn:
            labels[svc.key] = _resource_label(alb_arn, load_balancers[0]["targetGroupArn"])
    seed_autoscaling(client, services, labels)
    seed_schedules(client, services, tds, network)
    return result


def _resource_label(alb_arn: str, tg_arn: str) -> str:
    """ALBRequestCountPerTarget's resource label: app/<alb>/<id>/targetgroup/<tg>/<id>."""
    return f"{alb_arn.split(':loadbalancer/', 1)[-1]}/{tg_arn.split(':', 5)[-1]}"


def seed_autoscaling(client: Callable[[str], Any], services: list[SeedService], labels: dict[str, str]) -> None:
    """Application Auto Scaling targets and target-tracking policies (seed 002: 1-4 tasks, CPU 70%, 500
    requests per target, scale out after 2 minutes, in after 10)."""
    aas = client("application-autoscaling")
    for svc in services:
        bounds = AUTOSCALING.get(svc.key)
        if bounds is None:
            continue
        resource = f"service/{CLUSTER}/{svc.ecs_service}"
        aas.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=bounds[0],
            MaxCapacity=bounds[1],
        )
        metrics: list[dict[str, Any]] = [{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}]
        if svc.key in labels:
            metrics.append({"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": labels[svc.key]})
        for spec, target in zip(metrics, (70.0, 500.0), strict=False):
            aas.put_scaling_policy(
                PolicyName=f"{svc.ecs_service}-{'cpu' if target == 70.0 else 'requests'}",
                ServiceNamespace="ecs",
                ResourceId=resource,
                ScalableDimension="ecs:service:DesiredCount",
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": target,
                    "PredefinedMetricSpecification": spec,
                    "ScaleOutCooldown": 120,
                    "ScaleInCooldown": 600,
                },
            )


def seed_schedules(
    client: Callable[[str], Any], services: list[SeedService], tds: dict[str, str], network: dict[str, Any]
) -> None:
    """A Vega job on a schedule: the worker's image runs the nightly digest (EventBridge Scheduler) and an hourly
    cleanup (an EventBridge rule), both pinned to the worker's revision as deployed today."""
    worker = next((s for s in services if s.key == "worker"), None)
    if worker is None or worker.key not in tds:
        return
    cluster_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:cluster/{CLUSTER}"
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/vega-sandbox-scheduler"
    vpc = network["awsvpcConfiguration"]
    ecs_parameters = {
        "TaskDefinitionArn": tds[worker.key],
        "TaskCount": 1,
        "LaunchType": "FARGATE",
        "NetworkConfiguration": {
            "awsvpcConfiguration": {
                "Subnets": vpc["subnets"],
                "SecurityGroups": vpc["securityGroups"],
                "AssignPublicIp": "DISABLED",
            }
        },
    }
    # the sandbox runs a one-off task's command as a local process (vegaops.sandbox.oneoff): a shell line here
    digest = ["sh", "-c", "echo 'vega digest: summarising yesterday' && echo 'vega digest: 42 accounts, done'"]
    job = {"containerOverrides": [{"name": worker.container, "command": digest}]}
    client("scheduler").create_schedule(
        Name="vega-nightly-digest",
        ScheduleExpression="cron(0 3 * * ? *)",
        ScheduleExpressionTimezone="Europe/Berlin",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": cluster_arn, "RoleArn": role, "EcsParameters": ecs_parameters, "Input": json.dumps(job)},
    )
    events = client("events")
    events.put_rule(Name="vega-hourly-cleanup", ScheduleExpression="rate(1 hour)")
    cleanup = {"containerOverrides": [{"name": worker.container, "command": ["sh", "-c", "echo 'vega cleanup: done'"]}]}
    events.put_targets(
        Rule="vega-hourly-cleanup",
        Targets=[
            {
                "Id": "cleanup",
                "Arn": cluster_arn,
                "RoleArn": role,
                "EcsParameters": {
                    **ecs_parameters,
                    "NetworkConfiguration": {
                        "awsvpcConfiguration": {
                            "Subnets": vpc["subnets"],
                            "SecurityGroups": vpc["securityGroups"],
                            "AssignPublicIp": "DISABLED",
                        }
                    },
                },
                "Input": json.dumps(cleanup),
            }
        ],
    )


def adopt_seeded(sim: Simulator, result: SeedResult) -> None:
    """Hand the seeded services to the simulator as already rolled out (2 running tasks, steady state)."""
    sim.behaviours.update(result.behaviours)
    sim.service_keys.update(result.service_keys)
    for name in result.services:
        service = sim.backend.services[f"{CLUSTER}:{name}"]
        service.deployment_configuration = dict(result.deployment_configuration[name])
        service.enable_execute_command = True  # ECS Exec on (moto's CreateService drops it): vegaops shell works
        sim.adopt(service, instant=True)
