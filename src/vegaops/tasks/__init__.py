"""One-off tasks, ECS Exec shells and port forwards (``vegaops run``, ``shell``, ``port-forward``)."""
