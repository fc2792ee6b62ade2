"""``vegaops cost`` over an estate in (in-process) moto: a service's Fargate cost and the amounts of its savings hints,
computed by hand from the shipped eu-central-1 table (x86 $0.04656/vCPU-h, $0.00511/GB-h; ARM64 $0.03725, $0.00409).

(moto keeps no capacity provider strategy on a service, so the Spot share is covered by the arithmetic tests.)"""

from __future__ import annotations

import boto3
import pytest

from vegaops.context import AppContext


@pytest.mark.usefixtures("aws")
def test_a_services_cost_and_the_amounts_of_its_hints(app_context: AppContext) -> None:
    from vegaops.cost.report import cost

    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="1024",
        memory="2048",
        containerDefinitions=[{"name": "api", "image": "vega-api:1", "essential": True}],
    )
    ecs.create_service(
        cluster="vega-staging",
        serviceName="vega-api",
        taskDefinition="vega-api:1",
        desiredCount=4,
        launchType="FARGATE",
    )
    data = cost(app_context, ["api"]).data
    (svc,) = data["services"]
    # 4 x 730 h = 2920 task-hours x (1 vCPU x 0.04656 + 2 GB x 0.00511 = 0.05678) = 165.7976
    assert svc["monthly_usd"] == 165.8 and svc["architecture"] == "X86_64" and svc["spot_share"] == 0
    hints = {h["kind"]: h["saving_monthly_usd"] for h in data["hints"]}
    # ARM64: 2920 x (0.03725 + 2 x 0.00409 = 0.04543) = 132.6556 -> saves 33.142
    assert hints["arm64"] == 33.14
    # all on Spot (the table estimates 70 % off): saves 0.7 x 165.7976 = 116.05832
    assert hints["spot"] == 116.06
    # staging is not production: 12 h a night stopped saves half
    assert hints["night"] == 82.9
    assert data["total_monthly_usd"] == 165.8  # nothing else in this estate


@pytest.mark.usefixtures("aws")
def test_nat_gateways_in_the_services_vpc_and_the_hint_for_a_second_one(app_context: AppContext) -> None:
    from vegaops.cost.report import cost

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2)]
    nat_ids = [  # one NAT gateway per availability zone
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])[
            "NatGateway"
        ]["NatGatewayId"]
        for subnet in subnets
    ]
    from datetime import timedelta

    boto3.client("cloudwatch").put_metric_data(  # the first one sent nothing yesterday, the second 5 GB
        Namespace="AWS/NATGateway",
        MetricData=[
            {
                "MetricName": "BytesOutToDestination",
                "Dimensions": [{"Name": "NatGatewayId", "Value": nat}],
                "Timestamp": app_context.clock.now() - timedelta(days=1),
                "Value": value,
            }
            for nat, value in zip(nat_ids, (0.0, 5e9), strict=True)
        ],
    )
    other = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]  # another VPC's NAT is not this estate's
    elsewhere = ec2.create_subnet(VpcId=other, CidrBlock="10.8.0.0/24")["Subnet"]["SubnetId"]
    ec2.create_nat_gateway(SubnetId=elsewhere, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])
    sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": "vega-api:1", "essential": True}],
    )
    ecs.create_service(
        cluster="vega-staging",
        serviceName="vega-api",
        taskDefinition="vega-api:1",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
    )
    data = cost(app_context, ["api"]).data
    nats = [e for e in data["environment"] if e["item"] == "NAT gateway"]
    # eu-central-1: 730 h x $0.052 = 37.96 each, the two in the services' VPC only
    assert [e["monthly_usd"] for e in nats] == [37.96, 37.96]
    (hint,) = [h for h in data["hints"] if h["kind"] == "nat"]
    assert hint["saving_monthly_usd"] == 37.96  # one shared NAT gateway instead of two (seed 002 saves ~$32)
    (idle,) = [h for h in data["hints"] if h["kind"] == "idle-nat"]
    assert nat_ids[0] in idle["hint"] and idle["saving_monthly_usd"] == 37.96


@pytest.mark.usefixtures("aws")
def test_databases_and_caches_in_the_services_vpc(app_context: AppContext) -> None:
    from vegaops.cost.report import cost

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2)]
    sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    rds = boto3.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="data", DBSubnetGroupDescription="data", SubnetIds=subnets)
    rds.create_db_instance(
        DBInstanceIdentifier="vega-db",
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        DBSubnetGroupName="data",
        MasterUsername="vega",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="vega-aurora",
        Engine="aurora-postgresql",
        DBSubnetGroupName="data",
        MasterUsername="vega",
        MasterUserPassword="not-a-secret-1",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4},
    )
    rds.create_db_instance(
        DBInstanceIdentifier="vega-aurora-1",
        DBInstanceClass="db.serverless",
        Engine="aurora-postgresql",
        DBClusterIdentifier="vega-aurora",
        DBSubnetGroupName="data",
    )
    cache = boto3.client("elasticache")
    cache.create_cache_subnet_group(CacheSubnetGroupName="data", CacheSubnetGroupDescription="data", SubnetIds=subnets)
    cache.create_cache_cluster(
        CacheClusterId="vega-redis",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        NumCacheNodes=1,
        CacheSubnetGroupName="data",
    )
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": "vega-api:1", "essential": True}],
    )
    ecs.create_service(
        cluster="vega-staging",
        serviceName="vega-api",
        taskDefinition="vega-api:1",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
    )
    data = cost(app_context, ["api"]).data
    items = {e["detail"]: e["monthly_usd"] for e in data["environment"]}
    # eu-central-1: db.t4g.micro 730 h x 0.018 = 13.14; Aurora Serverless v2 at 0.5 ACU: 365 ACU-h x 0.14 = 51.1;
    # cache.t4g.micro 730 h x 0.018 = 13.14
    assert items["vega-db (db.t4g.micro)"] == 13.14
    assert items["vega-aurora-1 (Aurora Serverless v2 at its minimum 0.5 ACU)"] == 51.1
    assert items["vega-redis (1 x cache.t4g.micro)"] == 13.14
