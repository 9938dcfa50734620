"""Relation extraction: cue phrases + dependency subjects over each sentence, typed by the ontology.

Every relation carries the sentence as evidence and the rule that produced it; its confidence is
that rule's measured precision on dev-gold (:data:`RULE_CONFIDENCE`, see docs/quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from kg.extract.ortho import is_name_like
from kg.link.keys import entity_key
from kg.types import PAPER, PaperRelation
from kg.vocab import EntityType, RelationType

__all__ = ["SentMention", "RULE_CONFIDENCE", "extract_relations", "cue_spans", "version_derivations"]

M, ME = EntityType.MODEL, EntityType.METHOD
SYSTEMS = frozenset({M, ME})
DATA = frozenset({EntityType.DATASET, EntityType.BENCHMARK})

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

_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|report|study|article)|the authors|our (?:work|paper))\b[^.;]{0,80}?"
    r"\b(?:propos(?:e|es|ed|ing)|introduc(?:e|es|ed|ing)|present(?:s|ed|ing)?|develop(?:s|ed|ing)?|"
    r"design(?:s|ed)?|releas(?:e|es|ed|ing)|buil(?:d|ds|t)|construct(?:s|ed)?|curat(?:e|es|ed)|"
    r"contribut(?:e|es|ed)|creat(?:e|es|ed)|devis(?:e|es|ed)|establish(?:es|ed)?|open-sourc(?:e|ed)|"
    r"offer(?:s|ed)?|collect(?:s|ed)?|formulat(?:e|es|ed)|consolidat(?:e|es|ed))\b",
    re.I,
)
_NAMED = re.compile(r"\b(?:called|named|dubbed|termed|namely|coined)\s*$|,\s*or\s*$", re.I)
_RULES: list[tuple[RelationType, str, re.Pattern[str]]] = [
    (
        RelationType.IMPROVES_ON,
        "improves-cue",
        re.compile(
            r"\b(?:outperform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|better than|superior to|"
            r"improv\w* (?:over|upon)|advantage over|(?:speedup|improvement|gains?)\b[^.;]{0,40}?\bover)\b",
            re.I,
        ),
    ),
    (RelationType.IMPROVES_ON, "improves-compared", re.compile(r"\bcompared (?:to|with)\b", re.I)),
    (
        RelationType.TRAINED_ON,
        "trained-on",
        re.compile(
            r"\b(?:(?:pre-?|post-?|re)?train(?:ed|s|ing)?|fine-?tun(?:ed|ing|es)|learn(?:ed|s)?)\b"
            r"(?:\s+\w+){0,4}?\s+(?:on|using|from|with)\b",
            re.I,
        ),
    ),
    (
        RelationType.BUILDS_ON,
        "builds-on-cue",
        re.compile(
            r"\b(?:based on|built (?:up)?on|builds? (?:up)?on|building (?:up)?on|extend(?:s|ed|ing)?|"
            r"initiali[sz]ed (?:from|with)|variants? of|derived from|on top of|inherit\w* from|"
            r"version of|successor (?:to|of)|improves the design of)\b",
            re.I,
        ),
    ),
    (
        RelationType.USES,
        "uses-cue",
        re.compile(
            r"\b(?:use[sd]?|using|employ\w*|leverag\w*|incorporat\w*|utili[sz]\w*|adopt\w*|integrat\w*|"
            r"equipped with|combin\w*|exploit\w*|relies on|rely on|powered by|consists? of|compris\w*|"
            r"introduces|implements?)\b",
            re.I,
        ),
    ),
    (
        RelationType.EVALUATED_ON,
        "evaluated-on",
        re.compile(
            r"\b(?:evaluat\w*|experiment\w*|test(?:ed|s|ing)?|benchmark\w*|results?|achiev\w*|perform\w*|"
            r"outperform\w*|surpass\w*|accuracy|scores?|state-of-the-art|sota|improv\w*|gains?|report\w*)\b",
            re.I,
        ),
    ),
]
_SELF = re.compile(
    r"\b(?:we|our|ours|it|this (?:method|approach|model|framework|work|paper|technique|system|design)|"
    r"the proposed|the resulting|the model|the method|the approach|the framework)\b",
    re.I,
)
_CLAUSE_END = re.compile(
    r";|\bwhile\b|\bwhereas\b|\bbut\b|, which\b"
    r"|\band (?:demonstrat|show|achiev|offer|perform|is|are|can|remain)\w*",
    re.I,
)
_FOR_TASK = re.compile(
    r"\b(?:for|to|on|in|towards?|address\w*|tackl\w*|solv\w*|improv\w*|handl\w*|enabl\w*)\b(?:\s+[\w-]+){0,4}\s*$",
    re.I,
)
_ON = re.compile(r"\b(?:on|across|in|over|using|of|such as|including|like)\b(?:\s+\S+){0,6}?\s*$", re.I)
_LIST_SEP = re.compile(r"\s*(?:,|and|or|&|as well as|, and|, or)\s*(?:the\s+)?", re.I)
_BASED = re.compile(r"-based\s+(?:[\w-]+\s+){0,2}?")
# "BERT for question answering", "CNNs applied to image classification": a system right before a task.
_X_FOR_TASK = re.compile(r"\s+(?:(?:is |are |was |were )?(?:applied|used|designed|tailored|adapted) )?"
                         r"(?:for|to|in)\s+(?:the\s+)?(?:task\s+of\s+)?", re.I)
_NOVEL = re.compile(
    r"\b(?:a|an|our|the)\s+(?:[\w-]+\s+){0,2}?(?:novel|new|proposed)\s+(?:[\w-]+\s+){0,2}?$", re.I
)


@dataclass(frozen=True, slots=True)
class SentMention:
    """An entity mention inside one sentence: char offsets relative to the sentence text."""

    start: int
    end: int
    name: str  # canonical entity name
    type: EntityType
    known: bool = False  # a KB concept (existing work, rarely what this paper proposes)
    defined: bool = False  # defined here: an abbreviation's long form or "X called Y"


def cue_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Character spans of a cue in a sentence.

    Examples
    --------
    >>> cue_spans(_RULES[0][2], "X outperforms Y and surpasses Z.")
    [(2, 13), (20, 29)]
    """
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _clause_end(text: str, start: int) -> int:
    m = _CLAUSE_END.search(text, start)
    return m.start() if m else len(text)


def _subject(
    sent: Span, cue_start: int, mentions: Sequence[SentMention], main: str
) -> tuple[str | None, bool]:
    """Head of a cue: the named subject before it, else the paper's own contribution.

    Returns (name or PAPER or None, came_from_self_reference).
    """
    before = [m for m in mentions if m.end <= cue_start and m.type in SYSTEMS]
    generic_subject = False
    # The grammatical subject of the cue's verb, when the parser found one.
    doc = sent.doc
    cue_tok = None
    for tok in sent:
        if tok.idx - sent.start_char >= cue_start:
            cue_tok = tok
            break
    if cue_tok is not None and doc.has_annotation("DEP"):
        verb = cue_tok
        for _ in range(7):
            if verb.dep_ in {"acl", "relcl"} and verb.tag_ == "VBN" and verb.head.i < verb.i and before:
                # "a model named SwinV2-MoE, built upon X": the name the participle modifies.
                return before[-1].name, False
            subj = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
            if subj:
                sub = subj[0]
                s0 = sub.left_edge.idx - sent.start_char
                s1 = sub.right_edge.idx + len(sub.right_edge.text) - sent.start_char
                inside = [m for m in before if m.start >= s0 and m.end <= s1]
                if inside:
                    # "images for CLIP (CLIPMasterPrints) can be mined": the paper's own name wins.
                    own = [m for m in inside if m.name == main]
                    return (own or inside)[0].name, False
                if _SELF.search(sent.text[s0:s1]):
                    return main, True
                generic_subject = True
                break
            if verb.head is verb:
                break
            verb = verb.head
    if before:
        return before[-1].name, False
    # "Previous methods rely on X": an unnamed subject that is not the paper's own work.
    if generic_subject and not _SELF.search(sent.text[:cue_start]):
        return None, False
    return main, True


_SIZE_WORDS = frozenset(
    [
        "b",
        "m",
        "k",
        "v",
        "mini",
        "base",
        "large",
        "small",
        "tiny",
        "xl",
        "xxl",
        "instruct",
        "chat",
        "it",
        "hf",
    ]
)


def version_derivations(names: Sequence[tuple[str, EntityType]]) -> list[tuple[str, str]]:
    """(derived, base) pairs among one paper's names: "Qwen2.5-Math" builds on "Qwen2.5".

    A suffix that is only a size or a number ("Qwen2.5-72B") names the same model at a size.

    Examples
    --------
    >>> version_derivations([("Qwen2.5", EntityType.MODEL), ("Qwen2.5-Math", EntityType.MODEL),
    ...                      ("Qwen2.5-72B", EntityType.MODEL), ("Flan-UL2 20B", EntityType.MODEL),
    ...                      ("UL2 20B", EntityType.MODEL)])
    [('Qwen2.5-Math', 'Qwen2.5'), ('Flan-UL2 20B', 'UL2 20B')]
    """
    out = []
    systems = [(n, entity_key(n)) for n, t in names if t in SYSTEMS]
    for a, ka in systems:
        for b, kb in systems:
            if a == b or not kb or ka == kb:
                continue
            if not is_name_like(b.split()[0]) and not is_name_like(a.split()[0]):
                continue
            if ka.startswith(kb + "-"):
                rest = ka[len(kb) + 1 :]
                suffix = (
                    a[len(b) :].lstrip("- ").split(" ")[0].split("-")[0]
                    if a.lower().startswith(b.lower())
                    else ""
                )
                # "FLAN-PaLM" is PaLM with FLAN tuning, not a variant of "FLAN": a name-like suffix is a name.
                if is_name_like(suffix):
                    continue
                if rest[:1].isalpha() and rest.split("-")[0] not in _SIZE_WORDS:
                    out.append((a, b))
            elif ka.endswith("-" + kb):
                rest = ka[: -len(kb) - 1]
                if rest.isalpha() and a[:1].isupper():
                    out.append((a, b))
    return out


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
    conf = (
        RULE_CONFIDENCE.get(f"{rule}:{variant}", RULE_CONFIDENCE[rule]) if variant else RULE_CONFIDENCE[rule]
    )
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
        for m in _PROPOSE.finditer(text):
            after = [x for x in mentions if x.start >= m.end()]
            first_new = next(
                (
                    x
                    for x in after
                    if x.name not in seen_before and x.type not in {EntityType.TASK, EntityType.METRIC}
                ),
                None,
            )
            if first_new is not None and _introduces(text[m.end() : first_new.start], first_new):
                _add(out, PAPER, RelationType.PROPOSES, first_new.name, text, "propose-cue", types)
                if first_new.name not in proposed:
                    proposed.append(first_new.name)
            for x in after:
                if _NAMED.search(text[m.end() : x.start]) and x.name not in seen_before:
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
                and _NOVEL.search(text[max(0, x.start - 50) : x.start])
            ):
                _add(out, PAPER, RelationType.PROPOSES, x.name, text, "propose-novel", types)
                proposed.append(x.name)
        seen_before.update(x.name for x in mentions)
    main_systems = [p for p in proposed if types.get(p) in SYSTEMS]
    main = main_systems[0] if main_systems else PAPER
    for sent, mentions in sentences:
        text = sent.text
        is_proposal = bool(_PROPOSE.search(text))
        # Cues of the system-to-system rules compete: a tail belongs to the nearest one before it
        # ("based on the memorization effect and employ X": X is used, not built on).
        competing = sorted(
            (ce, rule)
            for rel, rule, pattern in _RULES
            if rel in {RelationType.IMPROVES_ON, RelationType.BUILDS_ON, RelationType.USES}
            for _, ce in cue_spans(pattern, text)
        )
        for rel, rule, pattern in _RULES:
            cues = cue_spans(pattern, text)
            if not cues:
                continue
            if rel is RelationType.EVALUATED_ON:
                tails = [
                    x for x in _listed_after(text, mentions, DATA, _ON) if not _trained_before(text, x.start)
                ]
            elif rel is RelationType.TRAINED_ON:
                tails = [x for x in mentions if x.type in DATA]
            else:
                tails = list(mentions)
            for x in tails:
                # The nearest cue before the tail, in the same clause, decides (evaluation cues may follow).
                prior = [(cs, ce) for cs, ce in cues if ce <= x.start and _clause_end(text, ce) > x.start]
                if rel is RelationType.EVALUATED_ON and not prior:
                    prior = cues[:1]
                if not prior:
                    continue
                cs, ce = prior[-1]
                if any(r == rule for _, r in competing):
                    nearest = [r for e, r in competing if e <= x.start]
                    if nearest and nearest[-1] != rule:
                        continue
                head, from_self = _subject(sent, cs, [m for m in mentions if m is not x], main)
                if head is None:
                    continue
                variant = "self" if from_self else ("own" if head in proposed else "named")
                _add(out, head, rel, x.name, text, rule, types, variant)
        # Tasks and metrics named where the paper's contribution is the subject.
        head = None
        own = next((x for x in mentions if x.type in SYSTEMS and x.name in proposed), None)
        if own is not None:
            head = own.name
        elif is_proposal or _SELF.search(text[:40]):
            head = main
        # "LED-based ARMAN": ARMAN builds on LED ("CLIP-based filtering" uses CLIP).
        for a, b in zip(mentions, mentions[1:], strict=False):
            if _BASED.fullmatch(text[a.end : b.start]) and a.type in SYSTEMS and b.type in SYSTEMS:
                rel = RelationType.BUILDS_ON if b.type is types.get(a.name) else RelationType.USES
                _add(out, b.name, rel, a.name, text, "x-based-y", types)
            elif a.type in SYSTEMS and b.type is EntityType.TASK and _X_FOR_TASK.fullmatch(text[a.end : b.start]):
                _add(out, a.name, RelationType.APPLIED_TO, b.name, text, "x-for-task", types)
        if head is not None:
            for x in mentions:
                if x.type is EntityType.TASK and _FOR_TASK.search(text[max(0, x.start - 60) : x.start]):
                    _add(out, head, RelationType.APPLIED_TO, x.name, text, "applied-to", types)
                elif x.type is EntityType.METRIC:
                    _add(out, head, RelationType.EVALUATED_WITH, x.name, text, "evaluated-with", types)
    if main != PAPER:
        for x in title_mentions:
            if x.type is EntityType.TASK:
                _add(out, main, RelationType.APPLIED_TO, x.name, title, "applied-to-title", types)
            elif x.type in SYSTEMS and x.name != main and _TITLE_USES.search(title[: x.start]):
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


def _listed_after(
    text: str, mentions: Sequence[SentMention], kinds: frozenset[EntityType], cue: re.Pattern[str]
) -> list[SentMention]:
    """Mentions of ``kinds`` right after ``cue`` ("on X"), and the rest of a list that follows
    ("on A, B, C and D")."""
    out: list[SentMention] = []
    prev: SentMention | None = None
    for x in mentions:
        if x.type not in kinds:
            prev = None
            continue
        if cue.search(text[: x.start]) or (
            prev is not None and _LIST_SEP.fullmatch(text[prev.end : x.start])
        ):
            out.append(x)
            prev = x
        else:
            prev = None
    return out


_TITLE_USES = re.compile(r"\b(?:with|via|using|through|by)\s+(?:[\w-]+\s+){0,3}$", re.I)
_GAP_STOP = re.compile(r"\b(?:with|on|for|using|from|to|in|by|via|based|than|and|that|which)\b|--|;", re.I)


def _introduces(gap: str, x: SentMention) -> bool:
    """Whether the words between "we propose" and ``x`` let ``x`` be the thing proposed.

    "we propose MEMO", "we introduce a novel method ZSCL": yes. "presents a report for
    continually pre-training Llama-3", "experiments with a small model -- TinyLlama": no.
    A term defined right there ("based on Leave-One-Out K-Nearest-Neighbor, or LOOK") is new.
    """
    if x.defined:
        return len(gap) < 80
    if x.known:
        return len(gap) <= 15 and not _GAP_STOP.search(gap)
    return len(gap) < 60 and not _GAP_STOP.search(gap)


def _trained_before(text: str, pos: int) -> bool:
    return bool(re.search(r"\b(?:pre-?)?train\w*|fine-?tun\w*", text[max(0, pos - 60) : pos], re.I))


def _evidence_for(sentences: Sequence[tuple[Span, list[SentMention]]], title: str, name: str) -> str:
    for sent, mentions in sentences:
        if any(m.name == name for m in mentions):
            return sent.text
    return title
