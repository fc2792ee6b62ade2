"""The local sandbox: a moto server with an ECS rollout simulator, seeded with the Vega estate.

Heavy imports (moto, werkzeug, boto3) live inside functions; ``state``, ``env`` and ``admin`` are light.
"""
