"""Plugin registries. Other packages plug in through the ``kg_loaders`` / ``kg_writers`` entry points.

Examples
--------
>>> @writers.register("doctest-null")
... class NullWriter: ...
>>> get(writers, "doctest-null") is NullWriter
True
"""

from __future__ import annotations

from typing import Any

import catalogue

from kg.errors import PluginNotFoundError

__all__ = ["loaders", "writers", "exporters", "get"]

loaders = catalogue.create("kg", "loaders", entry_points=True)
writers = catalogue.create("kg", "writers", entry_points=True)
#: ``kg export --format NAME``: callables ``(graph: Graph, dest: Path) -> None``.
exporters = catalogue.create("kg", "exporters", entry_points=True)


def get(registry: catalogue.Registry, name: str) -> Any:
    """Return the plugin registered as ``name`` or raise PluginNotFoundError naming the choices."""
    try:
        return registry.get(name)
    except catalogue.RegistryError:
        known = ", ".join(sorted(registry.get_all())) or "none"
        kind = registry.namespace[-1]
        raise PluginNotFoundError(f"unknown {kind[:-1]} {name!r} (known: {known})") from None
