"""``kg export --format neo4j-csv DIR``: CSV files for ``neo4j-admin database import full``.

For graphs of millions of records an offline import is far faster than Bolt. The files use that
tool's header syntax (``id:ID(Paper)``, ``:LABEL``, ``:START_ID(Entity)``, ``:END_ID(Paper)``,
``:TYPE``, ``name:string[]``, ``confidence:float``) with two ID spaces, Paper and Entity, so a paper
id never collides with an entity id. Arrays (aliases, authors, labels) are joined with U+001F, which
no title or alias contains, and abstracts may span lines: the import command in ``import.sh`` (also
in docs/cypher.md) passes ``--array-delimiter=U+001F --multiline-fields=true`` accordingly.

The graph model is the one :class:`kg.write.neo4j.Neo4jWriter` writes over Bolt, results included
(a third ID space, Result: ``results.csv``, ``reports.csv``, ``result_entities.csv``, ``result_papers.csv``).

Examples
--------
>>> from kg.types import Entity, EntityType, Paper
>>> import tempfile
>>> g = Graph(papers=(Paper("p1", "T", "A"),), entities=(Entity("glue", EntityType.BENCHMARK, "GLUE"),),
...           mentions=(("p1", "glue", 1),))
>>> d = Path(tempfile.mkdtemp())
>>> sorted(p.name for p in write_neo4j_csv(g, d))[:3]
['entities.csv', 'import.sh', 'mentions.csv']
>>> (d / "entities.csv").read_text().splitlines()[1]
'glue,GLUE,Benchmark,,Entity\\x1fBenchmark\\x1fDataset'
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.errors import WriterError
from kg.registry import exporters
from kg.types import Graph
from kg.write import cypher, neo4j_results
from kg.write.neo4j_rows import entity_properties, paper_properties

__all__ = ["ARRAY_DELIMITER", "FILES", "HEADERS", "write_neo4j_csv", "import_command"]

ARRAY_DELIMITER = "\x1f"

#: The properties of a relation, whether an entity or the paper itself is its head.
_RELATION_PROPERTIES = ["paper_id", "evidence", "confidence:float", "extractor"]
#: File name -> header row, in neo4j-admin's syntax. papers.csv and entities.csv: the id, the
#: properties of neo4j_rows.paper_properties / entity_properties in their order, the labels.
HEADERS: dict[str, list[str]] = {
    "papers.csv": [
        "id:ID(Paper)",
        "title",
        "abstract",
        "date",
        "url",
        "arxiv_id",
        "authors:string[]",
        "categories:string[]",
        "source",
        ":LABEL",
    ],
    "entities.csv": ["id:ID(Entity)", "name", "type", "aliases:string[]", ":LABEL"],
    "mentions.csv": [":START_ID(Paper)", ":END_ID(Entity)", ":TYPE", "count:int"],
    "relations.csv": [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", *_RELATION_PROPERTIES],
    "paper_relations.csv": [":START_ID(Paper)", ":END_ID(Entity)", ":TYPE", *_RELATION_PROPERTIES],
    "paper_links.csv": [
        ":START_ID(Paper)",
        ":END_ID(Paper)",
        ":TYPE",
        "via",
        "evidence",
        "confidence:float",
        "derived:boolean",
    ],
    # Results (kg.write.neo4j_results): a third ID space, Result.
    "results.csv": [
        "id:ID(Result)",
        "paper_id",
        "kind",
        "value:float",
        "value_text",
        "value_low:float",
        "value_high:float",
        "unit",
        "evidence",
        "confidence:float",
        ":LABEL",
    ],
    "reports.csv": [":START_ID(Paper)", ":END_ID(Result)", ":TYPE"],
    "result_entities.csv": [":START_ID(Result)", ":END_ID(Entity)", ":TYPE"],
    "result_papers.csv": [":START_ID(Result)", ":END_ID(Paper)", ":TYPE"],
}
FILES: dict[str, str] = {  # file -> --nodes or --relationships
    "papers.csv": "nodes",
    "entities.csv": "nodes",
    "mentions.csv": "relationships",
    "relations.csv": "relationships",
    "paper_relations.csv": "relationships",
    "paper_links.csv": "relationships",
    "results.csv": "nodes",
    "reports.csv": "relationships",
    "result_entities.csv": "relationships",
    "result_papers.csv": "relationships",
}


def _array(values: Iterable[str]) -> str:
    items = list(values)
    for v in items:
        if ARRAY_DELIMITER in v:
            raise WriterError(f"array value {v!r} contains the array delimiter U+001F")
    return ARRAY_DELIMITER.join(items)


def _cell(value: Any) -> Any:
    """A CSV field: None is empty, a list is one neo4j-admin array (``authors:string[]``)."""
    if value is None:
        return ""
    return _array(value) if isinstance(value, list) else value


def import_command(dest: Path, database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` command line for the files in ``dest``.

    Examples
    --------
    >>> import_command(Path("out"))[:4]
    ['neo4j-admin', 'database', 'import', 'full']
    """
    args = ["neo4j-admin", "database", "import", "full"]
    for name, kind in FILES.items():
        args.append(f"--{kind}={dest / name}")
    args += ["--array-delimiter=U+001F", "--multiline-fields=true", database]
    return args


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([_cell(v) for v in row])
            n += 1
    return n


def write_neo4j_csv(graph: Graph, dest: Path) -> list[Path]:
    """Write ``graph`` as neo4j-admin import CSVs (and ``import.sh``) into the directory ``dest``."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise WriterError(f"neo4j-csv needs a directory, {dest} is a file")
    dest.mkdir(parents=True, exist_ok=True)
    paper_ids = {p.id for p in graph.papers}
    papers = ([p.id, *paper_properties(p).values(), cypher.PAPER] for p in graph.papers)
    entities = (
        [e.id, *entity_properties(e).values(), [cypher.ENTITY, *cypher.entity_labels(e.type)]] for e in graph.entities
    )
    mentions = ([p, e, cypher.MENTIONS, int(n)] for p, e, n in graph.mentions)
    rel = [r for r in graph.relations if not r.head_is_paper]
    paper_rel = [r for r in graph.relations if r.head_is_paper]
    for r in paper_rel:
        if r.head not in paper_ids:
            raise WriterError(f"relation head {r.head!r} is not a paper of the graph")

    def relations(rs: list[Any]) -> Iterable[list[Any]]:
        for r in rs:
            yield [
                r.head,
                r.tail,
                cypher.relation_type(r.type),
                r.paper_id,
                r.evidence,
                float(r.confidence),
                r.extractor,
            ]

    links = (
        [k.source, k.target, cypher.relation_type(k.type), k.via, k.evidence, float(k.confidence), "true"]
        for k in graph.paper_links
    )
    results = (
        [
            r.id,
            r.paper_id,
            r.kind,
            float(r.value_num),
            r.value,
            r.value_low,
            r.value_high,
            r.unit,
            r.evidence,
            float(r.confidence),
            neo4j_results.RESULT,
        ]
        for r in graph.results
    )
    reports = ([r.paper_id, r.id, neo4j_results.REPORTS] for r in graph.results)
    subject = neo4j_results.LINK_TYPES["subject"]
    to_entities = (
        [r.id, target, neo4j_results.LINK_TYPES[key]]
        for r in graph.results
        for key, target in (
            ("subject", None if r.subject_is_paper else r.subject),
            ("metric", r.metric),
            ("benchmark", r.benchmark),
            ("baseline", r.baseline),
        )
        if target is not None
    )
    to_papers = ([r.id, r.subject, subject] for r in graph.results if r.subject_is_paper)
    data: dict[str, Iterable[Sequence[Any]]] = {
        "papers.csv": papers,
        "entities.csv": entities,
        "mentions.csv": mentions,
        "relations.csv": relations(rel),
        "paper_relations.csv": relations(paper_rel),
        "paper_links.csv": links,
        "results.csv": results,
        "reports.csv": reports,
        "result_entities.csv": to_entities,
        "result_papers.csv": to_papers,
    }
    written = []
    for name, rows in data.items():
        _write(dest / name, HEADERS[name], rows)
        written.append(dest / name)
    script = dest / "import.sh"
    lines = [f'    --{kind}="$DIR/{name}"' for name, kind in FILES.items()]
    lines += ["    --array-delimiter=U+001F", "    --multiline-fields=true", '    "${1:-neo4j}"']
    cmd = "neo4j-admin database import full \\\n" + " \\\n".join(lines)
    script.write_text(
        "#!/usr/bin/env sh\n"
        "# Offline import of this kg export into a STOPPED Neo4j 5 (the database must not exist yet).\n"
        "# Usage: sh import.sh [DATABASE]   (run where neo4j-admin is on PATH)\n"
        'DIR="$(cd "$(dirname "$0")" && pwd)"\n'
        f"{cmd}\n",
        encoding="utf-8",
    )
    written.append(script)
    return written


exporters.register("neo4j-csv", func=write_neo4j_csv)
