"""Least privilege, checked against reality on the sandbox:

* every AWS operation a command calls is in its row of the IAM table (``vegaops iam-policy``), so the
  documented policy cannot drift from the code;
* each optional operation of ``debug``, ``status`` and ``health`` answered AccessDenied in turn: the
  command keeps its exit code and the section that could not be read says why (the IAM action) in its place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from vegaops.iam import POLICIES
from vegaops.sandbox import admin

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def estate(sandbox_module: Any) -> Iterator[Any]:
    """The module's sandbox with api crash-looping (so debug has stopped tasks with log lines to read)."""
    handle = sandbox_module
    env = handle.env()
    ecs = boto3.client(
        "ecs",
        endpoint_url=handle.endpoint,
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    admin.set_fault(handle.endpoint, "api", "crash")
    ecs.update_service(cluster="vega-sandbox", service="vega-api", forceNewDeployment=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ecs.list_tasks(cluster="vega-sandbox", serviceName="vega-api", desiredStatus="STOPPED")["taskArns"]:
            break
        time.sleep(0.5)
    yield handle


@pytest.fixture
def on(estate: Any, monkeypatch: pytest.MonkeyPatch, cli: Any) -> Any:
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(estate.state_file.parent))

    def run(*args: str) -> Any:
        return cli("--env", "sandbox", "--yes", *args)

    return run


def _actions(counts: dict[str, int]) -> set[str]:
    return {op for op, n in counts.items() if n}


RUNS = [
    ("status", ["status"]),
    ("health", ["health", "api"]),
    ("debug", ["debug", "api"]),
    ("logs tail", ["logs", "tail", "worker", "--since", "10m"]),
    ("deploy history", ["deploy", "history", "worker"]),
    ("env vars", ["env", "vars", "worker"]),
    ("secret list", ["secret", "list"]),
    ("secret get", ["secret", "get", "database-url"]),
    ("secret history", ["secret", "history", "database-url"]),
    ("secret refs", ["secret", "refs", "database-url"]),
    ("image list", ["image", "list", "worker"]),
    ("deploy", ["deploy", "--tag", "v1.2.3-stable", "llm-proxy"]),
    ("deploy", ["deploy", "--tag", "v1.2.4-crash", "worker"]),  # fails fast, rolled back: the whole watch
    ("deploy watch", ["deploy", "watch", "llm-proxy"]),
    ("deploy continue", ["deploy", "continue", "worker"]),  # nothing paused: reads only
    ("deploy abort", ["deploy", "abort", "worker"]),
    ("deploy stop", ["deploy", "stop", "worker"]),
    ("rollback", ["rollback", "llm-proxy"]),
    ("cost", ["cost"]),
    ("schedule list", ["schedule", "list"]),
    ("schedule run", ["schedule", "run", "vega-nightly-digest"]),
    ("scale", ["scale", "llm-proxy", "3"]),
    ("scale", ["scale", "llm-proxy", "--min", "1", "--max", "5"]),
    ("deploy", ["deploy", "--tag", "v1.2.3-stable", "worker"]),  # moves the worker's scheduled tasks too
    ("run", ["run", "worker", "--", "true"]),
    ("run", ["run", "worker", "--timeout", "0.5", "--", "sleep", "5"]),  # StopTask on the timeout
    ("shell", ["shell", "llm-proxy", "--", "true"]),  # the sandbox's local shell: no plugin here
    ("port-forward", ["port-forward", "llm-proxy", "--remote", "vega-db:5432"]),  # refused: no plugin
]


@pytest.mark.parametrize(("policy", "args"), RUNS, ids=[" ".join(a) for _, a in RUNS])
def test_every_call_a_command_makes_is_in_its_iam_policy(estate: Any, on: Any, policy: str, args: list[str]) -> None:
    admin.reset_counts(estate.endpoint)
    r = on(*args)
    assert r.exit_code != 1, r.output
    called = _actions(admin.call_counts(estate.endpoint))
    assert called, r.output
    row = POLICIES[policy]
    missing = called - set(row.actions())
    assert not missing, f"vegaops {' '.join(args)} called {sorted(missing)}, not in the IAM table for {policy!r}"


OPTIONAL = [
    ("debug", "ListServiceDeployments", "ecs:ListServiceDeployments"),
    ("debug", "ListTasks", "ecs:ListTasks"),
    ("debug", "DescribeTasks", "ecs:DescribeTasks"),
    ("debug", "DescribeTaskDefinition", "ecs:DescribeTaskDefinition"),
    ("debug", "GetLogEvents", "logs:GetLogEvents"),
    ("debug", "DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth"),
    ("debug", "GetParameters", "ssm:GetParameters"),
    ("debug", "DescribeSecret", "secretsmanager:DescribeSecret"),
    ("status", "DescribeTaskDefinition", "ecs:DescribeTaskDefinition"),
    ("status", "DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth"),
    ("health", "DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth"),
]
ARGS = {"debug": ["debug", "api", "--lines", "3"], "status": ["status"], "health": ["health", "llm-proxy"]}


@pytest.mark.parametrize(("command", "operation", "action"), OPTIONAL, ids=[f"{c}-{o}" for c, o, _ in OPTIONAL])
def test_a_denied_optional_read_keeps_the_exit_code_and_says_why_in_place(
    estate: Any, on: Any, command: str, operation: str, action: str
) -> None:
    assert action in POLICIES[command].optional  # documented as optional
    admin.reset_counts(estate.endpoint)
    baseline = on(*ARGS[command])
    assert action in admin.call_counts(estate.endpoint), f"{command} does not call {action}: nothing to deny"
    admin.inject_errors(estate.endpoint, operation, code="AccessDeniedException", status=400, count=1000)
    try:
        denied = on(*ARGS[command])
        as_json = on("-o", "json", *ARGS[command])
    finally:
        admin.inject_errors(estate.endpoint, operation, count=0)  # a count of 0 clears the injection
    assert denied.exit_code == baseline.exit_code, denied.output
    assert "Traceback" not in denied.output
    # in its place: "<section>: not read (<action> denied; grant it to see this)"; once on stderr
    assert f"not read ({action} denied" in denied.stdout or f"not read: {action} denied" in denied.stdout, denied.stdout
    assert denied.stderr.count(f"grant {action}") == 1, denied.stderr
    doc = json.loads(as_json.stdout)
    assert doc["exit_code"] == baseline.exit_code
    text = json.dumps(doc["data"])
    assert action in text and "denied" in text


def test_a_read_still_failing_after_retries_says_so_in_place(estate: Any, on: Any) -> None:
    baseline = on(*ARGS["debug"])
    admin.inject_errors(estate.endpoint, "ListTasks", code="ThrottlingException", status=400, count=1000)
    try:
        failing = on(*ARGS["debug"])
    finally:
        admin.inject_errors(estate.endpoint, "ListTasks", count=0)
    assert failing.exit_code == baseline.exit_code, failing.output
    assert "Stopped tasks: not read (ecs:ListTasks still failing after retries" in failing.stdout, failing.stdout
