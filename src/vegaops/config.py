"""``vegaops.toml``: discovery, validation with key paths, and settings resolution with sources.

Precedence for every environment setting: command-line flag > ``VEGAOPS_*`` environment
variable > ``[env.NAME]`` > ``[project]`` > built-in default. ``resolve()`` records where each
value came from so ``vegaops env show`` can explain it.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from vegaops.errors import ConfigError

CONFIG_FILENAME = "vegaops.toml"

# key -> (python type, description). One table: later features add their keys here.
ENV_KEYS: dict[str, tuple[type, str]] = {
    "cluster": (str, "ECS cluster name or ARN"),
    "region": (str, "AWS region"),
    "profile": (str, "AWS named profile"),
    "endpoint_url": (str, "AWS endpoint override (local sandboxes)"),
    "secrets_prefix": (str, "Secrets Manager name prefix, e.g. vega/prod/"),
    "params_prefix": (str, "SSM Parameter Store path prefix, e.g. /vega/prod/"),
    "tag_rule": (str, "regular expression every deployed image tag must match"),
    "confirm": (bool, "ask before applying any change"),
    "services": (list, "the services (keys of [service.*]) this environment runs; default: all"),
    "source_env": (str, "environment whose ECR repositories images are promoted from"),
    "ecr_registry": (str, "ECR registry host override"),
    "keep_revisions": (int, "task definition revisions to keep per family"),
    "source_repo_prefix": (str, "ECR repository prefix images are promoted from, e.g. staging/"),
    "health_rds": (list, "RDS instance or cluster identifiers vegaops health checks are available"),
    "health_elasticache": (list, "ElastiCache replication group or cluster ids vegaops health checks"),
    "health_sqs": (list, "SQS queue names vegaops health checks for depth and age of the oldest message"),
    "health_sqs_max_depth": (int, "most messages a health-checked SQS queue may hold (default 1000)"),
    "health_sqs_max_age": (int, "oldest message age in seconds a health-checked queue may hold (default 600)"),
    "aws_timeout": (int, "seconds after which an AWS endpoint that does not answer gives up, retries included"),
    "schedules_follow": (bool, "deploy moves scheduled tasks (EventBridge) of a deployed family to its new revision"),
}
# Integer keys and their smallest allowed value: checked with the key path, never silently replaced.
_INT_MINIMUM: dict[str, int] = {
    "keep_revisions": 1,
    "health_sqs_max_depth": 0,
    "health_sqs_max_age": 1,
    "health_expect_status": 100,
    "aws_timeout": 1,
}
PROJECT_KEYS: dict[str, tuple[type, str]] = {
    "name": (str, "project name, used in default prefixes"),
    "default_env": (str, "environment used when --env is not given"),
    **ENV_KEYS,
}
SERVICE_KEYS: dict[str, tuple[type, str]] = {
    "ecs_service": (str, "ECS service name"),
    "container": (str, "container whose image deploys change"),
    "ecr_repo": (str, "ECR repository name"),
    "health_url": (str, "HTTP health check URL"),
    "health_expect_status": (int, "expected HTTP status of the health URL"),
    "health_expect_body": (str, "text the health response body must contain"),
}
NOTIFY_KEYS: dict[str, tuple[type, str]] = {
    "slack": (str, "Slack incoming webhook: secret:NAME, ssm:/path, env:VAR (or a URL, better kept out of the file)"),
    "webhook": (str, "generic JSON webhook: secret:NAME, ssm:/path, env:VAR (or a URL)"),
    "format": (str, "payload of the generic webhook: json or slack (default: slack for hooks.slack.com, else json)"),
    "events": (list, "events to send: deploy.start, deploy.verdict, rollback, secret.rotation, run (default: all)"),
    "timeout": (int, "seconds to wait for a webhook (default 5)"),
}
TOP_KEYS = ("project", "env", "service", "notify")


def _sandbox_env() -> dict[str, Any]:
    from vegaops.builtin_env import sandbox_env

    return sandbox_env()


# Environments that need no entry in vegaops.toml. A provider returns that env's settings. Read-only.
BUILTIN_ENVS: Mapping[str, Callable[[], dict[str, Any]]] = MappingProxyType({"sandbox": _sandbox_env})

_MAY_BE_EMPTY = ("secrets_prefix", "params_prefix", "source_repo_prefix", "health_expect_body")
_TYPE_WORDS = {str: "a string", bool: "true or false", int: "an integer", list: "a list", dict: "a table"}


def _suggest(key: str, choices: list[str] | tuple[str, ...] | Mapping[str, object]) -> str:
    match = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    ecs_service: str
    container: str | None = None
    ecr_repo: str | None = None
    health_url: str | None = None
    health_expect_status: int = 200
    health_expect_body: str | None = None


@dataclass
class ConfigFile:
    path: Path | None
    project: dict[str, Any] = field(default_factory=dict)
    envs: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    env_services: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    notify: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return display_path(self.path) if self.path else CONFIG_FILENAME


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
    return None


def _check_table(
    label: str, where: str, table: object, keys: Mapping[str, tuple[type, str]], extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: {where}: expected a table", hint=f"write it as [{where}]")
    for key, value in table.items():
        path = f"{where}.{key}"
        if key in extra:
            continue
        if key not in keys:
            raise ConfigError(
                f"{label}: {path}: unknown key{_suggest(key, [*keys, *extra])}",
                hint=f"allowed keys in [{where}]: {', '.join(sorted([*keys, *extra]))}",
            )
        expected = keys[key][0]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(
                f"{label}: {path}: expected {_TYPE_WORDS[expected]}, got {value!r}",
                hint=f"{key} is the {keys[key][1]}",
            )
        if key in _INT_MINIMUM and value < _INT_MINIMUM[key]:
            raise ConfigError(
                f"{label}: {path}: {value} is below the minimum of {_INT_MINIMUM[key]}",
                hint=f"{key} is the {keys[key][1]}",
            )
        if key == "region":
            from vegaops.inputs import check_region

            check_region(value, f"{label}: {path}")
        if isinstance(value, str) and key != "tag_rule" and not value.strip() and key not in _MAY_BE_EMPTY:
            raise ConfigError(f"{label}: {path}: is empty", hint=f"{key} is the {keys[key][1]}; set it or remove it")
        if key == "tag_rule":
            try:
                re.compile(value)
            except re.error as exc:
                raise ConfigError(
                    f"{label}: {path}: invalid regular expression {value!r}: {exc}",
                    hint='for example tag_rule = "-stable$"',
                ) from exc
    return dict(table)


_WEBHOOK_REF = re.compile(r"^(secret:.+|ssm:/.+|env:[A-Za-z_][A-Za-z0-9_]*|https?://.+)$")


def _check_notify(label: str, table: object) -> dict[str, Any]:
    """``[notify]``: webhook references, payload format, events and timeout, each with its key path."""
    notify = _check_table(label, "notify", table, NOTIFY_KEYS)
    if not notify:  # no [notify]: nothing to check against vegaops.notify (not imported by commands that never notify)
        return notify
    from vegaops.notify import EVENTS, FORMATS

    for key in ("slack", "webhook"):
        value = notify.get(key)
        if value is not None and not _WEBHOOK_REF.match(value):
            raise ConfigError(
                f"{label}: notify.{key}: expected secret:NAME, ssm:/path, env:VAR or an https:// URL",
                hint=f'for example {key} = "secret:notify/{key}" (the URL is a secret: keep it out of the file)',
            )
    if "format" in notify and notify["format"] not in FORMATS:
        raise ConfigError(
            f"{label}: notify.format: expected one of {', '.join(FORMATS)}, got {notify['format']!r}",
            hint='format = "json" for a generic webhook, "slack" for a Slack incoming webhook',
        )
    for i, event in enumerate(notify.get("events", [])):
        if event not in EVENTS:
            raise ConfigError(
                f"{label}: notify.events[{i}]: unknown event {event!r}{_suggest(str(event), EVENTS)}",
                hint=f"events are {', '.join(EVENTS)}",
            )
    if "timeout" in notify and not 0 < notify["timeout"] <= 60:
        raise ConfigError(
            f"{label}: notify.timeout: expected 1 to 60 seconds, got {notify['timeout']}",
            hint="notifications wait briefly so they never hold up a deploy; 5 is the default",
        )
    return notify


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def parse_config(text: str, path: Path | None) -> ConfigFile:
    label = display_path(path) if path else CONFIG_FILENAME
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}", hint="fix the syntax at the position shown") from exc
    for key in raw:
        if key not in TOP_KEYS:
            raise ConfigError(
                f"{label}: {key}: unknown section{_suggest(key, TOP_KEYS)}",
                hint="sections are [project], [env.NAME], [service.NAME] and [notify]",
            )
    cfg = ConfigFile(path=path)
    cfg.project = _check_table(label, "project", raw.get("project", {}), PROJECT_KEYS)
    cfg.notify = _check_notify(label, raw.get("notify", {}))
    envs = raw.get("env", {})
    if not isinstance(envs, dict):
        raise ConfigError(f"{label}: env: expected tables [env.NAME]", hint="write [env.staging]")
    for name, table in envs.items():
        cfg.envs[name] = _check_table(label, f"env.{name}", table, ENV_KEYS, extra=("service",))
        overrides = cfg.envs[name].pop("service", {})
        if not isinstance(overrides, dict):
            raise ConfigError(f"{label}: env.{name}.service: expected tables [env.{name}.service.NAME]")
        cfg.env_services[name] = {
            svc: _check_table(label, f"env.{name}.service.{svc}", t, SERVICE_KEYS) for svc, t in overrides.items()
        }
    services = raw.get("service", {})
    if not isinstance(services, dict):
        raise ConfigError(f"{label}: service: expected tables [service.NAME]", hint="write [service.api]")
    for name, table in services.items():
        cfg.services[name] = _check_table(label, f"service.{name}", table, SERVICE_KEYS)
    default_env = cfg.project.get("default_env")
    if default_env and default_env not in cfg.envs and default_env not in BUILTIN_ENVS:
        raise ConfigError(
            f"{label}: project.default_env: no [env.{default_env}] table{_suggest(default_env, cfg.envs)}",
            hint=f"add [env.{default_env}] or change default_env",
        )
    for name, overrides in cfg.env_services.items():
        for svc in overrides:
            if svc not in cfg.services:
                raise ConfigError(
                    f"{label}: env.{name}.service.{svc}: no [service.{svc}] to override{_suggest(svc, cfg.services)}"
                )
    for name, env in [("project", cfg.project), *((f"env.{n}", e) for n, e in cfg.envs.items())]:
        source_env = env.get("source_env")
        if source_env is not None and source_env not in cfg.envs and source_env not in BUILTIN_ENVS:
            known = ", ".join(sorted([*cfg.envs, *BUILTIN_ENVS]))
            raise ConfigError(
                f"{label}: {name}.source_env: no environment named {source_env!r}"
                f"{_suggest(source_env, [*cfg.envs, *BUILTIN_ENVS])}",
                hint=f"known environments: {known}",
            )
    for name, env in cfg.envs.items():
        for svc in env.get("services", []):
            if svc not in cfg.services:
                raise ConfigError(
                    f"{label}: env.{name}.services: unknown service {svc!r}{_suggest(str(svc), cfg.services)}",
                    hint=f"define [service.{svc}] or remove it from the list",
                )
    return cfg


def load_config(explicit: Path | None, cwd: Path) -> ConfigFile:
    """Load ``--config PATH`` (must exist) or the nearest vegaops.toml; no file is an empty config."""
    if explicit is not None:
        try:
            is_file = explicit.is_file()
        except OSError as exc:  # a name too long for the file system, ...
            raise ConfigError(
                f"--config: cannot use {str(explicit)[:80]!r}: {exc.strerror}", hint="check --config / VEGAOPS_CONFIG"
            ) from None
        if not is_file:
            raise ConfigError(
                f"{explicit}: config file not found", hint="check --config / VEGAOPS_CONFIG, or run vegaops setup"
            )
        path: Path | None = explicit
    else:
        path = find_config(cwd)
    if path is None:
        return ConfigFile(path=None)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{display_path(path)}: not a UTF-8 text file (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="vegaops.toml is TOML text; check --config / VEGAOPS_CONFIG points at the right file",
        ) from None
    return parse_config(text, path)


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str


@dataclass
class Settings:
    """The resolved settings of one environment (or of none, when no environment is selected)."""

    env: str | None
    env_source: str
    values: dict[str, Setting]
    services: dict[str, ServiceConfig]
    config_path: Path | None
    # Extras a built-in environment brings (keys starting with "_", e.g. "_credentials").
    extras: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key].value

    @property
    def region(self) -> str | None:
        value: str | None = self.get("region")
        return value

    @property
    def profile(self) -> str | None:
        value: str | None = self.get("profile")
        return value

    @property
    def cluster(self) -> str | None:
        value: str | None = self.get("cluster")
        return value

    @property
    def params_prefix(self) -> str:
        value: str = self.get("params_prefix")
        return value

    @property
    def secrets_prefix(self) -> str:
        value: str = self.get("secrets_prefix")
        return value

    @property
    def confirm(self) -> bool:
        return bool(self.get("confirm"))

    def require_cluster(self) -> str:
        if not self.cluster:
            where = f"env.{self.env}.cluster" if self.env else "project.cluster"
            raise ConfigError(
                f"{CONFIG_FILENAME}: {where}: no ECS cluster configured",
                hint="set cluster in vegaops.toml, or run vegaops setup",
            )
        return self.cluster

    def service(self, name: str) -> ServiceConfig:
        if name in self.services:
            return self.services[name]
        for svc in self.services.values():
            if svc.ecs_service == name:
                return svc
        known = ", ".join(sorted(self.services)) or "none configured"
        raise ConfigError(
            f"{CONFIG_FILENAME}: service.{name}: unknown service{_suggest(name, self.services)}",
            hint=f"known services: {known}",
        )


@dataclass(frozen=True)
class Overrides:
    """Values given by flag or VEGAOPS_* variable; ``source`` says which, for ``env show``."""

    env: Setting | None = None
    region: Setting | None = None
    profile: Setting | None = None


def _defaults(project_name: str | None, env: str | None) -> dict[str, Any]:
    base = "/".join(p for p in (project_name, env) if p)
    return {
        "cluster": None,
        "region": None,
        "profile": None,
        "endpoint_url": None,
        "secrets_prefix": f"{base}/" if base else "",
        "params_prefix": f"/{base}/" if base else "/",
        "tag_rule": None,
        "confirm": False,
        "services": None,
        "source_env": None,
        "ecr_registry": None,
        "keep_revisions": 10,
        "source_repo_prefix": None,
        "health_rds": [],
        "health_elasticache": [],
        "health_sqs": [],
        "health_sqs_max_depth": 1000,
        "health_sqs_max_age": 600,
        "aws_timeout": None,
        "schedules_follow": True,
    }


def resolve(cfg: ConfigFile, overrides: Overrides) -> Settings:
    label = cfg.label
    if overrides.env is not None:
        env_name: str | None = overrides.env.value
        env_source = overrides.env.source
    elif cfg.project.get("default_env"):
        env_name = cfg.project["default_env"]
        env_source = f"{label}: project.default_env"
    else:
        env_name, env_source = None, "none selected"

    env_table: dict[str, Any] = {}
    env_where = ""
    if env_name is not None:
        if env_name in cfg.envs:
            env_table = cfg.envs[env_name]
            env_where = f"{label}: env.{env_name}"
        elif env_name in BUILTIN_ENVS:
            env_table = BUILTIN_ENVS[env_name]()
            env_where = f"built-in env {env_name}"
        else:
            known = ", ".join(sorted([*cfg.envs, *BUILTIN_ENVS])) or "none"
            raise ConfigError(
                f"{label}: env.{env_name}: no such environment{_suggest(env_name, [*cfg.envs, *BUILTIN_ENVS])}",
                hint=f"known environments: {known}; add [env.{env_name}] to {label}",
            )

    values: dict[str, Setting] = {}
    for key, default in _defaults(cfg.project.get("name"), env_name).items():
        if key in env_table:
            values[key] = Setting(env_table[key], f"{env_where}.{key}")
        elif key in cfg.project:
            values[key] = Setting(cfg.project[key], f"{label}: project.{key}")
        else:
            values[key] = Setting(default, "default")
    for key in ("region", "profile"):
        override = getattr(overrides, key)
        if override is not None and override.value:
            values[key] = override
    if values["region"].value is None:
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if os.environ.get(var):
                values["region"] = Setting(os.environ[var], f"environment variable {var}")
                break
        else:
            values["region"] = Setting(None, "AWS default chain (profile's region)")

    services: dict[str, ServiceConfig] = {}
    chosen = values["services"].value
    for name, table in cfg.services.items():
        if chosen is not None and name not in chosen:
            continue
        merged = {**table, **cfg.env_services.get(env_name or "", {}).get(name, {})}
        services[name] = ServiceConfig(
            name=name,
            ecs_service=merged.get("ecs_service", name),
            container=merged.get("container"),
            ecr_repo=merged.get("ecr_repo"),
            health_url=merged.get("health_url"),
            health_expect_status=merged.get("health_expect_status", 200),
            health_expect_body=merged.get("health_expect_body"),
        )
    # A built-in environment (the sandbox) may bring its own services when the file has none.
    builtin_services = (
        {k: ServiceConfig(**v) for k, v in env_table["_services"].items()}
        if isinstance(env_table.get("_services"), dict)
        else None
    )
    if not cfg.services and isinstance(builtin_services, dict):
        services = dict(builtin_services)
    elif isinstance(builtin_services, dict):  # the file's services on a built-in env: its health URLs move
        by_ecs = {s.ecs_service: s for s in builtin_services.values()}
        for name, svc in services.items():
            builtin = by_ecs.get(svc.ecs_service)
            if builtin is not None and not svc.health_url and builtin.health_url:
                services[name] = dataclasses.replace(svc, health_url=builtin.health_url)
    extras = {k[1:]: v for k, v in env_table.items() if k.startswith("_") and k != "_services"}
    return Settings(
        env=env_name,
        env_source=env_source,
        values=values,
        services=services,
        config_path=cfg.path,
        extras=extras,
    )
