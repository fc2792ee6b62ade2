"""Commands assembled from steps and run through the runbook engine, a module per command: ``deploy``,
``watch`` (deploy watch), ``rollback``, ``history`` (deploy history), ``unlock`` (deploy unlock), ``actions``
(deploy continue|abort|stop)."""
