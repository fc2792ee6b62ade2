"""SIGTERM (a CI runner cancelling its job) ends a command as Ctrl-C does: ``errors.Terminated``, exit 130.

The deploy, ``run`` and read-only paths are checked end to end in tests/e2e (test_interrupted_deploy_e2e,
test_run_sandbox); here the handler the executable installs and what the boundary says."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from vegaops.errors import Terminated


@pytest.fixture
def sigterm_restored() -> Iterator[None]:
    saved = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, saved)


@pytest.mark.usefixtures("sigterm_restored")
def test_the_executable_turns_sigterm_into_terminated() -> None:
    from vegaops.main import _terminate_like_ctrl_c

    _terminate_like_ctrl_c()
    with pytest.raises(Terminated):
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next bytecode
    assert isinstance(Terminated(), KeyboardInterrupt)  # every Ctrl-C path handles it


def test_the_boundary_says_terminated_and_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    from vegaops.boundary import handle

    assert handle(Terminated(), None, ["secret", "set", "X"], False) == 130
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "error: terminated (SIGTERM)", err
    assert "Traceback" not in err
    assert handle(KeyboardInterrupt(), None, ["secret", "set", "X"], False) == 130
    assert capsys.readouterr().err.splitlines()[0] == "error: interrupted"
