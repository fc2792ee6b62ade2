"""``vegaops debug``: one report about a broken deployment, and the likely causes."""
