"""``ENV_OR_REPO`` arguments and per-environment contexts for the ``image`` commands."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vegaops.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from vegaops.config import ServiceConfig, Settings
    from vegaops.context import AppContext


def context_for(a: AppContext, env: str, max_attempts: int | None = None) -> AppContext:
    """A context like ``a`` but for environment ``env`` (same config file, output, clock, prompter)."""
    from vegaops.context import AppContext

    if a.settings.env == env:
        return a
    options = dataclasses.replace(a.options, env=env, env_source="argument")
    ctx = AppContext(
        options=options,
        cwd=a.cwd,
        clock=a.clock,
        output=a.output,
        prompter=a.prompter,
        command=a.command,
        interactive_override=a.interactive_override,
        _config=a.config,
    )
    if max_attempts is not None:
        ctx._clients = ctx.clients.derive(max_attempts=max_attempts)
    return ctx


def is_env(a: AppContext, name: str) -> bool:
    from vegaops.config import BUILTIN_ENVS

    return name in a.config.envs or name in BUILTIN_ENVS


def env_names(a: AppContext) -> list[str]:
    """The configured environments, plus the current one when it is built in (the sandbox)."""
    names = list(a.config.envs)
    current = a.settings.env
    if current and current not in names:
        names.append(current)
    return names


def pick_service(settings: Settings, service: str | None, what: str) -> ServiceConfig:
    if service:
        return settings.service(service)
    with_repo = [s for s in settings.services.values() if s.ecr_repo]
    if len(with_repo) == 1:
        return with_repo[0]
    names = ", ".join(sorted(s.name for s in with_repo)) or "none with ecr_repo"
    raise UsageError(f"{what}: which service's repository? ({names})", hint="pass --service NAME")


def repo_of(svc: ServiceConfig) -> str:
    if not svc.ecr_repo:
        raise ConfigError(
            f"vegaops.toml: service.{svc.name}.ecr_repo: not set", hint=f"set ecr_repo under [service.{svc.name}]"
        )
    return svc.ecr_repo


@dataclass
class Location:
    """A repository in the registry of ``ctx`` (an environment, or the current one for a bare repo)."""

    ctx: AppContext
    repository: str
    env: str | None  # set when the argument named an environment

    @property
    def label(self) -> str:
        return f"{self.env} ({self.repository})" if self.env else self.repository


def locate(a: AppContext, value: str, service: str | None, option: str) -> Location:
    """``--from/--to`` value: an environment name (-> its service's ecr_repo) or a repository name."""
    if is_env(a, value):
        ctx = context_for(a, value)
        svc = pick_service(ctx.settings, service, f"{option} {value}")
        return Location(ctx, repo_of(svc), value)
    from vegaops.inputs import check_repository

    check_repository(value, option, known_envs=env_names(a))
    return Location(a, value, None)


def registry_key(settings: Settings) -> tuple[object, ...]:
    """What decides which ECR registry an environment talks to (account via profile, region, endpoint)."""
    creds = settings.extras.get("credentials") or {}
    return (
        settings.profile,
        settings.region,
        settings.get("endpoint_url"),
        settings.get("ecr_registry"),
        creds.get("aws_access_key_id"),
    )


def mount_candidates(a: AppContext, repo: str) -> list[str]:
    """Other repositories named in vegaops.toml (any env) and the source repository, to mount layers from."""
    cfg = a.config
    repos: list[str] = []
    tables = [*cfg.services.values(), *(t for env in cfg.env_services.values() for t in env.values())]
    repos.extend(str(t["ecr_repo"]) for t in tables if t.get("ecr_repo"))
    repos.extend(s.ecr_repo for s in a.settings.services.values() if s.ecr_repo)
    prefix = a.settings.values.get("source_repo_prefix")
    if prefix is not None and prefix.value:
        repos.append(f"{prefix.value}{repo}")
    return [r for r in dict.fromkeys(repos) if r != repo]
