"""kg.serve.results: content negotiation and the four SPARQL result formats with a row cap."""

import csv
import io
import json

import pyoxigraph as ox
import pytest

from kg.serve.results import GRAPH_TYPES, RESULT_TYPES, execute, negotiate, query_form

FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.update("""INSERT DATA {
        <http://e/a> <http://e/p> "plain", "tab\\there \\"quoted\\", new\\nline", "chat"@fr, 42, _:b1 .
        <http://e/b> <http://e/p> "<script>&amp;\\u0001" .
    }""")
    return s


@pytest.mark.parametrize("media", RESULT_TYPES)
def test_select_formats_parse_back_to_the_same_rows(store, media):
    q = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    result = execute(store, q, media, max_rows=100)
    assert result.media_type == media and not result.truncated and result.rows == 6
    expected = list(store.query(q))
    if media == "text/csv":  # CSV drops datatypes and languages by design: compare lexical values
        rows = list(csv.reader(io.StringIO(result.body.decode("utf-8"), newline="")))
        assert rows[0] == ["s", "o"]
        lexical = [
            [t.value if not isinstance(t, ox.BlankNode) else f"_:{t.value}" for t in r] for r in expected
        ]
        assert rows[1:] == lexical
        return
    back = list(ox.parse_query_results(result.body, FORMATS[media]))
    if media == "application/sparql-results+xml":  # XML 1.0 cannot carry U+0001: it becomes U+FFFD
        assert len(back) == len(expected)
        assert any("\ufffd" in str(r["o"].value) for r in back)
    else:
        assert [[str(t) for t in r] for r in back] == [[str(t) for t in r] for r in expected]


@pytest.mark.parametrize("media", RESULT_TYPES)
def test_ask_in_every_result_format(store, media):
    body = execute(store, "ASK { ?s ?p 42 }", media, 10).body
    assert b"true" in body


def test_row_cap_truncates_and_says_so(store):
    r = execute(store, "SELECT ?o WHERE { ?s ?p ?o }", "application/sparql-results+json", max_rows=2)
    assert r.truncated and r.rows == 2
    assert len(json.loads(r.body)["results"]["bindings"]) == 2
    r = execute(store, "SELECT ?o WHERE { ?s ?p ?o }", "text/csv", max_rows=6)
    assert not r.truncated and len(list(csv.reader(io.StringIO(r.body.decode())))) == 7


@pytest.mark.parametrize("media", GRAPH_TYPES)
def test_construct_formats(store, media):
    fmt = ox.RdfFormat.from_media_type(media)
    r = execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", media, 100)
    assert len(list(ox.parse(r.body, fmt))) == 6
    capped = execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", media, 3)
    assert capped.truncated and len(list(ox.parse(capped.body, fmt))) == 3


def test_form_mismatch_is_a_value_error(store):
    with pytest.raises(ValueError):
        execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", "text/csv", 10)
    with pytest.raises(ValueError):
        execute(store, "SELECT * WHERE { ?s ?p ?o }", "text/turtle", 10)
    with pytest.raises(SyntaxError):
        execute(store, "SELECT * WHERE {", "text/csv", 10)


@pytest.mark.parametrize(
    ("accept", "form", "expected"),
    [
        (None, "select", "application/sparql-results+json"),
        ("", "graph", "text/turtle"),
        ("*/*", "select", "application/sparql-results+json"),
        (
            "application/sparql-results+json,application/json,text/javascript,application/javascript",
            "select",
            "application/sparql-results+json",
        ),
        ("application/sparql-results+xml", "select", "application/sparql-results+xml"),
        ("text/csv;q=0.9, text/tab-separated-values", "select", "text/tab-separated-values"),
        ("text/*", "select", "text/csv"),
        ("application/ld+json,application/x-json+ld", "graph", "application/ld+json"),
        ("application/turtle,text/turtle", "graph", "text/turtle"),
        ("text/plain", "graph", "application/n-triples"),
        ("application/rdf+xml", "graph", "application/rdf+xml"),
        ("text/turtle", "select", None),
        ("text/csv", "graph", None),
        ("image/png", "select", None),
        ("*/*;q=0", "select", None),
        ("text/csv;q=0, */*", "select", "application/sparql-results+json"),
        ("text/csv;q=abc", "select", None),
    ],
)
def test_negotiate(accept, form, expected):
    assert negotiate(accept, form) == expected


def test_query_form():
    assert query_form("# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }") == "graph"
    assert query_form("ASK {}") == "select"
