"""Idempotent units of work. ``plan()`` reads and returns the changes; ``apply()`` makes exactly those."""
