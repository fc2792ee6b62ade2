"""Hygiene: known test secret values never appear in what vegaops prints (stdout, stderr, JSON envelopes,
--debug tracebacks, -v chatter) unless revealed on purpose (get --reveal, export, exec).

The same scenario runs in-process (CliRunner) and as the real executable over HTTP against the moto server.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from tests.conftest import CliResult

pytestmark = pytest.mark.e2e

VALUES = [
    "leak-canary-Alpha-7f3e",
    "leak-canary-Bravo-91c2",
    'leak "canary" $Charlie\nline-2',
    "leak-canary-Delta-param",
]
JSON_SECRET = json.dumps({"user": "app", "password": VALUES[1]})
Run = Callable[..., CliResult]


def _leaks(r: CliResult) -> list[str]:
    text = r.stdout + r.stderr
    # a value is also searched in its escaped forms (JSON, dotenv) and by its first line
    forms = {v for value in VALUES for v in (value, json.dumps(value)[1:-1], value.split("\n")[0])}
    return sorted(f for f in forms if f in text)


def _estate(endpoint: str) -> None:
    ecs = boto3.client("ecs", endpoint_url=endpoint)
    sm = boto3.client("secretsmanager", endpoint_url=endpoint)
    arn = sm.create_secret(Name="vega/staging/admin", SecretString=JSON_SECRET)["ARN"]
    sm.create_secret(Name="vega/prod/database-url", SecretString=VALUES[2])
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {
                "name": "api",
                "image": "x",
                "memory": 64,
                "secrets": [
                    {"name": "ADMIN_PASSWORD", "valueFrom": arn + ":password::"},
                    {"name": "LOG_LEVEL", "valueFrom": "/vega/staging/log-level"},
                ],
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)


def scenario(run: Run, tmp: Path, full: bool) -> list[tuple[list[str], CliResult]]:
    """Every secret command, in human, json, -v and --debug modes, including failures."""
    (tmp / "value.txt").write_text(VALUES[2])
    (tmp / "import.env").write_text(f'TOKEN="{VALUES[3]}"\nDATABASE_URL="{VALUES[0]}"\n')
    out: list[tuple[list[str], CliResult]] = []

    def go(*args: str, input: str | None = None, code: int | None = 0) -> CliResult:
        r = run(*args, input=input)
        assert code is None or r.exit_code == code, (args, r.stdout, r.stderr)
        out.append((list(args), r))
        return r

    go("secret", "set", "database-url", input=VALUES[0] + "\n")
    go("-v", "secret", "set", "database-url", "--from-file", str(tmp / "value.txt"))
    if full:
        go("-o", "json", "secret", "set", "database-url", VALUES[0], "--value-arg")
    go("secret", "set", "database-url", VALUES[1], code=2)  # refused on argv: the error must not echo it
    go("--debug", "secret", "set", "database-url", "--key", "k", input=VALUES[1], code=2)  # not JSON
    go("-o", "json", "secret", "set", "admin", "--key", "password", input=VALUES[1] + "x")
    if full:
        go("--debug", "secret", "set", "big", input=VALUES[0] * 2000, code=None)
    go("config", "set", "log-level", "--secure", "-", input=VALUES[3])
    for mode in ([], ["-o", "json"], ["--debug", "-v"]) if full else (["-o", "json"],):
        go(*mode, "secret", "get", "database-url")
        go(*mode, "secret", "get", "admin", "--key", "nope", code=3)
        if mode != ["--debug", "-v"]:
            go(*mode, "secret", "get", "admin", "--key", "password")
            go(*mode, "secret", "history", "database-url")
        if full and mode == ["-o", "json"]:
            go(*mode, "secret", "list")
            go(*mode, "secret", "refs", "admin")
            go(*mode, "env", "vars", "api")
            go(*mode, "secret", "diff", "staging", "prod")
            go(*mode, "config", "get", "log-level")
            go(*mode, "config", "diff", "staging", "prod")
    go("--dry-run", "secret", "rollback", "database-url")
    go("-o", "json", "secret", "rollback", "database-url", "--redeploy", "--no-watch")
    go("-y", "-o", "json", "secret", "import", str(tmp / "import.env"))
    if full:
        go("--dry-run", "secret", "import", str(tmp / "import.env"))
        go("-y", "config", "import", str(tmp / "import.env"), "--secure")
    go("-y", "secret", "delete", "database-url")
    go("--debug", "secret", "get", "database-url", code=3)
    go("--debug", "secret", "set", "database-url", input=VALUES[1], code=2)  # scheduled for deletion
    go("secret", "restore", "database-url")
    go("--debug", "exec", "--service", "api", "--", "no-such-command-xyz", code=2)
    return out


def revealed(run: Run, tmp: Path) -> None:
    """Positive control: the scan finds values where they are revealed on purpose."""
    r = run("secret", "get", "admin", "--key", "password", "--reveal")
    assert r.stdout.rstrip("\n").startswith(VALUES[1]) and _leaks(r)
    assert _leaks(run("secret", "export"))
    target = tmp / "seen.txt"
    r = run(
        "exec",
        "--",
        sys.executable,
        "-c",
        "import os, sys; open(sys.argv[1], 'w').write(os.environ['TOKEN'])",
        str(target),
    )
    assert r.exit_code == 0 and target.read_text() == VALUES[3] and not _leaks(r)


def _assert_clean(results: list[tuple[list[str], CliResult]]) -> None:
    leaked = [(args, _leaks(r)) for args, r in results if _leaks(r)]
    assert not leaked, leaked
    assert any("Traceback" in r.stderr for _, r in results)  # --debug tracebacks were part of the scan


def test_no_leaks_in_process(cli, moto_url: str, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _estate(moto_url)
    _assert_clean(scenario(cli, tmp_path, full=True))
    revealed(cli, tmp_path)


def test_no_leaks_real_executable(run_vegaops, moto_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _estate(moto_url)
    _assert_clean(scenario(run_vegaops, tmp_path, full=False))
    revealed(run_vegaops, tmp_path)
