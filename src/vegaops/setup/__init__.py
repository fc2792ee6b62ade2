"""``vegaops setup``: discover the estate, choose, plan what is missing, write vegaops.toml."""
