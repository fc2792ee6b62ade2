"""What a command's final result tells CI and the team: GitHub Actions step summary, outputs and
annotations (:mod:`vegaops.ci.github`) and notifications (:mod:`vegaops.notify`).

:func:`finish` is called once by ``vegaops.main.run`` after the command's result was rendered, with the
context of the run. It never
raises (Ctrl-C while it reports included) and never changes the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext


def warner(ctx: AppContext) -> Callable[[str], None]:
    """Where a failed notification is reported: a ``::warning::`` annotation in GitHub Actions, else stderr."""
    from vegaops.ci import github

    if not github.active():
        return ctx.output.warn
    return lambda message: ctx.output.workflow_command(github.workflow_command("warning", message, "vegaops"))


def _may_notify(ctx: AppContext) -> bool:
    """Whether a notification target can exist (``[notify]`` or ``VEGAOPS_NOTIFY_WEBHOOK``; ``notify.config_from``
    decides which): without one, vegaops.notify is not imported."""
    try:
        table = ctx.config.notify
    except Exception:  # an unreadable config was already reported by the command itself
        table = {}
    return bool(table or os.environ.get("VEGAOPS_NOTIFY_WEBHOOK"))


def finish(ctx: AppContext, exit_code: int) -> None:
    result = ctx.output.last
    if result is None:
        return
    try:
        envelope = result.envelope()  # redacted
        envelope["exit_code"] = exit_code
        env: str | None = None
        place: tuple[str | None, str | None] | None = None  # region and cluster, when the config is usable
        try:
            s = ctx.settings
            env = s.env
            place = (s.region, s.cluster)
        except Exception:  # no usable config: the summary goes without env/console links
            pass
        if os.environ.get("GITHUB_ACTIONS") == "true":  # ci.github is imported only where it reports
            from vegaops.ci import github

            if github.active():
                where = github.Where() if place is None else github.Where(env=env, region=place[0], cluster=place[1])
                github.report(envelope, exit_code, where, ctx.output.workflow_command, ctx.output.warn)
        notify_result(ctx, envelope, exit_code, env)
    except Exception as exc:  # reporting must never turn a verdict into a crash
        ctx.output.warn(f"could not report the result to CI or notifications: {type(exc).__name__}: {exc}")
    except KeyboardInterrupt:  # Ctrl-C after the result was given: it stands, only the reporting is cut short
        ctx.output.warn(
            f"interrupted while reporting the result to CI or notifications; the exit code ({exit_code}) is unchanged"
        )


def notify_result(ctx: AppContext, envelope: dict[str, object], exit_code: int, env: str | None) -> None:
    if ctx.options.dry_run or not _may_notify(ctx):
        return
    from vegaops import notify

    config = notify.settings(ctx)
    if not config.targets:
        return
    event = notify.event_from(envelope, exit_code, env)
    if event is not None:
        notify.send(ctx, event, config, warner(ctx))


def notify_deploy_start(ctx: AppContext, tag: str, services: list[str]) -> None:
    """The ``deploy.start`` event, sent by the deploy just before its first change."""
    if ctx.options.dry_run or not (ctx.config.notify or os.environ.get("VEGAOPS_NOTIFY_WEBHOOK")):
        return
    from vegaops import notify

    config = notify.settings(ctx)
    if config.targets:
        notify.send(ctx, notify.deploy_start_event(tag, services, ctx.settings.env), config, warner(ctx))
