"""What the ``config`` (SSM Parameter Store) and ``secret`` (Secrets Manager) commands share: the redeploy
of the services that read a changed value, the fingerprint diff of two environments, importing a file of
values as one plan and one question, and which services read which value."""
