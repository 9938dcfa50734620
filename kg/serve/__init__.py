"""The SPARQL endpoint (``kg serve``) and what it is built from: guard, pool, results, page, cookbook.

``ServeConfig``, ``SparqlServer`` and ``serve`` load lazily, so ``python -m kg.serve.cookbook`` and
``kg query`` do not import the HTTP server.
"""

from typing import Any

__all__ = ["ServeConfig", "SparqlServer", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kg.serve import http

        return getattr(http, name)
    raise AttributeError(f"module 'kg.serve' has no attribute {name!r}")
