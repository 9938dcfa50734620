"""`kg serve` as a client sees it: protocol, content negotiation, errors, read-only, timeout, row cap,
CORS, VoID / service description, the offline page, and no outbound requests (SSRF)."""

import json
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import VOID

from kg.serve.cookbook import RECIPES

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import served  # noqa: E402
import sparql_papers  # noqa: E402
from served import Listener, call, get, papers_of, post_direct, post_form  # noqa: E402

pytestmark = pytest.mark.sparql

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
PAPERS = "SELECT ?p WHERE { ?p a mlkg:Paper } ORDER BY ?p"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return served.build_fixture(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def server(built):
    s = served.LiveServer(built)
    yield s
    s.stop()


# ---------------------------------------------------------------- protocol
def test_get_post_form_and_post_direct_give_the_same_answer(server):
    answers = [
        get(server, PAPERS),
        post_form(server, "query", PAPERS),
        post_direct(server, "application/sparql-query", PAPERS),
    ]
    for status, headers, body in answers:
        assert status == 200
        assert headers["Content-Type"].startswith("application/sparql-results+json")
        assert len(papers_of(body)) == len(sparql_papers.PAPERS)
    assert answers[0][2] == answers[1][2] == answers[2][2]


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("application/json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ],
)
def test_select_content_negotiation(server, accept, media, fmt):
    status, headers, body = get(server, PAPERS, accept)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert headers["Vary"] == "Accept"
    rows = list(ox.parse_query_results(body, fmt))
    assert sorted(r["p"].value for r in rows) == sorted(papers_of(get(server, PAPERS)[2]))


def test_select_as_csv(server):
    status, headers, body = get(server, PAPERS, "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode().split("\r\n")
    assert lines[0] == "p" and len([x for x in lines[1:] if x]) == len(sparql_papers.PAPERS)


@pytest.mark.parametrize(
    "media", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_construct_content_negotiation(server, media):
    q = "CONSTRUCT { ?x skos:prefLabel ?l } WHERE { ?x skos:prefLabel ?l }"
    status, headers, body = get(server, q, media)
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    triples = list(ox.parse(body, ox.RdfFormat.from_media_type(media)))
    assert len(triples) == len(sparql_papers.ENTITIES)


def test_ask_and_describe(server):
    status, _, body = get(server, "ASK { ?x skos:altLabel 'LoRA' }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, _, body = get(server, "DESCRIBE <https://w3id.org/mlkg/entity/lora>", "text/turtle")
    g = rdflib.Graph().parse(data=body.decode(), format="turtle")
    assert ("Low-Rank Adaptation" in {str(o) for o in g.objects()}) and status == 200


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (PAPERS, "text/turtle"),
        (PAPERS, "image/png"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv"),
        ("ASK {}", "application/ld+json"),
    ],
)
def test_406_for_what_it_cannot_give(server, query, accept):
    status, _, body = get(server, query, accept)
    assert status == 406
    assert b"offered" in body


@pytest.mark.parametrize(
    "query", ["SELEC ?x WHERE {}", "SELECT ?x WHERE { ?x ?y }", "SELECT * WHERE { ?s ?p ?o } LIMIT x"]
)
def test_400_with_the_parser_message(server, query):
    status, headers, body = get(server, query)
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert body.startswith(b"syntax error: error at 1:")


def test_protocol_misuse_is_400_or_415(server):
    qs = urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")])
    assert call(f"{server.url}/sparql?{qs}")[0] == 400
    assert get(server, "   ")[0] == 400
    assert call(f"{server.url}/sparql?update=CLEAR%20ALL")[0] == 400  # updates only by POST
    assert post_direct(server, "text/plain", "ASK {}")[0] == 415
    both = urllib.parse.urlencode({"query": "ASK {}", "update": "CLEAR ALL"}).encode()
    assert (
        call(
            f"{server.url}/sparql", data=both, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )[0]
        == 400
    )
    assert call(f"{server.url}/sparql", method="DELETE")[0] == 405
    assert call(f"{server.url}/../../etc/passwd")[0] == 404


# ---------------------------------------------------------------- read-only and hostile input
UPDATES = [
    "INSERT DATA { <http://evil/s> <http://evil/p> 'x' }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP DEFAULT",
    "PREFIX a: <http://a/> WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_403_by_every_route_and_change_nothing(server, built, update):
    assert post_direct(server, "application/sparql-update", update)[0] == 403
    assert post_form(server, "update", update)[0] == 403
    assert get(server, update)[0] == 403  # an update smuggled in as a query
    assert post_form(server, "query", update)[0] == 403
    assert len(papers_of(get(server, PAPERS)[2])) == len(sparql_papers.PAPERS)
    count = json.loads(get(server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")[2])
    n_default = len(rdflib.Graph().parse(built / "graph.ttl"))
    assert int(count["results"]["bindings"][0]["n"]["value"]) == n_default


def test_hostile_requests_get_clean_errors_and_the_server_lives(server):
    headers = {"Content-Type": "application/sparql-query"}
    assert call(f"{server.url}/sparql", data=b"SELECT \xff\xfe", headers=headers)[0] == 400  # not UTF-8
    assert call(f"{server.url}/sparql", data=b"SELECT * {\x00}", headers=headers)[0] == 400
    assert call(f"{server.url}/sparql", data=b"x" * (2 << 20), headers=headers)[0] == 413
    deep = "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000
    status, _, body = post_direct(server, "application/sparql-query", deep)
    assert status == 400 and b"nested 50000 levels" in body
    weird = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>\\u0000" }'
    status, _, body = get(server, weird)
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, _ = call(f"{server.url}/sparql?query=" + "a" * 70_000)
    assert status in (400, 414)
    status, headers, body = call(f"{server.url}/sparql?query=%ZZ")
    assert status == 400
    assert get(server, PAPERS)[0] == 200  # still serving


def test_timeout_stops_a_runaway_query_and_the_server_recovers(built):
    s = served.LiveServer(built, "--timeout", "1", "--workers", "1")
    try:
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        started = time.monotonic()
        status, headers, body = get(s, runaway)
        assert status == 503 and b"timeout" in body
        assert time.monotonic() - started < 5
        assert headers["Retry-After"]
        deadline = time.monotonic() + 30  # the killed worker is replaced in the background
        while (status := get(s, PAPERS)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
    finally:
        s.stop()


def test_row_cap_is_configurable_and_announced(built):
    s = served.LiveServer(built, "--max-rows", "3")
    try:
        status, headers, body = get(s, PAPERS)
        assert status == 200 and len(papers_of(body)) == 3
        assert headers["X-KG-Truncated"] == "true" and headers["X-KG-Rows"] == "3"
        status, headers, body = get(s, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
        assert len(body.decode().strip().splitlines()) == 3 and headers["X-KG-Truncated"] == "true"
        status, headers, _ = get(s, "SELECT ?p WHERE { ?p a mlkg:Paper } LIMIT 2")
        assert headers["X-KG-Truncated"] == "false"
    finally:
        s.stop()


# ---------------------------------------------------------------- CORS
def test_no_cors_by_default(server):
    status, headers, _ = call(
        f"{server.url}/sparql?query=ASK%7B%7D", headers={"Origin": "http://evil.example"}
    )
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = call(
        f"{server.url}/sparql", method="OPTIONS", headers={"Origin": "http://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers


def test_cors_for_configured_origins_only(built):
    s = served.LiveServer(built, "--cors", "http://app.example")
    try:
        _, headers, _ = call(f"{s.url}/sparql?query=ASK%7B%7D", headers={"Origin": "http://app.example"})
        assert headers["Access-Control-Allow-Origin"] == "http://app.example"
        assert "X-KG-Truncated" in headers["Access-Control-Expose-Headers"]
        _, headers, _ = call(f"{s.url}/sparql?query=ASK%7B%7D", headers={"Origin": "http://other.example"})
        assert "Access-Control-Allow-Origin" not in headers
        status, headers, _ = call(
            f"{s.url}/sparql",
            method="OPTIONS",
            headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    finally:
        s.stop()


# ---------------------------------------------------------------- descriptions and page
def test_service_description(server):
    status, headers, body = call(f"{server.url}/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body.decode(), format="turtle")
    endpoint = rdflib.URIRef(f"{server.url}/sparql")
    assert (endpoint, rdflib.RDF.type, SD.Service) in g
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Update) not in g


def test_void_description_counts_the_graph(server, built):
    status, _, body = call(f"{server.url}/void", headers={"Accept": "application/ld+json"})
    assert status == 200
    g = rdflib.Graph().parse(data=body.decode(), format="json-ld")
    ds = next(g.subjects(rdflib.RDF.type, VOID.Dataset))
    assert int(g.value(ds, VOID.triples)) == len(rdflib.Graph().parse(built / "graph.ttl"))
    parts = {
        g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(ds, VOID.classPartition)
    }
    assert parts[rdflib.URIRef("https://w3id.org/mlkg/ontology#Paper")] == len(sparql_papers.PAPERS)
    benchmarks = [e for e in sparql_papers.ENTITIES if e.type is sparql_papers.B]
    assert len(benchmarks) >= 2
    assert parts[rdflib.URIRef("https://w3id.org/mlkg/ontology#Benchmark")] == len(benchmarks)


def test_query_page_is_self_contained(server):
    status, headers, body = call(server.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    pages = [body] + [call(server.url + p)[2] for p in ("/assets/app.js", "/assets/app.css")]
    for text in pages:
        assert b"http://" not in text and b"https://" not in text and b"//cdn" not in text
    assert b"innerHTML" not in pages[1]  # results go in as text
    status, _, body = call(server.url + "/cookbook.json")
    assert [r["slug"] for r in json.loads(body)] == [r.slug for r in RECIPES]


# ---------------------------------------------------------------- no outbound requests (SSRF)
@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def federated(port):
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <http\\u003A//127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ <{url}> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o . {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE #comment\n <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_service_is_refused_and_nothing_leaves_the_server(server, listener):
    for query in federated(listener.port):
        for status, _, body in (
            get(server, query),
            post_form(server, "query", query),
            post_direct(server, "application/sparql-query", query),
        ):
            assert status == 403, (query, body)
            assert b"refused" in body
    for update in (
        f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>",
        f"LOAD SILENT <http://127.0.0.1:{listener.port}/x> INTO GRAPH <http://g/>",
    ):
        assert post_direct(server, "application/sparql-update", update)[0] == 403
    time.sleep(1)
    assert listener.hits == []


def test_allow_list_is_the_only_way_out(built, listener, tmp_path):
    other = Listener()
    out = tmp_path / "rw"
    shutil.copytree(built, out)
    s = served.LiveServer(
        out, "--allow-service", f"http://127.0.0.1:{listener.port}/", "--allow-update", "--timeout", "5"
    )
    try:
        # Refused: a listener that is not on the allow-list, and LOAD from it, even with updates allowed.
        assert get(s, federated(other.port)[0])[0] == 403
        assert (
            post_direct(s, "application/sparql-update", f"LOAD <http://127.0.0.1:{other.port}/x>")[0] == 403
        )
        assert (
            get(
                s, f"SELECT * WHERE {{ VALUES ?u {{ <http://127.0.0.1:{listener.port}/> }} SERVICE ?u {{}} }}"
            )[0]
            == 403
        )
        time.sleep(0.5)
        assert other.hits == [] and listener.hits == []
        # Allowed: the request really goes out (so the refusals above are the guard's doing).
        get(s, federated(listener.port)[0])
        deadline = time.monotonic() + 5
        while not listener.hits and time.monotonic() < deadline:
            time.sleep(0.1)
        assert listener.hits and listener.hits[0].startswith(b"POST /sparql")
    finally:
        s.stop()
        other.close()


# ---------------------------------------------------------------- updates, when enabled
def test_allow_update_enables_writes_and_says_so(built, tmp_path):
    out = tmp_path / "rw"
    shutil.copytree(built, out)
    s = served.LiveServer(out, "--allow-update")
    try:
        status, _, _ = post_direct(
            s, "application/sparql-update", "INSERT DATA { <https://w3id.org/mlkg/paper/x> a mlkg:Paper }"
        )
        assert status == 204
        assert len(papers_of(get(s, PAPERS)[2])) == len(sparql_papers.PAPERS) + 1
        body = call(f"{s.url}/sparql", headers={"Accept": "text/turtle"})[2]
        g = rdflib.Graph().parse(data=body.decode(), format="turtle")
        assert (None, SD.supportedLanguage, SD.SPARQL11Update) in g
        assert post_direct(s, "application/sparql-update", "INSERT DATA {")[0] == 400
    finally:
        s.stop()
