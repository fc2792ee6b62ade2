from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.errors import AuthError, Interrupted
from vegaops.prompter import ScriptedPrompter
from vegaops.setup.run import run_setup
from vegaops.setup.wizard import SetupOptions

pytestmark = pytest.mark.usefixtures("estate")

OPTIONS = [
    "setup",
    "--env",
    "prod",
    "--cluster",
    "vega-prod",
    "--service",
    "api=vega-api",
    "--service",
    "worker=vega-worker",
    "--container",
    "api=api",
    "--container",
    "worker=worker",
    "--skip-check",
]


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_non_interactive_from_options(cli, empty_dir: Path, estate: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    r = cli("--yes", "-o", "json", *OPTIONS, "--param", "/vega/prod/redis-endpoint=redis://r:6379")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["status"] == "changed" and doc["data"]["file"] == "create"
    cfg = tomllib.loads((empty_dir / "vegaops.toml").read_text())
    assert cfg["project"] == {"name": "vega", "region": "eu-central-1", "default_env": "prod"}
    assert {k: v for k, v in cfg["env"]["prod"].items() if k != "service"} == {
        "cluster": "vega-prod",
        "region": "eu-central-1",
        "secrets_prefix": "vega/prod/",
        "params_prefix": "/vega/prod/",
        "tag_rule": "-stable$",
        "confirm": True,
    }
    assert cfg["service"]["api"] == {"ecs_service": "vega-api", "container": "api", "ecr_repo": "vega-api"}
    # the health URL is this environment's load balancer: under [env.prod.service.api], not for every env
    assert cfg["env"]["prod"]["service"] == {"api": {"health_url": f"http://{estate['lb_dns']}/v1/health"}}
    assert cfg["service"]["worker"] == {"ecs_service": "vega-worker", "container": "worker", "ecr_repo": "vega-worker"}
    assert boto3.client("ssm").get_parameter(Name="/vega/prod/redis-endpoint")["Parameter"]["Value"] == "redis://r:6379"
    assert [s["name"] for s in doc["data"]["skipped"]] == ["vega/prod/management-token"]

    again = json.loads(cli("--yes", "-o", "json", *OPTIONS).stdout)
    assert again["status"] == "unchanged"


def test_missing_answer_names_the_option(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--no-input", "setup", "--skip-check")
    assert r.exit_code == 2 and "pass --cluster" in r.stderr
    r = cli("--no-input", "setup", "--cluster", "vega-prod", "--skip-check")
    assert r.exit_code == 2 and "--container api=NAME" in r.stderr
    assert not (empty_dir / "vegaops.toml").exists()


def test_needs_yes_without_terminal(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli(*OPTIONS)
    assert r.exit_code == 2 and "pass --yes" in r.stderr
    assert not (empty_dir / "vegaops.toml").exists()
    r = cli("--dry-run", *OPTIONS)
    assert r.exit_code == 0 and '+cluster = "vega-prod"' in r.stderr
    assert not (empty_dir / "vegaops.toml").exists()


def test_keeps_the_rest_of_an_existing_file(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    original = (
        '# our settings\n[project]\nname = "vega"\ndefault_env = "staging"\n\n[env.staging]\n'
        'cluster = "vega-staging"  # the small one\n'
    )
    (empty_dir / "vegaops.toml").write_text(original)
    assert cli("--yes", *OPTIONS).exit_code == 0
    text = (empty_dir / "vegaops.toml").read_text()
    wanted = [line for line in original.splitlines() if line]
    kept = [line for line in text.splitlines() if line in wanted]
    assert kept == wanted  # every line, comments included, in order
    assert tomllib.loads(text)["project"]["default_env"] == "staging"


def scripted(app_context: AppContext, answers: list[object]) -> ScriptedPrompter:
    prompter = ScriptedPrompter(answers)
    app_context.prompter = prompter
    app_context.interactive_override = True
    return prompter


def test_interactive_flow_with_scripted_answers(app_context: AppContext, tmp_path: Path) -> None:
    (tmp_path / "vegaops.toml").unlink()
    app_context._config = None
    answers: list[object] = [
        "vega-prod",  # cluster
        "prod",  # env name
        ["vega-api"],  # services
        "api",  # container of vega-api
        "vega-api",  # ECR repo
        "http://alb/v1/health",  # health URL
        "vega/prod/",  # secrets prefix
        "/vega/prod/",  # params prefix
        "-stable$",  # tag rule
        True,  # confirm flag
        False,  # create management-token? no
        True,  # create redis-endpoint? yes
        "redis://cache:6379",  # its value
        True,  # apply the plan
    ]
    prompter = scripted(app_context, answers)
    result = run_setup(app_context, SetupOptions(), check=False)
    assert result.status == "changed" and prompter.answers == []
    assert (
        boto3.client("ssm").get_parameter(Name="/vega/prod/redis-endpoint")["Parameter"]["Value"]
        == "redis://cache:6379"
    )
    cfg = tomllib.loads((tmp_path / "vegaops.toml").read_text())
    assert cfg["env"]["prod"]["service"]["api"]["health_url"] == "http://alb/v1/health"
    assert "health_url" not in cfg["service"]["api"]


def test_ctrl_c_mid_way_changes_nothing(app_context: AppContext, tmp_path: Path) -> None:
    (tmp_path / "vegaops.toml").unlink()
    app_context._config = None
    scripted(app_context, ["vega-prod", "prod", KeyboardInterrupt])
    with pytest.raises(Interrupted):
        run_setup(app_context, SetupOptions(), check=False)
    assert not (tmp_path / "vegaops.toml").exists()
    assert "/vega/prod/redis-endpoint" not in [
        p["Name"] for p in boto3.client("ssm").describe_parameters()["Parameters"]
    ]


def test_declining_the_summary_changes_nothing(app_context: AppContext, tmp_path: Path) -> None:
    (tmp_path / "vegaops.toml").unlink()
    app_context._config = None
    opts = SetupOptions(
        env="prod",
        cluster="vega-prod",
        services={"api": "vega-api"},
        containers={"api": "api"},
        params={"/vega/prod/redis-endpoint": "r"},
    )
    scripted(app_context, ["vega-api", "", "vega/prod/", "/vega/prod/", "", False, False, False])
    with pytest.raises(Interrupted):
        run_setup(app_context, opts, check=False)
    assert not (tmp_path / "vegaops.toml").exists()


def test_no_credentials_offers_sandbox_or_fails(app_context: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AuthError, match="no AWS credentials"):
        run_setup(app_context, SetupOptions(), check=False)
    scripted(app_context, [False])
    with pytest.raises(AuthError) as err:
        run_setup(app_context, SetupOptions(), check=False)
    assert "--sandbox" in (err.value.hint or "")


def test_unknown_cluster_is_not_found(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--yes", "setup", "--cluster", "nope", "--skip-check")
    assert r.exit_code == 3 and "vega-prod" in r.stderr
