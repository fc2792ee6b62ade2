"""Each check returns ``Check`` records; nothing here prints. Clients come in, verdicts go out."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vegaops.clock import Clock

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_elasticache import ElastiCacheClient
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_sqs import SQSClient

    from vegaops.aws.elbv2 import Elbv2

STUCK_AFTER_SECONDS = 15 * 60


@dataclass(frozen=True)
class Check:
    scope: str  # service key, or "env"
    name: str  # ecs | targets | http | rds | elasticache | sqs
    ok: bool
    detail: str
    target: str = ""  # target group, URL, instance id, queue
    data: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""  # why this check could not be read (denied/unsupported/failing): not a failure

    @property
    def status(self) -> str:
        return "SKIP" if self.skipped else ("ok" if self.ok else "FAIL")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.scope} {self.name}" + (f" {self.target}" if self.target else "")


def _age(value: Any, now: datetime) -> float | None:
    if isinstance(value, datetime):
        return (now - value).total_seconds()
    return None


def ecs_check(key: str, svc: Mapping[str, Any], now: datetime, stuck_after: float = STUCK_AFTER_SECONDS) -> Check:
    problems: list[str] = []
    status = svc.get("status")
    running, desired, pending = (int(svc.get(k, 0) or 0) for k in ("runningCount", "desiredCount", "pendingCount"))
    if status != "ACTIVE":
        problems.append(f"service status {status}")
    if running != desired:
        problems.append(f"{running} of {desired} tasks running" + (f", {pending} pending" if pending else ""))
    deployments = list(svc.get("deployments", []))
    earlier_failed = [d for d in deployments if d.get("status") != "PRIMARY" and d.get("rolloutState") == "FAILED"]
    for d in deployments:
        state = d.get("rolloutState")
        if state == "FAILED" and d.get("status") == "PRIMARY":
            problems.append(f"deployment {d.get('id')} failed: {d.get('rolloutStateReason') or 'no reason given'}")
        elif d.get("status") == "PRIMARY" and state == "IN_PROGRESS" and int(d.get("failedTasks", 0) or 0) > 0:
            # the current deployment is failing now (its tasks keep stopping): not history
            problems.append(
                f"deployment {d.get('id')} in progress with {d.get('failedTasks')} failed task(s) "
                f"({d.get('runningCount', 0)} of {d.get('desiredCount', 0)} running)"
            )
        elif state == "IN_PROGRESS" or (d.get("status") != "PRIMARY" and state != "FAILED" and len(deployments) > 1):
            age = _age(d.get("createdAt"), now)
            if age is not None and age > stuck_after:
                problems.append(
                    f"deployment {d.get('id')} stuck in {state or d.get('status')} for {int(age // 60)} min"
                    f" ({d.get('runningCount', 0)} of {d.get('desiredCount', 0)} running)"
                )
    history = ""
    if earlier_failed:
        # History, not the service's health now: a service steady on its current deployment is healthy even
        # if an earlier deployment failed (and was rolled back); the detail still says so.
        latest = max(earlier_failed, key=lambda d: str(d.get("createdAt", "")))
        history = (
            f"{len(earlier_failed)} earlier deployment(s) failed, latest {latest.get('id')}: "
            f"{latest.get('rolloutStateReason') or 'no reason given'}"
        )
    detail = "; ".join(problems) or f"ACTIVE, {running}/{desired} running, no deployment stuck"
    if history:
        detail += f" (history: {history})"
    return Check(
        key,
        "ecs",
        not problems,
        detail,
        svc.get("serviceName", ""),
        {
            "status": status,
            "running": running,
            "desired": desired,
            "pending": pending,
            "deployments": [
                {
                    k: d.get(k)
                    for k in (
                        "id",
                        "status",
                        "rolloutState",
                        "taskDefinition",
                        "runningCount",
                        "desiredCount",
                        "failedTasks",
                    )
                }
                for d in svc.get("deployments", [])
            ],
        },
    )


def target_checks(key: str, svc: Mapping[str, Any], elb: Elbv2) -> list[Check]:
    out: list[Check] = []
    desired = int(svc.get("desiredCount", 0) or 0)
    for lb in svc.get("loadBalancers", []):
        arn = lb.get("targetGroupArn")
        if not arn:
            continue
        name = str(arn).split("/")[-2] if str(arn).count("/") >= 2 else str(arn)
        targets = elb.target_health(arn)
        counts: dict[str, int] = {}
        for t in targets:
            counts[t.state] = counts.get(t.state, 0) + 1
        bad = [t for t in targets if t.state == "unhealthy"]
        ok = not bad and (counts.get("healthy", 0) > 0 or desired == 0)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no targets registered"
        reasons = sorted({f"{t.reason}: {t.description}" if t.description else str(t.reason) for t in bad if t.reason})
        detail = summary + (f" ({'; '.join(reasons)})" if reasons else "")
        out.append(
            Check(key, "targets", ok, detail, name, {"target_group_arn": arn, "targets": [asdict(t) for t in targets]})
        )
    return out


def http_check(
    key: str,
    url: str,
    expect_status: int = 200,
    expect_body: str | None = None,
    retries: int = 3,
    timeout: float = 5.0,
    clock: Clock | None = None,
    delay: float = 1.0,
) -> Check:
    """GET the URL up to ``retries`` times (tenacity, ``delay`` seconds apart on the injected clock);
    latency of the last attempt."""
    from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_fixed

    attempts = max(1, retries)
    retrying = Retrying(
        sleep=clock.sleep if clock is not None else lambda _s: None,
        stop=stop_after_attempt(attempts),
        wait=wait_fixed(delay),
        retry=retry_if_result(lambda check: not check.ok),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome is not None else None,
    )
    counter = iter(range(1, attempts + 1))
    check: Check = retrying(lambda: _http_attempt(key, url, expect_status, expect_body, timeout, next(counter)))
    return check if check.ok else replace(check, detail=f"{check.detail} after {attempts} attempt(s)")


def _http_attempt(
    key: str, url: str, expect_status: int, expect_body: str | None, timeout: float, attempt: int
) -> Check:
    """One GET of the health URL as a check (ok, or what was wrong with the answer)."""
    started = time.perf_counter()
    body = ""
    status: int | None = None
    last = ""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "vegaops-health"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
            body = response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status = int(exc.code)
        body = exc.read(65536).decode("utf-8", "replace") if exc.fp else ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        last = f"no response: {reason}"
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    data = {"status": status, "latency_ms": latency_ms, "attempts": attempt}
    if status is None:
        return Check(key, "http", False, last, url, data)
    if status != expect_status:
        return Check(key, "http", False, f"HTTP {status} (expected {expect_status}) in {latency_ms} ms", url, data)
    if expect_body and expect_body not in body:
        last = f"HTTP {status} but the body lacks {expect_body!r} ({latency_ms} ms)"
        return Check(key, "http", False, last, url, data)
    return Check(key, "http", True, f"HTTP {status} in {latency_ms} ms", url, data)


def _first_found(ident: str, lookups: Sequence[tuple[str, Callable[[str], str]]]) -> tuple[str, str] | None:
    """(kind, status) from the first lookup that knows ``ident``; None when every one says NotFound."""
    from vegaops.aws.errors import error_code

    for kind, lookup in lookups:
        try:
            return kind, lookup(ident)
        except Exception as exc:
            if "NotFound" not in (error_code(exc) or ""):
                raise
    return None


def _status_checks(
    check: str, identifiers: Sequence[str], missing: str, lookups: Sequence[tuple[str, Callable[[str], str]]]
) -> list[Check]:
    out: list[Check] = []
    for ident in identifiers:
        found = _first_found(ident, lookups)
        if found is None:
            out.append(Check("env", check, False, missing, ident))
        else:
            kind, status = found
            out.append(Check("env", check, status == "available", f"{kind} {status}", ident, {"status": status}))
    return out


def rds_checks(rds: RDSClient, identifiers: Sequence[str]) -> list[Check]:
    return _status_checks(
        "rds",
        identifiers,
        "no DB instance or cluster with this identifier",
        [
            (
                "instance",
                lambda i: rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]["DBInstanceStatus"],
            ),
            ("cluster", lambda i: rds.describe_db_clusters(DBClusterIdentifier=i)["DBClusters"][0]["Status"]),
        ],
    )


def elasticache_checks(client: ElastiCacheClient, identifiers: Sequence[str]) -> list[Check]:
    return _status_checks(
        "elasticache",
        identifiers,
        "no replication group or cache cluster with this id",
        [
            (
                "replication group",
                lambda i: client.describe_replication_groups(ReplicationGroupId=i)["ReplicationGroups"][0]["Status"],
            ),
            (
                "cache cluster",
                lambda i: client.describe_cache_clusters(CacheClusterId=i)["CacheClusters"][0]["CacheClusterStatus"],
            ),
        ],
    )


def sqs_checks(
    sqs: SQSClient, cloudwatch: CloudWatchClient, queues: Sequence[str], max_depth: int, max_age: int, now: datetime
) -> list[Check]:
    from datetime import timedelta

    from vegaops.aws.errors import error_code

    out: list[Check] = []
    for name in queues:
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception as exc:
            if "NonExistentQueue" not in (error_code(exc) or "") and "NotExist" not in str(exc):
                raise
            out.append(Check("env", "sqs", False, "queue does not exist", name))
            continue
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        depth = int(attrs.get("ApproximateNumberOfMessages", 0))
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": name}],
            StartTime=now - timedelta(minutes=10),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        ).get("Datapoints", [])
        age = int(max(p["Maximum"] for p in points)) if points else None
        problems = []
        if depth > max_depth:
            problems.append(f"{depth} messages (max {max_depth})")
        if age is not None and age > max_age:
            problems.append(f"oldest message {age}s old (max {max_age}s)")
        age_text = f"oldest {age}s" if age is not None else "age of oldest unknown (no metric)"
        out.append(
            Check(
                "env",
                "sqs",
                not problems,
                "; ".join(problems) or f"{depth} messages, {age_text}",
                name,
                {"depth": depth, "oldest_age_seconds": age},
            )
        )
    return out
