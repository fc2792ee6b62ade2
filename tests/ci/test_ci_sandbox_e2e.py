"""A failing deploy (the sandbox's crashing image, rolled back: exit 5) under GITHUB_ACTIONS=true, with a
webhook receiver on 127.0.0.1.

The real ``vegaops`` executable runs as a subprocess (the path CI takes: ``main.run`` and its one hook).
Checked: the step summary, the outputs, the annotations, the notifications (content; a receiver that never
answers is one warning within the timeout and the exit code stays 5), and that no secret value and not the
webhook URL reaches any of them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.ci.test_github_format import parse_outputs
from tests.conftest import vegaops_executable
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle
from vegaops.sandbox.seed import SECRETS, SECRETS_PREFIX

pytestmark = pytest.mark.e2e


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.on_body: Callable[[dict[str, Any]], None] = lambda _body: None  # before it answers
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.paths.append(self.path)
                received.bodies.append(json.loads(self.rfile.read(length)))
                received.on_body(received.bodies[-1])
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/s3cr3t-path"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A listening socket that accepts the connection (backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/never"
    sock.close()


@pytest.fixture
def sbx(sandbox_module: Handle) -> Handle:
    admin.reset(sandbox_module.endpoint)
    return sandbox_module


def _env(h: Handle, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "VEGAOPS_STATE_DIR": str(h.state_file.parent),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(cwd / "summary.md"),
        "GITHUB_OUTPUT": str(cwd / "output"),
        **env,
    }


def run(h: Handle, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*vegaops_executable(), "--env", "sandbox", *args],
        cwd=cwd,
        env=_env(h, cwd, env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def assert_no_secrets(*texts: str, also: tuple[str, ...] = ()) -> None:
    for text in texts:
        for value in (*SECRETS.values(), *also):
            assert value not in text


def test_failing_deploy_writes_summary_outputs_annotations_and_notifies(
    sbx: Handle, tmp_path: Path, receiver: Receiver
) -> None:
    proc = run(sbx, tmp_path, {"VEGAOPS_NOTIFY_WEBHOOK": receiver.url}, "deploy", "--tag", "v1.2.4-crash", "worker")
    assert proc.returncode == 5, proc.stderr

    summary = (tmp_path / "summary.md").read_text()
    assert "### vegaops deploy: ↩️ rolled back (exit 5)" in summary
    row = next(line for line in summary.splitlines() if line.startswith("| [vega-worker]"))
    assert "| v1.2.4-crash |" in row and "`sha256:" in row
    assert "vega-worker:1 → vega-worker:2" in row and "↩️ rolled back" in row
    assert "console.aws.amazon.com/ecs/v2/clusters/vega-sandbox/services/vega-worker/health" in row

    outputs = parse_outputs((tmp_path / "output").read_text())
    assert outputs["verdict"] == "rolled_back" and outputs["exit-code"] == "5"
    assert json.loads(outputs["deployment-ids"])["vega-worker"]
    assert json.loads(outputs["task-definition-arns"])["vega-worker"].endswith("vega-worker:2")
    assert json.loads(outputs["image-digests"])["vega-worker"].startswith("sha256:")
    assert json.loads(outputs["result"])["exit_code"] == 5

    errors = [line for line in proc.stderr.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and errors[0].startswith("::error title=vegaops deploy%3A vega-worker rolled back::")

    kinds = [b["event"] for b in receiver.bodies]
    assert kinds == ["deploy.start", "deploy.verdict"]
    verdict = receiver.bodies[1]
    assert verdict["ok"] is False and verdict["data"]["verdict"] == "rolled_back"
    assert verdict["title"] == "deploy v1.2.4-crash of vega-worker in sandbox: failed and was rolled back"
    assert any("vega-worker: rolled back" in line for line in verdict["lines"])
    assert_no_secrets(summary, (tmp_path / "output").read_text(), proc.stdout, proc.stderr, json.dumps(receiver.bodies))
    assert receiver.url not in proc.stderr + proc.stdout + summary


def test_webhook_from_a_secret_reference_in_slack_format(sbx: Handle, tmp_path: Path, receiver: Receiver) -> None:
    boto3.client(
        "secretsmanager",
        endpoint_url=sbx.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    ).create_secret(Name=f"{SECRETS_PREFIX}notify/slack", SecretString=json.dumps({"url": receiver.url}))
    (tmp_path / "vegaops.toml").write_text('[notify]\nslack = "secret:notify/slack"\nevents = ["deploy.verdict"]\n')
    proc = run(sbx, tmp_path, {}, "deploy", "--tag", "v1.2.4-crash", "worker")
    assert proc.returncode == 5, proc.stderr
    assert len(receiver.bodies) == 1  # deploy.start was not asked for
    body = receiver.bodies[0]
    assert body["text"].startswith(":rotating_light: deploy v1.2.4-crash of vega-worker in sandbox")
    assert body["blocks"][0]["type"] == "section"
    assert_no_secrets(json.dumps(body), proc.stderr, also=(receiver.url,))


def test_a_receiver_that_never_answers_is_one_warning_and_the_exit_code_stays(
    sbx: Handle, tmp_path: Path, silent_url: str
) -> None:
    (tmp_path / "vegaops.toml").write_text('[notify]\nwebhook = "env:HOOK_URL"\ntimeout = 1\n')
    started = time.monotonic()
    proc = run(sbx, tmp_path, {"HOOK_URL": silent_url}, "deploy", "--tag", "v1.2.4-crash", "worker")
    elapsed = time.monotonic() - started
    assert proc.returncode == 5, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "notification" in line]
    assert warnings == [  # one warning per event, as an annotation under GITHUB_ACTIONS
        "::warning title=vegaops::notification (deploy.start) to the webhook failed: no answer within 1s; "
        "the exit code is unchanged",
        "::warning title=vegaops::notification (deploy.verdict) to the webhook failed: no answer within 1s; "
        "the exit code is unchanged",
    ]
    assert silent_url not in proc.stderr and "127.0.0.1" not in proc.stderr
    assert elapsed < 60  # the rollout at speed 20 plus two 1 s timeouts, nowhere near a hang


def test_ctrl_c_while_the_verdict_is_reported_keeps_the_verdicts_exit_code(
    sbx: Handle, tmp_path: Path, receiver: Receiver
) -> None:
    # the operator presses Ctrl-C while vegaops posts the verdict (a slow webhook): the deploy's result was
    # given already, so the exit code stays the verdict's, with one warning and no traceback
    proc = subprocess.Popen(
        [*vegaops_executable(), "--env", "sandbox", "deploy", "--tag", "v1.2.4-crash", "worker"],
        cwd=tmp_path,
        env=_env(sbx, tmp_path, {"VEGAOPS_NOTIFY_WEBHOOK": receiver.url}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def interrupt(body: dict[str, Any]) -> None:
        if body.get("event") == "deploy.verdict":
            proc.send_signal(signal.SIGINT)
            time.sleep(2)  # answer late: vegaops is still waiting for this answer when the signal lands

    receiver.on_body = interrupt
    try:
        _out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 5, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert (
        "warning: interrupted while reporting the result to CI or notifications; the exit code (5) is unchanged"
        in err.splitlines()
    )
    assert [b["event"] for b in receiver.bodies] == ["deploy.start", "deploy.verdict"]
