from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CONFIG
from vegaops.config import Overrides, Setting, find_config, load_config, parse_config, resolve
from vegaops.errors import ConfigError, ExitCode


def test_misspelled_key_names_file_key_path_and_suggestion() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config('[env.prod]\nclustr = "vega-prod"\n', Path("vegaops.toml"))
    assert err.value.message == 'vegaops.toml: env.prod.clustr: unknown key; did you mean "cluster"?'
    assert err.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[projekt]\n", 'projekt: unknown section; did you mean "project"?'),
        ('[env.prod]\nconfirm = "yes"\n', "env.prod.confirm: expected true or false"),
        ('[service.api]\necs_servce = "x"\n', 'service.api.ecs_servce: unknown key; did you mean "ecs_service"?'),
        ('[env.prod]\ntag_rule = "("\n', "env.prod.tag_rule: invalid regular expression"),
        ('[project]\ndefault_env = "prod"\n', "project.default_env: no [env.prod] table"),
        ('[env.prod]\nservices = ["apii"]\n[service.api]\n', "env.prod.services: unknown service 'apii'"),
        ("[env.prod\n", "invalid TOML"),
    ],
)
def test_config_errors_name_key_path(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, Path("/x/vegaops.toml"))
    assert expected in err.value.message
    assert err.value.message.startswith("/x/vegaops.toml: ")


def test_precedence_flag_over_env_over_project_over_default() -> None:
    cfg = parse_config(SAMPLE_CONFIG, Path("vegaops.toml"))
    s = resolve(cfg, Overrides())
    assert s.env == "staging"
    assert s.env_source == "vegaops.toml: project.default_env"
    assert s.values["cluster"] == Setting("vega-staging", "vegaops.toml: env.staging.cluster")
    assert s.values["region"] == Setting("eu-central-1", "vegaops.toml: project.region")
    assert s.params_prefix == "/vega/staging/"
    assert s.secrets_prefix == "vega/staging/"
    assert s.values["confirm"].source == "default"

    s = resolve(cfg, Overrides(env=Setting("prod", "flag --env"), region=Setting("us-east-1", "flag --region")))
    assert s.env == "prod" and s.confirm is True
    assert s.values["region"] == Setting("us-east-1", "flag --region")
    assert s.values["tag_rule"].value == "-stable$"


def test_unknown_environment_suggests() -> None:
    cfg = parse_config(SAMPLE_CONFIG, Path("vegaops.toml"))
    with pytest.raises(ConfigError) as err:
        resolve(cfg, Overrides(env=Setting("prdo", "flag --env")))
    assert 'env.prdo: no such environment; did you mean "prod"?' in err.value.message


def test_services_resolve_with_env_overrides() -> None:
    text = SAMPLE_CONFIG + '\n[env.prod.service.api]\necr_repo = "prod/vega-api"\n'
    cfg = parse_config(text, Path("vegaops.toml"))
    prod = resolve(cfg, Overrides(env=Setting("prod", "flag")))
    assert prod.service("api").ecr_repo == "prod/vega-api"
    assert prod.service("vega-api").name == "api"
    staging = resolve(cfg, Overrides())
    assert staging.service("api").ecr_repo == "vega-api"
    with pytest.raises(ConfigError, match='did you mean "api"'):
        staging.service("apu")


def test_no_file_is_an_empty_config(tmp_path: Path) -> None:
    cfg = load_config(None, tmp_path)
    s = resolve(cfg, Overrides())
    assert cfg.path is None and s.env is None and s.params_prefix == "/"


def test_find_config_walks_up(tmp_path: Path) -> None:
    (tmp_path / "vegaops.toml").write_text(SAMPLE_CONFIG)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "vegaops.toml"


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", tmp_path)
