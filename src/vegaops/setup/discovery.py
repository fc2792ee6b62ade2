"""What is really there: ECS clusters, services, containers, log groups, secrets references, ECR
repositories and target groups. Read-only AWS calls; no printing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_ecs.type_defs import ServiceTypeDef
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ssm import SSMClient

_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")  # the random suffix AWS appends to secret ARNs


@dataclass(frozen=True)
class Reference:
    """A secret or parameter a container receives through ``valueFrom``."""

    variable: str
    value_from: str
    container: str

    @property
    def store(self) -> str:
        return "ssm" if ":ssm:" in self.value_from or not self.value_from.startswith("arn:") else "secretsmanager"

    @property
    def name(self) -> str:
        """The secret name or parameter name (ARN suffixes and JSON-key selectors removed)."""
        v = self.value_from
        if self.store == "ssm":
            if v.startswith("arn:"):
                return "/" + v.split(":parameter/", 1)[1].lstrip("/")
            return v
        # arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-6chars[:json-key:version-stage:version-id]
        name = v.split(":secret:", 1)[1].split(":", 1)[0]
        return _SUFFIX.sub("", name)

    @property
    def secret_id(self) -> str:
        """What to ask Secrets Manager for: the ARN without a JSON-key selector, or the name."""
        if self.value_from.startswith("arn:"):
            head, _, rest = self.value_from.partition(":secret:")
            return f"{head}:secret:{rest.split(':', 1)[0]}"
        return self.value_from


@dataclass(frozen=True)
class ServiceInfo:
    ecs_service: str
    task_definition: str
    containers: tuple[str, ...]
    images: dict[str, str]
    log_groups: dict[str, str]
    references: tuple[Reference, ...]
    target_groups: tuple[str, ...]
    health_paths: tuple[str, ...]
    load_balancer_dns: tuple[str, ...] = ()


@dataclass
class Estate:
    region: str | None
    clusters: list[str] = field(default_factory=list)
    services: dict[str, ServiceInfo] = field(default_factory=dict)
    repositories: list[str] = field(default_factory=list)


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def list_clusters(ecs: ECSClient) -> list[str]:
    arns: list[str] = []
    for page in ecs.get_paginator("list_clusters").paginate():
        arns.extend(page.get("clusterArns", []))
    return sorted(_short(a) for a in arns)


def list_services(ecs: ECSClient, cluster: str) -> list[str]:
    arns: list[str] = []
    for page in ecs.get_paginator("list_services").paginate(cluster=cluster):
        arns.extend(page.get("serviceArns", []))
    return sorted(_short(a) for a in arns)


def list_repositories(ecr: ECRClient) -> list[str]:
    names: list[str] = []
    for page in ecr.get_paginator("describe_repositories").paginate():
        names.extend(r["repositoryName"] for r in page.get("repositories", []))
    return sorted(names)


def describe_services(
    ecs: ECSClient, elbv2: ElasticLoadBalancingv2Client, cluster: str, names: list[str]
) -> dict[str, ServiceInfo]:
    found: dict[str, ServiceInfo] = {}
    for i in range(0, len(names), 10):
        response = ecs.describe_services(cluster=cluster, services=names[i : i + 10])
        for svc in response.get("services", []):
            found[svc["serviceName"]] = _service_info(ecs, elbv2, svc)
    return found


def _target_group_name(arn: str) -> str:
    """``arn:...:targetgroup/NAME/ID`` -> ``NAME``."""
    return arn.split(":targetgroup/", 1)[-1].split("/", 1)[0]


def _service_info(ecs: ECSClient, elbv2: ElasticLoadBalancingv2Client, svc: ServiceTypeDef) -> ServiceInfo:
    td_arn = svc.get("taskDefinition", "")
    td = ecs.describe_task_definition(taskDefinition=td_arn)["taskDefinition"]
    containers: list[str] = []
    images: dict[str, str] = {}
    logs: dict[str, str] = {}
    refs: list[Reference] = []
    for c in td.get("containerDefinitions", []):
        name = c["name"]
        containers.append(name)
        images[name] = c.get("image", "")
        log = c.get("logConfiguration")
        if log is not None and log.get("logDriver") == "awslogs":
            logs[name] = log.get("options", {}).get("awslogs-group", "")
        refs.extend(Reference(s["name"], s["valueFrom"], name) for s in c.get("secrets", []))
    tgs = tuple(lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn"))
    paths: list[str] = []
    dns: list[str] = []
    if tgs:
        groups = elbv2.describe_target_groups(TargetGroupArns=list(tgs)).get("TargetGroups", [])
        paths = [g.get("HealthCheckPath", "/") for g in groups]
        lb_arns = sorted({a for g in groups for a in g.get("LoadBalancerArns", [])})
        if lb_arns:
            lbs = elbv2.describe_load_balancers(LoadBalancerArns=lb_arns).get("LoadBalancers", [])
            dns = [lb["DNSName"] for lb in lbs if lb.get("DNSName")]
    return ServiceInfo(
        ecs_service=svc["serviceName"],
        task_definition=td.get("taskDefinitionArn", td_arn),
        containers=tuple(containers),
        images=images,
        log_groups=logs,
        references=tuple(refs),
        target_groups=tuple(_target_group_name(t) for t in tgs),
        health_paths=tuple(paths),
        load_balancer_dns=tuple(dns),
    )


def existing_secrets(sm: SecretsManagerClient, refs: list[Reference]) -> set[str]:
    """Names (``Reference.name``) of the referenced secrets that exist: by ARN first, then by name."""
    from vegaops.aws.errors import error_code

    present: set[str] = set()
    for ref in refs:
        if ref.name in present:
            continue
        for secret_id in dict.fromkeys((ref.secret_id, ref.name)):
            try:
                sm.describe_secret(SecretId=secret_id)
            except Exception as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                continue
            present.add(ref.name)
            break
    return present


def existing_params(ssm: SSMClient, names: list[str]) -> set[str]:
    present: set[str] = set()
    for i in range(0, len(names), 10):
        response = ssm.get_parameters(Names=names[i : i + 10])
        present.update(p["Name"] for p in response.get("Parameters", []))
    return present
