"""Log tailing: discovery of log sources (sources.py), fetch/merge/dedup core (core.py), rendering (render.py)."""
