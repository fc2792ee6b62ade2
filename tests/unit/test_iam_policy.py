"""``vegaops iam-policy``: a pasteable policy from the one table, and the README's table agrees with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vegaops.iam import POLICIES, policy_document

pytestmark = pytest.mark.usefixtures("project")


def test_policy_json_is_pasteable_and_required_only_drops_optional(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("iam-policy", "deploy")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # stdout is exactly the policy
    assert doc["Version"] == "2012-10-17"
    required, optional = doc["Statement"]
    assert "ecs:UpdateService" in required["Action"] and "ecs:ListTasks" in optional["Action"]
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in doc["Statement"])
    only = json.loads(cli("iam-policy", "deploy", "--required-only").stdout)
    assert len(only["Statement"]) == 1 and "ecs:ListTasks" not in only["Statement"][0]["Action"]
    two = json.loads(cli("iam-policy", "deploy", "history").stdout)  # a two-word command
    assert "ecs:ListTaskDefinitions" in two["Statement"][0]["Action"]
    every = json.loads(cli("iam-policy", "--all").stdout)
    assert set(every["Statement"][0]["Action"]) >= {"ecs:UpdateService", "secretsmanager:GetSecretValue"}
    assert cli("iam-policy", "nope").exit_code == 2
    assert cli("iam-policy").exit_code == 2


def test_optional_never_repeats_required_and_every_optional_says_what_it_adds() -> None:
    for name, p in POLICIES.items():
        assert not set(p.required) & set(p.optional), name
        assert all(why.strip() for why in p.optional.values()), name
        doc = policy_document([name])
        actions = [a for s in doc["Statement"] for a in s["Action"]]
        assert len(actions) == len(set(actions)), name


def test_the_readme_table_matches_the_code() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## IAM: least privilege per command", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) >= 6
    for row in rows:
        command = re.match(r"\| `([^`]+)`", row).group(1)  # type: ignore[union-attr]
        actions = set(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", row))
        assert actions <= set(POLICIES[command].actions()), (command, actions - set(POLICIES[command].actions()))
