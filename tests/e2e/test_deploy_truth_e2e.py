"""The deploy verdict comes from the minimum (UpdateService + DescribeServices): the real ``vegaops``
executable over HTTP against the sandbox with every optional operation denied in turn (AccessDenied
from the sandbox's error injection), and with the operations plain moto lacks answered by plain moto
(HTTP 500 with an HTML page, after botocore's retries). The verdict and the exit code must not change,
and the skipped enrichment is reported once on stderr and listed in the JSON envelope's data.skipped.

Why the sandbox with its ServiceDeployment answers switched off (``admin.plain``) rather than a bare moto
server for the rollouts: moto never rolls out (its deployment keeps the old task definition and stays
IN_PROGRESS), so a circuit-breaker rollback needs the simulator; with ``plain`` every operation the
simulator does not have to drive (ListServiceDeployments/DescribeServiceDeployments/StopServiceDeployment,
DescribeTargetHealth) is answered by moto itself, byte for byte what a user pointing vegaops at a moto
server gets. ``test_plain_moto_server_*`` below also runs the executable against a bare moto server.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, vegaops_executable
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e


@pytest.fixture
def sbx(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Handle]:
    admin.reset(sandbox_module.endpoint)
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    monkeypatch.chdir(tmp_path)  # no vegaops.toml: the sandbox's built-in services
    yield sandbox_module


def vegaops(*args: str, cwd: Path | None = None) -> CliResult:
    proc = subprocess.run(
        [*vegaops_executable(), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=cwd or Path.cwd(),
        env=dict(os.environ),
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def sbx_ecs(h: Handle) -> Any:
    import boto3

    return boto3.client(
        "ecs",
        endpoint_url=h.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def envelope(stdout: str) -> dict[str, Any]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    result: dict[str, Any] = lines[-1]
    return result


def skip_lines(stderr: str, operation: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: skipped") and f"({operation} " in line]


# (operation injected, its IAM action, the sandbox's call-count key)
OPTIONAL = [
    ("ListTasks", "ecs:ListTasks", "ecs:ListTasks"),
    ("DescribeTasks", "ecs:DescribeTasks", "ecs:DescribeTasks"),
    ("ListServiceDeployments", "ecs:ListServiceDeployments", "ecs:ListServiceDeployments"),
    ("DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth"),
    ("GetLogEvents", "logs:GetLogEvents", "logs:GetLogEvents"),
    ("TagResource", "ecs:TagResource", "ecs:TagResource"),
]


@pytest.mark.parametrize(("operation", "action", "counted"), OPTIONAL, ids=[op for op, _, _ in OPTIONAL])
def test_breaker_rollback_is_exit_5_with_each_optional_operation_denied(
    sbx: Handle, operation: str, action: str, counted: str
) -> None:
    admin.inject_errors(sbx.endpoint, operation, code="AccessDeniedException", status=400, count=10_000)
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.4-crash", "api")
    assert r.exit_code == 5, r.output
    env = envelope(r.stdout)
    row = env["data"]["services"][0]
    assert row["outcome"] == "rolled_back" and row["rollback_to"].endswith("vega-api:1")
    lines = skip_lines(r.stderr, action)
    assert len(lines) == 1, r.stderr  # said once, however often the watch needed it
    assert f"grant {action}" in lines[0] and "the verdict does not depend on it" in lines[0]
    skipped = {s["operation"]: s for s in env["data"]["skipped"]}
    assert skipped[action]["kind"] == "denied"
    assert admin.call_counts(sbx.endpoint).get(counted, 0) == 1  # denied once: not asked again


@pytest.mark.parametrize(
    ("operation", "action"),
    [("DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth"), ("TagResource", "ecs:TagResource")],
)
def test_success_is_exit_0_with_an_optional_operation_denied(sbx: Handle, operation: str, action: str) -> None:
    # with target health denied the verdict is reached from DescribeServices alone (never waits for targets)
    admin.inject_errors(sbx.endpoint, operation, code="AccessDeniedException", status=400, count=10_000)
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "60")
    assert r.exit_code == 0, r.output
    assert envelope(r.stdout)["data"]["services"][0]["outcome"] == "succeeded"
    assert len(skip_lines(r.stderr, action)) == 1, r.stderr


def test_rollback_on_failure_with_stop_service_deployment_denied_rolls_back_through_update_service(
    sbx: Handle,
) -> None:
    # the breaker off, so vegaops's own rollback is the one that acts
    sbx_ecs(sbx).update_service(
        cluster="vega-sandbox",
        service="vega-api",
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": False, "rollback": False}},
    )
    admin.inject_errors(sbx.endpoint, "StopServiceDeployment", code="AccessDeniedException", status=400, count=100)
    r = vegaops("--env", "sandbox", "deploy", "--tag", "v1.2.4-crash", "api", "--rollback-on-failure")
    assert r.exit_code == 5, r.output
    assert len(skip_lines(r.stderr, "ecs:StopServiceDeployment")) == 1, r.stderr
    assert "UpdateService back to vega-api:1" in r.stderr


def test_plain_moto_service_deployment_apis_do_not_change_the_verdict(sbx: Handle) -> None:
    ops = ["ListServiceDeployments", "DescribeServiceDeployments", "StopServiceDeployment", "DescribeTargetHealth"]
    assert admin.plain(sbx.endpoint, ops) == sorted(ops)
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.4-crash", "api")
    assert r.exit_code == 5, r.output  # was 1: moto's HTTP 500 for ListServiceDeployments took the verdict down
    lines = skip_lines(r.stderr, "ecs:ListServiceDeployments")
    assert len(lines) == 1 and "the endpoint does not support it" in lines[0], r.stderr
    skipped = {s["operation"]: s["kind"] for s in envelope(r.stdout)["data"]["skipped"]}
    assert skipped == {"ecs:ListServiceDeployments": "unsupported"}
    good = vegaops("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api")
    assert good.exit_code == 0, good.output


def test_failed_rollback_is_exit_7_when_the_rollback_fails(sbx: Handle) -> None:
    # the old revision cannot start either: exit 7 as soon as the rollback deployment fails (not 6 at the
    # timeout), and the sandbox does not loop through rollback deployments
    admin.set_fault(sbx.endpoint, "api", "crash")
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "120")
    assert r.exit_code == 7, r.output
    env = envelope(r.stdout)
    row = env["data"]["services"][0]
    assert row["outcome"] == "failed"
    assert any("failed too" in reason for reason in row["reasons"]), row
    assert env["data"]["duration"] < 60
    info = admin.info(sbx.endpoint)
    api = next(s for s in info["services"] if s["service"] == "vega-api")
    assert api["deployments"] <= 3


def test_alarm_rollback_is_exit_5_naming_the_alarm(sbx: Handle) -> None:
    admin.set_fault(sbx.endpoint, "api", "alarm")
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "120")
    assert r.exit_code == 5, r.output
    row = envelope(r.stdout)["data"]["services"][0]
    assert row["outcome"] == "rolled_back" and row["alarms"] == ["vega-api-deploy-alarm"]
    assert any("CloudWatch alarm vega-api-deploy-alarm" in reason for reason in row["reasons"]), row


# --- a bare moto server -------------------------------------------------------------------------------
PLAIN_CONFIG = """\
[project]
name = "vega"
region = "eu-central-1"
default_env = "plain"

[env.plain]
cluster = "vega-sandbox"

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"
"""


@pytest.fixture
def plain_estate(moto_url: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The sandbox's estate created through the AWS APIs on a bare moto server (no middleware, no simulator):
    moto's service has MOTO_ECS_SERVICE_RUNNING=2 and its deployment COMPLETED."""
    import boto3

    from vegaops.sandbox.seed import seed

    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")  # read by the in-process moto server at creation
    (project / "vegaops.toml").write_text(PLAIN_CONFIG)
    result = seed(lambda name: boto3.client(name, region_name="eu-central-1", endpoint_url=moto_url))  # type: ignore[call-overload]
    monkeypatch.chdir(project)
    return {"endpoint": moto_url, "seed": result}


class BreakerDriver:
    """Test-side stand-in for ECS on a bare moto server (in this process: moto's backends are shared with
    the ThreadedMotoServer). When the deploy's UpdateService lands, it moves the service through a circuit
    breaker rollback the way ECS shows it in DescribeServices: our deployment FAILED with 3 stopped tasks
    (startedBy = its id, exit code 1), a PRIMARY rollback deployment to the old revision, then COMPLETED.
    Everything else vegaops asks is answered by moto itself."""

    def __init__(self, mode: str = "breaker") -> None:
        import threading

        self.mode = mode
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.error: BaseException | None = None

    def __enter__(self) -> BreakerDriver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def _run(self) -> None:
        from datetime import UTC, datetime

        from moto.ecs.models import ecs_backends

        backend = ecs_backends["123456789012"]["eu-central-1"]
        service = backend.services["vega-sandbox:vega-api"]
        old = dict(service.deployments[0])
        old_td = str(old["taskDefinition"])
        while not self.stop.wait(0.05):
            if "vega-api:2" in str(service.task_definition):
                break
        else:
            return
        ours_id = str(service.deployments[0]["id"])  # what UpdateService answered: the deployment vegaops watches
        new_td = backend.describe_task_definition("vega-api:2").arn
        network, group = service.network_configuration, "service:vega-api"
        for _ in range(3):
            (task,) = backend.run_task("vega-sandbox", new_td, 1, None, ours_id, None, "FARGATE", network, group)
            for container in task.containers:
                container.exitCode = 1
            task.stop_code = "EssentialContainerExited"  # type: ignore[attr-defined]
            backend.stop_task("vega-sandbox", task.task_arn, "Essential container in task exited")
        now = datetime.now(UTC)
        if self.mode == "superseded":
            # someone else's UpdateService to the old revision while ours rolls out fine
            other = {**old, "id": "ecs-svc/7777777777777777777", "status": "PRIMARY", "createdAt": now}
            other.update(runningCount=0, pendingCount=2, rolloutState="IN_PROGRESS", taskDefinition=old_td)
            other["rolloutStateReason"] = "ECS deployment ecs-svc/7777777777777777777 in progress."
            mine = {**old, "id": ours_id, "status": "ACTIVE", "taskDefinition": new_td, "runningCount": 2}
            mine.update(pendingCount=0, failedTasks=0, rolloutState="IN_PROGRESS")
            mine["rolloutStateReason"] = f"ECS deployment {ours_id} in progress."
            self.stop.wait(0.5)
            service.deployments = [other, mine]
            service.task_definition = old_td
            return
        rollback_id = "ecs-svc/9999999999999999999"
        ours = {
            **old,
            "id": ours_id,
            "status": "ACTIVE",
            "taskDefinition": new_td,
            "runningCount": 0,
            "pendingCount": 0,
            "failedTasks": 3,
            "rolloutState": "FAILED",
            "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
        }
        rollback = {
            **old,
            "id": rollback_id,
            "status": "PRIMARY",
            "taskDefinition": old_td,
            "runningCount": 1,
            "pendingCount": 1,
            "failedTasks": 0,
            "createdAt": now,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment circuit breaker: rolling back to deploymentId {old['id']}.",
        }
        service.events.insert(
            0,
            {
                "id": "e1",
                "createdAt": now,
                "message": f"(service vega-api) (deployment {ours_id}) deployment failed: tasks failed to start.",
            },
        )
        service.deployments = [rollback, ours]
        service.task_definition = old_td
        if self.stop.wait(1.5):
            return
        service.deployments = [{**rollback, "runningCount": 2, "pendingCount": 0, "rolloutState": "COMPLETED"}]


def test_plain_moto_server_breaker_rollback_is_exit_5(plain_estate: dict[str, Any]) -> None:
    with BreakerDriver() as driver:
        r = vegaops("-o", "json", "deploy", "--tag", "v1.2.4-crash", "api", "--timeout", "60")
    assert driver.error is None, driver.error
    assert r.exit_code == 5, r.output  # was 1: moto's HTTP 500 for ListServiceDeployments
    row = envelope(r.stdout)["data"]["services"][0]
    assert row["outcome"] == "rolled_back" and row["rollback_to"].endswith("vega-api:1")
    assert "essential container api exited with code 1" in " ".join(row["reasons"])  # moto's ListTasks/DescribeTasks
    lines = skip_lines(r.stderr, "ecs:ListServiceDeployments")
    assert len(lines) == 1 and "does not support it" in lines[0], r.stderr


def test_plain_moto_server_deploy_that_never_rolls_out_times_out_on_time(plain_estate: dict[str, Any]) -> None:
    # moto never rolls out: exit 6 at the timeout, counted from the command's start, never success
    r = vegaops("-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "3")
    assert r.exit_code == 6, r.output
    env = envelope(r.stdout)
    assert "timed out after 3s" in " ".join(env["data"]["services"][0]["reasons"])
    # on time: the 3 s (counted from the same start), plus the last poll's round trip and the verdict on a busy
    # CI machine; seconds, not a hang
    assert 3.0 <= env["data"]["duration"] < 5.0


def test_plain_moto_server_superseded_deployment_is_exit_8_naming_what_replaced_it(
    plain_estate: dict[str, Any],
) -> None:
    with BreakerDriver("superseded") as driver:
        r = vegaops("-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "60")
    assert driver.error is None, driver.error
    assert r.exit_code == 8, r.output
    row = envelope(r.stdout)["data"]["services"][0]
    assert row["outcome"] == "superseded"
    assert row["superseded_by"]["deployment"] == "ecs-svc/7777777777777777777"
    assert row["superseded_by"]["task_definition"].endswith("vega-api:1")
    assert "superseded by deployment ecs-svc/7777777777777777777 of vega-api:1" in " ".join(row["reasons"])


def test_scaled_to_zero_service_deploy_is_success(sbx: Handle) -> None:
    import time

    ecs = sbx_ecs(sbx)
    ecs.update_service(cluster="vega-sandbox", service="vega-api", desiredCount=0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        svc = ecs.describe_services(cluster="vega-sandbox", services=["vega-api"])["services"][0]
        if svc["runningCount"] == 0 and [d["rolloutState"] for d in svc["deployments"]] == ["COMPLETED"]:
            break
        time.sleep(0.1)
    r = vegaops("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "60")
    assert r.exit_code == 0, r.output
    row = envelope(r.stdout)["data"]["services"][0]
    assert row["outcome"] == "succeeded" and "0/0 tasks running vega-api:2" in row["reasons"][0]
