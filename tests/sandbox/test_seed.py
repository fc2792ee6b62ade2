"""Seeding from a vegaops.toml: its services, repositories and the sandbox prefixes."""

from __future__ import annotations

from pathlib import Path

import boto3

from vegaops.sandbox.env import CLUSTER
from vegaops.sandbox.seed import seed, services_from_config

REGION = "eu-central-1"

CONFIG = """\
[project]
name = "shop"

[service.web]
ecs_service = "shop-web"
container = "web"
ecr_repo = "shop/web"
health_url = "https://shop.example/health"

[service.jobs]
ecs_service = "shop-jobs"
"""


def test_services_come_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "vegaops.toml"
    path.write_text(CONFIG)
    services = services_from_config(path)
    assert [(s.key, s.ecs_service, s.container, s.ecr_repo, s.behind_alb) for s in services] == [
        ("web", "shop-web", "web", "shop/web", True),
        ("jobs", "shop-jobs", "jobs", "shop-jobs", False),
    ]
    assert [s.ecs_service for s in services_from_config(None)] == [
        "vega-api",
        "vega-worker",
        "vega-llm-proxy",
        "vega-checkout",
        "vega-search",
    ]


def test_seed_creates_the_configured_estate(aws: None, tmp_path: Path) -> None:
    path = tmp_path / "vegaops.toml"
    path.write_text(CONFIG)
    result = seed(lambda name: boto3.client(name, region_name=REGION), path)  # type: ignore[call-overload]
    assert result.services == ["shop-web", "shop-jobs"] and result.service_keys == {
        "web": "shop-web",
        "jobs": "shop-jobs",
    }
    ecs = boto3.client("ecs", region_name=REGION)
    svcs = ecs.describe_services(cluster=CLUSTER, services=["shop-web", "shop-jobs"])["services"]
    assert [bool(s["loadBalancers"]) for s in svcs] == [True, False]
    ecr = boto3.client("ecr", region_name=REGION)
    repos = {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    assert repos == {"shop/web", "staging/shop/web", "shop-jobs", "staging/shop-jobs"}
    assert set(result.behaviours.values()) == {"good", "crash", "oom", "unhealthy"}
    logs = boto3.client("logs", region_name=REGION)
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert groups == {"/ecs/shop-web", "/ecs/shop-jobs"}
