"""Deploying to ECS: snapshots, verdicts, the watcher, the deploy/rollback/status/history logic."""
