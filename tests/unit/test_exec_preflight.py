"""The ECS Exec preflight of ``shell`` and ``port-forward``: one line per failing check, with its fix, and the
exit code (2 when only the Session Manager plugin is missing, 8 for anything else)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vegaops.aws.ecs import TaskDefinition
from vegaops.context import AppContext
from vegaops.tasks import session as ses

pytestmark = pytest.mark.usefixtures("aws")  # in-process moto: IAM's simulator is not implemented there (skipped)

TASK_ARN = "arn:aws:ecs:eu-central-1:123456789012:task/vega-staging/0123456789abcdef0123456789abcdef"


def _target(service: dict[str, Any] | None = None, task: dict[str, Any] | str | None = "default", **td: Any) -> Any:
    raw = {
        "family": "vega-api",
        "taskRoleArn": "arn:aws:iam::123456789012:role/vega-api-task",
        "containerDefinitions": [{"name": "api", "image": "x", **td.pop("container", {})}],
        **td,
    }
    if task == "default":
        task = {
            "taskArn": TASK_ARN,
            "lastStatus": "RUNNING",
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "enableExecuteCommand": True,
            "containers": [
                {
                    "name": "api",
                    "lastStatus": "RUNNING",
                    "runtimeId": "0123456789abcdef0123456789abcdef-1",
                    "managedAgents": [{"name": "ExecuteCommandAgent", "lastStatus": "RUNNING"}],
                }
            ],
        }
    return ses.Target(
        "api",
        "vega-api",
        "vega-staging",
        {"serviceName": "vega-api", "enableExecuteCommand": True, **(service or {})},
        task if isinstance(task, dict) or task is None else None,
        TaskDefinition("arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:3", "vega-api", 3, raw),
        "api",
    )


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in session-manager-plugin on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "session-manager-plugin"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return exe


@pytest.fixture
def no_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def _failing(checks: list[ses.Check]) -> dict[str, ses.Check]:
    return {c.name: c for c in checks if c.ok is False}


def test_a_ready_task_passes_every_check(app_context: AppContext, plugin: Path) -> None:
    checks = ses.preflight(app_context, _target(), "shell")
    assert _failing(checks) == {}
    simulated = next(c for c in checks if c.name == "task role permissions")
    assert simulated.ok is None and "not checked" in simulated.detail  # enrichment: skipped, never a failure
    ses.verdict(checks)  # no exception
    assert (
        _target().ssm_target == "ecs:vega-staging_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-1"
    )


def test_a_missing_plugin_alone_is_exit_2_with_install_instructions(app_context: AppContext, no_plugin: None) -> None:
    checks = ses.preflight(app_context, _target(), "shell")
    assert set(_failing(checks)) == {"session-manager-plugin"}
    with pytest.raises(ses.PreflightFailed) as caught:
        ses.verdict(checks)
    assert caught.value.exit_code == 2
    assert "session-manager-working-with-install-plugin" in str(caught.value.hint)
    ses.verdict(checks, local_fallback=True)  # the sandbox's local shell replaces it


@pytest.mark.parametrize(
    ("target", "check", "fix"),
    [
        (lambda: _target(service={"enableExecuteCommand": False}), "ECS Exec on the service", "shell api --enable"),
        (
            lambda: _target(task={**_target().task, "enableExecuteCommand": False}),
            "ECS Exec on the task",
            "started before ECS Exec was enabled",
        ),
        (lambda: _target(task={**_target().task, "platformVersion": "1.3.0"}), "platform version", "1.4.0"),
        (
            lambda: _target(
                task={
                    **_target().task,
                    "containers": [
                        {
                            "name": "api",
                            "lastStatus": "RUNNING",
                            "managedAgents": [{"name": "ExecuteCommandAgent", "lastStatus": "PENDING"}],
                        }
                    ],
                }
            ),
            "ExecuteCommandAgent",
            "ssmmessages",
        ),
        (
            lambda: _target(task={**_target().task, "containers": [{"name": "api", "lastStatus": "STOPPED"}]}),
            "container running",
            "debug api",
        ),
        (lambda: _target(task=None), "a running task", "debug api"),
        (lambda: _target(container={"readonlyRootFilesystem": True}), "writable root file system", "readonlyRoot"),
    ],
    ids=[
        "service-off",
        "task-started-before",
        "platform-1.3",
        "agent-pending",
        "container-stopped",
        "no-task",
        "ro-root",
    ],
)
def test_each_failing_check_is_one_line_with_its_fix_and_exit_8(
    app_context: AppContext, plugin: Path, target: Any, check: str, fix: str
) -> None:
    checks = ses.preflight(app_context, target(), "shell")
    failing = _failing(checks)
    assert check in failing, [c.line() for c in checks]
    line = failing[check].line()
    assert "\n" not in line and line.startswith("FAIL ") and fix in line
    with pytest.raises(ses.PreflightFailed) as caught:
        ses.verdict(checks)
    assert caught.value.exit_code == 8


def test_platform_latest_passes_and_a_missing_task_role_fails(app_context: AppContext, plugin: Path) -> None:
    checks = ses.preflight(
        app_context, _target(task={**_target().task, "platformVersion": "LATEST"}, taskRoleArn=None), "port-forward"
    )
    assert "platform version" not in _failing(checks)
    role = next(c for c in checks if c.name == "task role")
    assert role.ok is False and "ssmmessages:CreateControlChannel" in role.fix


def test_remote_parsing(app_context: AppContext) -> None:
    assert ses.parse_remote(app_context, "db.internal:5432") == ("db.internal", 5432)
    for bad in ("db.internal", "host:port", ":5432", "h:70000"):
        with pytest.raises(ses.UsageError):
            ses.parse_remote(app_context, bad)


@pytest.mark.parametrize("aurora", [False, True], ids=["rds-instance", "aurora-cluster"])
def test_remote_db_is_the_environments_configured_database(app_context: AppContext, aurora: bool) -> None:
    import boto3

    config = app_context.cwd / "vegaops.toml"
    config.write_text(
        config.read_text().replace(
            'cluster = "vega-staging"\n', 'cluster = "vega-staging"\nhealth_rds = ["vega-db"]\n', 1
        )
    )
    rds = boto3.client("rds")
    if aurora:
        rds.create_db_cluster(
            DBClusterIdentifier="vega-db",
            Engine="aurora-postgresql",
            MasterUsername="vega",
            MasterUserPassword="x" * 12,
        )
        expected = rds.describe_db_clusters(DBClusterIdentifier="vega-db")["DBClusters"][0]["Endpoint"]
    else:
        rds.create_db_instance(
            DBInstanceIdentifier="vega-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20
        )
        expected = rds.describe_db_instances(DBInstanceIdentifier="vega-db")["DBInstances"][0]["Endpoint"]["Address"]
    host, port = ses.parse_remote(app_context, "db")
    assert host == expected and port > 0
    assert ses.parse_remote(app_context, "db:6543") == (expected, 6543)


def test_remote_db_without_a_configured_database_is_a_usage_error(app_context: AppContext) -> None:
    with pytest.raises(ses.UsageError) as caught:
        ses.parse_remote(app_context, "db")
    assert "health_rds" in str(caught.value.hint)


def test_port_forward_points_at_shell_enable(app_context: AppContext, plugin: Path) -> None:
    checks = ses.preflight(app_context, _target(service={"enableExecuteCommand": False}), "port-forward")
    assert "shell api --enable" in _failing(checks)["ECS Exec on the service"].line()
