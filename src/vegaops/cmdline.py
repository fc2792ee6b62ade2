"""Hints you can paste: every ``vegaops ...`` command line vegaops prints is rendered here.

The root command records the global options that choose *where* a command acts (``--env``, ``--config``,
``--profile``, ``--region``; given as flags or as ``VEGAOPS_*`` variables) and every hint carries them, so
``re-attach with: vegaops --env prod deploy watch api`` works as printed, in this shell or another one.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import GlobalOptions

# One command runs per process; a plain global (not a ContextVar) so hints built in worker threads see it too.
_GLOBALS: list[str] = []


def remember(options: GlobalOptions | None) -> None:
    """Record the scoping options of the command being run (``None``: forget them)."""
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
    _GLOBALS[:] = flags


def prog() -> str:
    """``vegaops`` with the scoping options: the head of a command line written around placeholders."""
    return shlex.join(["vegaops", *_GLOBALS])


def line(*args: str) -> str:
    """A whole vegaops command line, each argument quoted for a POSIX shell."""
    return shlex.join(["vegaops", *_GLOBALS, *args])


def command_words(ctx: Any) -> list[str]:
    """The subcommand as typed (``["deploy", "history"]``), from the names the command was invoked by;
    click's ``command_path`` would put a group's usage in it (``deploy [services]... history``)."""
    words: list[str] = []
    while ctx is not None and ctx.parent is not None:
        if ctx.info_name:
            words.insert(0, ctx.info_name)
        ctx = ctx.parent
    return words
