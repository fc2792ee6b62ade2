"""The one typed AWS layer of a command: ``ctx.aws.ecs``, ``ctx.aws.ssm``, ... (aws/chalice's ``TypedAWSClient``).

Built once per command from the context's :class:`~vegaops.aws.clients.ClientFactory`; each property builds its
client and wrapper on first use and keeps it, so the steps of one command share one ``Ecs`` (and its caches of
services and task definitions). Every AWS call of the product goes through here: a wrapper where a call needs
batching, pagination (botocore paginators), a fallback or a typed result; otherwise the ``mypy_boto3_*`` typed
client itself (``ctx.aws.rds``), so mypy checks every call's parameters and responses.

Calls are counted through botocore's ``before-call`` event hook (:class:`CallCounter`), per operation, for every
client of the layer: the deploy watch reports its ECS calls per minute from it, tests assert on it. The wrappers'
own ``calls`` (``ctx.aws.ecs.calls``: ``{"describe_services": 3}``) read the same counter for their service.

``in_region(region)`` is the layer for a resource an ARN places in another region (refs read cross-region
secrets there); ``variant(max_attempts=2)`` is the layer for a caller that paces and retries a call itself (logs
follow). Both keep the credentials, endpoint and timeout and count into the same counter.

boto3 and the stub packages are imported inside functions and under ``TYPE_CHECKING`` only, so importing this
module costs nothing at start-up.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from vegaops.aws.calls import CallCounter

__all__ = ["Aws", "CallCounter"]

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_ce import CostExplorerClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elasticache import ElastiCacheClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_pricing import PricingClient
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_sts import STSClient

    from vegaops.aws.clients import ClientFactory
    from vegaops.aws.ecr import Ecr
    from vegaops.aws.ecs import Ecs
    from vegaops.aws.elbv2 import Elbv2
    from vegaops.aws.logs import Logs
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.aws.ssm import Ssm


class Aws:
    """The typed AWS layer of one command (see the module docstring)."""

    def __init__(
        self, clients: ClientFactory, ecr_registry: str | None = None, calls: CallCounter | None = None
    ) -> None:
        self.clients = clients
        self.calls = calls if calls is not None else CallCounter()
        self._ecr_registry = ecr_registry
        # the endpoint override of every service (the sandbox's, a config ``endpoint_url``), or None
        self.endpoint_url = clients.endpoint_url
        self._variants: dict[tuple[str | None, int | None], Aws] = {}

    def _client(self, service: str) -> Any:
        client = self.clients.client(service)
        self.calls.attach(client)
        return client

    def region(self) -> str | None:
        """The region calls go to (the profile's default when none was chosen)."""
        return self.clients.resolved_region()

    def in_region(self, region: str | None) -> Aws:
        """The layer for ``region`` (same credentials and endpoint; this layer when it is the same region or
        None). Resources named by an ARN are read where the ARN says: ECS reads cross-region references."""
        if not region or region == self.region():
            return self
        return self.variant(region=region)

    def variant(self, region: str | None = None, max_attempts: int | None = None) -> Aws:
        """This layer with another region and/or another number of attempts per call (built once, calls
        counted in this layer's counter). ``max_attempts`` is for callers that pace and retry a call
        themselves (``logs`` follows FilterLogEvents with its own limiter and backoff)."""
        key = (region, max_attempts)
        if key not in self._variants:
            self._variants[key] = Aws(
                self.clients.derive(region=region, max_attempts=max_attempts), self._ecr_registry, self.calls
            )
        return self._variants[key]

    # -- wrappers (batching, pagination, fallbacks, typed results) -------------------------------------------
    @cached_property
    def ecs(self) -> Ecs:
        from vegaops.aws.ecs import Ecs

        return Ecs(self.ecs_client, self.calls)

    @cached_property
    def ssm(self) -> Ssm:
        from vegaops.aws.ssm import Ssm

        return Ssm(self.ssm_client)

    @cached_property
    def secrets(self) -> SecretsCatalog:
        from vegaops.aws.secrets import SecretsCatalog

        return SecretsCatalog(self.secretsmanager_client)

    @cached_property
    def ecr(self) -> Ecr:
        from vegaops.aws.ecr import Ecr

        return Ecr(self.ecr_client, registry_override=self._ecr_registry)

    @cached_property
    def logs(self) -> Logs:
        from vegaops.aws.logs import Logs

        return Logs(self.logs_client, self.calls)

    @cached_property
    def elbv2(self) -> Elbv2:
        from vegaops.aws.elbv2 import Elbv2

        return Elbv2(self.elbv2_client, self.calls)

    # -- typed clients (the wrappers' own, and services used directly) ---------------------------------------
    @cached_property
    def ecs_client(self) -> ECSClient:
        client: ECSClient = self._client("ecs")
        return client

    @cached_property
    def ssm_client(self) -> SSMClient:
        client: SSMClient = self._client("ssm")
        return client

    @cached_property
    def secretsmanager_client(self) -> SecretsManagerClient:
        client: SecretsManagerClient = self._client("secretsmanager")
        return client

    @cached_property
    def ecr_client(self) -> ECRClient:
        client: ECRClient = self._client("ecr")
        return client

    @cached_property
    def logs_client(self) -> CloudWatchLogsClient:
        client: CloudWatchLogsClient = self._client("logs")
        return client

    @cached_property
    def elbv2_client(self) -> ElasticLoadBalancingv2Client:
        client: ElasticLoadBalancingv2Client = self._client("elbv2")
        return client

    @cached_property
    def sts(self) -> STSClient:
        client: STSClient = self._client("sts")
        return client

    @cached_property
    def iam(self) -> IAMClient:
        client: IAMClient = self._client("iam")
        return client

    @cached_property
    def rds(self) -> RDSClient:
        client: RDSClient = self._client("rds")
        return client

    @cached_property
    def elasticache(self) -> ElastiCacheClient:
        client: ElastiCacheClient = self._client("elasticache")
        return client

    @cached_property
    def sqs(self) -> SQSClient:
        client: SQSClient = self._client("sqs")
        return client

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        client: CloudWatchClient = self._client("cloudwatch")
        return client

    @cached_property
    def ec2(self) -> EC2Client:
        client: EC2Client = self._client("ec2")
        return client

    @cached_property
    def autoscaling(self) -> ApplicationAutoScalingClient:
        client: ApplicationAutoScalingClient = self._client("application-autoscaling")
        return client

    @cached_property
    def scheduler(self) -> EventBridgeSchedulerClient:
        client: EventBridgeSchedulerClient = self._client("scheduler")
        return client

    @cached_property
    def events(self) -> EventBridgeClient:
        client: EventBridgeClient = self._client("events")
        return client

    @cached_property
    def pricing(self) -> PricingClient:
        client: PricingClient = self._client("pricing")
        return client

    @cached_property
    def ce(self) -> CostExplorerClient:
        client: CostExplorerClient = self._client("ce")
        return client


def registry_from_env(settings_value: str | None) -> str | None:
    """The ECR registry host override: the env's ``ecr_registry`` setting or ``VEGAOPS_ECR_REGISTRY`` (here, not in
    aws/ecr.py, so that a command that never reaches ECR does not import it)."""
    return settings_value or os.environ.get("VEGAOPS_ECR_REGISTRY") or None
