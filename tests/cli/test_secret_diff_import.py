"""secret/config diff between environments (never values) and import (plan, confirm, only the differences)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.cli.test_config_cli import envelope
from vegaops.sensitive import fingerprint

pytestmark = pytest.mark.usefixtures("aws", "project")

VAL = "diff-hunter2-staging"
PVAL = "diff-hunter2-prod"


def test_secret_diff_names_keys_never_values(cli) -> None:  # type: ignore[no-untyped-def]
    sm = boto3.client("secretsmanager")
    for env, name, value in (
        ("staging", "db", VAL),
        ("prod", "db", PVAL),
        ("staging", "same", "x"),
        ("prod", "same", "x"),
        ("staging", "only-s", VAL),
        ("prod", "only-p", PVAL),
    ):
        sm.create_secret(Name=f"vega/{env}/{name}", SecretString=value)
    r = cli("-o", "json", "secret", "diff", "staging", "prod")
    assert r.exit_code == 0, r.output
    assert VAL not in r.stdout and PVAL not in r.stdout
    data = envelope(r.stdout)["data"]
    assert (data["only_a"], data["only_b"], data["different"], data["same"]) == (  # type: ignore[index]
        ["only-s"],
        ["only-p"],
        ["db"],
        ["same"],
    )
    assert data["fingerprints"]["db"] == {"a": fingerprint(VAL), "b": fingerprint(PVAL)}  # type: ignore[index]
    human = cli("secret", "diff", "staging", "prod")
    assert "only in staging" in human.stdout and "different" in human.stdout
    assert VAL not in human.output and PVAL not in human.output


def test_config_diff(cli) -> None:  # type: ignore[no-untyped-def]
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/vega/staging/log-level", Value="debug", Type="String")
    ssm.put_parameter(Name="/vega/prod/log-level", Value="warn", Type="String")
    ssm.put_parameter(Name="/vega/prod/db/pass", Value=PVAL, Type="SecureString")
    r = cli("-o", "json", "config", "diff", "staging", "prod")
    data = envelope(r.stdout)["data"]
    assert data["different"] == ["log-level"] and data["only_b"] == ["db/pass"]  # type: ignore[index]
    assert PVAL not in r.stdout and "debug" not in r.stdout


def _versions(name: str) -> int:
    return len(boto3.client("secretsmanager").describe_secret(SecretId=name)["VersionIdsToStages"])


def test_secret_import_plans_and_applies_only_differences(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="vega/staging/db-password", SecretString="keep")
    sm.create_secret(Name="vega/staging/token", SecretString="old")
    f = tmp_path / "in.env"
    f.write_text(f'DB_PASSWORD="keep"\nTOKEN="{VAL}"\nNEW_ONE="multi\\nline"\n')
    r = cli("--dry-run", "secret", "import", str(f))
    assert r.exit_code == 0 and "2 changes" in r.output and VAL not in r.output
    assert _versions("vega/staging/token") == 1
    r = cli("--no-input", "secret", "import", str(f))
    assert r.exit_code == 2 and "--yes" in r.stderr
    r = cli("-y", "secret", "import", str(f))
    assert r.exit_code == 0, r.output
    assert VAL not in r.output
    assert _versions("vega/staging/db-password") == 1 and _versions("vega/staging/token") == 2
    assert sm.get_secret_value(SecretId="vega/staging/new-one")["SecretString"] == "multi\nline"
    r = cli("-y", "secret", "import", str(f))
    assert r.exit_code == 0 and "nothing to change" in r.output
    assert _versions("vega/staging/token") == 2


def test_config_import_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"LOG_LEVEL": "info", "rate-limit": 600}))
    assert cli("-y", "config", "import", str(f)).exit_code == 0
    ssm = boto3.client("ssm")
    assert ssm.get_parameter(Name="/vega/staging/log-level")["Parameter"]["Value"] == "info"
    assert ssm.get_parameter(Name="/vega/staging/rate-limit")["Parameter"]["Value"] == "600"
    r = cli("-y", "config", "import", str(f))
    assert "nothing to change" in r.output
    assert ssm.get_parameter(Name="/vega/staging/log-level")["Parameter"]["Version"] == 1
    bad = tmp_path / "bad.env"
    bad.write_text("oops\n")
    assert cli("-y", "config", "import", str(bad)).exit_code == 2
