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
