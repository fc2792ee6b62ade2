"""Deploy: image, task definition, rollout, watching and verdicts."""
