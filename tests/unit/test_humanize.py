"""What a person reads (issue 15 item 6): short names, durations with units, times to the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vegaops.output.humanize import ago, duration, event_text, local_time, short_arn, short_ids_in, short_image, who
from vegaops.output.render import _cell


@pytest.mark.parametrize(
    ("arn", "short"),
    [
        ("arn:aws:ecs:eu-central-1:123456789012:task-definition/vega-api:3", "vega-api:3"),
        ("arn:aws:ecs:eu-central-1:123456789012:service/vega-prod/vega-api", "vega-api"),
        ("arn:aws:iam::123456789012:user/ops/alice", "alice"),
        ("arn:aws:sts::123456789012:assumed-role/Deploy/ci-run-7", "Deploy/ci-run-7"),
        ("arn:aws:iam::123456789012:root", "root"),
        ("arn:aws:secretsmanager:eu-central-1:123456789012:secret:vega/prod/db-AbCdEf", "vega/prod/db-AbCdEf"),
        ("arn:aws:elasticloadbalancing:eu-central-1:1:targetgroup/vega-api-tg/d034bb", "vega-api-tg/d034bb"),
        ("not-an-arn", "not-an-arn"),
    ],
)
def test_short_arn(arn: str, short: str) -> None:
    assert short_arn(arn) == short


def test_who_is_short_and_unknown_is_nothing() -> None:
    assert who("arn:aws:iam::123456789012:user/alice") == "alice"
    assert who("N/A") is None and who(None) is None


@pytest.mark.parametrize(("seconds", "text"), [(1.64, "1.6s"), (42, "42s"), (185, "3m05s"), (3725, "1h02m")])
def test_duration_has_units(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_times_to_the_second_or_relative() -> None:
    now = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
    assert ago(now - timedelta(minutes=5), now) == "5m ago"
    assert ago(now - timedelta(seconds=42), now) == "42s ago"
    assert "." not in local_time("2026-12-05T00:20:43.558000+00:00")
    assert _cell("2026-12-05T00:20:43.849767+00:00").count(":") == 2
    assert _cell(None) == "-"
    assert _cell("arn:aws:ecs:eu-central-1:1:task-definition/vega-api:3") == "vega-api:3"
    assert _cell("arn:aws:ecs:eu-central-1:1:task-definition/vega-api:3", verbose=1).startswith("arn:aws:ecs")


def test_events_and_images_read_short() -> None:
    event = (
        "(service vega-api) has stopped 1 running tasks: (task c6963f59-827e-4391-9797-9da39216d170) in "
        "(target-group arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/vega-api-tg/d034bbf1)"
    )
    assert short_ids_in(event_text(event) or "") == (
        "has stopped 1 running tasks: (task c6963f59) in (target-group vega-api-tg/d034bbf1)"
    )
    assert event_text("(service x) has reached a steady state.", 12) == "has reached…"
    image = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:" + "ab" * 32
    assert short_image(image) == "vega-api@sha256:" + "ab" * 6
    assert short_image("nginx:1.27") == "nginx:1.27"
