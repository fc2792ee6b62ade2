"""GitHub Actions awareness: step summary, step outputs and annotations for a command's final result.

Active only when ``GITHUB_ACTIONS=true``. Everything is drawn from the *redacted* envelope
(``Result.envelope()`` runs ``vegaops.sensitive.redact``), so no secret value can reach the summary, an
output or an annotation. Nothing here changes the exit code; a file that cannot be written is reported
once as a warning.

Formats (GitHub's documented rules):
- ``$GITHUB_OUTPUT``: ``name<<DELIMITER`` / value / ``DELIMITER`` blocks with a random delimiter that
  appears in neither the name nor the value, so multi-line and hostile values are safe.
- workflow commands ``::error title=T::message``: in the message ``%``, CR and LF are escaped as ``%25``,
  ``%0D``, ``%0A``; in a property ``:`` and ``,`` as well (``%3A``, ``%2C``). They go to stderr (the runner
  reads workflow commands from both streams) so ``--output json`` keeps stdout one envelope.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vegaops.envelope import services_of, verdict_of
from vegaops.sensitive import redact

# Commands that change something (AWS or the deploy lock). Read-only commands get annotations for their
# failures but no summary and no outputs.
MUTATING = (
    "deploy",
    "deploy watch",
    "deploy unlock",
    "rollback",
    "secret set",
    "secret delete",
    "secret restore",
    "secret rollback",
    "secret import",
    "config set",
    "config delete",
    "config rollback",
    "config import",
    "image push",
    "image promote",
    "runbook run",
    "run",
    "setup",
)

_OUTCOME_WORDS = {
    "succeeded": "✅ succeeded",
    "rolled_back": "↩️ rolled back",
    "failed": "🚨 failed, needs a human",
    "timed_out": "⏱️ timed out",
    "superseded": "⏭️ superseded by another deployment",
    "interrupted": "⏹️ interrupted",
    "planned": "📝 planned (dry run)",
    "unknown": "❔ unknown",
}


def active(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("GITHUB_ACTIONS") == "true"


def is_mutating(command: str) -> bool:
    return command in MUTATING and command != "deploy history"


# --- formats ---------------------------------------------------------------------------------------
def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(level: str, message: str, title: str | None = None) -> str:
    props = f" title={escape_property(title)}" if title else ""
    return f"::{level}{props}::{escape_data(message)}"


def output_block(name: str, value: str, delimiter: str | None = None) -> str:
    """One ``$GITHUB_OUTPUT`` entry in the heredoc form, safe for any value."""
    delim = delimiter or f"ghadelimiter_{uuid.uuid4()}"
    while delim in value or delim in name:
        delim = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delim}\n{value}\n{delim}\n"


def _cell(value: object) -> str:
    text = "-" if value is None or value == "" else str(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", "")
        .replace("\n", "<br>")
    )


def _short_td(arn: object) -> str:
    text = str(arn or "")
    return text.rsplit("/", 1)[-1] if text else "-"


def console_url(region: str | None, cluster: str | None, service: str) -> str | None:
    if not region or not cluster:
        return None
    cluster_name = cluster.rsplit("/", 1)[-1]
    return (
        f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster_name}/services/{service}/health"
        f"?region={region}"
    )


# --- what a result says --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Where:
    env: str | None = None
    region: str | None = None
    cluster: str | None = None


def outputs(envelope: Mapping[str, Any], exit_code: int) -> dict[str, str]:
    rows = services_of(envelope)
    return {
        "verdict": verdict_of(envelope),
        "exit-code": str(exit_code),
        "deployment-ids": json.dumps({r["service"]: r.get("deployment_id") for r in rows}),
        "task-definition-arns": json.dumps({r["service"]: r.get("new_task_definition") for r in rows}),
        "image-digests": json.dumps({r["service"]: r.get("digest") for r in rows}),
        "result": json.dumps(envelope, default=str),
    }


def summary(envelope: Mapping[str, Any], exit_code: int, where: Where) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``."""
    command = str(envelope.get("command") or "vegaops")
    verdict = verdict_of(envelope)
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    assert isinstance(data, dict)
    head = _OUTCOME_WORDS.get(verdict, verdict.replace("_", " "))
    lines = [f"### vegaops {command}: {head} (exit {exit_code})", ""]
    facts = []
    if where.env:
        facts.append(f"env `{where.env}`")
    if where.cluster:
        facts.append(f"cluster `{where.cluster}`")
    if data.get("tag"):
        facts.append(f"tag `{data['tag']}`")
    if data.get("duration") is not None:
        facts.append(f"{data['duration']} s")
    if facts:
        lines += [" · ".join(facts), ""]
    rows = services_of(envelope)
    if rows:
        lines += [
            "| service | tag | digest | revision | outcome | duration | reasons |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            service = str(r.get("service"))
            url = console_url(where.region, where.cluster, service)
            name = f"[{_cell(service)}]({url})" if url else _cell(service)
            digest = r.get("digest")
            revision = f"{_short_td(r.get('old_task_definition'))} → {_short_td(r.get('new_task_definition'))}"
            outcome = str(r.get("outcome"))
            duration = r.get("duration", data.get("duration"))
            lines.append(
                "| "
                + " | ".join(
                    [
                        name,
                        _cell(r.get("tag") or data.get("tag")),
                        f"`{_cell(digest)}`" if digest else "-",
                        _cell(revision),
                        _cell(_OUTCOME_WORDS.get(outcome, outcome)),
                        _cell(f"{duration} s" if duration is not None else None),
                        _cell("; ".join(str(x) for x in r.get("reasons") or []) or None),
                    ]
                )
                + " |"
            )
        lines.append("")
    changes = envelope.get("changes") or []
    if changes and not rows:
        lines.append("Changes:")
        lines += [f"- {_cell(c.get('summary') if isinstance(c, dict) else c)}" for c in changes]
        lines.append("")
    for error in envelope.get("errors") or []:
        if isinstance(error, dict):
            lines.append(f"> **error:** {_cell(error.get('message'))}")
            if error.get("hint"):
                lines.append(f"> hint: {_cell(error.get('hint'))}")
            lines.append("")
    return "\n".join(lines) + "\n"


def workflow_annotations(envelope: Mapping[str, Any], exit_code: int) -> list[str]:
    """``::error::`` for each failed service (or each error of a failed command), ``::warning::`` for an
    outcome nobody observed."""
    command = str(envelope.get("command") or "vegaops")
    found: list[str] = []
    for r in services_of(envelope):
        outcome = str(r.get("outcome"))
        reasons = "; ".join(str(x) for x in r.get("reasons") or []) or outcome.replace("_", " ")
        title = f"vegaops {command}: {r.get('service')} {outcome.replace('_', ' ')}"
        if outcome in ("failed", "rolled_back", "timed_out", "superseded", "interrupted"):
            found.append(workflow_command("error", reasons, title))
        elif outcome == "unknown":
            found.append(workflow_command("warning", reasons, title))
    if not found and exit_code:
        for error in envelope.get("errors") or []:
            if isinstance(error, dict):
                message = str(error.get("message"))
                if error.get("hint"):
                    message += f"\nhint: {error['hint']}"
                found.append(workflow_command("error", message, f"vegaops {command} (exit {exit_code})"))
    return found


# --- writing -------------------------------------------------------------------------------------------
def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def report(
    envelope: Mapping[str, Any],
    exit_code: int,
    where: Where,
    emit: Callable[[str], None],
    warn: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
) -> None:
    """Write the summary and outputs (mutating commands) and emit annotations (any failure).

    ``envelope`` is redacted again here, so a caller cannot hand a Sensitive value through by mistake.
    """
    env = os.environ if environ is None else environ
    if not active(env):
        return
    safe = redact(dict(envelope))
    assert isinstance(safe, dict)
    for line in workflow_annotations(safe, exit_code):
        emit(line)
    if not is_mutating(str(safe.get("command"))):
        return
    targets: tuple[tuple[str, Callable[[], str]], ...] = (
        ("GITHUB_STEP_SUMMARY", lambda: summary(safe, exit_code, where)),
        ("GITHUB_OUTPUT", lambda: "".join(output_block(k, v) for k, v in outputs(safe, exit_code).items())),
    )
    for var, render in targets:
        path = env.get(var)
        if not path:
            continue
        try:
            _append(path, render())
        except OSError as exc:
            warn(f"could not write {var} ({path}): {exc.strerror or exc}")
