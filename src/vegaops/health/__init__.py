"""Health checks: ECS service state, ALB target health, the HTTP health URL, and environment checks."""
