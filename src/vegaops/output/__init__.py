"""Results, envelopes and renderers: the only package that writes to the terminal."""

from vegaops.output.result import SCHEMA, Fields, Lines, Result, Reveal, Table, View

__all__ = ["SCHEMA", "Fields", "Lines", "Result", "Reveal", "Table", "View"]
