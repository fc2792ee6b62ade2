"""Thin typed layers over boto3, one module per AWS service. Nothing here prints."""
