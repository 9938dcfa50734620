"""Which relation extractor speaks for each relation type: the rules, the learned model, or both.

The per-type choice comes from the ablation on train-gold dev.jsonl (docs/quality.md, "Learned
relations") and is stored with the model (``combine`` in kg/models/relations/config.json).
``KG_RELATIONS=rules|learned|combined`` overrides it for ablations; without the artefact the rules
work alone. The learned model always reads the rules' findings as features (stacking), so
"learned" means the model decides alone, not that the rules were never run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

from spacy.tokens import Doc

from kg.errors import InputError
from kg.extract.relation_features import RelationInput
from kg.extract.relation_model import MODEL_DIR, RelationModel, decode, load_relation_model
from kg.extract.relations import extract_relations
from kg.types import PaperRelation

__all__ = ["MODES", "relation_mode", "relate", "combine", "with_hints", "describe"]

MODES = ("rules", "learned", "combined")


def relation_mode() -> str:
    """The active mode: ``KG_RELATIONS`` if set, else combined (rules when no model is shipped).

    Examples
    --------
    >>> relation_mode() in MODES
    True
    """
    mode = os.environ.get("KG_RELATIONS", "combined").strip().lower() or "combined"
    if mode not in MODES:
        raise InputError(f"KG_RELATIONS={mode!r}: expected one of {', '.join(MODES)}")
    if mode != "rules" and load_relation_model() is None:
        return "rules"
    return mode


def describe() -> str:
    """One line for ``kg info``: the mode and the artefact behind it.

    Examples
    --------
    >>> describe().split()[0] in MODES
    True
    """
    mode = relation_mode()
    weights = MODEL_DIR / "weights.npz"
    if mode == "rules" or not weights.is_file():
        return mode
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    return f"{mode} (rules + kg/models/relations, logistic regression, weights sha256 {digest})"


def _policy() -> dict[str, str]:
    path = MODEL_DIR / "config.json"
    return dict(json.loads(path.read_text()).get("combine", {})) if path.is_file() else {}


def relate(inp: RelationInput, adoc: Doc) -> list[PaperRelation]:
    """Relations of one paper under :func:`relation_mode`.

    In ``combined`` mode each type follows its policy: ``rules``, ``learned`` or ``union``.
    """
    mode = relation_mode()
    rules = extract_relations(
        inp.title, adoc, [(s, list(ms)) for s, ms in inp.sentences], list(inp.title_mentions),
        inp.types, inp.lead,
    )
    if mode == "rules":
        return rules
    model = load_relation_model()
    assert model is not None  # relation_mode() fell back to rules otherwise
    inp = with_hints(inp, rules)
    if mode == "learned":
        return decode(model, inp)
    return combine(rules, decode(model, inp, raw=True), _policy(), model)


def with_hints(inp: RelationInput, rules: list[PaperRelation]) -> RelationInput:
    """``inp`` carrying what the rules found, which the model reads as features."""
    hints = frozenset((r.head, r.type.value, r.tail, r.evidence) for r in rules)
    return dataclasses.replace(inp, rule_hints=hints)


def combine(
    rules: list[PaperRelation], learned_raw: list[PaperRelation], policy: dict[str, str], model: RelationModel
) -> list[PaperRelation]:
    """Merge by policy; confidence from the dev calibration of whoever found the triple.

    A triple both extractors find is its own calibration class ("both"): agreement is evidence.
    """
    by_rules = {(r.head, r.type, r.tail): r for r in rules}
    by_model = {(r.head, r.type, r.tail): r for r in learned_raw}
    out = []
    for key in dict.fromkeys([*by_rules, *by_model]):
        use = policy.get(key[1].value, "union")
        r, m = by_rules.get(key), by_model.get(key)
        if (use == "rules" and r is None) or (use == "learned" and m is None):
            continue
        if r is not None and m is not None:
            conf = model.confidence(m.confidence, "both")
            out.append(dataclasses.replace(r, confidence=conf, extractor=f"{r.extractor}+{m.extractor}"))
        elif m is not None:
            out.append(dataclasses.replace(m, confidence=model.confidence(m.confidence, "learned")))
        elif r is not None:
            out.append(dataclasses.replace(r, confidence=model.confidence(r.confidence, "rules")))
    return out
