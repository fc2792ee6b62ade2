"""Setup asks what it must: the cluster is the operator's (even a single one), per-environment values go under
[env.NAME...] so another environment never inherits them, and an environment on the sandbox's endpoint gets
the sandbox's registry."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.prompter import ScriptedPrompter
from vegaops.setup.run import run_setup
from vegaops.setup.wizard import SetupOptions


@pytest.fixture
def one_cluster(aws: None) -> None:
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-prod")
    ecs.register_task_definition(family="vega-api", containerDefinitions=[{"name": "api", "image": "x", "memory": 64}])
    ecs.create_service(cluster="vega-prod", serviceName="vega-api", taskDefinition="vega-api", desiredCount=1)
    boto3.client("ecr").create_repository(repositoryName="vega-api")


SERVICES = ["--service", "api=vega-api", "--container", "api=api", "--skip-check"]


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("one_cluster")
def test_a_single_cluster_is_still_asked(app_context: AppContext, tmp_path: Path) -> None:
    (tmp_path / "vegaops.toml").unlink()
    app_context._config = None
    prompter = ScriptedPrompter(
        ["vega-prod", "prod", ["vega-api"], "vega-api", "vega/prod/", "/vega/prod/", "-stable$", True, True]
    )
    app_context.prompter, app_context.interactive_override = prompter, True
    run_setup(app_context, SetupOptions(), check=False)
    assert prompter.asked[0] == "ECS cluster:"
    assert tomllib.loads((tmp_path / "vegaops.toml").read_text())["env"]["prod"]["cluster"] == "vega-prod"


@pytest.mark.usefixtures("one_cluster")
def test_without_a_terminal_the_only_cluster_is_said(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--yes", "--no-input", "setup", "--env", "prod", *SERVICES)
    assert r.exit_code == 0, r.output
    assert "ECS cluster: vega-prod (the only cluster; pass --cluster to choose another)" in r.stderr


@pytest.mark.usefixtures("estate")
def test_one_environment_s_health_url_is_not_another_s(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("--yes", "setup", "--env", "prod", "--cluster", "vega-prod", *SERVICES).exit_code == 0
    ecs = boto3.client("ecs")
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api", desiredCount=1)
    r = cli("--yes", "setup", "--env", "staging", "--cluster", "vega-staging", *SERVICES)
    assert r.exit_code == 0, r.output
    cfg = tomllib.loads((empty_dir / "vegaops.toml").read_text())
    assert "health_url" not in cfg["service"]["api"]
    assert cfg["env"]["prod"]["service"]["api"]["health_url"].endswith("/v1/health")
    shown = json.loads(cli("-o", "json", "--env", "staging", "env", "show").stdout)
    assert "/v1/health" not in json.dumps(shown)


@pytest.mark.usefixtures("aws")
def test_an_environment_on_the_sandbox_endpoint_gets_its_registry(
    app_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vegaops.setup.wizard import sandbox_registry

    state_dir = Path(os.environ["VEGAOPS_STATE_DIR"])
    state_dir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {
        "pid": os.getpid(),  # a live process: this one
        "port": 5999,
        "endpoint": "http://127.0.0.1:5999",
        "region": "eu-central-1",
        "registry": "127.0.0.1:5998",
    }
    (state_dir / "sandbox.json").write_text(json.dumps(state))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    assert sandbox_registry(app_context) == "127.0.0.1:5998"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:6000")
    assert sandbox_registry(AppContext(cwd=app_context.cwd)) is None
