"""``vegaops logs tail`` against moto: sources from the task definition, merge, filters, NDJSON."""

from __future__ import annotations

import json
import time

import pytest

from tests.aws_estate import put_events, seed_service

pytestmark = pytest.mark.usefixtures("aws", "project")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _two_tasks() -> int:
    seed_service()
    t = _now_ms() - 60_000
    put_events("/ecs/vega-api", "ecs/api/aaaaaaaa1111", [(t + 1, "one"), (t + 3, '{"level":"error","msg":"three"}')])
    put_events("/ecs/vega-api", "ecs/api/bbbbbbbb2222", [(t + 2, "two"), (t + 4, "four")])
    put_events("/ecs/vega-api", "ecs/other/cccccccc3333", [(t + 2, "other container")])
    return t


def test_tail_merges_tasks_in_time_order(cli) -> None:  # type: ignore[no-untyped-def]
    _two_tasks()
    r = cli("logs", "tail", "api", "--since", "5m", "--utc")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert [line.split(" ", 4)[-1] for line in lines] == ["one", "two", '{"level":"error","msg":"three"}', "four"]
    assert lines[0].split()[2:4] == ["aaaaaaaa", "api"] and lines[0].split()[1].endswith("Z")
    assert "\x1b[" not in r.stdout  # not a terminal / NO_COLOR


def test_tail_json_is_ndjson_then_envelope(cli) -> None:  # type: ignore[no-untyped-def]
    _two_tasks()
    r = cli("-o", "json", "logs", "tail", "api", "--since", "5m")
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    events, envelope = docs[:-1], docs[-1]
    assert r.exit_code == 0 and envelope["data"]["events"] == 4
    assert {"timestamp", "message", "service", "task", "container", "stream"} <= set(events[0])
    assert events[1]["task"] == "bbbbbbbb2222" and events[1]["stream"] == "ecs/api/bbbbbbbb2222"
    assert envelope["data"]["sources"][0]["group"] == "/ecs/vega-api"


def test_tail_filters_task_grep_fields_raw(cli) -> None:  # type: ignore[no-untyped-def]
    _two_tasks()
    assert [x.split(" ", 4)[-1] for x in cli("logs", "tail", "api", "--task", "bbbb").stdout.splitlines()] == [
        "two",
        "four",
    ]
    assert [x.split(" ", 4)[-1] for x in cli("logs", "tail", "api", "--grep", "t(wo|hree)").stdout.splitlines()] == [
        "two",
        '{"level":"error","msg":"three"}',
    ]
    fields = cli("logs", "tail", "api", "--field", "level,msg").stdout.splitlines()
    assert fields[2].endswith("level=error msg=three")
    assert cli("logs", "tail", "api", "--raw").stdout.splitlines()[2] == '{"level":"error","msg":"three"}'


def test_tail_until_and_bad_since(cli) -> None:  # type: ignore[no-untyped-def]
    _two_tasks()
    assert cli("logs", "tail", "api", "--since", "30s").stdout == ""
    r = cli("logs", "tail", "api", "--since", "yesterday-ish")
    assert r.exit_code == 2 and "--since" in r.output


def test_non_awslogs_driver_is_reported(cli) -> None:  # type: ignore[no-untyped-def]
    seed_service(
        log_config={
            "logDriver": "splunk",
            "options": {"splunk-url": "https://splunk.example:8088", "splunk-token": "tok-SECRET"},
        }
    )
    r = cli("logs", "tail", "api")
    assert r.exit_code == 3
    assert "splunk.example" in r.stderr and "tok-SECRET" not in r.output


def test_unknown_configured_service_exits_2(cli) -> None:  # type: ignore[no-untyped-def]
    seed_service()
    r = cli("--config", "vegaops.toml", "logs", "tail", "nope")
    assert r.exit_code == 2 and "unknown service" in r.output


def test_colour_per_task_on_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from vegaops.logs.core import LogEvent
    from vegaops.logs.render import LineFormatter

    fmt = LineFormatter(colour=True, utc=True)
    a = fmt.event(LogEvent(0, '{"level":"warn","msg":"x"}', "1", "s", "g", "api", "api", "task-one"))
    b = fmt.event(LogEvent(0, "plain", "2", "s", "g", "api", "api", "task-two-xx"))
    assert "\x1b[" in a and "\x1b[33m{" in a  # warn is yellow
    assert a.split(" ")[2] != b.split(" ")[2]  # a different colour per task
