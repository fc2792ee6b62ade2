"""The real `vegaops` executable against a moto server over HTTP (AWS_ENDPOINT_URL)."""

from __future__ import annotations

import json

import boto3
import pytest

pytestmark = pytest.mark.e2e

SECRET = "e2e-secret-value-x9"


def test_config_roundtrip_over_http(run_vegaops, moto_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run_vegaops("config", "set", "log-level", "info").exit_code == 0
    r = run_vegaops("config", "set", "log-level", "info")
    assert r.exit_code == 0 and "unchanged" in r.stdout
    ssm = boto3.client("ssm", endpoint_url=moto_url)
    assert ssm.get_parameter(Name="/vega/staging/log-level")["Parameter"]["Version"] == 1

    assert run_vegaops("config", "set", "db", "-", "--secure", input=SECRET).exit_code == 0
    r = run_vegaops("config", "get", "db")
    assert r.exit_code == 0 and SECRET not in r.stdout + r.stderr
    assert run_vegaops("config", "get", "db", "--reveal").stdout == SECRET + "\n"


def test_json_envelopes_on_success_and_failure(run_vegaops) -> None:  # type: ignore[no-untyped-def]
    r = run_vegaops("-o", "json", "config", "set", "a", "b")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and doc["status"] == "changed" and doc["exit_code"] == 0
    r = run_vegaops("-o", "json", "config", "get", "missing")
    doc = json.loads(r.stdout)
    assert r.exit_code == 3 and doc["exit_code"] == 3 and doc["errors"]
    r = run_vegaops("-o", "json", "config", "get")
    doc = json.loads(r.stdout)
    assert r.exit_code == 2 and doc["errors"][0]["kind"] == "usage"


def test_missing_credentials_exit_4_with_hint(run_vegaops) -> None:  # type: ignore[no-untyped-def]
    r = run_vegaops("config", "get", "x", env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert r.exit_code == 4
    assert "no AWS credentials found" in r.stderr and "hint:" in r.stderr and "Traceback" not in r.stderr


def test_debug_shows_traceback(run_vegaops) -> None:  # type: ignore[no-untyped-def]
    r = run_vegaops("--debug", "config", "get", "missing")
    assert r.exit_code == 3 and "Traceback" in r.stderr


def test_ctrl_c_exits_130_cleanly(moto_url: str, project) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import vegaops_executable

    proc = subprocess.Popen(
        [*vegaops_executable(), "config", "set", "x", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
        env=dict(os.environ),
    )
    try:
        time.sleep(1.5)  # let it start and block reading stdin
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
