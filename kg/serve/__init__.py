"""The SPARQL endpoint (``kg serve``) and what it is built from: guard, pool, results, page, cookbook."""

from kg.serve.http import ServeConfig, SparqlServer, serve

__all__ = ["ServeConfig", "SparqlServer", "serve"]
