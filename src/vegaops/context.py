"""The application context: built once per run from the global options, shared by every command."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vegaops.clock import Clock, SystemClock
from vegaops.config import ConfigFile, Overrides, Settings, load_config, resolve
from vegaops.output.render import Output

if TYPE_CHECKING:
    from vegaops.aws.clients import ClientFactory
    from vegaops.aws.layer import Aws
    from vegaops.aws.optional import Enrichment
    from vegaops.prompter import Prompter
    from vegaops.runbook.engine import RunReport


@dataclass
class GlobalOptions:
    env: str | None = None
    env_source: str = ""
    profile: str | None = None
    profile_source: str = ""
    region: str | None = None
    region_source: str = ""
    config: Path | None = None
    output: str = "human"
    dry_run: bool = False
    yes: bool = False
    no_input: bool = False
    verbose: int = 0
    quiet: bool = False
    debug: bool = False


@dataclass
class AppContext:
    options: GlobalOptions = field(default_factory=GlobalOptions)
    cwd: Path = field(default_factory=Path.cwd)
    clock: Clock = field(default_factory=SystemClock)
    output: Output = field(default_factory=Output)
    prompter: Prompter | None = None
    command: str = "vegaops"
    interactive_override: bool | None = None  # tests drive scripted prompters as if on a terminal
    # Every engine run of this command, in order: an error that ends the command says which changes they applied.
    run_reports: list[RunReport] = field(default_factory=list)
    _config: ConfigFile | None = None
    _settings: Settings | None = None
    _clients: ClientFactory | None = None
    _enrichment: Enrichment | None = None
    _aws: Aws | None = None

    @classmethod
    def from_options(cls, options: GlobalOptions, **kwargs: Any) -> AppContext:
        ctx = cls(options=options, output=Output(options.output, options.quiet, options.verbose), **kwargs)
        return ctx

    @property
    def config(self) -> ConfigFile:
        if self._config is None:
            self._config = load_config(self.options.config, self.cwd)
        return self._config

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from vegaops.config import Setting

            o = self.options
            overrides = Overrides(
                env=Setting(o.env, o.env_source) if o.env else None,
                region=Setting(o.region, o.region_source) if o.region else None,
                profile=Setting(o.profile, o.profile_source) if o.profile else None,
            )
            self._settings = resolve(self.config, overrides)
        return self._settings

    @property
    def clients(self) -> ClientFactory:
        if self._clients is None:
            from vegaops.aws.clients import TIMEOUT_ENV, ClientFactory

            s = self.settings
            configured = s.get("aws_timeout")
            self._clients = ClientFactory(
                profile=s.profile,
                region=s.region,
                endpoint_url=s.get("endpoint_url"),
                credentials=s.extras.get("credentials"),
                # VEGAOPS_AWS_TIMEOUT > aws_timeout in vegaops.toml > the default (30 s)
                timeout=float(configured) if configured and not os.environ.get(TIMEOUT_ENV) else None,
            )
        return self._clients

    @property
    def aws(self) -> Aws:
        """The typed AWS layer of this command (``ctx.aws.ecs``, ``ctx.aws.ssm``, ...; ``vegaops.aws.layer``)."""
        if self._aws is None:
            from vegaops.aws.layer import Aws, registry_from_env

            self._aws = Aws(self.clients, ecr_registry=registry_from_env(self.settings.get("ecr_registry")))
        return self._aws

    @property
    def enrichment(self) -> Enrichment:
        """Optional AWS calls of this command: skipped when denied/unsupported/failing, reported once."""
        if self._enrichment is None:
            from vegaops.aws.optional import Enrichment

            self._enrichment = Enrichment(warn=self.output.warn)
        return self._enrichment

    @property
    def interactive(self) -> bool:
        if self.interactive_override is not None:
            return self.interactive_override
        return not self.options.no_input and sys.stdin.isatty() and not os.environ.get("CI")

    def ask(self) -> Prompter:
        if self.prompter is None:
            from vegaops.prompter import NoInputPrompter, QuestionaryPrompter

            self.prompter = QuestionaryPrompter(self.output.say) if self.interactive else NoInputPrompter()
        return self.prompter
