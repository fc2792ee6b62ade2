"""Every hint vegaops prints is a command that works when pasted (issue 15 item 2).

Commands run on the sandbox through a config file (a path with a space, passed with ``--config``) in an
environment that is not the default one; every ``vegaops ...`` line they print must carry that ``--config``
and ``--env``, and each one, run as printed (with its own flags), must be accepted: no exit 2, no "No such
option", no "unknown environment".
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import vegaops_executable
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

CONFIG = """\
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging-absent"

[env.qa]
cluster = "vega-sandbox"
endpoint_url = "{endpoint}"
params_prefix = "/vega/sandbox/"
secrets_prefix = "vega/sandbox/"

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"
health_url = "{endpoint}/_sandbox/health/api"

[service.worker]
ecs_service = "vega-worker"
container = "worker"
ecr_repo = "vega-worker"
"""

SUBCOMMANDS = "deploy|debug|logs|status|health|rollback|secret|config|image|env|runbook|exec"
HINT = re.compile(r"\bvegaops (?:--\S+ (?:'[^']*'|\S+) )*(?:" + SUBCOMMANDS + r")(?=[ \n]|$)[^;,()\n]*")


def hints_in(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.startswith("Usage:") and "Try '" not in line]
    return [m.group(0).strip().rstrip(".:") for m in HINT.finditer("\n".join(lines))]


def test_every_printed_hint_carries_env_and_config_and_is_accepted(sandbox: Handle, tmp_path: Path) -> None:
    conf_dir = tmp_path / "conf dir"
    conf_dir.mkdir()
    config = conf_dir / "vega ops.toml"
    config.write_text(CONFIG.format(endpoint=sandbox.endpoint))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, **sandbox.env()}
    env.pop("AWS_ENDPOINT_URL", None)  # the config file's endpoint_url is what points at the sandbox

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*vegaops_executable(), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=elsewhere,
            env=env,
            check=False,
        )

    scope = ["--config", str(config), "--env", "qa"]
    commands = [
        ["deploy", "--tag", "v1.2.4-crash", "api"],  # rolled back: see why
        ["debug", "api"],
        ["deploy", "--tag", "v9.9.9-absent", "api"],  # no such tag: list the tags
        ["config", "get", "no-such-param"],
        ["config", "rollback", "log-level", "--to", "99"],
        ["secret", "get", "no-such-secret"],
        ["secret", "rollback", "database-url", "--to", "nope"],
        ["health", "worker"],
        ["exec"],
        ["deploy"],
    ]
    printed: dict[str, list[str]] = {}
    for args in commands:
        done = run([*scope, *args])
        for hint in hints_in(done.stdout + done.stderr):
            printed.setdefault(hint, args)
    assert any(" debug " in h for h in printed), printed  # after the failed deploy the hint is debug
    assert len(printed) >= 5, printed
    missing = {h: by for h, by in printed.items() if shlex.split(h)[1:5] != scope}
    assert not missing, f"hints that drop --config/--env: {missing}"
    for hint, by in printed.items():
        argv = shlex.split(hint)
        if any(a.isupper() or a.endswith("...") or a.startswith("[") for a in argv):
            continue  # a template with placeholders (NAME, CMD ARGS...): checked above for its scope only
        pasted = run(argv[1:])
        text = pasted.stdout + pasted.stderr
        assert pasted.returncode != 2, f"{hint} (printed by {by}) -> exit 2: {text}"
        assert "No such option" not in text and "unknown environment" not in text, (hint, text)
