"""The built-in demo estate the sandbox seeds (seeds 000/002/003: the Vega services on ECS Fargate)."""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT = "123456789012"
REGION = "eu-central-1"
CLUSTER = "vega-sandbox"
SECRETS_PREFIX = "vega/sandbox/"
PARAMS_PREFIX = "/vega/sandbox/"
SOURCE_REPO_PREFIX = "staging/"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}

# Image tag -> how a task of that image behaves. Behaviour belongs to the digest: a promoted or re-tagged
# image keeps it.
TAGS: dict[str, str] = {
    "v1.2.2-stable": "good",  # what runs after seeding
    "v1.2.3-stable": "good",
    "v1.2.4-crash": "crash",  # essential container exits with code 1
    "v1.2.5-oom": "oom",  # exit 137, OutOfMemoryError
    "v1.2.6-unhealthy": "unhealthy",  # runs, fails the ELB health check
}
SOURCE_TAGS: dict[str, str] = {"sha-abc123": "good", "v1.3.0-stable": "good"}  # only in staging/<repo>
RUNNING_TAG = "v1.2.2-stable"
BEHAVIOURS = ("good", "crash", "oom", "unhealthy", "pull", "secrets")

SECRETS = {
    "database-url": "postgres://vega:sandbox-db-password@db.sandbox.internal:5432/vega",
    "management-token": "sandbox-management-token-7f3a",
    "openai-api-key": "sk-sandbox-not-a-real-key",
}
PARAMS = {
    "log-level": "info",
    "cache-enabled": "true",
    "redis-endpoint": "redis://cache.sandbox.internal:6379",
    "rate-limit-rpm": "600",
}


@dataclass(frozen=True)
class ServiceSpec:
    key: str  # the name users type: api
    ecs_service: str  # vega-api
    container: str
    repo: str
    port: int | None  # behind the ALB when set
    secrets: tuple[str, ...]  # secret keys the container reads (valueFrom)
    params: tuple[str, ...]  # parameter keys the container reads (valueFrom)
    desired: int = 2

    @property
    def log_group(self) -> str:
        return f"/ecs/{self.ecs_service}"

    @property
    def target_group(self) -> str:
        return f"{self.ecs_service}-tg"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("api", "vega-api", "api", "vega-api", 8080,
                ("database-url", "management-token"), ("log-level", "cache-enabled", "redis-endpoint")),
    ServiceSpec("worker", "vega-worker", "worker", "vega-worker", None,
                ("database-url",), ("log-level", "redis-endpoint")),
    ServiceSpec("llm-proxy", "vega-llm-proxy", "llm-proxy", "vega-llm-proxy", 8081,
                ("openai-api-key",), ("log-level", "rate-limit-rpm")),
)


def behaviour_of_tag(tag: str) -> str:
    for word in ("crash", "oom", "unhealthy"):
        if word in tag:
            return word
    return "good"
