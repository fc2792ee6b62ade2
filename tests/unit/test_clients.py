from __future__ import annotations

import pytest

from vegaops import __version__
from vegaops.aws.clients import ClientFactory, endpoint_override_active


def test_client_config_retries_user_agent_and_region() -> None:
    client = ClientFactory(region="eu-west-1").client("ssm")
    config = client.meta.config
    assert config.retries["mode"] == "standard"
    assert f"vegaops/{__version__}" in config.user_agent_extra
    assert client.meta.region_name == "eu-west-1"
    assert config.inject_host_prefix is True


def test_endpoint_override_turns_off_host_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    client = ClientFactory(region="eu-west-1").client("logs")
    assert client.meta.config.inject_host_prefix is False
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


def test_per_service_endpoint_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:8")
    assert endpoint_override_active("secretsmanager")
    assert not endpoint_override_active("ecs")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:8")
    assert endpoint_override_active("logs")
    assert ClientFactory(region="eu-west-1").client("logs").meta.config.inject_host_prefix is False


def test_explicit_endpoint_and_credentials() -> None:
    factory = ClientFactory(
        region="eu-central-1",
        endpoint_url="http://127.0.0.1:7",
        credentials={"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"},
    )
    client = factory.client("ecs")
    assert client.meta.endpoint_url == "http://127.0.0.1:7"
    assert client.meta.config.inject_host_prefix is False
    assert factory.session().get_credentials().access_key == "sandbox"  # type: ignore[union-attr]
    assert factory.client("ecs") is client  # cached
