"""Deploy notifications: Slack incoming webhooks and a generic JSON webhook.

Targets come from ``[notify]`` in vegaops.toml and/or ``VEGAOPS_NOTIFY_WEBHOOK`` (CI). A webhook is a
reference, resolved when something is sent:

- ``secret:NAME``  a Secrets Manager secret (NAME relative to the environment's ``secrets_prefix``, or
  absolute with a leading ``/``); its value is the URL, or a JSON object with a ``url``/``webhook`` key;
- ``ssm:/path``    an SSM SecureString (or String) parameter, decrypted;
- ``env:VAR``      an environment variable (for CI secrets);
- ``https://...``  a literal URL (allowed, but the reference forms keep the URL out of the file).

The URL itself is a secret: it is never printed, logged or put in an error (error texts are scrubbed of
it). Messages are built from the redacted result envelope, so they hold names, tags, digests, outcomes
and reasons, never a secret value. Sending uses the stdlib (``urllib.request``) with a short timeout; a
failure is one warning and never changes the command's exit code.

Events: ``deploy.start`` (sent by the deploy before its first change), ``deploy.verdict``, ``rollback``,
``secret.rotation`` and ``run`` (the results of ``vegaops run`` once that command exists: it needs no
code here beyond :data:`EVENT_OF_COMMAND`, and can also call :func:`send` directly).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.sensitive import redact

if TYPE_CHECKING:
    from vegaops.context import AppContext

EVENTS = ("deploy.start", "deploy.verdict", "rollback", "secret.rotation", "run")
FORMATS = ("slack", "json")
DEFAULT_TIMEOUT = 5.0
ENV_WEBHOOK = "VEGAOPS_NOTIFY_WEBHOOK"
ENV_FORMAT = "VEGAOPS_NOTIFY_FORMAT"

# Runbooks whose results are secret rotations (runbooks/rotate-secret.toml).
ROTATION_RUNBOOKS = ("rotate-secret",)

# The command of a final result -> the event it is. ``run`` is the hook for ``vegaops run``.
EVENT_OF_COMMAND: dict[str, str] = {
    "deploy": "deploy.verdict",
    "deploy watch": "deploy.verdict",
    "rollback": "rollback",
    "secret set": "secret.rotation",
    "secret rollback": "secret.rotation",
    "secret restore": "secret.rotation",
    "secret import": "secret.rotation",
    "run": "run",
}


@dataclass(frozen=True)
class Target:
    name: str  # "slack", "webhook" or "VEGAOPS_NOTIFY_WEBHOOK": what warnings call it (never the URL)
    ref: str
    format: str


@dataclass(frozen=True)
class NotifyConfig:
    targets: tuple[Target, ...] = ()
    events: tuple[str, ...] = EVENTS
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class Event:
    kind: str  # one of EVENTS
    title: str
    ok: bool | None  # True success, False failure, None neutral (a start)
    fields: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def guess_format(url_or_ref: str) -> str:
    return "slack" if "hooks.slack.com" in url_or_ref else "json"


def config_from(table: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> NotifyConfig:
    """The notify settings: ``[notify]`` (already validated by config.py) plus ``VEGAOPS_NOTIFY_WEBHOOK``."""
    env = os.environ if environ is None else environ
    targets: list[Target] = []
    if table.get("slack"):
        targets.append(Target("slack webhook", str(table["slack"]), "slack"))
    if table.get("webhook"):
        ref = str(table["webhook"])
        targets.append(Target("webhook", ref, str(table.get("format") or guess_format(ref))))
    if env.get(ENV_WEBHOOK):
        ref = env[ENV_WEBHOOK]
        fmt = env.get(ENV_FORMAT) or guess_format(ref)
        targets.append(Target(ENV_WEBHOOK, ref, fmt if fmt in FORMATS else "json"))
    events = tuple(table.get("events") or EVENTS)
    return NotifyConfig(tuple(targets), events, float(table.get("timeout", DEFAULT_TIMEOUT)))


# --- references ----------------------------------------------------------------------------------------
class ResolveError(Exception):
    """A webhook reference could not be resolved (the message never holds the URL)."""


def resolve(ctx: AppContext, ref: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    kind, _, rest = ref.partition(":")
    if ref.startswith(("https://", "http://")):
        return ref
    if kind == "env":
        value = env.get(rest, "")
        if not value:
            raise ResolveError(f"environment variable {rest} is empty or not set")
        return resolve(ctx, value, env) if value.startswith(("secret:", "ssm:")) else value
    if kind == "secret":
        from vegaops.naming import secret_name

        name = secret_name(ctx.settings.secrets_prefix, rest)
        found = ctx.aws.secrets.get(name)
        if found is None:
            raise ResolveError(f"secret {name} not found")
        return _url_from(found.value.value, f"secret {name}")
    if kind == "ssm":
        from vegaops.naming import param_name

        name = param_name(ctx.settings.params_prefix, rest)
        param = ctx.aws.ssm.get(name, decrypt=True)
        if param is None:
            raise ResolveError(f"parameter {name} not found")
        return _url_from(param.value or "", f"parameter {name}")
    raise ResolveError("unsupported reference (expected secret:NAME, ssm:/path, env:VAR or an https:// URL)")


def _url_from(value: str, where: str) -> str:
    text = value.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, dict):
            for key in ("url", "webhook", "webhook_url"):
                if isinstance(doc.get(key), str):
                    return str(doc[key]).strip()
    if not text.startswith(("https://", "http://")):
        raise ResolveError(f"{where} does not hold an http(s) URL")
    return text


# --- payloads ------------------------------------------------------------------------------------------
def _icon(ok: bool | None) -> str:
    return {True: ":white_check_mark:", False: ":rotating_light:", None: ":rocket:"}[ok]


def _mrkdwn(text: str) -> str:
    """Slack's three control characters: a reason like ``<masked ...>`` must not read as a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(event: Event) -> dict[str, Any]:
    """Block Kit with a ``text`` fallback (notifications and clients without blocks show the text)."""
    text = f"{_icon(event.ok)} {_mrkdwn(event.title)}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}]
    if event.fields:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_mrkdwn(k)}*\n{_mrkdwn(v)}"[:1900]} for k, v in event.fields[:10]
                ],
            }
        )
    if event.lines:
        body = _mrkdwn("\n".join(event.lines))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}})
    return {"text": text, "blocks": blocks}


def json_payload(event: Event) -> dict[str, Any]:
    return {
        "schema": "vegaops.notify/v1",
        "event": event.kind,
        "title": event.title,
        "ok": event.ok,
        "fields": dict(event.fields),
        "lines": event.lines,
        "data": event.data,
    }


def payload(event: Event, fmt: str) -> bytes:
    body = slack_payload(event) if fmt == "slack" else json_payload(event)
    return json.dumps(redact(body), default=str).encode("utf-8")


# --- sending -------------------------------------------------------------------------------------------
def _scrub(text: str, url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc
    for piece in (url, url.rstrip("/"), host):
        if piece:
            text = text.replace(piece, "<webhook>")
    return text


def post(url: str, body: bytes, timeout: float) -> None:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ResolveError("not an http(s) URL")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "vegaops"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # the scheme was checked above
        response.read(65536)


def _why(exc: BaseException, timeout: float) -> str:
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def send(
    ctx: AppContext,
    event: Event,
    config: NotifyConfig,
    warn: Callable[[str], None],
    poster: Callable[[str, bytes, float], None] = post,
) -> int:
    """Send ``event`` to every target that wants it; returns how many were delivered. Never raises."""
    if event.kind not in config.events:
        return 0
    delivered = 0
    for target in config.targets:
        url = ""
        try:
            url = resolve(ctx, target.ref)
            poster(url, payload(event, target.format), config.timeout)
            delivered += 1
        except Exception as exc:  # a notification never changes the outcome: one warning, go on
            why = _scrub(_why(exc, config.timeout), url) if url else _why(exc, config.timeout)
            warn(f"notification ({event.kind}) to the {target.name} failed: {why}; the exit code is unchanged")
    return delivered


def settings(ctx: AppContext) -> NotifyConfig:
    try:
        table = ctx.config.notify
    except Exception:  # an unreadable config was already reported by the command itself
        table = {}
    return config_from(table)


# --- events from results -------------------------------------------------------------------------------
def _services(envelope: Mapping[str, Any]) -> list[dict[str, Any]]:
    from vegaops.envelope import services_of

    return services_of(envelope)


def event_from(envelope: Mapping[str, Any], exit_code: int, env: str | None) -> Event | None:
    """The event a command's final (redacted) envelope is, or None (not an event, or a dry run)."""
    from vegaops.envelope import verdict_of

    command = str(envelope.get("command") or "")
    kind = EVENT_OF_COMMAND.get(command)
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    assert isinstance(data, dict)
    if command == "runbook run" and str(data.get("runbook", "")).startswith(ROTATION_RUNBOOKS):
        kind = "secret.rotation"
    status = str(envelope.get("status"))
    if kind is None or status in ("planned", "unchanged"):
        return None
    verdict = verdict_of(envelope)
    where = f" in {env}" if env else ""
    errors = [e for e in envelope.get("errors") or [] if isinstance(e, dict)]
    ok = exit_code == 0
    fields: list[tuple[str, str]] = [("exit code", str(exit_code))]
    lines: list[str] = []
    rows = _services(envelope)
    if kind in ("deploy.verdict", "rollback"):
        tag = str(data.get("tag") or "")
        names = ", ".join(str(r.get("service")) for r in rows) or "no service"
        words = {
            "succeeded": "succeeded",
            "rolled_back": "failed and was rolled back",
            "failed": "failed and needs a human",
            "timed_out": "timed out",
            "superseded": "was superseded by another deployment",
        }
        what = "rollback" if kind == "rollback" else f"deploy {tag}"
        title = f"{what} of {names}{where}: {words.get(verdict, verdict.replace('_', ' '))}"
        fields.append(("verdict", verdict))
        if data.get("duration") is not None:
            fields.append(("duration", f"{data['duration']} s"))
        for r in rows:
            reasons = "; ".join(str(x) for x in r.get("reasons") or [])
            line = f"• {r.get('service')}: {str(r.get('outcome')).replace('_', ' ')}"
            if r.get("digest"):
                line += f" ({r.get('digest')})"
            if r.get("rollback_to"):
                line += f", back on {str(r.get('rollback_to')).rsplit('/', 1)[-1]}"
            lines.append(line + (f": {reasons}" if reasons else ""))
    else:
        label = {"secret.rotation": "secret change", "run": "run"}[kind]
        title = f"{command}{where}: {'done' if ok else 'failed'}"
        if kind == "secret.rotation":
            title = f"{label}{where} ({command}): {'done' if ok else 'failed'}"
        for change in envelope.get("changes") or []:
            if isinstance(change, dict) and change.get("summary"):
                lines.append(f"• {change['summary']}")
    for error in errors:
        if not rows:
            lines.append(f"error: {error.get('message')}")
        if error.get("hint"):
            lines.append(f"hint: {error.get('hint')}")
    return Event(
        kind,
        title,
        ok,
        fields,
        lines,
        {"command": command, "env": env, "verdict": verdict, "exit_code": exit_code, "services": rows},
    )


def deploy_start_event(tag: str, services: list[str], env: str | None) -> Event:
    where = f" in {env}" if env else ""
    return Event(
        "deploy.start",
        f"deploying {tag} to {', '.join(services)}{where}",
        None,
        [("tag", tag), ("services", ", ".join(services))],
        data={"command": "deploy", "env": env, "tag": tag, "services": services},
    )
