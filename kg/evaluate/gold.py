"""Score extractions against gold annotations in our format (shared/data/dev-gold/README.md).

Entities match by normalised name (case, spaces and punctuation folded) over any alias, one to one
per paper; types count strictly, or leniently with Benchmark~Dataset and Model~Method. Relations are
(head, type, tail) triples after mapping each predicted name to the gold entity it matched
(``PAPER`` stays ``PAPER``); reported over all eight types and over the core three.

Examples
--------
>>> gold = [{"id": "p", "entities": [{"name": "Low-Rank Adaptation", "type": "Method", "aliases": ["LoRA"]},
...                                  {"name": "GLUE", "type": "Benchmark", "aliases": ["GLUE"]}],
...          "relations": [{"head": "PAPER", "type": "proposes", "tail": "Low-Rank Adaptation"}]}]
>>> pred = [{"id": "p", "entities": [{"name": "LoRA", "type": "Model", "aliases": ["LoRA"]},
...                                  {"name": "GLUE", "type": "Dataset", "aliases": ["GLUE"]}],
...          "relations": [{"head": "PAPER", "type": "proposes", "tail": "LoRA", "confidence": 0.9}]}]
>>> s = score(gold, pred)
>>> s.entities_lenient.f1, s.entities_strict.f1, s.relations.f1
(1.0, 0.0, 1.0)
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.evaluate.bootstrap import prf_intervals
from kg.extract.normalize import normalize
from kg.types import PAPER
from kg.vocab import EntityType, RelationType

__all__ = [
    "CORE_RELATIONS",
    "PRF",
    "GoldScores",
    "normalise",
    "lenient_type",
    "read_jsonl",
    "score",
    "calibration",
    "HIGH_CONFIDENCE",
]

CORE_RELATIONS = (
    RelationType.IMPROVES_ON.value,
    RelationType.EVALUATED_ON.value,
    RelationType.BUILDS_ON.value,
)
#: The confidence above which relations are promised to be >= 90% correct (issue 11).
HIGH_CONFIDENCE = 0.8
_LENIENT = {
    EntityType.BENCHMARK.value: EntityType.DATASET.value,
    EntityType.MODEL.value: EntityType.METHOD.value,
}


@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Fold LaTeX and HTML entities (:mod:`kg.extract.normalize`), case, spaces and punctuation.

    Examples
    --------
    >>> normalise("Llama-2 ") == normalise("LLaMA 2")
    True
    >>> normalise("$\\\\alpha$-Net") == normalise("α-Net"), normalise("Q&amp;A") == normalise("Q&A")
    (True, True)
    """
    return re.sub(r"[\W_]+", "", normalize(name).text.casefold())


def lenient_type(t: str) -> str:
    """Benchmark counts as Dataset and Model as Method.

    Examples
    --------
    >>> lenient_type("Benchmark"), lenient_type("Task")
    ('Dataset', 'Task')
    """
    return _LENIENT.get(t, t)


@dataclass
class PRF:
    """True/false positives and false negatives, with precision, recall and F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def counts(self) -> tuple[int, int, int]:
        return (self.tp, self.fp, self.fn)

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self, per_paper: Sequence[tuple[int, int, int]] | None = None) -> dict[str, Any]:
        """Counts and scores; with ``per_paper`` counts also 95% bootstrap intervals (``f1_ci`` ...)."""
        d: dict[str, Any] = {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }
        if per_paper is not None:
            d.update(prf_intervals(per_paper))
        return d


@dataclass
class GoldScores:
    """Every score of one run, plus the errors for ``--errors``."""

    papers: int = 0
    entities_strict: PRF = field(default_factory=PRF)
    entities_lenient: PRF = field(default_factory=PRF)
    entity_types: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    relations: PRF = field(default_factory=PRF)
    relations_core: PRF = field(default_factory=PRF)
    relation_types: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    rules: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    #: (confidence, correct) for every predicted relation, for the calibration table.
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: Per paper, the (tp, fp, fn) of every score by key ("entities.lenient", ...): bootstrap input.
    per_paper: list[dict[str, tuple[int, int, int]]] = field(default_factory=list)

    def _prfs(self) -> dict[str, PRF]:
        """Every bootstrapped score by key; high-confidence relations as a PRF whose precision counts."""
        high = PRF()
        for c, ok in self.confidences:
            if c >= HIGH_CONFIDENCE:
                high.tp += ok
                high.fp += not ok
        return {
            "entities.strict": self.entities_strict,
            "entities.lenient": self.entities_lenient,
            **{f"entities.by_type.{k}": v for k, v in self.entity_types.items()},
            "relations.all": self.relations,
            "relations.core": self.relations_core,
            **{f"relations.by_type.{k}": v for k, v in self.relation_types.items()},
            "calibration.high": high,
        }

    def add(self, one: GoldScores) -> None:
        """Fold in the scores of one paper, remembering its counts for the bootstrap."""
        self.papers += one.papers
        for mine, theirs in (
            (self.entities_strict, one.entities_strict),
            (self.entities_lenient, one.entities_lenient),
            (self.relations, one.relations),
            (self.relations_core, one.relations_core),
        ):
            mine.add(theirs)
        for table, other in (
            (self.entity_types, one.entity_types),
            (self.relation_types, one.relation_types),
            (self.rules, one.rules),
        ):
            for k, v in other.items():
                table[k].add(v)
        self.confidences.extend(one.confidences)
        self.errors.extend(one.errors)
        self.per_paper.append({k: v.counts() for k, v in one._prfs().items()})

    def _ci(self, key: str) -> list[tuple[int, int, int]]:
        return [paper.get(key, (0, 0, 0)) for paper in self.per_paper]

    def to_dict(self) -> dict[str, Any]:
        def prf(key: str, v: PRF) -> dict[str, Any]:
            return v.to_dict(self._ci(key))

        cal = calibration(self.confidences)
        cal[-1]["precision_ci"] = prf_intervals(self._ci("calibration.high"))["precision_ci"]
        return {
            "papers": self.papers,
            "entities": {
                "strict": prf("entities.strict", self.entities_strict),
                "lenient": prf("entities.lenient", self.entities_lenient),
                "by_type": {k: prf(f"entities.by_type.{k}", v) for k, v in sorted(self.entity_types.items())},
            },
            "relations": {
                "all": prf("relations.all", self.relations),
                "core": prf("relations.core", self.relations_core),
                "by_type": {k: prf(f"relations.by_type.{k}", v) for k, v in sorted(self.relation_types.items())},
                "by_rule": {k: v.to_dict() for k, v in sorted(self.rules.items())},
            },
            "calibration": cal,
        }


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file; a missing file or a broken line is an InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{n}: expected a JSON object")
            yield row


def _names(ent: dict[str, Any]) -> set[str]:
    return {normalise(n) for n in [ent.get("name", ""), *ent.get("aliases", [])] if normalise(n)}


def _match(gold: Sequence[dict[str, Any]], pred: Sequence[dict[str, Any]], type_eq: Any) -> dict[int, int]:
    """One-to-one matching pred index -> gold index: names overlap and ``type_eq`` holds."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    gnames = [_names(g) for g in gold]
    # First pass: same canonical name; second: any alias in common. Otherwise a predicted
    # "action recognition" could take the gold "skeleton-based action recognition" (alias
    # "action recognition") from the prediction that names it exactly.
    for exact in (True, False):
        for i, p in enumerate(pred):
            if i in pairs:
                continue
            pn = {normalise(p["name"])} if exact else _names(p)
            for j in range(len(gold)):
                names = {normalise(gold[j]["name"])} if exact else gnames[j]
                if j not in used and pn & names and type_eq(p["type"], gold[j]["type"]):
                    pairs[i] = j
                    used.add(j)
                    break
    return pairs


def _score_paper(s: GoldScores, gold: dict[str, Any], pred: dict[str, Any]) -> None:
    ge, pe = gold.get("entities", []), pred.get("entities", [])
    strict = _match(ge, pe, lambda a, b: a == b)
    lenient = _match(ge, pe, lambda a, b: lenient_type(a) == lenient_type(b))
    anytype = _match(ge, pe, lambda a, b: True)
    for prf, m in ((s.entities_strict, strict), (s.entities_lenient, lenient)):
        prf.tp += len(m)
        prf.fp += len(pe) - len(m)
        prf.fn += len(ge) - len(m)
    matched_gold = set(strict.values())
    for i, p in enumerate(pe):
        s.entity_types[p["type"]].tp += i in strict
        s.entity_types[p["type"]].fp += i not in strict
    for j, g in enumerate(ge):
        s.entity_types[g["type"]].fn += j not in matched_gold
    pid = gold.get("id", "")
    for i, p in enumerate(pe):
        if i not in lenient:
            wrong = f" (gold: {ge[anytype[i]]['name']} {ge[anytype[i]]['type']})" if i in anytype else ""
            s.errors.append({"paper": pid, "kind": "entity FP", "item": f"{p['name']} [{p['type']}]{wrong}"})
    lenient_gold = set(lenient.values())
    for j, g in enumerate(ge):
        if j not in lenient_gold:
            s.errors.append({"paper": pid, "kind": "entity FN", "item": f"{g['name']} [{g['type']}]"})
    # Relations: predicted names -> the gold name they matched (type-agnostic), else their own.
    to_gold = {normalise(pe[i]["name"]): normalise(ge[j]["name"]) for i, j in anytype.items()}
    for i, j in anytype.items():
        for alias in pe[i].get("aliases", []):
            to_gold.setdefault(normalise(alias), normalise(ge[j]["name"]))

    def key(name: str) -> str:
        return PAPER if name == PAPER else to_gold.get(normalise(name), "pred:" + normalise(name))

    gold_triples = {
        (
            PAPER if r["head"] == PAPER else normalise(r["head"]),
            r["type"],
            PAPER if r["tail"] == PAPER else normalise(r["tail"]),
        )
        for r in gold.get("relations", [])
    }
    pred_triples: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in pred.get("relations", []):
        t = (key(r["head"]), r["type"], key(r["tail"]))
        if t not in pred_triples or pred_triples[t].get("confidence", 0) < r.get("confidence", 0):
            pred_triples[t] = r
    for t, r in pred_triples.items():
        ok = t in gold_triples
        for prf in [s.relations, s.relation_types[t[1]]] + ([s.relations_core] if t[1] in CORE_RELATIONS else []):
            prf.tp += ok
            prf.fp += not ok
        rule = r.get("extractor", "")
        if rule:
            s.rules[rule].tp += ok
            s.rules[rule].fp += not ok
        s.confidences.append((float(r.get("confidence", 1.0)), ok))
        if not ok:
            s.errors.append(
                {
                    "paper": pid,
                    "kind": "relation FP",
                    "item": f"{r['head']} -{r['type']}-> {r['tail']} ({r.get('confidence', '')})",
                }
            )
    for t in gold_triples - set(pred_triples):
        for prf in [s.relations, s.relation_types[t[1]]] + ([s.relations_core] if t[1] in CORE_RELATIONS else []):
            prf.fn += 1
        g = next(
            r
            for r in gold["relations"]
            if (PAPER if r["head"] == PAPER else normalise(r["head"])) == t[0]
            and r["type"] == t[1]
            and normalise(r["tail"]) == t[2]
        )
        s.errors.append({"paper": pid, "kind": "relation FN", "item": f"{g['head']} -{g['type']}-> {g['tail']}"})


def score(gold: Iterable[dict[str, Any]], predictions: Iterable[dict[str, Any]]) -> GoldScores:
    """Score predictions (rows shaped like extractions.jsonl) against gold rows.

    Rows are matched by ``id``, else by normalised title. A gold paper without a prediction
    counts all its entities and relations as missed.
    """
    preds = list(predictions)
    by_id = {p.get("id"): p for p in preds}
    # A build names papers "arxiv:..." / "title:..."; gold files use their own ids: fall back to the title.
    by_title = {normalise(p.get("title", "")): p for p in preds if p.get("title")}
    s = GoldScores()
    empty: dict[str, Any] = {"entities": [], "relations": []}
    for g in gold:
        one = GoldScores(papers=1)
        pred = by_id.get(g.get("id")) or by_title.get(normalise(g.get("title", ""))) or empty
        _score_paper(one, g, pred)
        s.add(one)
    return s


def calibration(
    confidences: Sequence[tuple[float, bool]], edges: Sequence[float] = (0.0, 0.4, 0.6, 0.8, 1.01)
) -> list[dict[str, Any]]:
    """Precision of predicted relations per confidence bin, and of all with confidence >= each edge.

    Examples
    --------
    >>> calibration([(0.9, True), (0.85, False), (0.3, False)])[-1]
    {'bin': '>=0.8', 'n': 2, 'correct': 1, 'precision': 0.5}
    """
    rows = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        sel = [ok for c, ok in confidences if lo <= c < hi]
        rows.append(
            {
                "bin": f"[{lo:.1f},{min(hi, 1.0):.1f}{']' if hi > 1 else ')'}",
                "n": len(sel),
                "correct": sum(sel),
                "precision": round(sum(sel) / len(sel), 4) if sel else None,
            }
        )
    sel = [ok for c, ok in confidences if c >= HIGH_CONFIDENCE]
    rows.append(
        {
            "bin": f">={HIGH_CONFIDENCE}",
            "n": len(sel),
            "correct": sum(sel),
            "precision": round(sum(sel) / len(sel), 4) if sel else None,
        }
    )
    return rows
