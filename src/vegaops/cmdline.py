"""Hints you can paste: every ``vegaops ...`` command line vegaops prints is rendered here.

Every hint carries the global options that choose *where* the command acts (``--env``, ``--config``,
``--profile``, ``--region``; given as flags or as ``VEGAOPS_*`` variables), so
``re-attach with: vegaops --env prod deploy watch api`` works as printed, in this shell or another one.

The options come from the run's context, found through the click context of the command being run (the root
callback puts the ``AppContext`` on the root click context); nothing is kept in this module. Outside a command
(a unit test calling a step, the error boundary after the command's context was closed) there is none and the
hint is plain ``vegaops ...`` unless the caller passes ``options``. click's current context is per thread: a
hint built in a worker thread gets no scoping options (none is today).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import GlobalOptions


def scoping(options: GlobalOptions | None) -> list[str]:
    """The flags that choose where ``options`` act: ``--config``, ``--env``, ``--profile``, ``--region``."""
    flags: list[str] = []
    if options is not None:
        if options.config is not None:
            flags += ["--config", str(options.config)]
        if options.env:
            flags += ["--env", options.env]
        if options.profile:
            flags += ["--profile", options.profile]
        if options.region:
            flags += ["--region", options.region]
    return flags


def options_of(click_ctx: Any) -> GlobalOptions | None:
    """The global options of the run a click context belongs to (None before the root callback built them)."""
    root = click_ctx.find_root() if click_ctx is not None else None
    options = getattr(getattr(root, "obj", None), "options", None)
    return options


def _current() -> GlobalOptions | None:
    from typer._click.globals import get_current_context  # typer's vendored Click: the command being run

    return options_of(get_current_context(silent=True))


def prog(options: GlobalOptions | None = None) -> str:
    """``vegaops`` with the scoping options: the head of a command line written around placeholders."""
    return shlex.join(["vegaops", *scoping(options or _current())])


def line(*args: str, options: GlobalOptions | None = None) -> str:
    """A whole vegaops command line, each argument quoted for a POSIX shell."""
    return shlex.join(["vegaops", *scoping(options or _current()), *args])


def command_words(ctx: Any) -> list[str]:
    """The subcommand as typed (``["deploy", "history"]``), from the names the command was invoked by;
    click's ``command_path`` would put a group's usage in it (``deploy [services]... history``)."""
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        if ctx.info_name:
            words.insert(0, ctx.info_name)
        ctx = ctx.parent
    return words
