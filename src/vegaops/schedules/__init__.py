"""Scheduled tasks (EventBridge Scheduler schedules and EventBridge rules with ECS targets) of an environment."""
