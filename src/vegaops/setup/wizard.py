"""The setup flow: every answer comes from an option, a prompt, or a proposal; nothing is written
to AWS or to disk until the summary is confirmed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vegaops.errors import NotFoundError, UsageError
from vegaops.setup import discovery
from vegaops.setup.plan import (
    Answers,
    Missing,
    ServiceChoice,
    check_name,
    check_tag_rule,
    is_prod_like,
    missing_references,
    propose_env,
    propose_health_url,
    propose_prefixes,
    propose_project,
    propose_repo,
    propose_tag_rule,
    service_key,
)

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.prompter import Prompter

NONE = "(none)"


@dataclass
class SetupOptions:
    """Answers given on the command line; None means 'ask, or use the proposal'."""

    env: str | None = None
    project: str | None = None
    cluster: str | None = None
    services: dict[str, str] = field(default_factory=dict)  # key -> ecs service
    containers: dict[str, str] = field(default_factory=dict)
    ecr_repos: dict[str, str] = field(default_factory=dict)
    health_urls: dict[str, str] = field(default_factory=dict)
    secrets_prefix: str | None = None
    params_prefix: str | None = None
    tag_rule: str | None = None
    confirm: bool | None = None
    secret_files: dict[str, Path] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    sandbox: bool = False


class Asker:
    """One question at a time: the option's value if given, else a prompt, else the proposal.

    Without a terminal (or under --no-input) a question that has no proposal is an exit-2 error
    naming the option that answers it.
    """

    def __init__(self, prompter: Prompter, interactive: bool) -> None:
        self.prompter = prompter
        self.interactive = interactive

    def _missing(self, what: str, option: str) -> UsageError:
        return UsageError(f"setup needs {what} and cannot ask (no terminal or --no-input)", hint=f"pass {option}")

    def text(self, message: str, given: str | None, proposal: str | None, option: str) -> str:
        if given is not None:
            return given
        if self.interactive:
            return self.prompter.text(message, default=proposal, option=option).strip() or (proposal or "")
        if proposal is None:
            raise self._missing(message.rstrip(":?").lower(), option)
        return proposal

    def select(self, message: str, given: str | None, choices: list[str], proposal: str | None, option: str) -> str:
        if given is not None:
            return given
        if len(choices) == 1 and proposal == choices[0]:
            return choices[0]
        if self.interactive:
            return self.prompter.select(message, choices, default=proposal, option=option)
        if proposal is None:
            raise self._missing(message.rstrip(":?").lower(), option)
        return proposal

    def checkbox(self, message: str, choices: list[str], checked: list[str], option: str) -> list[str]:
        if self.interactive:
            return self.prompter.checkbox(message, choices, checked=checked, option=option)
        return checked

    def confirm(self, message: str, given: bool | None, proposal: bool, option: str) -> bool:
        if given is not None:
            return given
        if self.interactive:
            return self.prompter.confirm(message, default=proposal, option=option)
        return proposal


def documented_defaults(ctx: AppContext) -> dict[str, str]:
    """Parameter defaults documented by the shipped seed-params runbook (seed 002)."""
    from vegaops.errors import RunbookError
    from vegaops.runbook.model import load

    try:
        book = load("seed-params", ctx.cwd, None)
    except RunbookError:
        return {}
    defaults: dict[str, str] = {}
    for step in book.steps:
        name, value = step.params.get("name"), step.params.get("value")
        if isinstance(name, str) and isinstance(value, str) and value.startswith("${vars."):
            var = book.vars.get(value[7:-1])
            if var is not None and var.default is not None:
                defaults[name] = str(var.default)
    return defaults


@dataclass
class Collected:
    answers: Answers
    services: dict[str, discovery.ServiceInfo]
    missing: list[Missing]
    values: dict[str, str]  # missing name -> value chosen (secret values stay in memory only)
    skipped: list[Missing]


def collect(ctx: AppContext, opts: SetupOptions, ask: Asker, existing: Callable[[str], dict[str, Any]]) -> Collected:
    """Walk the operator through discovery and choices. Reads AWS; writes nothing."""
    ecs, ecr, elbv2 = ctx.aws.ecs_client, ctx.aws.ecr_client, ctx.aws.elbv2_client
    clusters = discovery.list_clusters(ecs)
    if not clusters:
        raise NotFoundError(
            f"no ECS clusters in region {ctx.aws.region()}",
            hint="pass --region, or --profile for another account",
        )
    current_env = existing(opts.env) if opts.env else {}
    cluster_proposal = (
        current_env.get("cluster")
        if current_env.get("cluster") in clusters
        else (clusters[0] if len(clusters) == 1 else None)
    )
    if opts.cluster is None and ask.interactive:
        # always the operator's choice, even of a single cluster: a deploy target is never picked silently
        cluster = ask.prompter.select("ECS cluster:", clusters, default=cluster_proposal, option="--cluster")
    else:
        cluster = ask.select("ECS cluster:", opts.cluster, clusters, cluster_proposal, "--cluster")
        if opts.cluster is None:
            why = "set for this environment" if cluster == current_env.get("cluster") else "the only cluster"
            ctx.output.info(f"ECS cluster: {cluster} ({why}; pass --cluster to choose another)")
    if cluster not in clusters:
        raise NotFoundError(f"ECS cluster {cluster!r} not found", hint=f"clusters: {', '.join(clusters)}")

    project = opts.project or propose_project(cluster, ctx.config.project.get("name"))
    env = check_name(
        ask.text("Environment name:", opts.env, propose_env(cluster, project), "--env"), "--env", "environment name"
    )
    current_env = existing(env)

    names = discovery.list_services(ecs, cluster)
    if not names:
        raise NotFoundError(f"cluster {cluster} has no services", hint="create the ECS services first")
    if opts.services:
        unknown = sorted(set(opts.services.values()) - set(names))
        if unknown:
            raise NotFoundError(
                f"services not found in {cluster}: {', '.join(unknown)}", hint=f"services: {', '.join(names)}"
            )
        chosen = list(opts.services.values())
    else:
        chosen = ask.checkbox("Services vegaops manages:", names, names, "--service KEY=ECS_SERVICE")
        if not chosen:
            raise UsageError("no service chosen", hint="choose at least one, or pass --service KEY=ECS_SERVICE")
    infos = discovery.describe_services(ecs, elbv2, cluster, chosen)
    repositories = discovery.list_repositories(ecr)
    keys = {v: k for k, v in opts.services.items()}

    services: list[ServiceChoice] = []
    for name in chosen:
        info = infos[name]
        key = keys.get(name) or service_key(name, project)
        containers = list(info.containers)
        container = ask.select(
            f"{name}: container whose image deploys change:",
            opts.containers.get(key),
            containers,
            containers[0] if len(containers) == 1 else None,
            f"--container {key}=NAME",
        )
        repo_proposal = propose_repo(info, container, repositories)
        repo = ask.select(
            f"{name}: ECR repository:",
            opts.ecr_repos.get(key),
            [*repositories, NONE],
            repo_proposal or NONE,
            f"--ecr-repo {key}=REPO",
        )
        health = None
        if opts.sandbox and key not in opts.health_urls:
            pass  # the sandbox's health URLs follow its port; the built-in env supplies them
        elif info.health_paths or key in opts.health_urls:
            proposal = propose_health_url(info) or sandbox_health_url(ctx, name)
            health = (
                ask.text(f"{name}: health URL:", opts.health_urls.get(key), proposal or "", f"--health-url {key}=URL")
                or None
            )
        services.append(ServiceChoice(key, name, container, None if repo == NONE else repo, health))

    refs = [r for info in infos.values() for r in info.references]
    secrets_guess, params_guess = propose_prefixes(refs, project, env)
    secrets_prefix = ask.text(
        "Secrets Manager prefix:",
        opts.secrets_prefix,
        current_env.get("secrets_prefix", secrets_guess),
        "--secrets-prefix",
    )
    params_prefix = ask.text(
        "SSM parameter prefix:", opts.params_prefix, current_env.get("params_prefix", params_guess), "--params-prefix"
    )
    tag_rule = (
        ask.text(
            "Image tag rule (regular expression, empty for none):",
            opts.tag_rule,
            current_env.get("tag_rule", propose_tag_rule(env) or ""),
            "--tag-rule",
        )
        or None
    )
    if tag_rule is not None:
        check_tag_rule(tag_rule)
    confirm = ask.confirm(
        "Ask for confirmation before every change in this environment?",
        opts.confirm,
        bool(current_env.get("confirm", is_prod_like(env))),
        "--confirm/--no-confirm",
    )

    answers = Answers(
        project=project,
        env=env,
        cluster=cluster,
        region=ctx.settings.region,
        profile=ctx.settings.profile,
        secrets_prefix=secrets_prefix,
        params_prefix=params_prefix,
        tag_rule=tag_rule,
        confirm=confirm,
        services=services,
        sandbox=opts.sandbox,
        ecr_registry=None if opts.sandbox else sandbox_registry(ctx),
    )

    param_names = sorted({r.name for r in refs if r.store == "ssm"})
    present_secrets = discovery.existing_secrets(
        ctx.aws.secretsmanager_client, [r for r in refs if r.store == "secretsmanager"]
    )
    present_params = discovery.existing_params(ctx.aws.ssm_client, param_names)
    missing = missing_references(infos, present_secrets, present_params, documented_defaults(ctx))
    values, skipped = _values_for_missing(ask, opts, missing)
    return Collected(answers, infos, missing, values, skipped)


def sandbox_registry(ctx: AppContext) -> str | None:
    """An environment set up against the running sandbox's endpoint (AWS_ENDPOINT_URL) pushes its images
    to the sandbox's registry, as the built-in ``sandbox`` environment does."""
    import os

    from vegaops.builtin_env import live_state

    endpoint = ctx.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    state = live_state() if endpoint else None
    if state is None or not state.registry or endpoint is None:
        return None
    return state.registry if endpoint.rstrip("/") == state.endpoint.rstrip("/") else None


def sandbox_health_url(ctx: AppContext, ecs_service: str) -> str | None:
    for svc in ctx.settings.services.values():
        if svc.ecs_service == ecs_service and svc.health_url:
            return svc.health_url
    return None


def _values_for_missing(ask: Asker, opts: SetupOptions, missing: list[Missing]) -> tuple[dict[str, str], list[Missing]]:
    values: dict[str, str] = {}
    skipped: list[Missing] = []
    for m in missing:
        used_by = ", ".join(m.services)
        if m.store == "secretsmanager":
            path = opts.secret_files.get(m.name)
            if path is not None:
                values[m.name] = _read_secret_file(path, m.name)
            elif ask.interactive and ask.prompter.confirm(
                f"Secret {m.name} ({m.variable}, used by {used_by}) does not exist. Create it now?", default=True
            ):
                values[m.name] = ask.prompter.secret(
                    f"Value for {m.name} (hidden):", option=f"--secret-file {m.name}=PATH"
                )
            else:
                skipped.append(m)
        elif m.name in opts.params:
            values[m.name] = opts.params[m.name]
        elif ask.interactive and ask.prompter.confirm(
            f"Parameter {m.name} ({m.variable}, used by {used_by}) does not exist. Create it now?", default=True
        ):
            values[m.name] = ask.prompter.text(
                f"Value for {m.name}:", default=m.default, option=f"--param {m.name}=VALUE"
            )
        elif m.default is not None and not ask.interactive:
            values[m.name] = m.default
        else:
            skipped.append(m)
    return values, skipped


def _read_secret_file(path: Path, name: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--secret-file {name}={path}: cannot read: {exc.strerror}") from exc
    text = text[:-1] if text.endswith("\n") else text
    if not text:
        raise UsageError(f"--secret-file {name}={path}: the file is empty")
    return text
