"""Importing this module registers the built-in ``kg export`` formats in :data:`kg.registry.exporters`.

One import per module that calls ``exporters.register``; plugins register through entry points.
"""

from __future__ import annotations

from kg.write import neo4j_csv, rdf

__all__ = ["neo4j_csv", "rdf"]
