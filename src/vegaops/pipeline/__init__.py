"""Commands assembled from steps and run through the runbook engine (``vegaops.pipeline.deploy``)."""
