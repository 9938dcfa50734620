"""What the relation rules read in a sentence: cue phrases, the subject of a cue, lists after a
cue, and relations a name's shape states ("Qwen2.5-Math" builds on "Qwen2.5").

:mod:`kg.extract.relations` combines them into typed relations with confidences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Span

from kg.extract.ortho import is_name_like
from kg.link.keys import entity_key
from kg.vocab import EntityType, RelationType

__all__ = [
    "SentMention",
    "SYSTEMS",
    "DATA",
    "RULES",
    "cue_spans",
    "subject_of",
    "listed_after",
    "introduces",
    "version_derivations",
]

M, ME = EntityType.MODEL, EntityType.METHOD
SYSTEMS = frozenset({M, ME})
DATA = frozenset({EntityType.DATASET, EntityType.BENCHMARK})

PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|report|study|article)|the authors|our (?:work|paper))\b[^.;]{0,80}?"
    r"\b(?:propos(?:e|es|ed|ing)|introduc(?:e|es|ed|ing)|present(?:s|ed|ing)?|develop(?:s|ed|ing)?|"
    r"design(?:s|ed)?|releas(?:e|es|ed|ing)|buil(?:d|ds|t)|construct(?:s|ed)?|curat(?:e|es|ed)|"
    r"contribut(?:e|es|ed)|creat(?:e|es|ed)|devis(?:e|es|ed)|establish(?:es|ed)?|open-sourc(?:e|ed)|"
    r"offer(?:s|ed)?|collect(?:s|ed)?|formulat(?:e|es|ed)|consolidat(?:e|es|ed))\b",
    re.I,
)
NAMED = re.compile(r"\b(?:called|named|dubbed|termed|namely|coined)\s*$|,\s*or\s*$", re.I)
RULES: list[tuple[RelationType, str, re.Pattern[str]]] = [
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
SELF = re.compile(
    r"\b(?:we|our|ours|it|this (?:method|approach|model|framework|work|paper|technique|system|design)|"
    r"the proposed|the resulting|the model|the method|the approach|the framework)\b",
    re.I,
)
_CLAUSE_END = re.compile(
    r";|\bwhile\b|\bwhereas\b|\bbut\b|, which\b"
    r"|\band (?:demonstrat|show|achiev|offer|perform|is|are|can|remain)\w*",
    re.I,
)
FOR_TASK = re.compile(
    r"\b(?:for|to|on|in|towards?|address\w*|tackl\w*|solv\w*|improv\w*|handl\w*|enabl\w*)\b(?:\s+[\w-]+){0,4}\s*$",
    re.I,
)
ON_CUE = re.compile(r"\b(?:on|across|in|over|using|of|such as|including|like)\b(?:\s+\S+){0,6}?\s*$", re.I)
_LIST_SEP = re.compile(r"\s*(?:,|and|or|&|as well as|, and|, or)\s*(?:the\s+)?", re.I)
BASED = re.compile(r"-based\s+(?:[\w-]+\s+){0,2}?")
# "BERT for question answering", "CNNs applied to image classification": a system right before a task.
X_FOR_TASK = re.compile(
    r"\s+(?:(?:is |are |was |were )?(?:applied|used|designed|tailored|adapted) )?"
    r"(?:for|to|in)\s+(?:the\s+)?(?:task\s+of\s+)?",
    re.I,
)
NOVEL = re.compile(r"\b(?:a|an|our|the)\s+(?:[\w-]+\s+){0,2}?(?:novel|new|proposed)\s+(?:[\w-]+\s+){0,2}?$", re.I)


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
    >>> cue_spans(RULES[0][2], "X outperforms Y and surpasses Z.")
    [(2, 13), (20, 29)]
    """
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def clause_end(text: str, start: int) -> int:
    m = _CLAUSE_END.search(text, start)
    return m.start() if m else len(text)


def subject_of(sent: Span, cue_start: int, mentions: Sequence[SentMention], main: str) -> tuple[str | None, bool]:
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
                if SELF.search(sent.text[s0:s1]):
                    return main, True
                generic_subject = True
                break
            if verb.head is verb:
                break
            verb = verb.head
    if before:
        return before[-1].name, False
    # "Previous methods rely on X": an unnamed subject that is not the paper's own work.
    if generic_subject and not SELF.search(sent.text[:cue_start]):
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
                suffix = a[len(b) :].lstrip("- ").split(" ")[0].split("-")[0] if a.lower().startswith(b.lower()) else ""
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


def listed_after(
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
        if cue.search(text[: x.start]) or (prev is not None and _LIST_SEP.fullmatch(text[prev.end : x.start])):
            out.append(x)
            prev = x
        else:
            prev = None
    return out


TITLE_USES = re.compile(r"\b(?:with|via|using|through|by)\s+(?:[\w-]+\s+){0,3}$", re.I)
_GAP_STOP = re.compile(r"\b(?:with|on|for|using|from|to|in|by|via|based|than|and|that|which)\b|--|;", re.I)


def introduces(gap: str, x: SentMention) -> bool:
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


def trained_before(text: str, pos: int) -> bool:
    return bool(re.search(r"\b(?:pre-?)?train\w*|fine-?tun\w*", text[max(0, pos - 60) : pos], re.I))
