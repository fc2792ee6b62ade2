"""What the environment runs now, read from AWS for ``vegaops cost``.

The services (DescribeServices, DescribeTaskDefinition) are the minimum; every other read (the cluster's default
capacity provider strategy, the load balancers, NAT gateways, databases, caches, secrets, log ingestion) is an
enrichment: denied, unsupported or failing, it is reported once and that line of the estimate says it was not
read, while the rest is still shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass
class ServiceRun:
    key: str
    name: str
    task_definition: str
    td: dict[str, Any]
    desired: int
    running: int
    launch_type: str | None
    strategy: list[dict[str, Any]]
    behind_lb: bool
    subnets: list[str] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)


@dataclass
class Extra:
    """One environment resource priced by ``key`` x ``quantity`` (``None`` quantity: it could not be read)."""

    item: str
    detail: str
    key: str | None
    quantity: float | None
    unit: str
    why_not: str | None = None  # what could not be read, in place of the figure
    idle: bool = False  # a NAT gateway that sent nothing in the window (CloudWatch BytesOutToDestination)


LOGS_WINDOW_DAYS = 7


def services(ctx: AppContext, names: list[str]) -> list[ServiceRun]:
    from vegaops.deploy.core import selected
    from vegaops.errors import UsageError

    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    try:
        pairs = selected(ctx, names)
    except UsageError:  # nothing configured: every service of the cluster
        paginator = ctx.aws.ecs_client.get_paginator("list_services")
        arns = [a for page in paginator.paginate(cluster=cluster) for a in page.get("serviceArns", [])]
        pairs = [(a.rsplit("/", 1)[-1], a.rsplit("/", 1)[-1]) for a in arns]
    found = ecs.require_services(cluster, [n for _, n in pairs], hint="check the names and --env", inactive=True)
    default_strategy: list[dict[str, Any]] | None = None
    out: list[ServiceRun] = []
    for key, name in pairs:
        svc: dict[str, Any] = dict(found[name])
        td = ecs.describe_task_definition(str(svc.get("taskDefinition")), tags=False)
        strategy: list[dict[str, Any]] = [dict(i) for i in svc.get("capacityProviderStrategy") or []]
        launch_type = svc.get("launchType") or None
        if not strategy and not launch_type:
            if default_strategy is None:
                default_strategy = _cluster_strategy(ctx, cluster)
            strategy = default_strategy
        network = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        groups = sorted(
            {
                str(opts.get("awslogs-group"))
                for c in td.containers
                for opts in [((c.get("logConfiguration") or {}).get("options") or {})]
                if (c.get("logConfiguration") or {}).get("logDriver") == "awslogs" and opts.get("awslogs-group")
            }
        )
        tgs = [lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")]
        out.append(
            ServiceRun(
                key=key,
                name=name,
                task_definition=td.arn,
                td=td.raw,
                desired=int(svc.get("desiredCount") or 0),
                running=int(svc.get("runningCount") or 0),
                launch_type=launch_type,
                strategy=strategy,
                behind_lb=bool(tgs),
                subnets=list(network.get("subnets") or []),
                log_groups=groups,
                target_groups=tgs,
            )
        )
    return out


def _cluster_strategy(ctx: AppContext, cluster: str) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        clusters = ctx.aws.ecs_client.describe_clusters(clusters=[cluster]).get("clusters") or []
        return [dict(i) for i in clusters[0].get("defaultCapacityProviderStrategy") or []] if clusters else []

    found: list[dict[str, Any]] = ctx.enrichment.call(
        "ecs:DescribeClusters", read, [], "the cluster's default capacity provider strategy (FARGATE assumed)"
    )
    return found


def _not_read(ctx: AppContext, operation: str) -> str:
    skip = next((s for s in ctx.enrichment.skipped if s.operation == operation), None)
    return f"not read ({skip.why})" if skip else "not read"


def _vpcs(ctx: AppContext, runs: list[ServiceRun]) -> list[str] | None:
    subnets = sorted({s for r in runs for s in r.subnets})
    if not subnets:
        return []
    answer = ctx.enrichment.call(
        "ec2:DescribeSubnets",
        lambda: ctx.aws.ec2.describe_subnets(SubnetIds=subnets),
        None,
        "the services' VPC (NAT gateways, databases and caches in it)",
    )
    if answer is None:
        return None
    return sorted({str(s["VpcId"]) for s in answer.get("Subnets", []) if s.get("VpcId")})


def extras(ctx: AppContext, runs: list[ServiceRun]) -> list[Extra]:
    """The environment's shared resources around the services (each one an enrichment)."""
    out: list[Extra] = []
    out += _load_balancers(ctx, runs)
    vpcs = _vpcs(ctx, runs)
    out += _nat_gateways(ctx, vpcs)
    out += _databases(ctx, vpcs)
    out += _caches(ctx, vpcs)
    out += _secrets(ctx)
    out += _logs(ctx, runs)
    return out


def _load_balancers(ctx: AppContext, runs: list[ServiceRun]) -> list[Extra]:
    tgs = sorted({t for r in runs for t in r.target_groups})
    if not tgs:
        return []
    op = "elasticloadbalancing:DescribeTargetGroups"
    answer = ctx.enrichment.call(
        op,
        lambda: ctx.aws.elbv2_client.describe_target_groups(TargetGroupArns=tgs),
        None,
        "the services' load balancers",
    )
    if answer is None:
        return [Extra("load balancer", "the services' ALB", None, None, "hours", _not_read(ctx, op))]
    albs = sorted({lb for tg in answer.get("TargetGroups", []) for lb in tg.get("LoadBalancerArns", [])})
    return [
        Extra(
            "load balancer",
            (arn.split("/")[-2] if arn.count("/") >= 2 else arn) + " (hours; LCUs not counted)",
            "alb.hour",
            730.0,
            "hours",
        )
        for arn in albs
    ]


def _nat_gateways(ctx: AppContext, vpcs: list[str] | None) -> list[Extra]:
    op = "ec2:DescribeNatGateways"
    if vpcs is None:
        return [
            Extra("NAT gateways", "in the services' VPC", None, None, "hours", _not_read(ctx, "ec2:DescribeSubnets"))
        ]
    if not vpcs:
        return []

    def read() -> list[dict[str, Any]]:
        paginator = ctx.aws.ec2.get_paginator("describe_nat_gateways")
        pages = paginator.paginate(
            Filters=[{"Name": "vpc-id", "Values": vpcs}, {"Name": "state", "Values": ["available", "pending"]}]
        )
        return [dict(n) for page in pages for n in page.get("NatGateways", [])]

    nats = ctx.enrichment.call(op, read, None, "NAT gateways")
    if nats is None:
        return [Extra("NAT gateways", "in the services' VPC", None, None, "hours", _not_read(ctx, op))]
    out = []
    for n in nats:
        nat_id = str(n.get("NatGatewayId"))
        idle = _nat_idle(ctx, nat_id)
        out.append(
            Extra("NAT gateway", f"{nat_id} (hours; data processed not counted)", "nat.hour", 730.0, "hours", idle=idle)
        )
    return out


def _nat_idle(ctx: AppContext, nat_id: str) -> bool:
    """True when CloudWatch has the NAT gateway's datapoints for the window and they sum to 0 bytes out."""
    now = ctx.clock.now()

    def read() -> bool:
        answer = ctx.aws.cloudwatch.get_metric_statistics(
            Namespace="AWS/NATGateway",
            MetricName="BytesOutToDestination",
            Dimensions=[{"Name": "NatGatewayId", "Value": nat_id}],
            StartTime=now - timedelta(days=LOGS_WINDOW_DAYS),
            EndTime=now,
            Period=86400,
            Statistics=["Sum"],
        )
        points = answer.get("Datapoints", [])
        return bool(points) and sum(float(p.get("Sum") or 0) for p in points) == 0

    return bool(ctx.enrichment.call("cloudwatch:GetMetricStatistics", read, False, "whether a NAT gateway is idle"))


def _databases(ctx: AppContext, vpcs: list[str] | None) -> list[Extra]:
    if not vpcs:
        return []
    op = "rds:DescribeDBInstances"

    def read() -> list[dict[str, Any]]:
        paginator = ctx.aws.rds.get_paginator("describe_db_instances")
        return [dict(i) for page in paginator.paginate() for i in page.get("DBInstances", [])]

    instances = ctx.enrichment.call(op, read, None, "databases (RDS/Aurora)")
    if instances is None:
        return [Extra("database", "RDS/Aurora in the services' VPC", None, None, "hours", _not_read(ctx, op))]
    out: list[Extra] = []
    clusters: dict[str, dict[str, Any]] | None = None
    for inst in instances:
        if (inst.get("DBSubnetGroup") or {}).get("VpcId") not in vpcs:
            continue
        name, klass = str(inst.get("DBInstanceIdentifier")), str(inst.get("DBInstanceClass"))
        if klass == "db.serverless":
            if clusters is None:
                clusters = _db_clusters(ctx)
            scaling = (clusters.get(str(inst.get("DBClusterIdentifier"))) or {}).get(
                "ServerlessV2ScalingConfiguration"
            ) or {}
            acu = scaling.get("MinCapacity")
            if acu is None:
                out.append(
                    Extra("database", f"{name} (Aurora Serverless v2)", None, None, "ACU-hours", "capacity not read")
                )
            else:
                out.append(
                    Extra(
                        "database",
                        f"{name} (Aurora Serverless v2 at its minimum {acu:g} ACU)",
                        "aurora.serverless.acu",
                        float(acu) * 730,
                        "ACU-hours",
                    )
                )
            continue
        multi = 2.0 if inst.get("MultiAZ") else 1.0
        out.append(
            Extra(
                "database",
                f"{name} ({klass}{', Multi-AZ' if multi > 1 else ''})",
                f"rds.instance:{klass}",
                730.0 * multi,
                "instance-hours",
            )
        )
    return out


def _db_clusters(ctx: AppContext) -> dict[str, dict[str, Any]]:
    def read() -> dict[str, dict[str, Any]]:
        paginator = ctx.aws.rds.get_paginator("describe_db_clusters")
        return {str(c.get("DBClusterIdentifier")): dict(c) for page in paginator.paginate() for c in page["DBClusters"]}

    return ctx.enrichment.call("rds:DescribeDBClusters", read, {}, "Aurora Serverless v2 capacity")


def _caches(ctx: AppContext, vpcs: list[str] | None) -> list[Extra]:
    if not vpcs:
        return []
    op = "elasticache:DescribeCacheClusters"

    def read() -> list[dict[str, Any]]:
        paginator = ctx.aws.elasticache.get_paginator("describe_cache_clusters")
        return [dict(c) for page in paginator.paginate() for c in page.get("CacheClusters", [])]

    found = ctx.enrichment.call(op, read, None, "caches (ElastiCache)")
    if found is None:
        return [Extra("cache", "ElastiCache in the services' VPC", None, None, "hours", _not_read(ctx, op))]
    groups: dict[str, str] | None = None
    out: list[Extra] = []
    for c in found:
        group = str(c.get("CacheSubnetGroupName") or "")
        if group:
            if groups is None:
                groups = _cache_subnet_groups(ctx)
            if groups.get(group) not in vpcs:
                continue
        nodes = int(c.get("NumCacheNodes") or 1)
        node_type = str(c.get("CacheNodeType"))
        out.append(
            Extra(
                "cache",
                f"{c.get('CacheClusterId')} ({nodes} x {node_type})",
                f"elasticache.node:{node_type}",
                730.0 * nodes,
                "node-hours",
            )
        )
    return out


def _cache_subnet_groups(ctx: AppContext) -> dict[str, str]:
    def read() -> dict[str, str]:
        paginator = ctx.aws.elasticache.get_paginator("describe_cache_subnet_groups")
        return {
            str(g.get("CacheSubnetGroupName")): str(g.get("VpcId"))
            for page in paginator.paginate()
            for g in page.get("CacheSubnetGroups", [])
        }

    return ctx.enrichment.call("elasticache:DescribeCacheSubnetGroups", read, {}, "which VPC each cache is in")


def _secrets(ctx: AppContext) -> list[Extra]:
    prefix = ctx.settings.secrets_prefix
    if not prefix:
        return []
    op = "secretsmanager:ListSecrets"

    def read() -> int:
        paginator = ctx.aws.secretsmanager_client.get_paginator("list_secrets")
        pages = paginator.paginate(Filters=[{"Key": "name", "Values": [prefix]}])
        return sum(1 for page in pages for s in page.get("SecretList", []) if str(s.get("Name", "")).startswith(prefix))

    count = ctx.enrichment.call(op, read, None, "the environment's secrets")
    if count is None:
        return [Extra("secrets", f"under {prefix}", None, None, "secret-months", _not_read(ctx, op))]
    if not count:
        return []
    return [Extra("secrets", f"{count} under {prefix}", "secret.month", float(count), "secret-months")]


def _logs(ctx: AppContext, runs: list[ServiceRun]) -> list[Extra]:
    groups = sorted({g for r in runs for g in r.log_groups})
    if not groups:
        return []
    op = "cloudwatch:GetMetricStatistics"
    now = ctx.clock.now()
    start = now - timedelta(days=LOGS_WINDOW_DAYS)

    def read() -> float:
        total = 0.0
        for group in groups:
            answer = ctx.aws.cloudwatch.get_metric_statistics(
                Namespace="AWS/Logs",
                MetricName="IncomingBytes",
                Dimensions=[{"Name": "LogGroupName", "Value": group}],
                StartTime=start,
                EndTime=now,
                Period=86400,
                Statistics=["Sum"],
            )
            total += sum(float(p.get("Sum") or 0) for p in answer.get("Datapoints", []))
        return total

    incoming = ctx.enrichment.call(op, read, None, "log ingestion (CloudWatch Logs IncomingBytes)")
    if incoming is None:
        return [Extra("log ingestion", f"{len(groups)} log group(s)", None, None, "GB", _not_read(ctx, op))]
    gb_month = incoming / 1e9 * (730 / (LOGS_WINDOW_DAYS * 24))
    return [
        Extra(
            "log ingestion",
            f"{len(groups)} log group(s), {incoming / 1e9:.3g} GB in the last {LOGS_WINDOW_DAYS} days",
            "logs.ingest.gb",
            gb_month,
            "GB",
        )
    ]


def month_to_date(ctx: AppContext) -> dict[str, Any] | None:
    """Cost Explorer's month-to-date unblended cost (the account's total and per AWS service), or None."""
    today = ctx.clock.now().date()
    start = today.replace(day=1)
    end = today + timedelta(days=1)  # End is exclusive; today's partial day included

    def read() -> dict[str, Any]:
        answer = ctx.aws.ce.get_cost_and_usage(
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
            GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
        )
        by_service: dict[str, float] = {}
        for period in answer.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                amount = float(group.get("Metrics", {}).get("UnblendedCost", {}).get("Amount") or 0)
                name = str((group.get("Keys") or ["?"])[0])
                by_service[name] = by_service.get(name, 0.0) + amount
        return {
            "from": start.isoformat(),
            "to": today.isoformat(),
            "total_usd": round(sum(by_service.values()), 2),
            "by_service": {k: round(v, 2) for k, v in sorted(by_service.items(), key=lambda kv: -kv[1])},
            "scope": "the whole account (Cost Explorer)",
        }

    result: dict[str, Any] | None = ctx.enrichment.call(
        "ce:GetCostAndUsage", read, None, "the month-to-date actual cost (Cost Explorer)"
    )
    return result
