"""The ``kg_mentions`` spaCy component: which sources propose mentions and how they combine.

``kg_mentions`` (registered with ``@Language.factory``) stores on each Doc:
``doc._.kg_mentions`` (list of :class:`Candidate`) and ``doc._.kg_abbrevs`` (Schwartz–Hearst pairs).
The sources live in their own modules: the rules in :mod:`kg.extract.mention_rules`, the learned
tagger in :mod:`kg.extract.encoder`; :mod:`kg.extract.candidate` resolves overlaps and
:mod:`kg.extract.mention_context` types names by their context. The algorithms are module
functions so tests call them directly.
"""

from __future__ import annotations

from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.abbrev import Abbreviation, find_abbreviations
from kg.extract.candidate import GENERIC_KEYS, Candidate, resolve_overlaps, trim_span
from kg.extract.lexicon import GENERIC_MODIFIERS
from kg.extract.mention_context import context_type, type_in_context
from kg.extract.mention_rules import SOURCES, MentionRecognizer, raw_rule_candidates, statistical_candidates
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
    fill = [c for c in raw_rule_candidates(doc, rec, abbrevs, title, precise_only=True) if c.origin in _FILL_ORIGINS]
    kept = list(enc)
    at = {(k.start, k.end): i for i, k in enumerate(kept)}
    for c in resolve_overlaps(c for c in fill if entity_key(c.text) not in GENERIC_KEYS):
        if (c.start, c.end) in at and c.origin in {"abbrev", "short"}:
            # The same span as a definition: keep the encoder's type, the definition's role
            # (it names the entity and pairs long and short forms).
            k = kept[at[c.start, c.end]]
            kept[at[c.start, c.end]] = replace(c, type=k.type, strong=True, score=k.score)
        elif all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return type_in_context(doc, kept)


#: Rule origins precise enough to add to the encoder's mentions (hybrid sources).
_FILL_ORIGINS = frozenset({"abbrev", "short", "kb", "intro"})


def _encoder_candidates(doc: Doc, rec: MentionRecognizer) -> list[Candidate]:
    """The learned tagger's spans (trimmed, generic terms dropped); a KB concept is attached (for
    linking) when its type agrees."""
    out = []
    full = doc.text  # Doc.text joins the tokens on each call
    for start, end, typ, score in doc.user_data.get("kg_encoder", ()):
        start, end = trim_span(full, start, end)
        text = full[start:end]
        if not text.strip() or entity_key(text) in GENERIC_KEYS or text.lower() in GENERIC_MODIFIERS:
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
    cands = raw_rule_candidates(doc, rec, abbrevs, title)
    kept = resolve_overlaps(c for c in cands if c.text.strip() and entity_key(c.text) not in GENERIC_KEYS)
    # The statistical NER only fills gaps: where the rules found nothing.
    for c in resolve_overlaps(statistical_candidates(doc, rec)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return type_in_context(doc, kept)


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
