"""[notify] validation (key paths), events from results, payloads, and the timeout of a send."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from vegaops import notify
from vegaops.config import parse_config
from vegaops.context import AppContext
from vegaops.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[notify]\nslak = "secret:x"\n', 'vegaops.toml: notify.slak: unknown key; did you mean "slack"?'),
        ('[notify]\nwebhook = "hooks.example/x"\n', "notify.webhook: expected secret:NAME, ssm:/path, env:VAR or"),
        ('[notify]\nwebhook = "env:X"\nformat = "xml"\n', "notify.format: expected one of slack, json, got 'xml'"),
        ('[notify]\nevents = ["deploy.start", "deploy.done"]\n', "notify.events[1]: unknown event 'deploy.done'"),
        ("[notify]\ntimeout = 600\n", "notify.timeout: expected 1 to 60 seconds, got 600"),
        ('[notify]\ntimeout = "5"\n', "notify.timeout: expected an integer, got '5'"),
    ],
)
def test_notify_config_errors_name_the_key_path(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("vegaops.toml"))
    assert message in info.value.message


def test_notify_config_and_the_ci_variable() -> None:
    cfg = parse_config('[notify]\nslack = "ssm:/vega/prod/slack-webhook"\nevents = ["rollback"]\ntimeout = 2\n', None)
    settings = notify.config_from(cfg.notify, {"VEGAOPS_NOTIFY_WEBHOOK": "https://hooks.slack.com/services/T/B/x"})
    assert [(t.name, t.format) for t in settings.targets] == [
        ("slack webhook", "slack"),
        ("VEGAOPS_NOTIFY_WEBHOOK", "slack"),
    ]
    assert settings.events == ("rollback",) and settings.timeout == 2.0
    assert notify.config_from({}, {"VEGAOPS_NOTIFY_WEBHOOK": "env:HOOK"}).targets[0].format == "json"


def envelope(command: str, status: str, outcome: str, code: int) -> dict[str, object]:
    return {
        "command": command,
        "status": status,
        "exit_code": code,
        "changes": [],
        "data": {
            "tag": "v2",
            "duration": 3.0,
            "services": [{"service": "vega-api", "outcome": outcome, "reasons": ["r1"], "digest": "sha256:1"}],
        },
        "errors": [{"message": "m", "hint": "h"}] if code else [],
    }


def test_events_from_results() -> None:
    ok = notify.event_from(envelope("deploy", "changed", "succeeded", 0), 0, "prod")
    assert ok is not None and ok.ok is True and ok.title == "deploy v2 of vega-api in prod: succeeded"
    human = notify.event_from(envelope("deploy", "failed", "failed", 7), 7, "prod")
    assert human is not None and human.title == "deploy v2 of vega-api in prod: failed and needs a human"
    back = notify.event_from(envelope("rollback", "failed", "rolled_back", 5), 5, None)
    assert back is not None and back.kind == "rollback" and "hint: h" in back.lines
    assert notify.event_from(envelope("deploy", "planned", "planned", 0), 0, "prod") is None
    assert notify.event_from(envelope("status", "ok", "succeeded", 0), 0, "prod") is None
    rotated = notify.event_from(
        {"command": "secret set", "status": "changed", "changes": [{"summary": "update secret vega/prod/db-url"}]},
        0,
        "prod",
    )
    assert rotated is not None and rotated.kind == "secret.rotation"
    assert rotated.lines == ["• update secret vega/prod/db-url"]
    book = {"command": "runbook run", "status": "changed", "data": {"runbook": "rotate-secret"}, "changes": []}
    assert (notify.event_from(book, 0, "prod") or notify.Event("", "", None)).kind == "secret.rotation"
    assert notify.event_from({**book, "data": {"runbook": "release"}}, 0, "prod") is None
    run = notify.event_from({"command": "run", "status": "failed", "errors": [{"message": "x"}]}, 5, "prod")
    assert run is not None and run.kind == "run" and run.ok is False


@pytest.mark.e2e
def test_send_honours_the_timeout_and_warns_once_without_the_url() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/T0/B0/s3cr3t"
    warnings: list[str] = []
    config = notify.NotifyConfig((notify.Target("webhook", url, "json"),), notify.EVENTS, 0.5)
    started = time.monotonic()
    try:
        sent = notify.send(AppContext(), notify.deploy_start_event("v1", ["vega-api"], "prod"), config, warnings.append)
    finally:
        sock.close()
    assert sent == 0 and time.monotonic() - started < 3
    assert warnings == [
        "notification (deploy.start) to the webhook failed: no answer within 0.5s; the exit code is unchanged"
    ]


def test_refused_connection_is_scrubbed_of_the_url() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/T0/B0/s3cr3t"
    warnings: list[str] = []
    config = notify.NotifyConfig((notify.Target("webhook", url, "json"),), notify.EVENTS, 1.0)
    notify.send(AppContext(), notify.deploy_start_event("v1", ["a"], None), config, warnings.append)
    assert len(warnings) == 1 and "s3cr3t" not in warnings[0] and str(port) not in warnings[0]


def test_slack_payload_escapes_its_control_characters() -> None:
    event = notify.Event("deploy.verdict", "deploy <v2> & more", False, [("k", "<x>")], ["reason <masked len=3>"])
    body = notify.slack_payload(event)
    assert body["text"] == ":rotating_light: deploy &lt;v2&gt; &amp; more"
    assert body["blocks"][1]["fields"][0]["text"] == "*k*\n&lt;x&gt;"
    assert body["blocks"][2]["text"]["text"] == "reason &lt;masked len=3&gt;"
