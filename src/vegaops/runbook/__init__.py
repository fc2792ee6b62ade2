"""Runbooks: TOML files of steps with variables, validated before any AWS call, run by one engine."""
