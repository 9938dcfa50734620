"""Run one SPARQL query on a pyoxigraph store and serialise at most ``max_rows`` results.

pyoxigraph can serialise a whole result set, but not the first N rows of one, so the four SPARQL
result formats (JSON, XML, CSV, TSV) are written here; graphs go through ``pyoxigraph.serialize``.
Content negotiation (:func:`negotiate`) picks the format from an Accept header.

Examples
--------
>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.update('INSERT DATA { <http://e/a> <http://e/p> "x"@en, 2 }')
>>> r = execute(store, "SELECT ?o { ?s ?p ?o } ORDER BY ?o", "text/csv", max_rows=1)
>>> r.body, r.truncated
(b'o\\r\\n2\\r\\n', True)
>>> negotiate("application/sparql-results+xml;q=0.5, text/csv", "select")
'text/csv'
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.write.namespace import PREFIXES

__all__ = [
    "Form",
    "Result",
    "RESULT_TYPES",
    "GRAPH_TYPES",
    "negotiate",
    "query_form",
    "execute",
    "term_json",
]

Form = Literal["select", "graph"]

#: Offered media types, in the server's order of preference, and the aliases clients send.
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-json+ld": "application/ld+json",
}
_RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# XML 1.0 cannot carry these at all, not even escaped.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Result:
    """A serialised answer: body, its media type, whether ``max_rows`` cut it, how many rows it holds."""

    body: bytes
    media_type: str
    truncated: bool
    rows: int


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    ranges = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((_ALIASES.get(media, media), q, i))
    return ranges


def negotiate(accept: str | None, form: Form) -> str | None:
    """The media type to answer with, or None (406) when the client accepts none we offer.

    Parameters
    ----------
    accept
        The Accept header (missing or empty means anything).
    form
        ``"select"`` for SELECT/ASK, ``"graph"`` for CONSTRUCT/DESCRIBE.

    Examples
    --------
    >>> negotiate(None, "graph")
    'text/turtle'
    >>> negotiate("application/json", "select")
    'application/sparql-results+json'
    >>> negotiate("text/turtle", "select") is None
    True
    >>> negotiate("text/*;q=0.2, application/ld+json", "graph")
    'application/ld+json'
    """
    offered = RESULT_TYPES if form == "select" else GRAPH_TYPES
    if not accept or not accept.strip():
        return offered[0]
    ranges = _accept_ranges(accept)
    best: tuple[float, int, int] | None = None
    choice = None
    for pref, media in enumerate(offered):
        kind = media.split("/")[0]
        # The most specific matching range decides the quality (RFC 9110 12.5.1).
        matches = [(3, q, i) for m, q, i in ranges if m == media]
        matches += [(2, q, i) for m, q, i in ranges if m == f"{kind}/*"]
        matches += [(1, q, i) for m, q, i in ranges if m == "*/*"]
        if not matches:
            continue
        _, q, order = max(matches, key=lambda t: t[0])
        if q <= 0:
            continue
        key = (-q, order, pref)
        if best is None or key < best:
            best, choice = key, media
    return choice


def query_form(text: str) -> Form:
    """``"graph"`` for CONSTRUCT / DESCRIBE, else ``"select"`` (SELECT, ASK), from the first keyword.

    Examples
    --------
    >>> query_form("PREFIX a: <http://a/> DESCRIBE a:x")
    'graph'
    """
    from kg.serve.guard import tokens

    for tok in tokens(text):
        if tok.kind == "word":
            word = tok.text.lower()
            if word in ("construct", "describe"):
                return "graph"
            if word in ("select", "ask"):
                return "select"
    return "select"


def term_json(term: Any) -> dict[str, Any]:
    """A pyoxigraph term in the SPARQL 1.1 JSON results shape.

    Examples
    --------
    >>> term_json(ox.Literal("LoRA", language="en"))
    {'type': 'literal', 'value': 'LoRA', 'xml:lang': 'en'}
    """
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_text(value: str) -> str:
    return escape(_XML_FORBIDDEN.sub("\ufffd", value))


def _term_xml(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value not in (_XSD_STRING, _RDF_LANG):
            return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        parts = zip(
            ("subject", "predicate", "object"), (term.subject, term.predicate, term.object), strict=True
        )
        return "<triple>" + "".join(f"<{n}>{_term_xml(t)}</{n}>" for n, t in parts) + "</triple>"
    raise TypeError(f"not an RDF term: {term!r}")


def _term_csv(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _select_body(variables: list[str], rows: list[Any], media: str) -> bytes:
    if media == "application/sparql-results+json":
        bindings = [{v: term_json(row[v]) for v in variables if row[v] is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if media == "application/sparql-results+xml":
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        ]
        out.append(
            "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>"
        )
        for row in rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_term_xml(row[v])}</binding>"
                for v in variables
                if row[v] is not None
            )
            out.append(f"<result>{cells}</result>")
        out.append("</results></sparql>\n")
        return "\n".join(out).encode("utf-8")
    if media == "text/csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_term_csv(row[v]) for v in variables])
        return buf.getvalue().encode("utf-8")
    if media == "text/tab-separated-values":
        lines = ["\t".join(f"?{v}" for v in variables)]
        # str() of a pyoxigraph term is its N-Triples form, escapes included, as TSV results require.
        lines += ["\t".join("" if row[v] is None else str(row[v]) for v in variables) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"not a SPARQL results media type: {media!r}")


def _boolean_body(value: bool, media: str) -> bytes:
    word = "true" if value else "false"
    if media == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if media == "application/sparql-results+xml":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    return f"{word}\n".encode()


def execute(
    store: ox.Store,
    text: str,
    media: str,
    max_rows: int,
    default_graph: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> Result:
    """Run the query ``text`` and serialise its first ``max_rows`` results as ``media``.

    Raises
    ------
    SyntaxError
        The query does not parse (the message is pyoxigraph's, with line and column).
    ValueError
        ``media`` does not fit the query form (e.g. text/csv for a CONSTRUCT).
    """
    kwargs: dict[str, Any] = {"prefixes": PREFIXES}
    if default_graph:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    answer = store.query(text, **kwargs)
    if isinstance(answer, ox.QueryBoolean):
        if media not in RESULT_TYPES:
            raise ValueError(f"an ASK result cannot be given as {media}")
        return Result(_boolean_body(bool(answer), media), media, False, 1)
    rows: list[Any] = []
    truncated = False
    for item in answer:
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append(item)
    if isinstance(answer, ox.QuerySolutions):
        if media not in RESULT_TYPES:
            raise ValueError(f"a SELECT result cannot be given as {media}")
        variables = [v.value for v in answer.variables]
        return Result(_select_body(variables, rows, media), media, truncated, len(rows))
    if media not in _RDF_FORMATS:
        raise ValueError(f"a graph result cannot be given as {media}")
    body = ox.serialize(rows, format=_RDF_FORMATS[media], prefixes=PREFIXES) or b""
    return Result(body, media, truncated, len(rows))
