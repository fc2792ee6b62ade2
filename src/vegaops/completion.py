"""Shell completion values: environments and services from vegaops.toml, and secret names, parameter
names and image tags from AWS, cached briefly in the state directory.

Completion runs on every TAB, so the warm path reads one small JSON file (mode 0600 in a 0700 directory)
and imports nothing heavy; only a missing or stale entry (older than :data:`TTL` seconds) calls AWS, with
short timeouts and no retries. Completion never prints an error: anything that fails gives no candidates.
Values are names and tags only, never secret values.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext

TTL = 60.0  # seconds a cached listing is served without asking AWS again
MAX_AGE = 3600.0  # never served older than this, even when AWS cannot be asked


def cache_dir() -> Path:
    from vegaops.paths import state_dir

    path = state_dir() / "completion"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _cache_file(kind: str, env: str | None, extra: str = "") -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{env or '-'}.{kind}.{extra}")
    return cache_dir() / f"{safe}.json"


def read_cache(path: Path, now: float, ttl: float = TTL) -> list[str] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or now - float(doc.get("at", 0)) > ttl:
        return None
    values = doc.get("values")
    return [str(v) for v in values] if isinstance(values, list) else None


def write_cache(path: Path, values: list[str], now: float) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps({"at": now, "values": values}).encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def cached(kind: str, env: str | None, fetch: Callable[[], list[str]], extra: str = "") -> list[str]:
    """The listing from the cache when fresh, else from ``fetch`` (then cached); stale beats nothing."""
    path = _cache_file(kind, env, extra)
    now = time.time()
    fresh = read_cache(path, now)
    if fresh is not None:
        return fresh
    try:
        values = sorted(set(fetch()))
    except Exception:
        return read_cache(path, now, MAX_AGE) or []
    write_cache(path, values, now)
    return values


# --- where completion runs -----------------------------------------------------------------------------
def _root_params(ctx: Any) -> dict[str, Any]:
    root = ctx.find_root() if ctx is not None else None
    return dict(root.params) if root is not None else {}


def _app(ctx: Any) -> AppContext:
    from vegaops.context import AppContext, GlobalOptions

    params = _root_params(ctx)
    config = params.get("config") or os.environ.get("VEGAOPS_CONFIG")
    options = GlobalOptions(
        env=params.get("env") or os.environ.get("VEGAOPS_ENV"),
        profile=params.get("profile") or os.environ.get("VEGAOPS_PROFILE"),
        region=params.get("region") or os.environ.get("VEGAOPS_REGION"),
        config=Path(config) if config else None,
        no_input=True,
    )
    return AppContext.from_options(options)


def _env_name(ctx: Any) -> str | None:
    params = _root_params(ctx)
    return params.get("env") or os.environ.get("VEGAOPS_ENV")


def _match(values: list[str], incomplete: str) -> list[str]:
    return [v for v in values if v.startswith(incomplete)]


# --- the completers (typer ``autocompletion=``; typer passes ``ctx`` and ``incomplete`` by name) -----------
def environments(ctx: Any, incomplete: str) -> list[str]:
    try:
        from vegaops.config import BUILTIN_ENVS

        names = [*_app(ctx).config.envs, *BUILTIN_ENVS]
    except Exception:
        return []
    return _match(sorted(set(names)), incomplete)


def services(ctx: Any, incomplete: str) -> list[str]:
    """Service keys of the selected environment (vegaops.toml, or the sandbox's built-in estate)."""
    try:
        names = list(_app(ctx).settings.services)
    except Exception:
        return []
    return _match(sorted(names), incomplete)


def secret_names(ctx: Any, incomplete: str) -> list[str]:
    def fetch() -> list[str]:
        from vegaops.naming import relative

        app = _app(ctx)
        prefix = app.settings.secrets_prefix
        return [relative(prefix, n) for n in app.aws.secrets.names(prefix)]

    return _match(cached("secrets", _env_name(ctx), fetch), incomplete)


def parameter_names(ctx: Any, incomplete: str) -> list[str]:
    def fetch() -> list[str]:
        from vegaops.naming import param_path, relative

        app = _app(ctx)
        prefix = app.settings.params_prefix
        path = param_path(prefix, None)
        return [relative(prefix, p.name) for p in app.aws.ssm.by_path(path, True, False)]

    return _match(cached("params", _env_name(ctx), fetch), incomplete)


def image_tags(ctx: Any, incomplete: str) -> list[str]:
    """Tags in the ECR repositories of the environment's services."""

    def fetch() -> list[str]:

        app = _app(ctx)
        repos = {svc.ecr_repo or svc.ecs_service for svc in app.settings.services.values()}
        ecr = app.aws.ecr
        return [tag for repo in sorted(repos) for image in ecr.list_images(repo) for tag in image.tags]

    return _match(cached("tags", _env_name(ctx), fetch), incomplete)


# --- the warm fast path ----------------------------------------------------------------------------------
# Which cached listing a position on the command line takes: (command path, argument position) -> kind.
SECRET_VERBS = ("set", "get", "delete", "restore", "history", "rollback", "refs")
PARAM_VERBS = ("set", "get", "delete", "history", "rollback")
DEPLOY_VERBS = ("watch", "history", "unlock")
_VALUE_OPTIONS = {"--env", "-e", "--profile", "--region", "--config", "--output", "-o", "--tag", "-t", "--timeout"}


def _slot(args: list[str]) -> tuple[str, str | None, str | None] | None:
    """(kind, env, config) for the word being completed when the fast path knows its values, else None."""
    env: str | None = None
    config: str | None = None
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith(("--env=", "--config=")):
            key, _, value = arg.partition("=")
            env, config = (value, config) if key == "--env" else (env, value)
        elif arg in _VALUE_OPTIONS:
            if i + 1 >= len(args):
                break
            if arg in ("--env", "-e"):
                env = args[i + 1]
            elif arg == "--config":
                config = args[i + 1]
            i += 1
        elif not arg.startswith("-"):
            words.append(arg)
        i += 1
    env = env or os.environ.get("VEGAOPS_ENV")
    config = config or os.environ.get("VEGAOPS_CONFIG")
    last = args[-1] if args else ""
    kind: str | None = None
    if last in ("--env", "-e"):
        kind = "envs"
    elif last in ("--tag", "-t"):
        kind = "tags" if words[:1] == ["deploy"] else None
    elif last in _VALUE_OPTIONS:
        kind = None
    elif words[:1] == ["secret"] and len(words) == 2 and words[1] in SECRET_VERBS:
        kind = "secrets"
    elif words[:1] == ["config"] and len(words) >= 2 and words[1] in PARAM_VERBS:
        kind = "params" if len(words) == 2 or words[1] == "delete" else None
    elif _takes_service(words):
        kind = "services"
    return (kind, env, config) if kind else None


def _takes_service(words: list[str]) -> bool:
    """deploy [SERVICE...], status [SERVICE...], rollback SERVICE, deploy watch|history|unlock SERVICE."""
    head = words[:1]
    if head in (["deploy"], ["status"]) and (len(words) == 1 or words[1] not in DEPLOY_VERBS):
        return True
    if head == ["rollback"]:
        return len(words) == 1
    return head == ["deploy"] and words[1] in DEPLOY_VERBS and (len(words) == 2 or words[1] == "watch")


def _config_values(kind: str, env: str | None, config: str | None) -> list[str]:
    from vegaops.config import BUILTIN_ENVS, Overrides, Setting, load_config, resolve

    cfg = load_config(Path(config) if config else None, Path.cwd())
    if kind == "envs":
        return sorted({*cfg.envs, *BUILTIN_ENVS})
    settings = resolve(cfg, Overrides(env=Setting(env, "completion") if env else None))
    return sorted(settings.services)


def fast(environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The completion output for bash or zsh when the cache answers, else None (typer's full path runs).

    This answers before typer, the command tree and pydantic (which typer imports to convert values) are
    imported: a warm TAB costs one small JSON read. It mirrors typer's own bash/zsh protocol
    (``COMP_WORDS``/``COMP_CWORD``, ``_TYPER_COMPLETE_ARGS``) and output formats.
    """
    import shlex

    shell = environ.get("_VEGAOPS_COMPLETE", "").removeprefix("complete_")
    try:
        if shell == "bash":
            cwords = shlex.split(environ["COMP_WORDS"])
            cword = int(environ["COMP_CWORD"])
            args = cwords[1:cword]
            incomplete = cwords[cword] if cword < len(cwords) else ""
        elif shell == "zsh":
            raw = environ.get("_TYPER_COMPLETE_ARGS", "")
            args = shlex.split(raw)[1:]
            incomplete = ""
            if args and not raw.endswith(" "):
                incomplete = args.pop()
        else:
            return None
    except (KeyError, ValueError):
        return None
    slot = _slot(args)
    if slot is None:
        return None
    kind, env, config = slot
    if kind in ("envs", "services"):
        try:
            values: list[str] | None = _config_values(kind, env, config)
        except Exception:
            return None  # let the full path decide (it prints nothing either when config is broken)
    else:
        values = read_cache(_cache_file(kind, env), time.time())
    if values is None:
        return None
    found = _match(values, incomplete)
    if shell == "bash":
        return "\n".join(found)
    if not found:
        return "_files"

    def esc(v: str) -> str:
        return v.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

    return "_arguments '*: :((" + "\n".join(f'"{esc(v)}"' for v in found) + "))'"
