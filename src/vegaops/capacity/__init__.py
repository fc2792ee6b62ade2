"""The runs of ``vegaops scale`` and ``vegaops schedule run``: the steps through the runbook engine, then the watch
or the wait. Apart from ``vegaops.scale`` and ``vegaops.schedules`` (what the steps read and change), so the steps
never import what runs them."""
