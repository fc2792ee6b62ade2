"""WSGI middleware of the sandbox server."""
