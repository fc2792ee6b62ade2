"""The local sandbox: moto plus an ECS that rolls out, so every command runs with no AWS account."""
