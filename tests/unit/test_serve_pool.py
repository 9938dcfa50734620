"""kg.serve.pool: worker processes that answer within a deadline and come back after a crash."""

import sys
import time
from pathlib import Path

import pytest

from kg.serve.pool import Job, QueryPool, QuerySyntaxError, QueryTimeout, WorkerFailed

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))
import served  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = Job("query", "ASK { ?s a mlkg:Paper }", "text/csv")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    return served.build_fixture(tmp_path_factory.mktemp("pool")) / "store"


@pytest.mark.parametrize("in_memory", [False, True])
def test_answers_and_errors(store_dir, in_memory):
    with QueryPool(store_dir, workers=1, timeout=10, in_memory=in_memory) as pool:
        assert pool.run(ASK).body == b"true\n"
        with pytest.raises(QuerySyntaxError, match="error at 1:"):
            pool.run(Job("query", "SELECT ?x WHERE {"))
        with pytest.raises(WorkerFailed, match="read-write"):
            pool.run(Job("update", "INSERT DATA { <http://a/> <http://b/> <http://c/> }"))
        assert pool.run(ASK).body == b"true\n"  # the worker lives on after errors


def _until_answered(pool, job, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return pool.run(job)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_runaway_query_is_killed_at_the_deadline_and_replaced(store_dir):
    with QueryPool(store_dir, workers=1, timeout=1) as pool:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="1 s timeout"):
            pool.run(Job("query", RUNAWAY))
        assert time.monotonic() - started < 3
        assert _until_answered(pool, ASK).body == b"true\n"


def test_a_crashed_worker_is_replaced(store_dir):
    with QueryPool(store_dir, workers=1, timeout=10) as pool:
        deep = "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000  # overflows the parser's stack
        with pytest.raises(WorkerFailed, match="died"):
            pool.run(Job("query", deep))
        assert _until_answered(pool, ASK).body == b"true\n"


def test_bad_arguments_and_missing_store(tmp_path):
    with pytest.raises(ValueError, match="timeout"):
        QueryPool(tmp_path, timeout=0)
    with pytest.raises(WorkerFailed, match="cannot open the store"):
        QueryPool(tmp_path / "nope", workers=1)
