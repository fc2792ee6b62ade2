"""Thin typer modules, one per command group. Module level: typer, stdlib and light vegaops only."""
