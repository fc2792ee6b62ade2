"""GitHub Actions formats: workflow-command escaping, heredoc outputs, the summary table, redaction."""

from __future__ import annotations

import re
from pathlib import Path

from vegaops.ci import github
from vegaops.sensitive import Sensitive


def parse_outputs(text: str) -> dict[str, str]:
    """Read a $GITHUB_OUTPUT file the way the runner does (heredoc and name=value lines)."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1 : j])
            i = j + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def test_workflow_command_escapes_percent_cr_lf_and_property_separators() -> None:
    line = github.workflow_command("error", "50% done\r\nnext: a,b", title="api: x, y")
    assert line == "::error title=api%3A x%2C y::50%25 done%0D%0Anext: a,b"
    assert "\n" not in line and "\r" not in line


def test_output_block_survives_values_holding_newlines_and_the_delimiter() -> None:
    hostile = "line1\nEOF\nghadelimiter_x\nname=evil"
    block = github.output_block("verdict", hostile, delimiter="ghadelimiter_x")
    assert parse_outputs(block) == {"verdict": hostile}


ENVELOPE = {
    "schema": "vegaops.result/v1",
    "command": "deploy",
    "status": "failed",
    "exit_code": 5,
    "changes": [],
    "data": {
        "tag": "v1.2.4-crash",
        "duration": 12.5,
        "services": [
            {
                "service": "vega-worker",
                "tag": "v1.2.4-crash",
                "digest": "sha256:abc",
                "old_task_definition": "arn:aws:ecs:eu-central-1:1:task-definition/vega-worker:1",
                "new_task_definition": "arn:aws:ecs:eu-central-1:1:task-definition/vega-worker:2",
                "deployment_id": "ecs-svc/123",
                "outcome": "rolled_back",
                "reasons": ["tasks exited with code 1 | see logs", Sensitive("hunter2-secret")],
            },
            {"service": "vega-api", "outcome": "succeeded", "digest": "sha256:def", "reasons": []},
        ],
    },
    "errors": [{"message": "vega-worker: rolled back", "hint": "see why", "exit_code": 5}],
}


def test_report_writes_summary_outputs_and_annotations_without_secret_values(tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    lines: list[str] = []
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    where = github.Where(env="prod", region="eu-central-1", cluster="vega-prod")
    github.report(ENVELOPE, 5, where, lines.append, lines.append, env)
    text = summary.read_text()
    assert "### vegaops deploy: ↩️ rolled back (exit 5)" in text
    row = next(line for line in text.splitlines() if "vega-worker" in line)
    assert "`sha256:abc`" in row and "vega-worker:1 → vega-worker:2" in row and "12.5 s" in row
    assert "tasks exited with code 1 \\| see logs" in row  # a | in a reason cannot break the table
    assert (
        "(https://eu-central-1.console.aws.amazon.com/ecs/v2/clusters/vega-prod/services/vega-worker/health"
        "?region=eu-central-1)" in row
    )
    parsed = parse_outputs(outputs.read_text())
    assert parsed["verdict"] == "rolled_back" and parsed["exit-code"] == "5"
    assert '"vega-worker": "ecs-svc/123"' in parsed["deployment-ids"]
    assert parsed["image-digests"] == '{"vega-worker": "sha256:abc", "vega-api": "sha256:def"}'
    assert lines == [
        "::error title=vegaops deploy%3A vega-worker rolled back::tasks exited with code 1 | see logs; "
        + re.sub("%", "%25", str(Sensitive("hunter2-secret")))
    ]
    everything = text + outputs.read_text() + "\n".join(lines)
    assert "hunter2-secret" not in everything


def test_inactive_outside_github_actions_and_read_only_commands_get_no_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    lines: list[str] = []
    github.report(ENVELOPE, 5, github.Where(), lines.append, lines.append, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists() and lines == []
    status = {**ENVELOPE, "command": "status", "data": None}
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    github.report(status, 3, github.Where(), lines.append, lines.append, env)
    assert not summary.exists()
    assert lines == ["::error title=vegaops status (exit 3)::vega-worker: rolled back%0Ahint: see why"]


def test_unwritable_summary_is_one_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "missing-dir" / "s.md")}
    github.report({**ENVELOPE, "data": None, "errors": []}, 0, github.Where(), lambda _: None, warnings.append, env)
    assert len(warnings) == 1 and "GITHUB_STEP_SUMMARY" in warnings[0]


def test_a_mutating_command_without_services_lists_its_changes(tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    envelope = {
        "command": "secret set",
        "status": "changed",
        "changes": [{"summary": "update secret vega/prod/db-url", "value": Sensitive("hunter2")}],
        "data": {"steps": [{"outputs": {"value": Sensitive("hunter2")}}]},
        "errors": [],
    }
    lines: list[str] = []
    github.report(envelope, 0, github.Where(env="prod"), lines.append, lines.append, env)
    text = summary.read_text()
    assert "### vegaops secret set: changed (exit 0)" in text and "- update secret vega/prod/db-url" in text
    assert parse_outputs(outputs.read_text())["verdict"] == "changed" and lines == []
    assert "hunter2" not in text + outputs.read_text()


def test_a_superseded_deploy_is_its_own_verdict_and_an_error_annotation() -> None:
    envelope = {
        "command": "deploy",
        "status": "failed",
        "exit_code": 8,
        "data": {
            "services": [{"service": "vega-api", "outcome": "superseded", "reasons": ["superseded by ecs-svc/9"]}]
        },
    }
    assert github.verdict_of(envelope) == "superseded"
    (annotation,) = github.workflow_annotations(envelope, 8)
    assert annotation.startswith("::error") and "superseded by ecs-svc/9" in annotation
