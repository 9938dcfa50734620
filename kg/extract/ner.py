"""Entity mention recognition as a spaCy component: KB phrase matching, abbreviations, orthography,
technical noun phrases and contextual typing.

``kg_mentions`` (registered with ``@Language.factory``) stores on each Doc:
``doc._.kg_mentions`` (list of :class:`Candidate`) and ``doc._.kg_abbrevs`` (Schwartz–Hearst pairs).
The algorithms are module functions so tests call them directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.abbrev import Abbreviation, find_abbreviations
from kg.extract.lexicon import (
    GENERIC_MODIFIERS,
    GENERIC_TERMS,
    MODEL_HEADS,
    NOT_NAMES,
    TYPE_NOUNS,
    head_type,
)
from kg.extract.ortho import is_name_like, iter_names
from kg.link.kb import Concept, KnowledgeBase, load_kb
from kg.link.keys import entity_key
from kg.vocab import EntityType

__all__ = [
    "SOURCES",
    "Candidate",
    "MentionRecognizer",
    "sentence_fix",
    "find_candidates",
    "resolve_overlaps",
    "context_type",
    "trim_span",
]

if not Doc.has_extension("kg_mentions"):
    Doc.set_extension("kg_mentions", default=None)
if not Doc.has_extension("kg_abbrevs"):
    Doc.set_extension("kg_abbrevs", default=None)

#: Which recognisers propose mentions (ablation in docs/quality.md): the rules alone, the learned
#: encoder (kg.extract.encoder) alone with abbreviation pairing, or the encoder first and the KB,
#: abbreviations and introduced names filling its gaps.
SOURCES = ("rules", "encoder", "hybrid")

# Higher wins when two candidates overlap with the same length.
_PRIORITY = {
    "abbrev": 5,
    "kb": 4,
    "ortho": 3,
    "intro": 3,
    "caps": 2,
    "ner": 2,
    "enc": 4,
    "phrase": 1,
    "short": 5,
    "repeat": 3,
}
_WRAPPERS = frozenset(
    [
        "strategy",
        "strategies",
        "mechanism",
        "mechanisms",
        "technique",
        "techniques",
        "algorithm",
        "algorithms",
        "paradigm",
        "method",
        "methods",
        "approach",
        "approaches",
        "framework",
        "frameworks",
        "scheme",
        "module",
        "procedure",
    ]
)
_GENERIC_KEYS = frozenset(entity_key(t) for t in GENERIC_TERMS)
_CAPS = re.compile(
    r"(?<![\w-])[A-Z]\w*(?:\.\d+)?(?:-\w+)*(?:[ ](?:[A-Z]\w*(?:\.\d+)?(?:-\w+)*|\d+(?:\.\d+)?[BMK]?\b(?!-)))+"
)
# A capitalised word right after "we present" / "called" names the contribution ("We present Flex, a ...").
_INTRO_NAME = re.compile(
    r"\b(?:propose[sd]?|introduce[sd]?|present(?:s|ed)?|release[sd]?|called|named|dubbed|termed|namely)\s+"
    r"([A-Z][A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*)(?=\s*[,.:;(]|\s+(?:a|an|the|which|that|to|for|as|is|with)\b)"
)
_NUMERIC = re.compile(r"[\d.,]+[x\u00d7%]?|\d+(?:\.\d+)?[kmb]")
_NAMING_VERBS = frozenset(["called", "named", "dubbed", "termed", "coined", "gained", "paid", "drawn"])
_FUNCTION = frozenset(["of", "for", "and", "with", "on", "in", "to", "by", "from", "the", "a", "an", "via"])


@dataclass(frozen=True, slots=True)
class Candidate:
    """A typed span of one field. ``type`` None means "decide from context"; ``concept`` is a KB id."""

    start: int
    end: int
    text: str
    type: EntityType | None
    origin: str
    concept: str | None = None
    strong: bool = False  # type stated by the text ("X, a pruning method") or the KB
    score: float = 1.0


def resolve_overlaps(cands: Iterable[Candidate]) -> list[Candidate]:
    """Keep the longest candidate where spans overlap (ties: the more reliable origin), in text order.

    Examples
    --------
    >>> a = Candidate(0, 5, "GPT-4", EntityType.MODEL, "kb")
    >>> b = Candidate(0, 10, "GPT-4o-min", None, "ortho")
    >>> [c.text for c in resolve_overlaps([a, b])]
    ['GPT-4o-min']
    """
    taken: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -_PRIORITY.get(c.origin, 0), c.start)):
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c.start)


def _token_index(doc: Doc) -> list[int]:
    """Map each character of ``doc.text`` to the index of the token covering it (-1 for spaces)."""
    idx = [-1] * (len(doc.text) + 1)
    for tok in doc:
        for i in range(tok.idx, tok.idx + len(tok.text)):
            idx[i] = tok.i
    return idx


def context_type(doc: Doc, start_tok: int, end_tok: int, spans: list[tuple[int, int]]) -> EntityType | None:
    """Type that the words around tokens [start_tok, end_tok) give a name, or None.

    Looks right past a list of names ("FineGym, Diving48 and NTU 60 datasets") and left past
    apposition markers ("benchmarks such as X", "a new dataset, namely X"), and at "X, a ... method".
    """
    in_span: set[int] = set()
    for s, e in spans:
        in_span.update(range(s, e))
    sent_end = doc[start_tok].sent.end if doc.has_annotation("SENT_START") else len(doc)
    sent_start = doc[start_tok].sent.start if doc.has_annotation("SENT_START") else 0
    # Right: "X dataset", "X, Y and Z benchmarks", "X, a pruning method ..."
    i = end_tok
    apposition = False
    while i < sent_end:
        t = doc[i]
        low = t.lower_
        if i in in_span or low in {",", "and", "or", "&", "(", ")"}:
            if low == "," and i + 1 < sent_end and doc[i + 1].lower_ in {"a", "an", "the"}:
                apposition = True
                i += 2
                break
            i += 1
            continue
        break
    if apposition:
        found = None
        for j in range(i, min(i + 8, sent_end)):
            low = doc[j].lower_
            if low in TYPE_NOUNS:
                found = TYPE_NOUNS[low]
            elif (
                doc[j].pos_ in {"VERB", "AUX", "ADP", "PUNCT", "PRON", "SCONJ"}
                and low not in {"pre", "-"}
                and doc[j].dep_ != "amod"
            ):
                break
        if found is not None:
            return found
    elif i < sent_end and doc[i].lower_ in TYPE_NOUNS and doc[i].pos_ in {"NOUN", "PROPN", ""}:
        return TYPE_NOUNS[doc[i].lower_]
    # Left: "the X benchmark" is handled above; here "datasets such as X", "a model called X".
    j = start_tok - 1
    markers = {
        ",",
        "and",
        "or",
        "such",
        "as",
        "including",
        "like",
        "namely",
        "called",
        "named",
        "dubbed",
        "termed",
        "e.g.",
        "i.e.",
        ":",
        "(",
        "the",
        "a",
        "an",
        "new",
        "novel",
        "our",
        "public",
    }
    steps = 0
    while j >= sent_start and steps < 12:
        t = doc[j]
        if j in in_span or t.lower_ in markers or t.pos_ == "ADJ":
            j -= 1
            steps += 1
            continue
        break
    if j >= sent_start and doc[j].lower_ in TYPE_NOUNS and doc[j].pos_ in {"NOUN", "PROPN", ""}:
        return TYPE_NOUNS[doc[j].lower_]
    return None


def _phrases(doc: Doc, title: bool) -> list[Candidate]:
    """Technical noun phrases ending in a task/method/metric head ("masked image modeling")."""
    out = []
    n = len(doc)
    for tok in doc:
        low = tok.lower_
        lemma = tok.lemma_.lower() if tok.lemma_ else low
        # Only the last noun of a compound is its head ("pruning method": "method").
        if (
            tok.i + 1 < n
            and doc[tok.i + 1].pos_ in {"NOUN", "PROPN"}
            and doc[tok.i + 1].lower_ not in _FUNCTION
            and doc[tok.i + 1].lower_ not in _WRAPPERS
        ):
            continue
        if (
            not title
            and tok.pos_ not in {"NOUN", "PROPN", "X", ""}
            and not (tok.tag_ == "VBG" and tok.dep_ in {"pobj", "dobj", "nsubj", "conj", "compound"})
        ):
            continue
        head = head_type(low) or head_type(lemma)
        if head is None:
            continue
        j = tok.i
        words = 1
        while j - 1 >= 0:
            prev = doc[j - 1]
            plow = prev.lower_
            if plow == "-" and not prev.whitespace_ and j - 2 >= 0 and not doc[j - 2].whitespace_:
                j -= 2
                continue
            if prev.is_punct or prev.is_space or plow in GENERIC_MODIFIERS or plow in _FUNCTION:
                break
            if plow in _NAMING_VERBS or prev.like_num or is_name_like(prev.text) or _NUMERIC.fullmatch(plow):
                break
            if prev.pos_ in {"DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART", "ADV", "PUNCT"}:
                break
            if prev.pos_ == "VERB" and prev.tag_ != "VBN":
                break
            if prev.is_sent_start and not title and prev.pos_ not in {"PROPN"} and prev.text[:1].isupper():
                # Sentence-initial capitals are often not part of a name ("Experimental results").
                j -= 1
                words += 1
                break
            j -= 1
            words += 1
            if words > 5:
                break
        if words < 2:
            continue
        start, end = doc[j].idx, tok.idx + len(tok.text)
        text = doc.text[start:end]
        if entity_key(text) in _GENERIC_KEYS or text.split()[0].lower() in GENERIC_MODIFIERS:
            continue
        out.append(Candidate(start, end, text, head, "phrase"))
    return out


def _inside_compound(doc: Doc, start: int) -> bool:
    """True when token ``start`` continues a hyphenated word ("real-world model" is no "world model")."""
    return (
        start >= 2 and doc[start - 1].text == "-" and not doc[start - 1].whitespace_ and not doc[start - 2].whitespace_
    )


class MentionRecognizer:
    """Finds candidates in one Doc. Holds the KB phrase matchers; see :func:`find_candidates`."""

    def __init__(
        self, nlp: Language, kb: KnowledgeBase | None = None, tagger: Tagger | None = None, sources: str = "rules"
    ) -> None:
        if sources not in SOURCES:
            raise ValueError(f"unknown mention sources {sources!r}; one of {', '.join(SOURCES)}")
        self.kb = kb or load_kb()
        self.tagger = tagger  # kg.extract.statistical.StatisticalTagger, or None
        self.sources = sources
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.forms: dict[str, Concept] = {}
        self.lower_forms: dict[str, Concept] = {}
        exact, lower = [], []
        for form, concept in self.kb.surface_forms():
            self.forms.setdefault(form, concept)
            exact.append(form)
            # Lower-case terms also match Title Case in titles ("Knowledge Distillation").
            if form == form.lower() and len(form) > 3:
                self.lower_forms.setdefault(form, concept)
                lower.append(form)
        self.exact.add("KB", [nlp.make_doc(t) for t in sorted(set(exact))])
        self.lower.add("KB", [nlp.make_doc(t) for t in sorted(set(lower))])

    def kb_candidates(self, doc: Doc) -> list[Candidate]:
        out = []
        for _, s, e in self.exact(doc):
            if _inside_compound(doc, s):
                continue
            span = doc[s:e]
            c = self.forms.get(span.text)
            if c is not None:
                out.append(Candidate(span.start_char, span.end_char, span.text, c.type, "kb", c.id, True))
        for _, s, e in self.lower(doc):
            if _inside_compound(doc, s):
                continue
            span = doc[s:e]
            c = self.lower_forms.get(span.text.lower())
            if c is not None:
                out.append(Candidate(span.start_char, span.end_char, span.text, c.type, "kb", c.id, True))
        return out


def _abbrev_candidates(text: str, abbrevs: list[Abbreviation], rec: MentionRecognizer) -> list[Candidate]:
    out = []
    for a in abbrevs:
        if entity_key(a.long) in _GENERIC_KEYS or a.short in NOT_NAMES:
            continue
        concept = rec.kb.lookup(a.long) or rec.kb.lookup(a.short)
        if concept is not None and rec.kb.lookup(a.long) is None and rec.kb.lookup(a.short) is not None:
            # The paper defines the short form differently from the KB ("SSL" = skeleton sequence learning).
            concept = None
        typ = concept.type if concept else None
        strong = concept is not None
        if typ is None:
            typ, strong = _long_form_type(a.long, rec.kb)
        cid = concept.id if concept else None
        out.append(Candidate(a.long_start, a.long_end, a.long, typ, "abbrev", cid, strong))
        for m in re.finditer(rf"(?<![\w-]){re.escape(a.short)}(?![\w-])", text):
            out.append(Candidate(m.start(), m.end(), a.short, typ, "short", cid, strong))
    return out


_PREPOSITION = re.compile(r"\s(?:on|of|for|with|from|in|via|using|to|by)\s", re.I)


def _long_form_type(long: str, kb: KnowledgeBase) -> tuple[EntityType, bool]:
    """Type of a defined long form from its head noun: the last word before any preposition.

    "continual learning on a pre-trained model" is a kind of continual learning (the KB says Task);
    "American Sign Language Production" is a production task; "Frame Reinforcement Network" a model.
    Head-noun types are reliable (strong); with no telling head, Method (weak, context may decide).
    """
    head_phrase = _PREPOSITION.split(long)[0]
    concept = kb.lookup(head_phrase)
    if concept is not None and head_phrase != long:
        return concept.type, True
    last = head_phrase.split()[-1].lower()
    last = last.split("-")[-1] if "-" in last else last
    if last in MODEL_HEADS:
        return EntityType.MODEL, True
    if TYPE_NOUNS.get(last) in {EntityType.DATASET, EntityType.BENCHMARK}:
        return TYPE_NOUNS[last], True  # "a cross-domain NER dataset (CrossNER)"
    typ = head_type(last) or head_type(last.rstrip("s"))
    if typ is not None:
        return typ, True
    return EntityType.METHOD, False


class Tagger(Protocol):
    """What the recognizer needs of a statistical NER (kg.extract.statistical.StatisticalTagger)."""

    def tag(self, text: str) -> list[tuple[int, int, str]]: ...


_STAT_TYPES = {"Method": None, "Task": EntityType.TASK, "Dataset": EntityType.DATASET}


def _statistical(doc: Doc, rec: MentionRecognizer) -> list[Candidate]:
    """Spans of the statistical NER trained on SciER, if the recognizer has one (kg.extract.statistical).

    SciER's Method covers our Model and Method, and Dataset our Dataset and Benchmark: the KB and
    context decide those; the model's spans only propose boundaries.
    """
    if rec.tagger is None or not doc.text.strip():
        return []
    out = []
    for start, end, label in rec.tagger.tag(doc.text):
        text = doc.text[start:end]
        if label not in _STAT_TYPES or entity_key(text) in _GENERIC_KEYS or text.lower() in GENERIC_MODIFIERS:
            continue
        concept = rec.kb.lookup(text)
        if concept is not None:
            out.append(Candidate(start, end, text, concept.type, "kb", concept.id, True))
        else:
            typ = _STAT_TYPES[label]
            if typ is None and label == "Method":
                last = text.split()[-1].lower()
                typ = EntityType.MODEL if (last in MODEL_HEADS or is_name_like(text.split()[0])) else EntityType.METHOD
            out.append(Candidate(start, end, text, typ, "ner"))
    return out


def find_candidates(doc: Doc, rec: MentionRecognizer, title: bool = False) -> list[Candidate]:
    """All entity candidates of one field (title or abstract), typed, overlaps resolved.

    Parameters
    ----------
    doc
        The field parsed by the pipeline (tagger/parser optional); with encoder sources,
        ``doc.user_data["kg_encoder"]`` holds the tagger's ``(start, end, type, score)`` spans.
    rec
        The recognizer holding the KB matchers; ``rec.sources`` says which recognisers count.
    title
        True for a title: Title Case is not evidence of a name there, except the lead name ("X: ...").
    """
    abbrevs = find_abbreviations(doc.text)
    doc._.kg_abbrevs = abbrevs
    if rec.sources == "rules":
        return _rule_candidates(doc, rec, abbrevs, title)
    enc = resolve_overlaps(_encoder_candidates(doc, rec))
    if rec.sources == "encoder":
        return enc
    # hybrid: the reliable rule sources fill what the encoder left out.
    fill = [c for c in _raw_rule_candidates(doc, rec, abbrevs, title) if c.origin in _FILL_ORIGINS]
    kept = list(enc)
    at = {(k.start, k.end): i for i, k in enumerate(kept)}
    for c in resolve_overlaps(c for c in fill if entity_key(c.text) not in _GENERIC_KEYS):
        if (c.start, c.end) in at and c.origin in {"abbrev", "short"}:
            # The same span as a definition: keep the encoder's type, the definition's role
            # (it names the entity and pairs long and short forms).
            k = kept[at[c.start, c.end]]
            kept[at[c.start, c.end]] = replace(c, type=k.type, strong=True, score=k.score)
        elif all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return _type_in_context(doc, kept)


#: Rule origins precise enough to add to the encoder's mentions (hybrid sources).
_FILL_ORIGINS = frozenset({"abbrev", "short", "kb", "intro"})


_EDGE_WORDS = re.compile(
    r"^(?:(?:the|a|an|and|or|of|for|with|to|in|on|by|via|our|its|their|this|these)\s+)+|"
    r"(?:\s+(?:and|or|of|for|with|to|in|on|by|via|the|a|an))+$|^[\s,;:(\[]+|[\s,;:)\].]+$",
    re.I,
)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop function words and punctuation at a span's edges ("weight refactorization and").

    Examples
    --------
    >>> t = "we use weight refactorization and pruning"
    >>> s, e = trim_span(t, 7, 33)
    >>> t[s:e]
    'weight refactorization'
    >>> t = "joint video and language (VL) and text-to-image (t2i) generation"
    >>> [t[slice(*trim_span(t, a, b))] for a, b in [(0, 26), (53, 65)]]
    ['joint video and language', 'generation']
    """
    while start < end:
        m = _EDGE_WORDS.search(text[start:end])
        if m is None or m.start() == m.end():
            break
        if m.start() == 0:
            start += m.end()
        else:
            end = start + m.start()
    # An unclosed bracket ends the name before it, a stray closing one starts it after ("(T2I) generation").
    span = text[start:end]
    for op, cl in ("()", "[]"):
        if span.count(op) != span.count(cl):
            if op in span and span.rfind(op) > span.rfind(cl):
                end = start + span.rfind(op)
            elif cl in span:
                start = start + span.rfind(cl) + 1
            return trim_span(text, start, end) if end > start else (start, start)
    return start, end


def _encoder_candidates(doc: Doc, rec: MentionRecognizer) -> list[Candidate]:
    """The learned tagger's spans (trimmed, generic terms dropped); a KB concept is attached (for
    linking) when its type agrees."""
    out = []
    for start, end, typ, score in doc.user_data.get("kg_encoder", ()):
        start, end = trim_span(doc.text, start, end)
        text = doc.text[start:end]
        if not text.strip() or entity_key(text) in _GENERIC_KEYS or text.lower() in GENERIC_MODIFIERS:
            continue
        etype = EntityType(typ)
        concept = rec.kb.lookup(text)
        cid = concept.id if concept is not None and _same_kind(concept.type, etype) else None
        out.append(Candidate(start, end, text, etype, "enc", cid, True, score))
    return out


def _same_kind(a: EntityType, b: EntityType) -> bool:
    kinds = ({EntityType.MODEL, EntityType.METHOD}, {EntityType.DATASET, EntityType.BENCHMARK})
    return a is b or any(a in k and b in k for k in kinds)


def _rule_candidates(doc: Doc, rec: MentionRecognizer, abbrevs: list[Abbreviation], title: bool) -> list[Candidate]:
    cands = _raw_rule_candidates(doc, rec, abbrevs, title)
    kept = resolve_overlaps(c for c in cands if c.text.strip() and entity_key(c.text) not in _GENERIC_KEYS)
    # The statistical NER only fills gaps: where the rules found nothing.
    for c in resolve_overlaps(_statistical(doc, rec)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return _type_in_context(doc, kept)


def _raw_rule_candidates(doc: Doc, rec: MentionRecognizer, abbrevs: list[Abbreviation], title: bool) -> list[Candidate]:
    """Every rule's candidates, overlapping, some untyped."""
    text = doc.text
    cands: list[Candidate] = []
    cands += _abbrev_candidates(text, abbrevs, rec)
    cands += rec.kb_candidates(doc)
    for nm in iter_names(text):
        concept = rec.kb.lookup(nm.text)
        if concept is not None:
            cands.append(Candidate(nm.start, nm.end, nm.text, concept.type, "kb", concept.id, True))
        else:
            cands.append(Candidate(nm.start, nm.end, nm.text, None, "ortho"))
    for m in _INTRO_NAME.finditer(text):
        word = m.group(1)
        if word not in NOT_NAMES and word.lower() not in GENERIC_MODIFIERS and entity_key(word) not in _GENERIC_KEYS:
            concept = rec.kb.lookup(word)
            cands.append(
                Candidate(
                    m.start(1),
                    m.end(1),
                    word,
                    concept.type if concept else None,
                    "kb" if concept else "intro",
                    concept.id if concept else None,
                    concept is not None,
                )
            )
    if title:
        lead = re.match(r"\s*([^:]{2,60}?)\s*:\s", text)
        if lead and _is_lead_name(lead.group(1)):
            name = lead.group(1)
            if entity_key(name) not in _GENERIC_KEYS:
                concept = rec.kb.lookup(name)
                cands.append(
                    Candidate(
                        lead.start(1),
                        lead.end(1),
                        name,
                        concept.type if concept else None,
                        "abbrev",
                        concept.id if concept else None,
                        concept is not None,
                    )
                )
    else:
        for m in _CAPS.finditer(text):
            words = m.group().split(" ")
            # Drop leading/trailing words that are not names ("However", "In", "Alibaba").
            while words and (words[0] in NOT_NAMES or words[0].lower() in GENERIC_MODIFIERS):
                words.pop(0)
            while words and (words[-1] in NOT_NAMES):
                words.pop()
            if len(words) < 2:
                continue
            name = " ".join(words)
            start = m.start() + m.group().find(name)
            last = words[-1].lower()
            typ = EntityType.MODEL if last in MODEL_HEADS else head_type(last) or head_type(last.rstrip("s"))
            if typ is None and last in TYPE_NOUNS:
                continue  # "Results Show", "Table Benchmarks": capitalised common nouns
            inner = rec.kb.lookup(words[-1])
            if typ is None and inner is not None:
                typ = inner.type  # "Split CIFAR-100" is a benchmark like CIFAR-100
            cands.append(Candidate(start, start + len(name), name, typ, "caps"))
    cands += _phrases(doc, title)
    return cands


_NOT_LEAD = frozenset(
    [
        "revisiting",
        "rethinking",
        "towards",
        "toward",
        "beyond",
        "on",
        "what",
        "how",
        "why",
        "when",
        "unifying",
        "understanding",
        "scaling",
        "learning",
        "improving",
        "exploring",
        "efficient",
        "benchmarking",
        "evaluating",
        "a",
        "an",
        "the",
    ]
)


def _is_lead_name(text: str) -> bool:
    """A title prefix before ":" that names the contribution ("ProcX", "Tutel"), not a phrase."""
    words = text.split()
    if not words or len(words) > 3 or words[0].lower() in _NOT_LEAD:
        return False
    # A name is capitalised throughout ("Procedure Transformer", "ARMOR v0.1"), not "CLIP meets X".
    if any(not (w[:1].isupper() or w[:1].isdigit() or re.fullmatch(r"v\d+(?:\.\d+)*", w)) for w in words):
        return False
    if any(is_name_like(w) for w in words):
        return True
    return len(words) == 1 and words[0][:1].isupper() and not words[0].lower().endswith("ing")


_EVAL_SENT = re.compile(
    r"\b(?:benchmarks?|results?|performance|accuracy|scores?|outperform\w*|surpass\w*|achiev\w*|evaluat\w*|"
    r"state-of-the-art|sota|improv\w*|gains?)\b|[+]\d",
    re.I,
)
_NOT_EVAL_VERB = re.compile(
    r"(?:built|based|trained|train|tuned|tune|pretrained|relies|rely|depends|focus\w*|run|runs)$", re.I
)


# "LLaMA-3.1-8B", "Qwen2 7B": a size suffix names a model, even after "experiments on".
_MODEL_SIZE = re.compile(r"(?:^|[-\s])\d+(?:\.\d+)?[BMK](?:\b|-)|x\d+B\b")


def _evaluated_position(doc: Doc, start_tok: int) -> bool:
    """A name right after "on"/"across" in a sentence about results is a benchmark."""
    if start_tok < 1 or doc[start_tok - 1].lower_ not in {"on", "across"}:
        return False
    prev = doc[start_tok - 2].text if start_tok >= 2 else ""
    if _NOT_EVAL_VERB.search(prev):
        return False
    sent = doc[start_tok].sent if doc.has_annotation("SENT_START") else doc[:]
    return bool(_EVAL_SENT.search(sent.text))


def _type_in_context(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
    tok_at = _token_index(doc)
    spans = []
    for c in cands:
        s = tok_at[c.start] if c.start < len(tok_at) else -1
        e = tok_at[c.end - 1] if c.end - 1 < len(tok_at) else -1
        spans.append((s, e + 1))
    out = []
    for c, (s, e) in zip(cands, spans, strict=True):
        if s < 0 or e <= 0 or c.origin == "enc":  # the encoder has read the context already
            out.append(c)
            continue
        ctx = context_type(doc, s, e, spans)
        typ, strong = c.type, c.strong
        data = {EntityType.DATASET, EntityType.BENCHMARK}
        # A KB benchmark stays one when called a "dataset"; use decides later (kg.extract._retype).
        if ctx is not None and c.strong and c.type in data and (ctx not in data or c.type is EntityType.BENCHMARK):
            ctx = None
        if (
            ctx is not None
            and c.origin != "phrase"
            and (c.type in {None, EntityType.DATASET, EntityType.BENCHMARK} or not c.strong)
            and not (ctx is EntityType.TASK and c.origin in {"ortho", "kb"})
        ):
            typ, strong = ctx, True
        if typ is None and not _MODEL_SIZE.search(c.text) and _evaluated_position(doc, s):
            typ = EntityType.BENCHMARK  # "(+6.31 on CMMLU)", "results across SciEval"
        if typ is None:
            typ = EntityType.MODEL
        out.append(replace(c, type=typ, strong=strong))
    return out


@Language.component("kg_sentence_fix")
def sentence_fix(doc: Doc) -> Doc:
    """Before the parser: a "." followed by a capitalised word ends a sentence.

    The small parser glues sentences after names it does not know ("... for MoE. Flex
    outperforms ..."), which would mix the evidence and the subject of two sentences.
    """
    for tok in doc[2:]:
        prev = doc[tok.i - 1]
        if prev.text == "." and tok.text[:1].isupper() and len(doc[tok.i - 2].text) > 1:
            tok.is_sent_start = True
    return doc


@Language.factory("kg_mentions", default_config={"statistical": False, "sources": "rules"})
class MentionComponent:
    """spaCy component: sets ``doc._.kg_mentions``; with ``statistical`` it also uses the SciER NER;
    ``sources`` is one of :data:`SOURCES`."""

    def __init__(self, nlp: Language, name: str, statistical: bool, sources: str) -> None:
        self.name = name
        tagger = None
        if statistical:
            from kg.extract.statistical import StatisticalTagger

            tagger = StatisticalTagger.load()
        self.recognizer = MentionRecognizer(nlp, tagger=tagger, sources=sources)

    def __call__(self, doc: Doc) -> Doc:
        title = bool(doc.user_data.get("kg_title"))
        doc._.kg_mentions = find_candidates(doc, self.recognizer, title=title)
        return doc
