"""kg.serve.guard: what counts as an update, and which SERVICE / LOAD targets get refused."""

import pytest

from kg.serve.guard import Refused, check, classify, federated_targets

EVIL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{EVIL}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE\n#comment\n<{EVIL}> {{ ?s ?p ?o }} }}",
        "PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http\\u003A//127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?u { <http://127.0.0.1:9/> } SERVICE ?u { ?s ?p ?o } }",
        "BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
        f"SELECT * WHERE {{ ?s ?p 'x' . {{ SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}",
        f'SELECT * WHERE {{ ?s ?p "a\\"b" SERVICE <{EVIL}> {{}} }}',
        f"SELECT * WHERE {{ FILTER(?a<?b) SERVICE<{EVIL}>{{}} }}",
        f"LOAD <{EVIL}>",
        f"load silent <{EVIL}> into graph <http://g/>",
        "SELECT * WHERE { SERVICE e:x { } }",  # undeclared prefix: unknowable target
        "SELECT * WHERE { SERVICE",  # broken, still refused rather than guessed
    ],
)
def test_federation_is_refused_without_allow_list(query):
    with pytest.raises(Refused):
        check(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service WHERE { ?service ?load ?x }",
        "PREFIX service: <http://x/> SELECT * WHERE { ?s service:load ?o }",
        "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/>' }",
        'SELECT * WHERE { ?s ?p """\nLOAD <http://127.0.0.1:9/>\n""" }',
        "SELECT * WHERE { ?s <http://x/service> ?o } # SERVICE <http://127.0.0.1:9/>",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?service",
        "SELECT * WHERE { ?download_service ?p ?o }",
    ],
)
def test_the_words_alone_are_harmless(query):
    check(query)
    assert federated_targets(query) == []


def test_allow_list_lets_matching_targets_through_only():
    allowed = ("http://127.0.0.1:9/",)
    check(f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ }} }}", allowed)
    with pytest.raises(Refused, match="http://127.0.0.2/"):
        check(f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ }} SERVICE <http://127.0.0.2/> {{ }} }}", allowed)
    with pytest.raises(Refused, match="run time"):
        check("SELECT * WHERE { SERVICE ?u { } }", allowed)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("SELECT * {}", "query"),
        ("  # c\n ask {}", "query"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "query"),
        ("PREFIX a: <http://a/> DESCRIBE a:b", "query"),
        ("INSERT DATA { <a> <b> <c> }", "update"),
        ("PREFIX a: <http://a/>\nDELETE WHERE { ?s ?p ?o }", "update"),
        ("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
        ("drop all", "update"),
        ("clear default", "update"),
        ("SELECT * { ?s ?p 'INSERT' }", "query"),
        ("", "query"),
    ],
)
def test_classify(text, kind):
    assert classify(text) == kind
