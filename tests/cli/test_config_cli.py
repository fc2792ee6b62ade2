from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

pytestmark = pytest.mark.usefixtures("aws", "project")

SECRET = "pa55-w0rd-never-printed"


def envelope(stdout: str) -> dict[str, object]:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    doc: dict[str, object] = json.loads(lines[0])
    return doc


def test_set_twice_keeps_version(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "log-level", "info").exit_code == 0
    r = cli("config", "set", "log-level", "info")
    assert r.exit_code == 0 and "unchanged" in r.output
    assert boto3.client("ssm").get_parameter(Name="/vega/staging/log-level")["Parameter"]["Version"] == 1


def test_set_reads_stdin(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "redis-endpoint", "-", input="redis://r:6379\n").exit_code == 0
    got = boto3.client("ssm").get_parameter(Name="/vega/staging/redis-endpoint")["Parameter"]["Value"]
    assert got == "redis://r:6379"


def test_secure_get_masked_unless_reveal(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "db-pass", "--secure", input=SECRET).exit_code == 0
    for args in (
        ["config", "get", "db-pass"],
        ["-o", "json", "config", "get", "db-pass"],
        ["config", "list", "--values"],
        ["config", "history", "db-pass"],
    ):
        r = cli(*args)
        assert r.exit_code == 0, r.output
        assert SECRET not in r.output
    r = cli("config", "get", "db-pass", "--reveal")
    assert r.stdout == SECRET + "\n"


def test_secure_value_on_argv_refused(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("config", "set", "db-pass", SECRET, "--secure")
    assert r.exit_code == 2 and SECRET not in r.output
    assert "stdin" in r.stderr
    r = cli("config", "set", "db-pass", SECRET, "--secure", "--value-arg")
    assert r.exit_code == 0 and SECRET not in r.output and "shell history" in r.stderr


def test_list_paths_and_json(cli) -> None:  # type: ignore[no-untyped-def]
    ssm = boto3.client("ssm")
    for i in range(15):
        ssm.put_parameter(Name=f"/vega/staging/p{i:02d}", Value=str(i), Type="String")
    ssm.put_parameter(Name="/vega/staging/deep/x", Value="d", Type="String")
    doc = envelope(cli("-o", "json", "config", "list").stdout)
    names = [p["name"] for p in doc["data"]["parameters"]]  # type: ignore[index]
    assert len(names) == 15 and "/vega/staging/deep/x" not in names
    doc = envelope(cli("-o", "json", "config", "list", "--recursive").stdout)
    assert len(doc["data"]["parameters"]) == 16  # type: ignore[index]
    r = cli("config", "list", "--values")
    assert "p07" in r.stdout and "7" in r.stdout


def test_delete_asks_and_refuses_without_input(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("ssm").put_parameter(Name="/vega/staging/x", Value="1", Type="String")
    r = cli("--no-input", "config", "delete", "x")
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert cli("-y", "config", "delete", "x", "missing").exit_code == 0
    assert cli("config", "get", "x").exit_code == 3


def test_history_and_rollback(cli) -> None:  # type: ignore[no-untyped-def]
    for value in ("a", "b", "c"):
        cli("config", "set", "k", value)
    r = cli("config", "rollback", "k", "--to", "1", "--dry-run")
    assert r.exit_code == 0 and "c -> a" in r.stderr
    assert boto3.client("ssm").get_parameter(Name="/vega/staging/k")["Parameter"]["Value"] == "c"
    assert cli("config", "rollback", "k", "--to", "1").exit_code == 0
    assert boto3.client("ssm").get_parameter(Name="/vega/staging/k")["Parameter"]["Value"] == "a"
    doc = envelope(cli("-o", "json", "config", "history", "k").stdout)
    assert [v["version"] for v in doc["data"]["versions"]] == [4, 3, 2, 1]  # type: ignore[index]
    r = cli("config", "rollback", "k", "--to", "9")
    assert r.exit_code == 3 and "versions kept: 1, 2, 3, 4" in r.stderr


def test_rollback_default_and_twice(cli) -> None:  # type: ignore[no-untyped-def]
    """No --to needed (same options and default as secret rollback); a second rollback plans nothing."""
    for value in ("a", "b", "c"):
        cli("config", "set", "k", value)
    r = cli("config", "rollback", "k")
    assert r.exit_code == 0, r.output
    assert boto3.client("ssm").get_parameter(Name="/vega/staging/k")["Parameter"]["Value"] == "b"
    r = cli("-o", "json", "config", "rollback", "k")
    assert r.exit_code == 0, r.output
    doc = envelope(r.stdout)
    assert doc["status"] == "unchanged" and doc["changes"] == []
    assert len(boto3.client("ssm").get_parameter_history(Name="/vega/staging/k")["Parameters"]) == 4


def test_confirm_env_refuses_under_no_input(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--env", "prod", "--no-input", "config", "set", "x", "y")
    assert r.exit_code == 2 and "confirm = true" in r.stderr
    assert cli("--env", "prod", "--yes", "config", "set", "x", "y").exit_code == 0


def test_dry_run_changes_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--dry-run", "-o", "json", "config", "set", "x", "y")
    doc = envelope(r.stdout)
    assert doc["status"] == "planned" and doc["changes"][0]["action"] == "create"  # type: ignore[index]
    assert cli("config", "get", "x").exit_code == 3


def test_failures_print_one_envelope(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    doc = envelope(cli("-o", "json", "config", "get", "nope").stdout)
    assert doc["exit_code"] == 3 and doc["status"] == "error"
    assert doc["errors"][0]["kind"] == "not_found"  # type: ignore[index]
    (project / "vegaops.toml").write_text('[env.prod]\nclustr = "x"\n')
    r = cli("-o", "json", "config", "get", "x")
    doc = envelope(r.stdout)
    assert r.exit_code == 2 and "env.prod.clustr" in doc["errors"][0]["message"]  # type: ignore[index]


def test_misspelled_key_exit_2_one_line(cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    (project / "vegaops.toml").write_text('[env.prod]\nclustr = "x"\n')
    r = cli("--env", "prod", "config", "list")
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0] == 'error: vegaops.toml: env.prod.clustr: unknown key; did you mean "cluster"?'
    assert "Traceback" not in r.output


def test_missing_credentials_exit_4(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    r = cli("config", "get", "x")
    assert r.exit_code == 4 and "hint:" in r.stderr and "Traceback" not in r.output


def test_env_show_explains_sources(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--region", "us-west-2", "env", "show", "prod")
    assert r.exit_code == 0
    assert "flag --region" in r.stdout and "vegaops.toml: env.prod.cluster" in r.stdout
    doc = envelope(cli("-o", "json", "env", "list").stdout)
    assert [e["name"] for e in doc["data"]["envs"]][:2] == ["staging", "prod"]  # type: ignore[index]


def test_env_var_selects_environment(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VEGAOPS_ENV", "prod")
    doc = envelope(cli("-o", "json", "env", "show").stdout)
    assert doc["data"]["env"] == "prod"  # type: ignore[index]
    assert doc["data"]["env_source"] == "environment variable VEGAOPS_ENV"  # type: ignore[index]


def test_config_and_secret_rollback_take_the_same_options() -> None:
    """issue 15: `config rollback` and `secret rollback` take the same options with the same defaults."""
    import typer.main

    from vegaops.cli.config import app as config_app
    from vegaops.cli.secret import app as secret_app

    def options(app: typer.Typer) -> dict[str, object]:
        group = typer.main.get_group(app)
        command = group.commands["rollback"]
        return {"/".join(p.opts + p.secondary_opts): p.default for p in command.params if p.param_type_name == "option"}

    assert options(config_app) == options(secret_app)
    assert "--to" in options(config_app) and options(config_app)["--to"] is None
