"""vegaops deploy / watch / rollback / status as a user runs them, against the real sandbox process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from subprocess import CompletedProcess
from typing import Any

from tests.sandbox_fixtures import sandbox_client
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

Run = Callable[..., CompletedProcess[str]]


def envelope(proc: CompletedProcess[str]) -> dict[str, Any]:
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert lines and lines[-1].get("schema") == "vegaops.result/v1", proc.stdout
    return lines[-1]


def events(proc: CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in proc.stdout.splitlines()[:-1] if line.strip()]


def image_of(sandbox: Handle, service: str) -> str:
    ecs: Any = sandbox_client(sandbox, "ecs")
    arn = ecs.describe_services(cluster="vega-sandbox", services=[service])["services"][0]["taskDefinition"]
    return str(ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]["image"])


def settle(sandbox: Handle, service: str) -> None:
    ecs: Any = sandbox_client(sandbox, "ecs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        d = ecs.describe_services(cluster="vega-sandbox", services=[service])["services"][0]["deployments"]
        if len(d) == 1 and d[0]["rolloutState"] == "COMPLETED":
            return
        time.sleep(0.1)
    raise AssertionError(f"{service} did not settle")


def test_deploy_every_service_succeeds_pinned_by_digest_and_is_idempotent(sandbox: Handle, on_sandbox: Run) -> None:
    proc = on_sandbox("-o", "json", "deploy", "--tag", "v1.2.3-stable")
    assert proc.returncode == 0, proc.stderr
    env = envelope(proc)
    assert env["status"] == "changed"
    services = env["data"]["services"]
    assert {k: v["outcome"] for k, v in services.items()} == {"api": "succeeded", "worker": "succeeded",
                                                               "llm-proxy": "succeeded"}
    digest = services["api"]["digest"]
    assert image_of(sandbox, "vega-api").endswith(f"/vega-api@{digest}")
    assert services["api"]["new_task_definition"] != services["api"]["old_task_definition"]
    states = [e for e in events(proc) if e["event"] == "state"]
    assert states and states[-1]["verdict"] == "succeeded"
    again = on_sandbox("deploy", "--tag", "v1.2.3-stable", "api")
    assert again.returncode == 0 and "already deployed" in again.stdout


def test_circuit_breaker_rollback_is_reported_as_failure(sandbox: Handle, on_sandbox: Run) -> None:
    before = image_of(sandbox, "vega-api")
    proc = on_sandbox("deploy", "--tag", "v1.2.4-crash", "api")
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "rolled_back" in proc.stdout and "rolled back to vega-api:" in proc.stderr
    assert "Essential container in task exited (exit 1)" in proc.stderr
    assert "ECONNREFUSED" in proc.stderr  # the failed task's last log lines, inline
    assert "succeeded" not in proc.stdout
    settle(sandbox, "vega-api")
    assert image_of(sandbox, "vega-api") == before
    history = on_sandbox("-o", "json", "deploy", "history", "api")
    outcomes = {r["tag"]: r["outcome"] for r in envelope(history)["data"]["revisions"]}
    assert outcomes["v1.2.4-crash"] == "rolled_back"


def test_rollback_on_failure_stops_early(sandbox: Handle, on_sandbox: Run) -> None:
    ecs: Any = sandbox_client(sandbox, "ecs")
    config = {"deploymentCircuitBreaker": {"enable": False, "rollback": False}, "maximumPercent": 200,
              "minimumHealthyPercent": 100}
    ecs.update_service(cluster="vega-sandbox", service="vega-worker", deploymentConfiguration=config)
    try:
        proc = on_sandbox("-o", "json", "deploy", "--tag", "v1.2.5-oom", "worker", "--rollback-on-failure")
    finally:
        config["deploymentCircuitBreaker"] = {"enable": True, "rollback": True}
        ecs.update_service(cluster="vega-sandbox", service="vega-worker", deploymentConfiguration=config)
    assert proc.returncode == 5, proc.stderr
    assert envelope(proc)["data"]["services"]["worker"]["outcome"] == "rolled_back"
    notes = [e["message"] for e in events(proc) if e["event"] == "note"]
    assert any("rolling back now" in n and "OutOfMemoryError" in n for n in notes)
    stopped = [e for e in events(proc) if e["event"] == "task_stopped" and e["cause"]]
    assert stopped and {e["exit_codes"][0] for e in stopped} == {137}
    settle(sandbox, "vega-worker")


def test_timeout_exits_6_and_watch_reattaches(sandbox: Handle, on_sandbox: Run) -> None:
    proc = on_sandbox("deploy", "--tag", "v1.2.2-stable", "llm-proxy", "--timeout", "0s")
    assert proc.returncode == 6, proc.stderr
    assert "vegaops deploy watch llm-proxy" in proc.stderr
    watch = on_sandbox("deploy", "watch", "llm-proxy")
    assert watch.returncode in (0,), watch.stderr
    assert "succeeded" in watch.stdout or "no deployment in progress" in watch.stdout


def test_watch_reattaches_to_a_deployment_started_elsewhere(sandbox: Handle, on_sandbox: Run) -> None:
    ecs: Any = sandbox_client(sandbox, "ecs")
    admin.set_speed(sandbox.endpoint, 1.0)  # slow enough to still be in flight when watch starts
    try:
        ecs.update_service(cluster="vega-sandbox", service="vega-worker", forceNewDeployment=True)
        proc = on_sandbox("-o", "json", "deploy", "watch", "worker")
    finally:
        admin.set_speed(sandbox.endpoint, 20.0)
    assert proc.returncode == 0, proc.stderr
    assert envelope(proc)["data"]["services"]["worker"]["outcome"] == "succeeded"


def test_lock_held_elsewhere_refuses_with_the_holder(sandbox: Handle, on_sandbox: Run) -> None:
    ssm: Any = sandbox_client(sandbox, "ssm")
    now = datetime.now(UTC)
    ssm.put_parameter(Name="/vegaops/locks/vega-sandbox/vega-api", Type="String", Value=json.dumps(
        {"holder": "alice@ci-7", "tag": "v1.2.3-stable", "since": now.isoformat(),
         "expires": (now + timedelta(hours=1)).isoformat()}))
    proc = on_sandbox("deploy", "--tag", "v1.2.3-stable", "api", "--force")
    assert proc.returncode == 8
    assert "alice@ci-7" in proc.stderr and "vegaops deploy unlock api" in proc.stderr
    unlock = on_sandbox("deploy", "unlock", "api")
    assert unlock.returncode == 0 and "alice@ci-7" in unlock.stdout
    forced = on_sandbox("deploy", "--tag", "v1.2.3-stable", "api", "--force")
    assert forced.returncode == 0, forced.stderr


def test_rollback_command_returns_to_the_last_successful_revision(sandbox: Handle, on_sandbox: Run) -> None:
    settle(sandbox, "vega-api")
    good = image_of(sandbox, "vega-api")
    assert on_sandbox("deploy", "--tag", "v1.2.2-stable", "api").returncode == 0
    proc = on_sandbox("rollback", "api")
    assert proc.returncode == 0, proc.stderr
    assert image_of(sandbox, "vega-api") == good


def test_promote_from_staging_dry_run_then_deploy(sandbox: Handle, on_sandbox: Run) -> None:
    plan = on_sandbox("deploy", "--tag", "v1.3.0-stable", "worker", "--dry-run")
    assert plan.returncode == 0 and "promote from staging/vega-worker" in plan.stdout
    ecr: Any = sandbox_client(sandbox, "ecr")
    details = ecr.describe_images(repositoryName="vega-worker")["imageDetails"]
    tags = {t for i in details for t in i.get("imageTags", [])}
    assert "v1.3.0-stable" not in tags  # a dry run changes nothing
    settle(sandbox, "vega-worker")
    proc = on_sandbox("deploy", "--tag", "v1.3.0-stable", "worker")
    assert proc.returncode == 0, proc.stderr
    assert "promoted staging/vega-worker:v1.3.0-stable" in proc.stderr


def test_unknown_tag_exits_3_naming_the_repositories(on_sandbox: Run, sandbox: Handle) -> None:
    proc = on_sandbox("deploy", "--tag", "v9.9.9", "api")
    assert proc.returncode == 3
    assert "vega-api, staging/vega-api" in proc.stderr


def test_status_lists_every_service(on_sandbox: Run, sandbox: Handle) -> None:
    proc = on_sandbox("-o", "json", "status")
    assert proc.returncode == 0
    data = envelope(proc)["data"]["services"]
    assert set(data) == {"api", "worker", "llm-proxy"}
    assert all(s["running"] == s["desired"] for s in data.values())
