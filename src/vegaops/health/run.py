"""Run every health check of an environment's services; wait until healthy on the injected clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from vegaops.cmdline import prog
from vegaops.errors import UsageError
from vegaops.health.checks import (
    Check,
    ecs_check,
    elasticache_checks,
    http_check,
    rds_checks,
    sqs_checks,
    target_checks,
)

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _setting(a: AppContext, key: str, default: object) -> object:
    values = a.settings.values
    return values[key].value if key in values and values[key].value is not None else default


def service_names(a: AppContext, names: Sequence[str]) -> list[str]:
    chosen = list(names) or list(a.settings.services)
    if not chosen:
        raise UsageError("no services to check", hint=f"name one ({prog()} health api) or add [service.NAME] tables")
    return chosen


def run_checks(
    a: AppContext, names: Sequence[str], retries: int = 3, http_timeout: float = 5.0, env_checks: bool = True
) -> list[Check]:
    from vegaops.aws.elbv2 import Elbv2
    from vegaops.logs.service import cluster_of, resolve_name

    cluster = cluster_of(a)
    ecs = a.aws.ecs
    resolved = [resolve_name(a, n) for n in service_names(a, names)]
    found, _missing = ecs.describe_services(cluster, [r[1] for r in resolved])
    now = a.clock.now()
    checks: list[Check] = []
    elb: Elbv2 | None = None
    for key, ecs_name, cfg in resolved:
        svc = found.get(ecs_name)
        if svc is None:
            checks.append(Check(key, "ecs", False, f"service {ecs_name} not found in cluster {cluster}", ecs_name))
            continue
        checks.append(ecs_check(key, svc, now))
        if svc.get("loadBalancers"):
            elb = elb or a.aws.elbv2
            checks.extend(
                _optional(
                    a,
                    key,
                    "targets",
                    "elasticloadbalancing:DescribeTargetHealth",
                    partial(target_checks, key, svc, elb),
                    "target health",
                )
            )
        if cfg is not None and cfg.health_url:
            checks.append(
                http_check(
                    key,
                    cfg.health_url,
                    cfg.health_expect_status,
                    cfg.health_expect_body,
                    retries=retries,
                    timeout=http_timeout,
                    clock=a.clock,
                )
            )
    if env_checks:
        rds_ids = list(_setting(a, "health_rds", []))  # type: ignore[call-overload]
        cache_ids = list(_setting(a, "health_elasticache", []))  # type: ignore[call-overload]
        queues = list(_setting(a, "health_sqs", []))  # type: ignore[call-overload]
        if rds_ids:
            checks.extend(
                _optional(
                    a,
                    "env",
                    "rds",
                    "rds:DescribeDBInstances",
                    partial(rds_checks, a.aws.rds, rds_ids),
                    "RDS status",
                )
            )
        if cache_ids:
            checks.extend(
                _optional(
                    a,
                    "env",
                    "elasticache",
                    "elasticache:DescribeReplicationGroups",
                    partial(elasticache_checks, a.aws.elasticache, cache_ids),
                    "ElastiCache status",
                )
            )
        if queues:
            checks.extend(
                _optional(
                    a,
                    "env",
                    "sqs",
                    "sqs:GetQueueAttributes",
                    partial(
                        sqs_checks,
                        a.aws.sqs,
                        a.aws.cloudwatch,
                        queues,
                        int(_setting(a, "health_sqs_max_depth", 1000)),  # type: ignore[call-overload]
                        int(_setting(a, "health_sqs_max_age", 600)),  # type: ignore[call-overload]
                        now,
                    ),
                    "SQS queue depth",
                )
            )
    return checks


def _optional(
    a: AppContext, scope: str, name: str, operation: str, fn: Callable[[], list[Check]], lost: str
) -> list[Check]:
    """The checks ``fn`` makes, or one skipped check saying why it could not be read (never a failure:
    a denied, unsupported or failing read does not change the exit code)."""
    checks, skipped = a.enrichment.attempt(operation, fn, lost)
    if skipped is None:
        return checks or []
    return [Check(scope, name, True, f"not read: {skipped.why}", skipped=skipped.why)]


def wait_healthy(
    a: AppContext,
    names: Sequence[str],
    timeout: float,
    interval: float,
    retries: int = 1,
    http_timeout: float = 5.0,
    progress: Callable[[list[Check]], None] | None = None,
) -> tuple[bool, list[Check]]:
    """Check until healthy or ``timeout`` seconds have passed on the injected clock.

    ``--timeout`` means what it says: the last wait is shortened so that a final check runs when the time is
    up (never giving up early because the next full interval would overshoot), and an HTTP attempt never
    waits past the deadline."""
    from tenacity import RetryCallState, Retrying, retry_if_result

    deadline = a.clock.monotonic() + timeout

    def remaining() -> float:
        return deadline - a.clock.monotonic()

    def check() -> list[Check]:
        left = remaining()
        return run_checks(a, names, retries=retries, http_timeout=max(0.1, min(http_timeout, left or 0.1)))

    def report(state: RetryCallState) -> None:
        if progress is not None and state.outcome is not None:
            progress(state.outcome.result())

    retrying = Retrying(
        sleep=a.clock.sleep,
        retry=retry_if_result(lambda checks: not all(c.ok for c in checks)),
        stop=lambda _state: remaining() <= 0,  # time is up: the check just made was the last one
        wait=lambda _state: min(interval, remaining()),  # the last wait ends when the time is up
        before_sleep=report,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome is not None else [],
    )
    checks: list[Check] = retrying(check)
    return all(c.ok for c in checks), checks


def failing_lines(checks: Sequence[Check]) -> list[str]:
    return [f"{c.label}: {c.detail}" for c in checks if not c.ok]


def skipped_lines(checks: Sequence[Check]) -> list[str]:
    return [f"{c.label}: {c.detail}" for c in checks if c.skipped]
