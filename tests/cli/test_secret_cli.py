"""`vegaops secret` in-process against moto: set/get/list/delete/restore/history/rollback."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.cli.test_config_cli import envelope

pytestmark = pytest.mark.usefixtures("aws", "project")

SECRET = "s3cr3t-hunter2-leakcheck"
OTHER = "0ther-hunter2-leakcheck"
NAME = "vega/staging/database-url"


def _sm():  # type: ignore[no-untyped-def]
    return boto3.client("secretsmanager")


def _current(name: str = NAME) -> str:
    return str(_sm().get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])


def test_set_twice_same_value_leaves_one_version(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("secret", "set", "database-url", input=SECRET + "\n")
    assert r.exit_code == 0, r.output
    assert SECRET not in r.output
    r = cli("secret", "set", "database-url", input=SECRET)
    assert r.exit_code == 0 and "unchanged" in r.output
    assert len(_sm().describe_secret(SecretId=NAME)["VersionIdsToStages"]) == 1
    assert _current() == SECRET


def test_value_on_argv_refused_unless_value_arg(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("secret", "set", "database-url", SECRET)
    assert r.exit_code == 2 and SECRET not in r.output and "--value-arg" in r.stderr
    r = cli("secret", "set", "database-url", SECRET, "--value-arg")
    assert r.exit_code == 0 and SECRET not in r.output and "shell history" in r.stderr


def test_from_file_description_tags(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "v.txt"
    f.write_text(SECRET + "\n")
    r = cli(
        "secret",
        "set",
        "database-url",
        "--from-file",
        str(f),
        "--description",
        "db",
        "--tag",
        "team=core",
        "--kms-key",
        "alias/x",
    )
    assert r.exit_code == 0, r.output
    meta = _sm().describe_secret(SecretId=NAME)
    assert meta["Description"] == "db" and {"Key": "team", "Value": "core"} in meta["Tags"]
    assert _current() == SECRET


def test_prompt_hidden_with_confirmation(app_context, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from vegaops.cli.secret.set import read_secret_value
    from vegaops.prompter import ScriptedPrompter

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty(""))
    app_context.prompter = ScriptedPrompter([SECRET])
    assert read_secret_value(app_context, "x", None, False, None) == SECRET
    assert app_context.prompter.asked == ["Value for secret x:"]


def test_prompt_refused_without_input(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    from vegaops.cli.secret.set import read_secret_value
    from vegaops.context import AppContext, GlobalOptions
    from vegaops.errors import UsageError

    monkeypatch.setattr("sys.stdin", Tty(""))
    with pytest.raises(UsageError, match="input needed"):
        read_secret_value(AppContext(options=GlobalOptions(no_input=True)), "x", None, False, None)


def test_json_key_set_and_get(cli) -> None:  # type: ignore[no-untyped-def]
    _sm().create_secret(Name=NAME, SecretString=json.dumps({"user": "app", "password": "old"}))
    assert cli("secret", "set", "database-url", "--key", "password", input=SECRET).exit_code == 0
    assert json.loads(_current()) == {"user": "app", "password": SECRET}
    r = cli("secret", "get", "database-url", "--key", "password")
    assert r.exit_code == 0 and SECRET not in r.output and "len" in r.output.lower()
    assert cli("secret", "get", "database-url", "--key", "password", "--reveal").stdout == SECRET + "\n"
    assert cli("secret", "get", "database-url", "--key", "nope").exit_code == 3


def test_get_masked_unless_reveal(cli) -> None:  # type: ignore[no-untyped-def]
    from vegaops.sensitive import fingerprint

    cli("secret", "set", "database-url", input=SECRET)
    r = cli("secret", "get", "database-url")
    assert r.exit_code == 0 and SECRET not in r.output
    assert fingerprint(SECRET) in r.stdout and str(len(SECRET)) in r.stdout
    doc = envelope(cli("-o", "json", "secret", "get", "database-url").stdout)
    assert SECRET not in json.dumps(doc)
    assert doc["data"]["fingerprint"] == fingerprint(SECRET)  # type: ignore[index]
    assert cli("secret", "get", "database-url", "--reveal").stdout == SECRET + "\n"
    assert cli("secret", "get", "missing").exit_code == 3


def test_list_paginated_with_versions(cli) -> None:  # type: ignore[no-untyped-def]
    for i in range(105):
        _sm().create_secret(Name=f"vega/staging/s{i:03d}", SecretString="v")
    _sm().create_secret(Name="vega/prod/other", SecretString="v")
    _sm().put_secret_value(SecretId="vega/staging/s000", SecretString="w")
    doc = envelope(cli("-o", "json", "secret", "list").stdout)
    secrets = doc["data"]["secrets"]  # type: ignore[index]
    assert len(secrets) == 105
    assert secrets[0]["name"] == "vega/staging/s000" and secrets[0]["versions"] == 2
    r = cli("secret", "list", "s10")
    assert r.exit_code == 0 and "s104" in r.stdout and "s099" not in r.stdout


def test_delete_restore_cycle(cli) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "set", "database-url", input=SECRET)
    r = cli("--no-input", "secret", "delete", "database-url")
    assert r.exit_code == 2 and "--yes" in r.stderr
    r = cli("-y", "secret", "delete", "database-url")
    assert r.exit_code == 0 and "recovery window" in r.output
    assert cli("secret", "get", "database-url").exit_code == 3
    assert cli("-y", "secret", "delete", "database-url").exit_code == 0  # already scheduled: nothing
    assert cli("secret", "restore", "database-url").exit_code == 0
    assert _current() == SECRET
    r = cli("-y", "secret", "delete", "database-url", "--force")
    assert r.exit_code == 0
    assert cli("secret", "restore", "database-url").exit_code == 3


def test_history_and_rollback(cli) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "set", "database-url", input=SECRET)
    cli("secret", "set", "database-url", input=OTHER)
    r = cli("secret", "history", "database-url")
    assert r.exit_code == 0 and "AWSCURRENT" in r.stdout and "AWSPREVIOUS" in r.stdout
    assert SECRET not in r.output and OTHER not in r.output
    r = cli("secret", "rollback", "database-url", "--dry-run")
    assert r.exit_code == 0 and "AWSCURRENT" in r.output and _current() == OTHER
    r = cli("secret", "rollback", "database-url")
    assert r.exit_code == 0, r.output
    assert _current() == SECRET
    assert len(_sm().describe_secret(SecretId=NAME)["VersionIdsToStages"]) == 2
    assert SECRET not in r.output and OTHER not in r.output
