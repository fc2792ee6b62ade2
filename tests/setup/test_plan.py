from __future__ import annotations

from vegaops.config import parse_config
from vegaops.setup.discovery import Reference, ServiceInfo
from vegaops.setup.plan import (
    Answers,
    ServiceChoice,
    env_service_tables,
    env_table,
    missing_references,
    propose_env,
    propose_health_url,
    propose_prefixes,
    propose_project,
    propose_repo,
    propose_tag_rule,
    service_key,
    service_tables,
)
from vegaops.setup.tomlfile import set_tables

SM = "arn:aws:secretsmanager:eu-central-1:1:secret:"


def info(**kw: object) -> ServiceInfo:
    base: dict[str, object] = dict(
        ecs_service="vega-api",
        task_definition="td",
        containers=("api",),
        images={"api": "1.dkr.ecr.eu-central-1.amazonaws.com/vega-api:v1"},
        log_groups={},
        references=(),
        target_groups=(),
        health_paths=(),
    )
    base.update(kw)
    return ServiceInfo(**base)  # type: ignore[arg-type]


def test_proposals_from_cluster_names() -> None:
    assert propose_project("vega-prod", None) == "vega"
    assert propose_project("vega-prod", "acme") == "acme"
    assert propose_env("vega-prod", "vega") == "prod"
    assert propose_env("main", "vega") == "main"
    assert propose_tag_rule("prod") == "-stable$" and propose_tag_rule("eu-production") == "-stable$"
    assert propose_tag_rule("staging") is None
    assert service_key("vega-llm-proxy", "vega") == "llm-proxy"


def test_reference_names() -> None:
    assert Reference("A", SM + "vega/prod/db-AbCdEf", "api").name == "vega/prod/db"
    ref = Reference("A", SM + "vega/prod/db-AbCdEf:password::", "api")
    assert (ref.name, ref.secret_id) == ("vega/prod/db", SM + "vega/prod/db-AbCdEf")
    ssm = Reference("B", "arn:aws:ssm:eu-central-1:1:parameter/vega/prod/log-level", "api")
    assert (ssm.store, ssm.name) == ("ssm", "/vega/prod/log-level")
    assert Reference("C", "/vega/prod/x", "api").store == "ssm"


def test_prefixes_come_from_existing_references() -> None:
    refs = [
        Reference("A", SM + "vega/prod/db-AbCdEf", "api"),
        Reference("B", SM + "vega/prod/token", "api"),
        Reference("C", "/vega/prod/log-level", "api"),
        Reference("D", "/vega/prod/redis", "api"),
    ]
    assert propose_prefixes(refs, "vega", "prod") == ("vega/prod/", "/vega/prod/")
    assert propose_prefixes([], "acme", "qa") == ("acme/qa/", "/acme/qa/")


def test_repo_and_health_url_proposals() -> None:
    i = info(health_paths=("/v1/health",), load_balancer_dns=("alb.example",))
    assert propose_repo(i, "api", ["other", "vega-api"]) == "vega-api"
    assert propose_repo(i, "api", ["other"]) is None
    assert propose_health_url(i) == "http://alb.example/v1/health"
    assert propose_health_url(info()) is None


def test_missing_references_once_per_name_with_documented_defaults() -> None:
    refs = (
        Reference("DB", SM + "vega/prod/db", "api"),
        Reference("LOG_LEVEL", "/vega/prod/log-level", "api"),
        Reference("X", "/vega/prod/present", "api"),
    )
    services = {"vega-api": info(references=refs), "vega-worker": info(ecs_service="vega-worker", references=refs)}
    missing = missing_references(services, set(), {"/vega/prod/present"}, {"log-level": "info"})
    assert [(m.store, m.name, m.services, m.default) for m in missing] == [
        ("secretsmanager", "vega/prod/db", ("vega-api", "vega-worker"), None),
        ("ssm", "/vega/prod/log-level", ("vega-api", "vega-worker"), "info"),
    ]


def test_answers_become_a_valid_config() -> None:
    a = Answers(
        project="vega",
        env="prod",
        cluster="vega-prod",
        region="eu-central-1",
        profile=None,
        secrets_prefix="vega/prod/",
        params_prefix="/vega/prod/",
        tag_rule="-stable$",
        confirm=True,
        services=[ServiceChoice("api", "vega-api", "api", "vega-api", "http://x/v1/health")],
    )
    text = set_tables(
        "",
        {
            "project": {"name": "vega"},
            "env.prod": env_table(a),
            **{f"service.{k}": v for k, v in service_tables(a).items()},
            **{f"env.prod.service.{k}": v for k, v in env_service_tables(a).items()},
        },
    )
    cfg = parse_config(text, None)
    assert cfg.envs["prod"] == {
        "cluster": "vega-prod",
        "region": "eu-central-1",
        "secrets_prefix": "vega/prod/",
        "params_prefix": "/vega/prod/",
        "tag_rule": "-stable$",
        "confirm": True,
    }
    assert "health_url" not in cfg.services["api"]  # the URL is this environment's, not every one's
    assert cfg.env_services["prod"]["api"] == {"health_url": "http://x/v1/health"}


def test_set_tables_keeps_comments_and_other_tables() -> None:
    text = (
        '# team config\n[project]\nname = "vega"  # keep\n\n[env.staging]\ncluster = "s"  # staging one\n'
        'confirm = false\n\n[service.api]\necs_service = "vega-api"\n'
    )
    out = set_tables(
        text,
        {"project": {"name": "other", "region": "eu"}, "env.staging": {"cluster": "s2"}, "env.prod": {"cluster": "p"}},
        only_missing=frozenset({"project"}),
    )
    assert out.startswith('# team config\n[project]\nname = "vega"  # keep\nregion = "eu"\n')
    assert 'cluster = "s2"  # staging one\nconfirm = false\n' in out
    assert out.endswith('[env.prod]\ncluster = "p"\n')
    assert set_tables(out, {"env.prod": {"cluster": "p"}}) == out
