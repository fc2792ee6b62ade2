"""Issue 13: every bad input gets its documented exit code and one line + hint, before any AWS write.

Each row is a case a user met (or its class): it runs through the real error boundary
(``vegaops.main.run``) against a plain moto server that records the operations it serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CONFIG
from tests.hostile import RecordingMoto, refused_url, run_cli

pytestmark = pytest.mark.e2e

BINARY = bytes(range(0x80, 0x100)) + b"\x00\xff\xfe"


@pytest.fixture(scope="module")
def moto() -> Iterator[RecordingMoto]:
    server = RecordingMoto()
    yield server
    server.stop()


@pytest.fixture
def endpoint(moto: RecordingMoto, project: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingMoto:
    moto.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    return moto


def _config(extra: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / "vegaops.toml").write_text(SAMPLE_CONFIG + extra)

    return setup


def _file(name: str, data: bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / name).write_bytes(data)

    return setup


def _runbook(text: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / "book.toml").write_text(text)

    return setup


def _none(root: Path) -> None:
    pass


UNTERMINATED = """
name = "book"
[vars.name]
required = true
[[steps]]
id = "put"
uses = "ssm.put"
with = { name = "${vars.name", value = "x" }
"""

EMPTY_SECRET = """
name = "book"
[vars.value]
required = true
sensitive = true
[[steps]]
id = "first"
uses = "ssm.put"
with = { name = "first", value = "one" }
[[steps]]
id = "secret"
uses = "secrets.put"
with = { name = "token", value = "${vars.value}" }
"""

# (id, argv, stdin, setup, exit code, text the error must contain)
CASES: list[tuple[str, list[str], bytes, Callable[[Path], None], int, str]] = [
    ("binary-config", ["status"], b"", _file("vegaops.toml", BINARY), 2, "not a UTF-8 text file"),
    ("deploy-timeout-abc", ["deploy", "--tag", "v1", "--timeout", "abc"], b"", _none, 2, "--timeout 'abc'"),
    ("deploy-timeout-zero", ["deploy", "--tag", "v1", "--timeout", "0"], b"", _none, 2, "greater than 0"),
    ("deploy-timeout-negative", ["deploy", "--tag", "v1", "--timeout", "-5m"], b"", _none, 2, "--timeout"),
    ("deploy-timeout-huge", ["deploy", "--tag", "v1", "--timeout", "99999999999d"], b"", _none, 2, "maximum"),
    ("deploy-poll-zero", ["deploy", "--tag", "v1", "--poll-interval", "0"], b"", _none, 2, "--poll-interval"),
    ("deploy-poll-negative", ["deploy", "--tag", "v1", "--poll-interval", "-1"], b"", _none, 2, "--poll-interval"),
    ("deploy-poll-nan", ["deploy", "--tag", "v1", "--poll-interval", "nan"], b"", _none, 2, "--poll-interval"),
    ("watch-timeout-abc", ["deploy", "watch", "api", "--timeout", "1x"], b"", _none, 2, "--timeout '1x'"),
    ("rollback-timeout", ["rollback", "api", "--timeout", "soon"], b"", _none, 2, "--timeout 'soon'"),
    ("rollback-to-zero", ["rollback", "api", "--to", "0"], b"", _none, 2, "--to 0"),
    ("logs-since-overflow", ["logs", "tail", "api", "--since", "99999999d"], b"", _none, 2, "--since '99999999d'"),
    ("logs-since-junk", ["logs", "tail", "api", "--since", "yesterday"], b"", _none, 2, "--since 'yesterday'"),
    ("logs-until-iso-out-of-range", ["logs", "tail", "api", "--until", "0001-01-01"], b"", _none, 2, "--until"),
    ("logs-poll-zero", ["logs", "tail", "api", "--poll", "0"], b"", _none, 2, "--poll"),
    ("logs-deployment-bogus", ["logs", "tail", "api", "--deployment", "bogus"], b"", _none, 2, "'bogus'"),
    ("secret-set-binary-stdin", ["secret", "set", "token"], BINARY, _none, 2, "stdin is not UTF-8"),
    ("secret-set-empty-stdin", ["secret", "set", "token"], b"\n", _none, 2, "empty"),
    (
        "secret-set-binary-file",
        ["secret", "set", "token", "--from-file", "blob"],
        b"",
        _file("blob", BINARY),
        2,
        "blob is not UTF-8",
    ),
    ("secret-set-file-is-dir", ["secret", "set", "token", "--from-file", "."], b"", _none, 2, "directory"),
    ("config-set-binary-stdin", ["config", "set", "flag", "-", "--secure"], BINARY, _none, 2, "stdin is not UTF-8"),
    ("secret-export-to-dir", ["secret", "export", "--to", "."], b"", _none, 2, "is a directory"),
    ("secret-export-missing-dir", ["secret", "export", "--to", "nope/x.env"], b"", _none, 2, "does not exist"),
    ("secret-import-binary", ["secret", "import", "blob.env"], b"", _file("blob.env", BINARY), 2, "not UTF-8"),
    ("config-import-binary", ["config", "import", "blob.env"], b"", _file("blob.env", BINARY), 2, "not UTF-8"),
    ("region-junk", ["--region", "not a region!", "status"], b"", _none, 2, "not an AWS region"),
    ("quiet-and-verbose", ["-q", "-v", "status"], b"", _none, 2, "--quiet and --verbose"),
    ("empty-env", ["-e", "", "status"], b"", _none, 2, "environment name is empty"),
    ("deploy-bad-tag", ["deploy", "--tag", "bad tag!"], b"", _none, 2, "'bad tag!'"),
    ("deploy-empty-tag", ["deploy", "--tag", ""], b"", _none, 2, "not a valid image tag"),
    ("deploy-long-tag", ["deploy", "--tag", "v" * 129], b"", _none, 2, "not a valid image tag"),
    ("promote-bad-tag", ["image", "promote", ".bad", "--from", "prod", "--to", "staging"], b"", _none, 2, "TAG"),
    ("promote-bad-source", ["image", "promote", "v1", "--from", "Gh ost", "--to", "staging"], b"", _none, 2, "Gh ost"),
    ("secret-name-too-long", ["secret", "get", "x" * 600], b"", _none, 2, "the limit is 512"),
    ("secret-name-bad-char", ["secret", "get", "a b"], b"", _none, 2, "' '"),
    ("param-name-too-deep", ["config", "get", "/" + "/".join("abcdefghijklmnop")], b"", _none, 2, "limit is 15"),
    ("param-name-too-long", ["config", "get", "/" + "p" * 2100], b"", _none, 2, "limit is 2048"),
    ("param-name-bad-char", ["config", "get", "a*b"], b"", _none, 2, "'*'"),
    ("keep-revisions-zero", ["status"], b"", _config("\n[env.qa]\nkeep_revisions = 0\n"), 2, "keep_revisions"),
    ("source-env-unknown", ["status"], b"", _config('\n[env.qa]\nsource_env = "stagin"\n'), 2, "source_env"),
    ("aws-timeout-zero", ["status"], b"", _config("\n[env.qa]\naws_timeout = 0\n"), 2, "aws_timeout"),
    ("config-region-junk", ["status"], b"", _config('\n[env.qa]\nregion = "mars"\n'), 2, "env.qa.region"),
    ("runbook-unterminated", ["runbook", "validate", "book.toml"], b"", _runbook(UNTERMINATED), 2, "${vars.name"),
    (
        "runbook-empty-secret",
        ["--yes", "runbook", "run", "book.toml", "--var", "value="],
        b"",
        _runbook(EMPTY_SECRET),
        2,
        "with.value",
    ),
    ("runbook-binary", ["runbook", "validate", "bin.toml"], b"", _file("bin.toml", BINARY), 2, "not UTF-8"),
    ("runbook-name-too-long", ["runbook", "validate", "x" * 3000], b"", _none, 2, "not a usable name"),
    (
        "var-file-binary",
        ["runbook", "plan", "rotate-secret", "--var-file", "value=blob"],
        b"",
        _file("blob", BINARY),
        2,
        "UTF",
    ),
    ("config-name-too-long", ["--config", "c" * 3000, "status"], b"", _none, 2, "--config"),
    ("no-such-option", ["deploy", "--bogus"], b"", _none, 2, "No such option: --bogus"),
    ("missing-argument", ["secret", "get"], b"", _none, 2, "Missing argument"),
    ("bad-integer", ["deploy", "history", "api", "--limit", "many"], b"", _none, 2, "--limit"),
    ("history-limit-zero", ["deploy", "history", "api", "--limit", "0"], b"", _none, 2, "--limit 0"),
    ("bad-output", ["-o", "yaml", "status"], b"", _none, 2, "--output 'yaml'"),
    ("health-interval-nan", ["health", "api", "--wait", "--interval", "nan"], b"", _none, 2, "--interval 'nan'"),
    ("health-interval-zero", ["health", "api", "--wait", "--interval", "0"], b"", _none, 2, "--interval '0'"),
    ("health-http-timeout-inf", ["health", "api", "--http-timeout", "inf"], b"", _none, 2, "--http-timeout inf"),
    ("health-timeout-junk", ["health", "api", "--wait", "--timeout", "1x"], b"", _none, 2, "--timeout '1x'"),
    ("health-retries-zero", ["health", "api", "--retries", "0"], b"", _none, 2, "--retries"),
    ("debug-lines-negative", ["debug", "api", "--lines", "-1"], b"", _none, 2, "--lines"),
    ("debug-stopped-zero", ["debug", "api", "--stopped", "0"], b"", _none, 2, "--stopped"),
]


@pytest.mark.parametrize(
    ("argv", "stdin", "setup", "code", "text"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_bad_input_is_a_usage_error_before_any_write(
    endpoint: RecordingMoto,
    project: Path,
    argv: list[str],
    stdin: bytes,
    setup: Callable[[Path], None],
    code: int,
    text: str,
) -> None:
    setup(project)
    exit_code, _out, err = run_cli(argv, stdin)
    assert exit_code == code, err
    lines = err.strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    block = lines[first:]  # progress chatter (e.g. "runbook NAME on ENV") may come before the error
    assert text in block[0], err
    assert len(block) == 2 and block[1].startswith("hint: "), err  # one line + a hint
    assert "Traceback" not in err
    assert endpoint.writes() == []


def test_empty_secret_through_runbook_is_caught_before_the_first_step_applies(
    endpoint: RecordingMoto, project: Path
) -> None:
    _runbook(EMPTY_SECRET)(project)
    code, _out, err = run_cli(["--yes", "runbook", "run", "book.toml", "--var", "value="])
    assert code == 2, err
    assert "runbook variable ${vars.value}" in err
    assert endpoint.calls == []  # not even the first step's plan read


def test_promote_from_a_missing_repository_names_it(endpoint: RecordingMoto, project: Path) -> None:
    code, _out, err = run_cli(["image", "promote", "v1", "--from", "ghost", "--to", "staging"])
    assert code == 3, err
    assert "'ghost'" in err.splitlines()[0]


def test_rollback_to_a_missing_revision_is_not_a_bug(endpoint: RecordingMoto, project: Path) -> None:
    code, _out, err = run_cli(["--yes", "rollback", "api", "--to", "999"])
    assert code == 3, err
    assert "internal error" not in err


def test_refused_endpoint_is_75_naming_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = refused_url()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    code, _out, err = run_cli(["status"])
    assert code == 75, err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and url in lines[0], err
    assert "nothing was changed" in lines[1]


def test_bad_timeout_variable_is_a_usage_error(endpoint: RecordingMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEGAOPS_AWS_TIMEOUT", "forever")
    code, _out, err = run_cli(["status"])
    assert code == 2 and "VEGAOPS_AWS_TIMEOUT" in err, err
    assert endpoint.calls == []


def test_usage_errors_in_json_mode_are_one_envelope(endpoint: RecordingMoto) -> None:
    import json

    code, out, _err = run_cli(["-o", "json", "deploy", "--tag", "v1", "--timeout", "abc"])
    assert code == 2
    envelope = json.loads(out)
    assert envelope["errors"][0]["exit_code"] == 2 and "--timeout" in envelope["errors"][0]["message"]


def test_logs_of_an_unknown_deployment_id_is_not_found(endpoint: RecordingMoto) -> None:
    import boto3

    ecs = boto3.client("ecs", endpoint_url=endpoint.url, region_name="eu-central-1")
    ecs.create_cluster(clusterName="vega-staging")
    log = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/vega-api", "awslogs-stream-prefix": "api"}}
    ecs.register_task_definition(
        family="vega-api",
        containerDefinitions=[{"name": "api", "image": "vega-api:v1", "memory": 512, "logConfiguration": log}],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api", desiredCount=1)
    code, _out, err = run_cli(["logs", "tail", "api", "--deployment", "ecs-svc/42"])
    assert code == 3, err
    assert "no deployment ecs-svc/42" in err.splitlines()[0]
