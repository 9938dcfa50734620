"""The rule mention sources: KB phrase matching, abbreviation definitions, orthographic names,
introduced names, a title's lead name, Title-Case runs and technical noun phrases.

:func:`raw_rule_candidates` gives every rule's candidates of one field, overlapping and some
untyped; :mod:`kg.extract.ner` resolves and types them. :class:`MentionRecognizer` holds the KB
matchers (and the optional SciER tagger) once per pipeline.
"""

from __future__ import annotations

import re
from typing import Protocol

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.abbrev import Abbreviation
from kg.extract.candidate import GENERIC_KEYS, Candidate
from kg.extract.lexicon import GENERIC_MODIFIERS, MODEL_HEADS, NOT_NAMES, TYPE_NOUNS, head_type
from kg.extract.ortho import is_name_like, iter_names
from kg.link.kb import Concept, KnowledgeBase, load_kb
from kg.link.keys import entity_key
from kg.vocab import EntityType

__all__ = ["SOURCES", "MentionRecognizer", "Tagger", "raw_rule_candidates", "statistical_candidates"]

#: Which recognisers propose mentions (ablation in docs/quality.md): the rules alone, the learned
#: encoder (kg.extract.encoder) alone with abbreviation pairing, or the encoder first and the KB,
#: abbreviations and introduced names filling its gaps.
SOURCES = ("rules", "encoder", "hybrid")

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


def _phrases(doc: Doc, title: bool) -> list[Candidate]:
    """Technical noun phrases ending in a task/method/metric head ("masked image modeling")."""
    out = []
    n = len(doc)
    full = doc.text
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
        text = full[start:end]
        if entity_key(text) in GENERIC_KEYS or text.split()[0].lower() in GENERIC_MODIFIERS:
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
        if entity_key(a.long) in GENERIC_KEYS or a.short in NOT_NAMES:
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


def statistical_candidates(doc: Doc, rec: MentionRecognizer) -> list[Candidate]:
    """Spans of the statistical NER trained on SciER, if the recognizer has one (kg.extract.statistical).

    SciER's Method covers our Model and Method, and Dataset our Dataset and Benchmark: the KB and
    context decide those; the model's spans only propose boundaries.
    """
    if rec.tagger is None or not doc.text.strip():
        return []
    out = []
    for start, end, label in rec.tagger.tag(doc.text):
        text = doc.text[start:end]
        if label not in _STAT_TYPES or entity_key(text) in GENERIC_KEYS or text.lower() in GENERIC_MODIFIERS:
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


def raw_rule_candidates(
    doc: Doc, rec: MentionRecognizer, abbrevs: list[Abbreviation], title: bool, precise_only: bool = False
) -> list[Candidate]:
    """Every rule's candidates, overlapping, some untyped.

    ``precise_only``: only the candidates of the precise sources (abbreviations, the KB, introduced
    and lead names: origins ``abbrev``, ``short``, ``kb``, ``intro``), the ones that fill the
    encoder's gaps; orthographic names the KB does not know, Title-Case runs and noun phrases
    are not computed.
    """
    text = doc.text
    cands: list[Candidate] = []
    cands += _abbrev_candidates(text, abbrevs, rec)
    cands += rec.kb_candidates(doc)
    for nm in iter_names(text):
        concept = rec.kb.lookup(nm.text)
        if concept is not None:
            cands.append(Candidate(nm.start, nm.end, nm.text, concept.type, "kb", concept.id, True))
        elif not precise_only:
            cands.append(Candidate(nm.start, nm.end, nm.text, None, "ortho"))
    for m in _INTRO_NAME.finditer(text):
        word = m.group(1)
        if word not in NOT_NAMES and word.lower() not in GENERIC_MODIFIERS and entity_key(word) not in GENERIC_KEYS:
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
            if entity_key(name) not in GENERIC_KEYS:
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
    elif not precise_only:
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
    if not precise_only:
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
