"""The kg ontology files (Turtle), shipped as package data.

Examples
--------
>>> path("kg.ttl").name
'kg.ttl'
"""

from pathlib import Path

__all__ = ["DIR", "path"]

DIR = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Return the path of one ontology file, e.g. ``kg.ttl`` or ``shapes.ttl``."""
    return DIR / name
