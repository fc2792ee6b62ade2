"""vegaops.inputs: the one duration/time parser, the one value reader, the name and tag rules."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vegaops.errors import ExitCode, UsageError
from vegaops.inputs import (
    check_deployment,
    check_image_tag,
    check_output_file,
    check_param_name,
    check_region,
    check_secret_name,
    parse_duration,
    parse_time,
    positive_seconds,
    read_value,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1w", 604800), (" 1.5h ", 5400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "--timeout") == seconds


@pytest.mark.parametrize("text", ["abc", "", "0", "0s", "-5", "-5m", "1e309", "nan", "inf", "99999999d", "5 parsecs"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_duration(text, "--timeout")
    assert err.value.message.startswith("--timeout ") and err.value.exit_code == ExitCode.USAGE


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_duration_or_a_usage_error(text: str) -> None:
    try:
        seconds = parse_duration(text, "--since", allow_zero=True)
    except UsageError:
        return
    assert 0 <= seconds <= 10 * 365 * 86400


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_time_or_a_usage_error(text: str) -> None:
    try:
        parsed = parse_time(text, NOW, "--since")
    except UsageError:
        return
    parsed.timestamp()  # usable for the millisecond windows of the logs API


def test_times() -> None:
    assert parse_time("10m", NOW) == NOW - timedelta(minutes=10)
    assert parse_time("2026-12-01T00:00Z", NOW) == datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(UsageError, match="--until '0001-01-01'"):
        parse_time("0001-01-01", NOW, "--until")


def test_positive_seconds() -> None:
    assert positive_seconds(None, "--poll-interval") is None
    assert positive_seconds(2.5, "--poll-interval") == 2.5
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(UsageError, match="--poll-interval"):
            positive_seconds(bad, "--poll-interval")


def test_read_value_from_stdin_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("s3cr\u00e9t\r\n".encode())))
    assert read_value("-", "secret set x") == "s3cr\u00e9t"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe")))
    with pytest.raises(UsageError, match=r"secret set x: stdin is not UTF-8 text \(byte 0xff at offset 0\)"):
        read_value("-", "secret set x")


def test_read_value_from_files(tmp_path: Path) -> None:
    (tmp_path / "v").write_bytes(b"value\n")
    assert read_value(tmp_path / "v", "w") == "value"
    (tmp_path / "empty").write_bytes(b"\n")
    with pytest.raises(UsageError, match="empty"):
        read_value(tmp_path / "empty", "w")
    with pytest.raises(UsageError, match="directory"):
        read_value(tmp_path, "w")
    with pytest.raises(UsageError, match="cannot read"):
        read_value(tmp_path / "missing", "w")
    with pytest.raises(UsageError, match=r"too long|cannot read"):
        read_value(tmp_path / ("x" * 5000), "w")


def test_output_file(tmp_path: Path) -> None:
    assert check_output_file(tmp_path / "out.env", "--to") == tmp_path / "out.env"
    with pytest.raises(UsageError, match=r"--to .*is a directory"):
        check_output_file(tmp_path, "--to")
    with pytest.raises(UsageError, match="does not exist"):
        check_output_file(tmp_path / "missing" / "out.env", "--to")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is not a directory"):
        check_output_file(tmp_path / "file" / "out.env", "--to")
    with pytest.raises(UsageError, match="--to"):
        check_output_file(tmp_path / ("x" * 5000), "--to")


def test_aws_name_rules() -> None:
    assert check_param_name("/vega/prod/log-level") == "/vega/prod/log-level"
    assert check_param_name("/" + "/".join("abcdefghijklmno")) is not None  # 15 levels
    for bad, rule in [
        ("/" + "/".join("abcdefghijklmnop"), "limit is 15"),
        ("/" + "x" * 2048, "limit is 2048"),
        ("/a b", "' '"),
        ("/a:b", "':'"),
        ("/a\n", "'\\\\n'"),
    ]:
        with pytest.raises(UsageError, match=rule):
            check_param_name(bad)
    assert check_secret_name("vega/prod/db+url=@x.y-z_") is not None
    for bad, rule in [("x" * 513, "limit is 512"), ("a b", "' '"), ("a#b", "'#'"), ("", "empty")]:
        with pytest.raises(UsageError, match=rule):
            check_secret_name(bad)


@pytest.mark.parametrize("tag", ["v1", "v1.2.3-stable", "_x", "A" * 128, "2026-12-04_ab12"])
def test_valid_tags(tag: str) -> None:
    assert check_image_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", ".v1", "-v1", "v 1", "v1:latest", "v1@sha256", "A" * 129, "ü", "v1\n"])
def test_invalid_tags(tag: str) -> None:
    with pytest.raises(UsageError, match="--tag"):
        check_image_tag(tag)


def test_regions_and_deployments() -> None:
    assert check_region("eu-central-1", "--region") == "eu-central-1"
    assert check_region("us-gov-west-1", "--region") == "us-gov-west-1"
    for bad in ("not a region!", "EU-CENTRAL-1", "mars", "", "eu-central-1\n"):
        with pytest.raises(UsageError, match="not an AWS region"):
            check_region(bad, "--region")
    for good in ("current", "previous", "ecs-svc/1234567890123456789", "1234"):
        assert check_deployment(good, "--deployment") == good
    with pytest.raises(UsageError, match="--deployment 'bogus'"):
        check_deployment("bogus", "--deployment")


def test_timeout_budget_never_exceeds_the_total() -> None:
    from vegaops.aws.clients import timeout_budget

    for total in (1, 2, 3, 5, 8, 13, 30, 60, 300):
        for max_attempts in range(1, 8):
            attempts, connect, read = timeout_budget(float(total), max_attempts)
            backoff = sum(min(20.0, 2.0 ** (n - 1)) for n in range(1, attempts))
            assert 1 <= attempts <= max_attempts
            assert connect <= read
            assert attempts * read + backoff <= total


def test_one_line_escapes_control_characters() -> None:
    from vegaops.boundary import _one_line

    assert _one_line("env.a\nb: no such environment") == "env.a\\nb: no such environment"
    assert _one_line("x\x1b[31my") == "x\\x1b[31my"
    assert _one_line("plain ünïcødé") == "plain ünïcødé"


def test_a_default_hint_quoting_a_users_value_stays_one_line(cli: Any) -> None:
    # found by the hostile command-line fuzz: the usage error's default hint ("see vegaops --env ... --help")
    # quoted an --env holding a newline, and the error took three lines
    r = cli("--env", "a\nb\x1b[31m", "secret", "export", "-f", "yaml")
    assert r.exit_code == 2, r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), lines
    assert "a\\nb\\x1b[31m" in lines[1]
