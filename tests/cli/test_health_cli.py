"""``vegaops health`` against moto with a local HTTP health endpoint; health.check step contract."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from tests.aws_estate import REGION, seed_service

pytestmark = pytest.mark.usefixtures("aws")


class _Handler(BaseHTTPRequestHandler):
    status = 200
    body = b'{"status":"ok"}'
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[type[_Handler]]:
    handler = type("H", (_Handler,), {"status": 200, "body": b'{"status":"ok"}', "hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1/health"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, extra: str = "") -> None:
    (tmp_path / "vegaops.toml").write_text(f"""
[project]
name = "vega"
region = "{REGION}"
default_env = "staging"

[env.staging]
cluster = "vega-staging"
{extra}

[service.api]
ecs_service = "vega-api"
container = "api"
health_url = "{url}"
health_expect_body = "ok"
""")
    monkeypatch.chdir(tmp_path)


def test_healthy_service_exits_0(cli, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _project(tmp_path, monkeypatch, health_server.url)
    seed_service(desired=0, target_group=True)
    r = cli("health")
    assert r.exit_code == 0, r.output
    assert "healthy: 3 checks passed" in r.stdout and "HTTP 200" in r.stdout


def test_every_failing_check_is_listed_exit_5(cli, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    health_server.status = 503
    _project(tmp_path, monkeypatch, health_server.url)
    seed_service(desired=2)  # moto starts no tasks: 0 of 2 running
    r = cli("-o", "json", "health", "api", "--retries", "2")
    doc = json.loads(r.stdout)
    assert r.exit_code == 5 and doc["exit_code"] == 5 and doc["status"] == "unhealthy"
    messages = [e["message"] for e in doc["errors"]]
    assert any("0 of 2 tasks running" in m for m in messages)
    assert any("HTTP 503 (expected 200)" in m and "2 attempt" in m for m in messages)
    assert health_server.hits == 2


def test_body_expectation_and_unreachable_url(cli, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    health_server.body = b'{"status":"degraded"}'
    _project(tmp_path, monkeypatch, health_server.url)
    seed_service()
    r = cli("health", "--retries", "1")
    assert r.exit_code == 5 and "body lacks 'ok'" in r.output
    from tests.conftest import free_port

    _project(tmp_path, monkeypatch, f"http://127.0.0.1:{free_port()}/h")
    r = cli("health", "--retries", "1", "--http-timeout", "1")
    assert r.exit_code == 5 and "no response" in r.output


def test_wait_times_out_with_exit_6_without_sleeping(cli, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from vegaops.clock import FakeClock, SystemClock

    clock = FakeClock()
    monkeypatch.setattr(SystemClock, "sleep", lambda _self, s: clock.sleep(s))
    monkeypatch.setattr(SystemClock, "monotonic", lambda _self: clock.monotonic())
    _project(tmp_path, monkeypatch, health_server.url)
    seed_service(desired=1)
    r = cli("health", "--wait", "--timeout", "30", "--interval", "10")
    assert r.exit_code == 6, r.output
    assert "timed out" in r.output and "0 of 1 tasks running" in r.output
    assert clock.sleeps == [10.0, 10.0, 10.0]  # checks at 0, 10, 20, 30 s


def test_env_checks_rds_elasticache_sqs(cli, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _project(
        tmp_path,
        monkeypatch,
        health_server.url,
        extra="""
health_rds = ["vega-db", "vega-missing-db"]
health_elasticache = ["vega-redis"]
health_sqs = ["vega-jobs", "vega-backlog"]
health_sqs_max_depth = 2
""",
    )
    seed_service()
    boto3.client("rds", REGION).create_db_instance(
        DBInstanceIdentifier="vega-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="u",
        MasterUserPassword="p" * 10,
        AllocatedStorage=20,
    )
    boto3.client("elasticache", REGION).create_cache_cluster(
        CacheClusterId="vega-redis", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1
    )
    sqs = boto3.client("sqs", REGION)
    sqs.create_queue(QueueName="vega-jobs")
    backlog = sqs.create_queue(QueueName="vega-backlog")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=backlog, MessageBody=str(i))
    r = cli("-o", "json", "health")
    doc = json.loads(r.stdout)
    by = {(c["name"], c["target"]): c for c in doc["data"]["checks"]}
    assert by[("rds", "vega-db")]["ok"] and not by[("rds", "vega-missing-db")]["ok"]
    assert by[("elasticache", "vega-redis")]["ok"]
    assert by[("sqs", "vega-jobs")]["ok"] and not by[("sqs", "vega-backlog")]["ok"]
    assert "3 messages (max 2)" in by[("sqs", "vega-backlog")]["detail"]
    assert r.exit_code == 5 and len(doc["errors"]) == 2


def test_health_step_contract(app_context, health_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from vegaops.steps.health import HealthCheck, HealthParams
    from vegaops.steps.registry import get_step

    assert get_step("health.check") is HealthCheck
    _project(tmp_path, monkeypatch, health_server.url)
    app_context.cwd = tmp_path
    seed_service(desired=0)
    step = HealthCheck(HealthParams(services=["api"], timeout=20, interval=5))
    assert step.plan(app_context).empty
    health_server.status = 500
    plan = step.plan(app_context)
    assert not plan.empty and "HTTP 500" in plan.changes[0].summary
    from vegaops.errors import OperationFailed

    with pytest.raises(OperationFailed, match="HTTP 500"):
        step.apply(app_context, plan)
    assert app_context.clock.sleeps == [5, 5, 5, 5]
    health_server.status = 200
    step.apply(app_context, plan)
    assert step.plan(app_context).empty


@pytest.mark.parametrize(("timeout", "interval", "sleeps"), [(15, 10, [10.0, 5.0]), (25, 10, [10.0, 10.0, 5.0])])
def test_every_timeout_means_what_it_says(  # type: ignore[no-untyped-def]
    app_context, health_server, tmp_path, monkeypatch, timeout, interval, sleeps
) -> None:
    """--timeout 15 with the default 10 s interval used to give up after 10 s, saying 15."""
    from vegaops.health.run import wait_healthy

    _project(tmp_path, monkeypatch, health_server.url)
    app_context.cwd = tmp_path
    seed_service(desired=1)  # never runs on moto: unhealthy for ever
    ok, checks = wait_healthy(app_context, ["api"], timeout=timeout, interval=interval)
    assert not ok and any(not c.ok for c in checks)
    assert app_context.clock.sleeps == sleeps
    assert app_context.clock.monotonic() == timeout  # the last check ran when the time was up, not before


def test_an_earlier_failed_deployment_is_history_a_failing_current_one_is_not() -> None:
    from datetime import UTC, datetime

    from vegaops.health.checks import ecs_check

    now = datetime(2026, 1, 1, tzinfo=UTC)
    old_failed = {"id": "ecs-svc/2", "status": "ACTIVE", "rolloutState": "FAILED", "rolloutStateReason": "breaker"}
    steady = {"id": "ecs-svc/3", "status": "PRIMARY", "rolloutState": "COMPLETED", "runningCount": 2}
    svc = {"status": "ACTIVE", "runningCount": 2, "desiredCount": 2, "deployments": [steady, old_failed]}
    check = ecs_check("api", svc, now)
    assert check.ok and "history: 1 earlier deployment(s) failed" in check.detail
    failing = {**steady, "rolloutState": "IN_PROGRESS", "failedTasks": 3, "createdAt": now}
    check = ecs_check("api", {**svc, "deployments": [failing, old_failed]}, now)
    assert not check.ok and "in progress with 3 failed task(s)" in check.detail
