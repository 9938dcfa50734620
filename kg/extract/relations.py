"""Relation extraction: cue phrases + dependency subjects over each sentence, typed by the ontology.

Every relation carries the sentence as evidence and the rule that produced it; its confidence is
that rule's measured precision on dev-gold (:data:`RULE_CONFIDENCE`, see docs/quality.md). The
cues, subjects and name shapes the rules read are in :mod:`kg.extract.relation_cues`.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span

from kg.extract.ortho import is_name_like
from kg.extract.relation_cues import (
    BASED,
    DATA,
    FOR_TASK,
    NAMED,
    NOVEL,
    ON_CUE,
    PROPOSE,
    RULES,
    SELF,
    SYSTEMS,
    TITLE_USES,
    X_FOR_TASK,
    SentMention,
    clause_end,
    cue_spans,
    introduces,
    listed_after,
    subject_of,
    trained_before,
    version_derivations,
)
from kg.types import PAPER, PaperRelation
from kg.vocab import EntityType, RelationType

__all__ = ["SentMention", "RULE_CONFIDENCE", "extract_relations", "cue_spans", "version_derivations"]

#: Precision of each rule on dev-gold (measured with `kg eval --by-rule`), used as confidence.
RULE_CONFIDENCE: dict[str, float] = {
    # Laplace-smoothed precision (tp + 1) / (n + 2) on dev-gold + the held-out fixture, rounded
    # down, pooled where a rule fired fewer than 5 times. Variants: ":own" = the head is what this
    # paper proposes, ":named" = another name in the sentence, ":self" = "our method / we ...".
    # Table and method: docs/quality.md; recompute with `kg eval ... --by-rule`.
    "title-lead": 0.92,
    "title-name": 0.6,
    "title-uses": 0.5,
    "propose-named": 0.85,
    "propose-cue": 0.7,
    "propose-novel": 0.6,
    "improves-cue": 0.5,
    "improves-cue:named": 0.65,
    "improves-cue:own": 0.5,
    "improves-cue:self": 0.4,
    "improves-compared": 0.65,
    "evaluated-on": 0.6,
    "evaluated-on:own": 0.8,
    "trained-on": 0.3,
    "builds-on-cue": 0.45,
    "builds-on-version": 0.75,
    "x-based-y": 0.6,
    "uses-cue": 0.4,
    "uses-cue:named": 0.25,
    "uses-cue:own": 0.5,
    "uses-cue:self": 0.45,
    "applied-to": 0.5,
    "applied-to-title": 0.75,
    "x-for-task": 0.5,
    "evaluated-with": 0.7,
}


def _add(
    out: dict[tuple[str, RelationType, str], PaperRelation],
    head: str,
    rel: RelationType,
    tail: str,
    evidence: str,
    rule: str,
    types: dict[str, EntityType],
    variant: str = "",
) -> None:
    if head == tail or not head or not tail:
        return
    if not rel.allows("Paper" if head == PAPER else types[head].value, types[tail].value):
        return
    conf = RULE_CONFIDENCE.get(f"{rule}:{variant}", RULE_CONFIDENCE[rule]) if variant else RULE_CONFIDENCE[rule]
    key = (head, rel, tail)
    if key not in out or out[key].confidence < conf:
        out[key] = PaperRelation(
            head,
            rel,
            tail,
            evidence.strip(),
            conf,
            extractor=f"rules:{rule}" + (f":{variant}" if variant else ""),
        )


def extract_relations(
    title: str,
    abstract_doc: Doc,
    sentences: Sequence[tuple[Span, list[SentMention]]],
    title_mentions: list[SentMention],
    types: dict[str, EntityType],
    lead: str | None,
) -> list[PaperRelation]:
    """Relations of one paper.

    Parameters
    ----------
    title
        The title text (evidence for title-level relations).
    abstract_doc
        The parsed abstract.
    sentences
        Each abstract sentence with its entity mentions (sentence-relative offsets, by canonical name).
    title_mentions
        Mentions in the title (title offsets).
    types
        Canonical name -> entity type, for every entity of the paper.
    lead
        Canonical name of the title's lead name ("ProcX: ..."), if any.
    """
    out: dict[tuple[str, RelationType, str], PaperRelation] = {}
    proposed: list[str] = []
    if lead:
        _add(out, PAPER, RelationType.PROPOSES, lead, title, "title-lead", types)
        proposed.append(lead)
    else:
        # "Fooling CLIP Models with CLIPMasterPrints": a name the KB does not know, in the title
        # and used again in the abstract, is what the paper brings.
        in_abstract = {m.name for _, ms in sentences for m in ms}
        for x in title_mentions:
            if (
                not x.known
                and x.name in in_abstract
                and is_name_like(title[x.start : x.end].split()[0])
                and x.type in SYSTEMS | DATA
            ):
                _add(out, PAPER, RelationType.PROPOSES, x.name, title, "title-name", types)
                proposed.append(x.name)
                break
    seen_before: set[str] = set()
    for sent, mentions in sentences:
        text = sent.text
        for m in PROPOSE.finditer(text):
            after = [x for x in mentions if x.start >= m.end()]
            first_new = next(
                (x for x in after if x.name not in seen_before and x.type not in {EntityType.TASK, EntityType.METRIC}),
                None,
            )
            if first_new is not None and introduces(text[m.end() : first_new.start], first_new):
                _add(out, PAPER, RelationType.PROPOSES, first_new.name, text, "propose-cue", types)
                if first_new.name not in proposed:
                    proposed.append(first_new.name)
            for x in after:
                if NAMED.search(text[m.end() : x.start]) and x.name not in seen_before:
                    _add(out, PAPER, RelationType.PROPOSES, x.name, text, "propose-named", types)
                    if x.name not in proposed:
                        proposed.append(x.name)
        for x in mentions:
            # "a novel Frame Reinforcement Network", "our proposed X": introduced here.
            if (
                x.name not in seen_before
                and x.name not in proposed
                and x.type not in {EntityType.TASK, EntityType.METRIC}
                and x.name[:1].isupper()
                and NOVEL.search(text[max(0, x.start - 50) : x.start])
            ):
                _add(out, PAPER, RelationType.PROPOSES, x.name, text, "propose-novel", types)
                proposed.append(x.name)
        seen_before.update(x.name for x in mentions)
    main_systems = [p for p in proposed if types.get(p) in SYSTEMS]
    main = main_systems[0] if main_systems else PAPER
    for sent, mentions in sentences:
        text = sent.text
        is_proposal = bool(PROPOSE.search(text))
        # Cues of the system-to-system rules compete: a tail belongs to the nearest one before it
        # ("based on the memorization effect and employ X": X is used, not built on).
        competing = sorted(
            (ce, rule)
            for rel, rule, pattern in RULES
            if rel in {RelationType.IMPROVES_ON, RelationType.BUILDS_ON, RelationType.USES}
            for _, ce in cue_spans(pattern, text)
        )
        for rel, rule, pattern in RULES:
            cues = cue_spans(pattern, text)
            if not cues:
                continue
            if rel is RelationType.EVALUATED_ON:
                tails = [x for x in listed_after(text, mentions, DATA, ON_CUE) if not trained_before(text, x.start)]
            elif rel is RelationType.TRAINED_ON:
                tails = [x for x in mentions if x.type in DATA]
            else:
                tails = list(mentions)
            for x in tails:
                # The nearest cue before the tail, in the same clause, decides (evaluation cues may follow).
                prior = [(cs, ce) for cs, ce in cues if ce <= x.start and clause_end(text, ce) > x.start]
                if rel is RelationType.EVALUATED_ON and not prior:
                    prior = cues[:1]
                if not prior:
                    continue
                cs, ce = prior[-1]
                if any(r == rule for _, r in competing):
                    nearest = [r for e, r in competing if e <= x.start]
                    if nearest and nearest[-1] != rule:
                        continue
                head, from_self = subject_of(sent, cs, [m for m in mentions if m is not x], main)
                if head is None:
                    continue
                variant = "self" if from_self else ("own" if head in proposed else "named")
                _add(out, head, rel, x.name, text, rule, types, variant)
        # Tasks and metrics named where the paper's contribution is the subject.
        head = None
        own = next((x for x in mentions if x.type in SYSTEMS and x.name in proposed), None)
        if own is not None:
            head = own.name
        elif is_proposal or SELF.search(text[:40]):
            head = main
        # "LED-based ARMAN": ARMAN builds on LED ("CLIP-based filtering" uses CLIP).
        for a, b in zip(mentions, mentions[1:], strict=False):
            if BASED.fullmatch(text[a.end : b.start]) and a.type in SYSTEMS and b.type in SYSTEMS:
                rel = RelationType.BUILDS_ON if b.type is types.get(a.name) else RelationType.USES
                _add(out, b.name, rel, a.name, text, "x-based-y", types)
            elif a.type in SYSTEMS and b.type is EntityType.TASK and X_FOR_TASK.fullmatch(text[a.end : b.start]):
                _add(out, a.name, RelationType.APPLIED_TO, b.name, text, "x-for-task", types)
        if head is not None:
            for x in mentions:
                if x.type is EntityType.TASK and FOR_TASK.search(text[max(0, x.start - 60) : x.start]):
                    _add(out, head, RelationType.APPLIED_TO, x.name, text, "applied-to", types)
                elif x.type is EntityType.METRIC:
                    _add(out, head, RelationType.EVALUATED_WITH, x.name, text, "evaluated-with", types)
    if main != PAPER:
        for x in title_mentions:
            if x.type is EntityType.TASK:
                _add(out, main, RelationType.APPLIED_TO, x.name, title, "applied-to-title", types)
            elif x.type in SYSTEMS and x.name != main and TITLE_USES.search(title[: x.start]):
                # "MambaMIM: Pre-training Mamba with State Space Token Interpolation"
                _add(out, main, RelationType.USES, x.name, title, "title-uses", types)
    names = [(n, t) for n, t in types.items()]
    for derived, base in version_derivations(names):
        _add(
            out,
            derived,
            RelationType.BUILDS_ON,
            base,
            _evidence_for(sentences, title, derived),
            "builds-on-version",
            types,
        )
    return list(out.values())


def _evidence_for(sentences: Sequence[tuple[Span, list[SentMention]]], title: str, name: str) -> str:
    for sent, mentions in sentences:
        if any(m.name == name for m in mentions):
            return sent.text
    return title
