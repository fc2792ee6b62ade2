"""Which container of a task definition is the service's own: defined in :mod:`vegaops.images.containers`
(below deploy, tasks and images.running alike), named here for the deploy modules that import it from here."""

from __future__ import annotations

from vegaops.images.containers import Choice, choose, essential, sidecar_kind

__all__ = ["Choice", "choose", "essential", "sidecar_kind"]
