"""Image references in every form ECS accepts, and which container of a task definition gets the image."""

from __future__ import annotations

from typing import Any

import pytest

from vegaops.aws.ecs import TaskDefinition
from vegaops.deploy.core import choose_container
from vegaops.deploy.status import _tag_of
from vegaops.errors import UsageError
from vegaops.images.containers import choose, sidecar_kind
from vegaops.images.reference import parse_image
from vegaops.images.running import split_image


@pytest.mark.parametrize(
    ("image", "registry", "repository", "tag", "digest", "pulls"),
    [
        ("httpd", None, "httpd", None, None, "latest"),
        ("nginx:1.27", None, "nginx", "1.27", None, "1.27"),
        ("datadog/agent", None, "datadog/agent", None, None, "latest"),
        ("public.ecr.aws/datadog/agent:7", "public.ecr.aws", "datadog/agent", "7", None, "7"),
        ("localhost:5000/team/api:1.0", "localhost:5000", "team/api", "1.0", None, "1.0"),
        ("127.0.0.1:5000/api@sha256:ab12", "127.0.0.1:5000", "api", None, "sha256:ab12", None),
        ("registry.example.com:8443/api", "registry.example.com:8443", "api", None, None, "latest"),
        (
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api:v1@sha256:ff",
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
            "vega-api",
            "v1",
            "sha256:ff",
            "v1",
        ),
    ],
)
def test_parse_image(
    image: str, registry: str | None, repository: str, tag: str | None, digest: str | None, pulls: str | None
) -> None:
    ref = parse_image(image)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert ref.effective_tag == pulls
    assert _tag_of(image) == (pulls or "")
    assert split_image(image)[1:] == (pulls, digest)


def _td(*containers: dict[str, Any], proxy: str | None = None) -> TaskDefinition:
    raw: dict[str, Any] = {"family": "web", "revision": 3, "containerDefinitions": list(containers)}
    if proxy:
        raw["proxyConfiguration"] = {"type": "APPMESH", "containerName": proxy}
    return TaskDefinition("arn:aws:ecs:eu-central-1:1:task-definition/web:3", "web", 3, raw)


ROUTER = {
    "name": "log_router",
    "image": "amazon/aws-for-fluent-bit:stable",
    "firelensConfiguration": {"type": "fluentbit"},
}
AGENT = {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:latest"}
ENVOY = {"name": "envoy", "image": "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.12.2.1-prod"}
XRAY = {"name": "xray", "image": "amazon/aws-xray-daemon", "essential": False}


def test_only_essential_non_sidecar_gets_the_image() -> None:
    td = _td(ROUTER, {"name": "app", "image": "httpd"}, AGENT, ENVOY, XRAY, proxy="envoy")
    assert choose_container(td, None) == "app"
    assert sidecar_kind(ROUTER) == "log router (FireLens)"
    assert sidecar_kind(AGENT) == "Datadog agent"
    assert sidecar_kind(XRAY) == "X-Ray daemon"


def test_image_in_the_service_repository_wins_over_order() -> None:
    td = _td(
        {"name": "migrate", "image": "123.dkr.ecr.eu-central-1.amazonaws.com/tools:1", "essential": False},
        {"name": "api", "image": "123.dkr.ecr.eu-central-1.amazonaws.com/vega-api:2"},
        {"name": "worker", "image": "123.dkr.ecr.eu-central-1.amazonaws.com/worker:2"},
    )
    assert choose_container(td, None, "vega-api") == "api"
    assert choose(td.raw, None, "vega-api").how == "image in vega-api"


def test_ambiguity_is_a_usage_error_naming_the_candidates() -> None:
    td = _td(ROUTER, {"name": "api", "image": "nginx"}, {"name": "worker", "image": "busybox"})
    with pytest.raises(UsageError) as err:
        choose_container(td, None, "somewhere-else")
    assert err.value.exit_code == 2
    assert "candidates: api, worker" in err.value.message
    assert "log_router (log router (FireLens))" in err.value.message


def test_configured_container_must_exist() -> None:
    td = _td(ROUTER, {"name": "app", "image": "httpd"})
    assert choose_container(td, "log_router") == "log_router"
    with pytest.raises(UsageError, match="no container named 'api'"):
        choose_container(td, "api")


def test_image_list_reads_the_service_container_not_the_log_router(aws, app_context) -> None:  # type: ignore[no-untyped-def]
    import boto3

    from vegaops.config import ServiceConfig
    from vegaops.images.running import running_image

    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {**ROUTER, "memory": 64},
            {"name": "web", "image": "nginx", "memory": 128},
            {**AGENT, "memory": 64},
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-web", taskDefinition="web", desiredCount=0)
    got = running_image(app_context, "staging", ServiceConfig("web", "vega-web"))
    assert (got.image, got.tag, got.digest) == ("nginx", "latest", None)
