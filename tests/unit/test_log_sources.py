"""Where each container's logs go: awslogs and FireLens outputs to CloudWatch Logs are tailable."""

from __future__ import annotations

from typing import Any

from vegaops.logs.core import Selector
from vegaops.logs.sources import discover


def _td(*containers: dict[str, Any]) -> dict[str, Any]:
    return {"containerDefinitions": list(containers)}


def _fl(options: dict[str, str]) -> dict[str, Any]:
    return {"logDriver": "awsfirelens", "options": options}


def test_firelens_to_cloudwatch_is_tailable_by_task() -> None:
    td = _td(
        {
            "name": "log_router",
            "firelensConfiguration": {"type": "fluentbit"},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "firelens-container", "awslogs-stream-prefix": "firelens"},
            },
        },
        {
            "name": "app",
            "logConfiguration": _fl(
                {
                    "Name": "cloudwatch_logs",
                    "region": "us-west-2",
                    "log_group_name": "/app",
                    "log_stream_prefix": "app-",
                }
            ),
        },
        {
            "name": "envoy",
            "logConfiguration": _fl({"Name": "cloudwatch", "log_group_name": "mesh", "log_stream_prefix": "envoy-"}),
        },
    )
    router, app, envoy = discover("web", td, "eu-central-1")
    assert router.tailable and router.stream_for("t1") == "firelens/log_router/t1"
    assert app.tailable and (app.group, app.region) == ("/app", "us-west-2")
    assert app.stream_for("abc123") == "app-app-firelens-abc123"
    assert app.matches("app-app-firelens-abc123") == "abc123"
    assert app.matches("firelens/log_router/abc123") is None
    assert envoy.tailable and envoy.region == "eu-central-1" and envoy.matches("envoy-envoy-firelens-t9") == "t9"
    assert Selector("/app", [app]).stream_prefix == "app-app-firelens-"


def test_firelens_fixed_stream_and_other_outputs() -> None:
    fixed, datadog, templated, splunk = discover(
        "web",
        _td(
            {
                "name": "a",
                "logConfiguration": _fl({"Name": "cloudwatch_logs", "log_group_name": "g", "log_stream_name": "s-"}),
            },
            {"name": "b", "logConfiguration": _fl({"Name": "datadog", "Host": "http-intake.logs.datadoghq.com"})},
            {"name": "c", "logConfiguration": _fl({"Name": "cloudwatch", "log_group_name": "/ecs/$(ecs_task_id)"})},
            {"name": "d", "logConfiguration": {"logDriver": "splunk", "options": {"splunk-url": "https://s:8088"}}},
        ),
    )
    assert fixed.tailable and fixed.matches("s-") == "s-" and fixed.matches("other") is None
    assert fixed.stream_for("t1") is None
    assert not datadog.tailable and "Name=datadog" in str(datadog.destination)
    assert not templated.tailable
    assert not splunk.tailable and "splunk-url=https://s:8088" in str(splunk.destination)


def test_firelens_templates_are_filled_with_what_every_task_knows() -> None:
    (per_task,) = discover(
        "web",
        _td(
            {
                "name": "app",
                "logConfiguration": _fl(
                    {
                        "Name": "cloudwatch",
                        "log_group_name": "/aws/ecs/containerinsights/$(ecs_cluster)/application",
                        "log_stream_name": "$(ecs_task_id)",
                    }
                ),
            }
        ),
        "eu-central-1",
        cluster="corpus",
    )
    assert per_task.tailable and per_task.group == "/aws/ecs/containerinsights/corpus/application"
    assert per_task.stream_for("abc") == "abc" and per_task.matches("abc") == "abc"
    (unknown,) = discover("web", _td({"name": "app", "logConfiguration": per_task_options()}))
    assert not unknown.tailable  # without the cluster the group name is not known


def per_task_options() -> dict[str, Any]:
    return _fl({"Name": "cloudwatch", "log_group_name": "/x/$(ecs_cluster)", "log_stream_name": "$(ecs_task_id)"})
