"""Span-level scoring on SciER files (``shared/data/scier``): NER, and relations where types map.

An entity counts as correct when its exact character span and its type (mapped onto SciER's three:
Model/Method -> Method, Dataset/Benchmark -> Dataset, Task -> Task; Metric is not annotated in SciER
and is dropped) equal a gold entity. Relations count when head span, tail span and type match after
mapping SciER's types onto the ontology's:

=============================  ===========================  ==============================
SciER type (head -> tail)      ontology relation            note
=============================  ===========================  ==============================
Evaluated-With (Method->Dataset)  evaluated-on
Trained-With (Method->Dataset)    trained-on
Used-For (Method->Task)           applied-to                 Used-For between other types has
                                                             no counterpart and is left out
Compare-With                      (not scored)               says two things are compared, not
                                                             which is better, so it is neither
                                                             improves-on nor its reverse
=============================  ===========================  ==============================

Predicted relations of other types are ignored. As a diagnostic only, ``compare_with`` counts a
predicted improves-on (either direction) as a hit when SciER has Compare-With on the same pair.

Examples
--------
>>> import json, tempfile
>>> rec = {"id": "d#s0", "text": "BERT is evaluated on GLUE .", "relations": [],
...        "entities": [{"start": 0, "end": 4, "type": "Method", "text": "BERT"},
...                     {"start": 21, "end": 25, "type": "Dataset", "text": "GLUE"}]}
>>> path = Path(tempfile.mkdtemp()) / "tiny.jsonl"
>>> _ = path.write_text(json.dumps(rec) + "\\n")
>>> s = score_scier(path, lambda text: [(0, 4, "Model"), (21, 25, "Task")])
>>> s.micro.tp, s.micro.fp, s.micro.fn
(1, 1, 1)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.vocab import EntityType, RelationType

__all__ = [
    "SCIER_LABEL",
    "RELATION_MAP",
    "Span",
    "SpanRelation",
    "Predictor",
    "Relater",
    "PRF",
    "ScierRecord",
    "ScierScores",
    "load_scier",
    "to_scier_label",
    "score_scier",
    "score_records",
]

#: Our entity type -> SciER's label (None: SciER does not annotate it).
SCIER_LABEL: dict[EntityType, str | None] = {
    EntityType.MODEL: "Method",
    EntityType.METHOD: "Method",
    EntityType.DATASET: "Dataset",
    EntityType.BENCHMARK: "Dataset",
    EntityType.TASK: "Task",
    EntityType.METRIC: None,
}

#: (SciER relation type, head label, tail label) -> ontology relation type.
RELATION_MAP: dict[tuple[str, str, str], RelationType] = {
    ("Evaluated-With", "Method", "Dataset"): RelationType.EVALUATED_ON,
    ("Trained-With", "Method", "Dataset"): RelationType.TRAINED_ON,
    ("Used-For", "Method", "Task"): RelationType.APPLIED_TO,
}

_SCIER_LABELS = ("Method", "Task", "Dataset")
_COMPARE = "compare_with"

#: (start, end, label): character offsets into the record's text, ``end`` exclusive.
Span = tuple[int, int, str]
#: ((head start, head end), relation type value, (tail start, tail end)).
SpanRelation = tuple[tuple[int, int], str, tuple[int, int]]
Predictor = Callable[[str], Sequence[Span]]
#: Called with the text and the entities to relate (predicted ones, or gold with ``relations_on_gold``).
Relater = Callable[[str, Sequence[Span]], Iterable[SpanRelation]]


@dataclass(frozen=True, slots=True)
class PRF:
    """Counts of one comparison, with precision, recall and F1 (0.0 when undefined).

    Examples
    --------
    >>> PRF(3, 1, 2).f1
    0.6667
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return round(self.tp / (self.tp + self.fp), 4) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return round(self.tp / (self.tp + self.fn), 4) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return round(2 * self.tp / denom, 4) if denom else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(frozen=True, slots=True)
class ScierRecord:
    """One SciER line: text, gold entities (SciER labels) and gold relations by span."""

    id: str
    text: str
    entities: tuple[Span, ...]
    relations: tuple[tuple[tuple[int, int], str, tuple[int, int]], ...]  # SciER relation type


@dataclass(frozen=True)
class ScierScores:
    """Scores of one SciER file. ``errors`` lists (record id, start, end, label, text, "fp"|"fn")."""

    path: str
    records: int
    entities: dict[str, PRF]
    micro: PRF
    relations: dict[str, PRF] | None = None
    relations_micro: PRF | None = None
    compare_with: PRF | None = None
    relations_on_gold: bool = False
    errors: tuple[tuple[str, int, int, str, str, str], ...] = field(default=(), repr=False)

    def table(self) -> str:
        """The scores as an aligned plain-text table.

        Examples
        --------
        >>> print(ScierScores("x.jsonl", 1, {"Task": PRF(1, 0, 1)}, PRF(1, 0, 1)).table())
        SciER x.jsonl (1 records): entities, exact span + type
        type               P       R      F1     tp     fp     fn
        Task          1.0000  0.5000  0.6667      1      0      1
        micro         1.0000  0.5000  0.6667      1      0      1
        """
        lines = [f"SciER {self.path} ({self.records} records): entities, exact span + type"]
        lines += _rows(self.entities, self.micro)
        if self.relations is not None and self.relations_micro is not None:
            given = "gold" if self.relations_on_gold else "predicted"
            lines.append(f"relations (exact head/tail span + mapped type; {given} entities)")
            lines += _rows(self.relations, self.relations_micro)
            if self.compare_with is not None:
                lines.append(_row("improves~cmp", self.compare_with))  # diagnostic, see module doc
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (errors included).

        Examples
        --------
        >>> ScierScores("x", 0, {}, PRF()).to_dict()["micro"]["f1"]
        0.0
        """
        out: dict[str, Any] = {
            "path": self.path,
            "records": self.records,
            "entities": {k: v.to_dict() for k, v in self.entities.items()},
            "micro": self.micro.to_dict(),
        }
        if self.relations is not None and self.relations_micro is not None:
            out["relations"] = {k: v.to_dict() for k, v in self.relations.items()}
            out["relations_micro"] = self.relations_micro.to_dict()
            out["relations_on_gold"] = self.relations_on_gold
            if self.compare_with is not None:
                out["compare_with_diagnostic"] = self.compare_with.to_dict()
        out["errors"] = [
            {"id": i, "start": s, "end": e, "label": lab, "text": t, "kind": k}
            for i, s, e, lab, t, k in self.errors
        ]
        return out


def _row(name: str, prf: PRF) -> str:
    return (
        f"{name:<12} {prf.precision:7.4f} {prf.recall:7.4f} {prf.f1:7.4f} {prf.tp:6d} {prf.fp:6d} {prf.fn:6d}"
    )


def _rows(per_type: dict[str, PRF], micro: PRF) -> list[str]:
    head = f"{'type':<12} {'P':>7} {'R':>7} {'F1':>7} {'tp':>6} {'fp':>6} {'fn':>6}"
    return [head, *(_row(k, v) for k, v in per_type.items()), _row("micro", micro)]


def load_scier(path: Path) -> list[ScierRecord]:
    """Read a SciER JSONL file (paper- or sentence-level) into records.

    Raises
    ------
    InputError
        When the file is missing or a line is not a SciER record.

    Examples
    --------
    >>> load_scier(Path("/nonexistent.jsonl"))
    Traceback (most recent call last):
    ...
    kg.errors.InputError: SciER file not found: /nonexistent.jsonl
    """
    if not path.is_file():
        raise InputError(f"SciER file not found: {path}")
    records = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                ents = obj["entities"]
                spans = tuple((int(e["start"]), int(e["end"]), str(e["type"])) for e in ents)
                rels = tuple(
                    (
                        (spans[r["head"]][0], spans[r["head"]][1]),
                        str(r["type"]),
                        (spans[r["tail"]][0], spans[r["tail"]][1]),
                    )
                    for r in obj.get("relations", [])
                )
                records.append(ScierRecord(str(obj.get("id", n)), str(obj["text"]), spans, rels))
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise InputError(f"{path}:{n}: not a SciER record ({exc!r})") from None
    return records


def to_scier_label(label: str) -> str | None:
    """Map one of our entity type values (or a SciER label) onto SciER's label; None to drop it.

    Examples
    --------
    >>> to_scier_label("Benchmark"), to_scier_label("Model"), to_scier_label("Metric")
    ('Dataset', 'Method', None)
    """
    if label in _SCIER_LABELS:
        return label
    try:
        return SCIER_LABEL[EntityType(label)]
    except ValueError:
        return None


def score_scier(
    path: Path,
    predict: Predictor,
    relate: Relater | None = None,
    *,
    relations_on_gold: bool = False,
) -> ScierScores:
    """Score ``predict`` (text -> spans with our or SciER labels) on a SciER file.

    Parameters
    ----------
    path
        A SciER JSONL file, e.g. ``shared/data/scier/sentences/test.jsonl``.
    predict
        Called once per record with its text; returns ``(start, end, label)`` spans.
    relate
        Optional; called with the text and entity spans, returns ``((hs, he), type, (ts, te))``
        with ontology relation type values. Without it no relation scores are computed.
    relations_on_gold
        Give ``relate`` the gold entities instead of the predicted ones (scores relations alone).

    Examples
    --------
    See the module docstring.
    """
    return score_records(
        load_scier(path), predict, relate, relations_on_gold=relations_on_gold, name=str(path)
    )


def score_records(
    records: Sequence[ScierRecord],
    predict: Predictor,
    relate: Relater | None = None,
    *,
    relations_on_gold: bool = False,
    name: str = "",
) -> ScierScores:
    """Score already loaded records; :func:`score_scier` reads the file and calls this.

    Examples
    --------
    >>> rec = ScierRecord("r", "a b", ((0, 1, "Task"),), ())
    >>> score_records([rec], lambda t: [(0, 1, "Task"), (2, 3, "Metric")]).micro.f1
    1.0
    """
    ent_counts = {lab: [0, 0, 0] for lab in _SCIER_LABELS}
    rel_types = sorted({rt.value for rt in RELATION_MAP.values()})
    rel_counts = {rt: [0, 0, 0] for rt in rel_types}
    cmp_counts = [0, 0, 0]
    errors: list[tuple[str, int, int, str, str, str]] = []
    for rec in records:
        gold = {(s, e, lab) for s, e, lab in rec.entities if lab in ent_counts}
        pred = set()
        for s, e, lab in predict(rec.text):
            mapped = to_scier_label(lab)
            if mapped is not None:
                pred.add((int(s), int(e), mapped))
        for s, e, lab in pred | gold:
            c = ent_counts[lab]
            if (s, e, lab) in pred and (s, e, lab) in gold:
                c[0] += 1
            elif (s, e, lab) in pred:
                c[1] += 1
                errors.append((rec.id, s, e, lab, rec.text[s:e], "fp"))
            else:
                c[2] += 1
                errors.append((rec.id, s, e, lab, rec.text[s:e], "fn"))
        if relate is None:
            continue
        labels = {(s, e): lab for s, e, lab in rec.entities}
        gold_rel = {
            (h, RELATION_MAP[key].value, t)
            for h, typ, t in rec.relations
            if (key := (typ, labels.get(h, ""), labels.get(t, ""))) in RELATION_MAP
        }
        gold_cmp = {frozenset((h, t)) for h, typ, t in rec.relations if typ == "Compare-With"}
        given = sorted(gold) if relations_on_gold else sorted(pred)
        pred_rel = set()
        pred_cmp = set()
        for h, typ, t in relate(rec.text, given):
            h, t = (int(h[0]), int(h[1])), (int(t[0]), int(t[1]))
            if typ in rel_counts:
                pred_rel.add((h, typ, t))
            elif typ == RelationType.IMPROVES_ON.value:
                pred_cmp.add(frozenset((h, t)))
        for h, typ, t in pred_rel | gold_rel:
            c = rel_counts[typ]
            c[
                0
                if (h, typ, t) in pred_rel and (h, typ, t) in gold_rel
                else 1
                if (h, typ, t) in pred_rel
                else 2
            ] += 1
        cmp_counts[0] += len(pred_cmp & gold_cmp)
        cmp_counts[1] += len(pred_cmp - gold_cmp)
        cmp_counts[2] += len(gold_cmp - pred_cmp)

    entities = {lab: PRF(*c) for lab, c in ent_counts.items()}
    micro = sum(entities.values(), PRF())
    relations = relations_micro = compare = None
    if relate is not None:
        relations = {rt: PRF(*c) for rt, c in rel_counts.items()}
        relations_micro = sum(relations.values(), PRF())
        compare = PRF(*cmp_counts)
    return ScierScores(
        path=name,
        records=len(records),
        entities=entities,
        micro=micro,
        relations=relations,
        relations_micro=relations_micro,
        compare_with=compare,
        relations_on_gold=relations_on_gold,
        errors=tuple(sorted(errors)),
    )
