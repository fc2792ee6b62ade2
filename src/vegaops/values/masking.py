"""How a stored value is shown: a SecureString parameter masked (length and fingerprint) unless revealed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.aws.ssm import Parameter


def shown(p: Parameter, reveal: bool) -> object:
    """The parameter's value as shown: a SecureString stays Sensitive unless ``reveal``."""
    from vegaops.sensitive import Sensitive

    if p.value is None:
        return None
    return Sensitive(p.value) if p.secure and not reveal else p.value
