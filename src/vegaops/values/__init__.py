"""The work of the ``config`` (SSM Parameter Store) and ``secret`` (Secrets Manager) commands, and what they share.

- ``params`` / ``secrets``: each group's reads (get, list, history, refs) and changes (set, rollback).
- ``redeploy``: after a value changed, the redeploy of the services that read it (or the warning naming them).
- ``diff``: two environments compared by fingerprint; ``importing``: a dotenv or JSON file as one plan.
- ``export``, ``environment``: values as environment variables (``secret export``, ``exec``).
- ``readers``, ``repoint``, ``variables``, ``masking``: which services read which value, references by an
  old ARN, the variables a task definition gives its containers (``env vars``), how a value is shown.
"""
