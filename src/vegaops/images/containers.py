"""Which container of a task definition is the service's own, and which are sidecars.

Real task definitions carry log routers (FireLens), agents (Datadog, CloudWatch, X-Ray, OpenTelemetry)
and proxies (Envoy / App Mesh / Service Connect) beside the application. The container that gets a
deployed image is: the configured one, else the one whose image is in the service's repository, else the
only essential container that is not a sidecar. Anything else is ambiguous and must be said, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vegaops.images.reference import parse_image

# Image repositories (last path components, matched as suffixes) of well-known sidecars.
_SIDECAR_IMAGES: dict[str, str] = {
    "aws-for-fluent-bit": "log router (FireLens)",
    "fluent-bit": "log router",
    "fluentd": "log router",
    "fluent-bit-aws": "log router (FireLens)",
    "logging-firelens-fluentbit": "log router (FireLens)",
    "datadog/agent": "Datadog agent",
    "datadog/docker-dd-agent": "Datadog agent",
    "datadog/serverless-init": "Datadog agent",
    "aws-xray-daemon": "X-Ray daemon",
    "xray/aws-xray-daemon": "X-Ray daemon",
    "amazon/aws-xray-daemon": "X-Ray daemon",
    "aws-appmesh-envoy": "Envoy proxy (App Mesh)",
    "appmesh/aws-appmesh-envoy": "Envoy proxy (App Mesh)",
    "envoyproxy/envoy": "Envoy proxy",
    "envoy": "Envoy proxy",
    "cloudwatch-agent/cloudwatch-agent": "CloudWatch agent",
    "cloudwatch-agent": "CloudWatch agent",
    "aws-otel-collector": "OpenTelemetry collector",
    "aws-observability/aws-otel-collector": "OpenTelemetry collector",
    "otel/opentelemetry-collector": "OpenTelemetry collector",
    "otel/opentelemetry-collector-contrib": "OpenTelemetry collector",
    "signalfx/splunk-otel-collector": "OpenTelemetry collector (Splunk)",
    "newrelic/nri-ecs": "New Relic agent",
    "newrelic/infrastructure": "New Relic agent",
    "aws-guardduty-agent": "GuardDuty agent",
}


def sidecar_kind(container: dict[str, Any], task_definition: dict[str, Any] | None = None) -> str | None:
    """What kind of sidecar ``container`` is (None: not a known sidecar)."""
    if container.get("firelensConfiguration"):
        return "log router (FireLens)"
    proxy = (task_definition or {}).get("proxyConfiguration") or {}
    if proxy.get("containerName") and proxy.get("containerName") == container.get("name"):
        return f"proxy ({proxy.get('type') or 'APPMESH'})"
    repo = parse_image(str(container.get("image", ""))).repository.lower()
    for suffix, kind in _SIDECAR_IMAGES.items():
        if repo == suffix or repo.endswith("/" + suffix):
            return kind
    return None


def essential(container: dict[str, Any]) -> bool:
    return container.get("essential", True) is not False


@dataclass
class Choice:
    """The container that gets the image (``name``), or why none could be chosen."""

    name: str | None
    how: str  # configured | only container | image in <repo> | only essential non-sidecar | ambiguous | missing
    candidates: list[str] = field(default_factory=list)
    sidecars: dict[str, str] = field(default_factory=dict)


def choose(task_definition: dict[str, Any], configured: str | None, repo: str | None = None) -> Choice:
    containers = list(task_definition.get("containerDefinitions") or [])
    names = [str(c.get("name")) for c in containers]
    sidecars = {str(c.get("name")): k for c in containers if (k := sidecar_kind(c, task_definition))}
    if configured:
        if configured in names:
            return Choice(configured, "configured", sidecars=sidecars)
        return Choice(None, "missing", names, sidecars)
    if len(names) == 1:
        return Choice(names[0], "only container", sidecars=sidecars)
    if repo:
        in_repo = [str(c.get("name")) for c in containers if parse_image(str(c.get("image", ""))).in_repository(repo)]
        if len(in_repo) == 1:
            return Choice(in_repo[0], f"image in {repo}", sidecars=sidecars)
        if len(in_repo) > 1:
            return Choice(None, f"ambiguous: several images in {repo}", in_repo, sidecars)
    apps = [str(c.get("name")) for c in containers if essential(c) and str(c.get("name")) not in sidecars]
    if len(apps) == 1:
        return Choice(apps[0], "only essential non-sidecar", sidecars=sidecars)
    if not apps:
        apps = [n for n in names if n not in sidecars] or names
    return Choice(None, "ambiguous", apps, sidecars)
