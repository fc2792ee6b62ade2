"""Shell completion: which words take which values, the 0600 cache (fresh, stale, missing) and the warm
fast path's bash/zsh output; end to end, the real executable against a moto server."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops import completion


@pytest.mark.parametrize(
    ("line", "slot"),
    [
        ("--env", ("envs", None, None)),
        ("-e staging secret get", ("secrets", "staging", None)),
        ("--env=prod secret rollback", ("secrets", "prod", None)),
        ("--env prod config delete a b", ("params", "prod", None)),
        ("--config x.toml deploy api worker --tag", ("tags", None, "x.toml")),
        ("deploy", ("services", None, None)),
        ("deploy api --dry-run", ("services", None, None)),
        ("deploy history", ("services", None, None)),
        ("rollback", ("services", None, None)),
        ("status api", ("services", None, None)),
    ],
)
def test_slots(line: str, slot: tuple[str, str | None, str | None]) -> None:
    assert completion._slot(line.split()) == slot


@pytest.mark.parametrize(
    "line", ["secret get db-url", "config get a", "deploy api --timeout", "rollback api", "logs tail", "--tag"]
)
def test_words_the_fast_path_leaves_to_typer(line: str) -> None:
    assert completion._slot(line.split()) is None


def test_cache_is_private_fresh_then_stale_only_when_aws_fails(tmp_path: Path) -> None:
    calls: list[int] = []

    def fetch() -> list[str]:
        calls.append(1)
        return ["b", "a", "a"]

    assert completion.cached("secrets", "prod", fetch) == ["a", "b"]
    assert completion.cached("secrets", "prod", fetch) == ["a", "b"] and len(calls) == 1  # fresh: no AWS call
    path = completion._cache_file("secrets", "prod")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "at": time.time() - completion.TTL - 1}))

    def failing() -> list[str]:
        raise OSError("no network")

    assert completion.cached("secrets", "prod", failing) == ["a", "b"]  # stale beats nothing
    assert completion.cached("secrets", "prod", lambda: ["c"]) == ["c"]  # stale: asked again


def bash(words: str, cword: int) -> dict[str, str]:
    return {"_VEGAOPS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}


def test_fast_path_answers_from_a_warm_cache_only(tmp_path: Path) -> None:
    assert completion.fast(bash("vegaops --env prod secret get d", 5)) is None  # cold: typer's full path
    completion.write_cache(completion._cache_file("secrets", "prod"), ["db-url", "api-key", "d$x:y"], time.time())
    assert completion.fast(bash("vegaops --env prod secret get d", 5)) == "db-url\nd$x:y"
    assert completion.fast(bash("vegaops --env prod secret get ", 5)) == "db-url\napi-key\nd$x:y"
    zsh = {"_VEGAOPS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "vegaops --env prod secret get d"}
    assert completion.fast(zsh) == '_arguments \'*: :(("db-url"\n"d\\$x\\\\:y"))\''
    assert completion.fast({**bash("vegaops --env prod secret get d", 5), "_VEGAOPS_COMPLETE": "complete_fish"}) is None


@pytest.mark.usefixtures("project")
def test_fast_path_lists_environments_and_services_from_config() -> None:
    assert completion.fast(bash("vegaops --env ", 2)) == "prod\nsandbox\nstaging"
    assert completion.fast(bash("vegaops --env prod deploy ", 4)) == "api"


@pytest.mark.e2e
def test_completion_through_the_executable_fetches_once_then_answers_from_the_cache(
    run_vegaops: Any, moto_url: str
) -> None:
    sm = boto3.client("secretsmanager", endpoint_url=moto_url)
    sm.create_secret(Name="vega/staging/db-url", SecretString="postgres://u:p@h/db")
    sm.create_secret(Name="vega/staging/api-key", SecretString="k")
    env = bash("vegaops --env staging secret get d", 5)
    cold = run_vegaops(env=env)
    assert (cold.exit_code, cold.stdout.split()) == (0, ["db-url"])
    sm.delete_secret(SecretId="vega/staging/db-url", ForceDeleteWithoutRecovery=True)
    warm = run_vegaops(env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})  # AWS unreachable: the cache answers
    assert (warm.exit_code, warm.stdout) == (0, "db-url")
    assert (
        "postgres://"
        not in (Path(os.environ["VEGAOPS_STATE_DIR"]) / "completion" / "staging.secrets..json").read_text()
    )
