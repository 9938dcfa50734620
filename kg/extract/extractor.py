"""The extractor: one spaCy pipeline over titles and abstracts -> :class:`kg.types.Extraction`.

Per batch of papers: normalise the text, tag it with the learned encoder, run the spaCy pipeline
(:mod:`kg.extract.nlp`), group each paper's mentions into entities (:mod:`kg.extract.entities`),
then relations (:mod:`kg.extract.relate`), the junk filter and results. Nothing is downloaded.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import ExtractionError
from kg.extract.candidate import Candidate
from kg.extract.encoder import EncoderTagger, Span, load_tagger
from kg.extract.entities import (
    CALLED,
    RENAMED,
    Group,
    canonical_name,
    field_mention,
    is_weak,
    needs_confirmation,
    retype,
    spread_names,
    vote_type,
    without_generic_head,
)
from kg.extract.entity_filter import EntityFilter, load_entity_filter
from kg.extract.junk import drop_junk
from kg.extract.ner import SOURCES
from kg.extract.nlp import SPACY_PACKAGE, build_nlp, source_digest
from kg.extract.normalize import Normalised, entities_as_read, normalize, results_in_field
from kg.extract.relate import relate, relation_mode
from kg.extract.relation_features import RelationInput
from kg.extract.relations import SentMention
from kg.extract.results import extract_results
from kg.link.keys import entity_key
from kg.types import Extraction, Paper, PaperEntity, PaperRelation

__all__ = [
    "Extractor",
    "load_extractor",
    "build_nlp",
    "without_generic_head",
    "SPACY_PACKAGE",
    "EXTRACTOR_VERSION",
    "DEFAULT_SOURCES",
]
#: Bump whenever the rules change what is extracted (it is part of the cache key).
EXTRACTOR_VERSION = "kg-9"  # kg-9: the learned entity filter (kg.extract.entity_filter)
#: Mention recognisers of the default pipeline (kg.extract.ner.SOURCES; ablation in docs/quality.md).
#: ``KG_MENTION_SOURCES`` overrides it for experiments.
DEFAULT_SOURCES = "hybrid"
#: Chunks of papers the encoder thread tags ahead of spaCy.
_LOOKAHEAD = 2
#: A chunk of papers read: normalised (title, abstract) and the tagger's spans of each paper.
_Read = tuple[list[tuple[Normalised, Normalised]], list[list[Span]] | None]


class Extractor:
    """Extract entities (with mentions) and relations from papers.

    Examples
    --------
    >>> ex = load_extractor()
    >>> abstract = "We propose LoRA-X, a method that outperforms LoRA on GLUE."
    >>> p = Paper("p1", "LoRA-X: Faster Fine-Tuning", abstract)
    >>> out = ex.extract(p)
    >>> sorted(e.name for e in out.entities)
    ['GLUE', 'LoRA', 'LoRA-X']
    >>> rels = {(r.head, r.type.value, r.tail) for r in out.relations}
    >>> ('LoRA-X', 'improves-on', 'LoRA') in rels, ('LoRA-X', 'evaluated-on', 'GLUE') in rels
    (True, True)
    """

    def __init__(self, nlp: Language, description: str) -> None:
        self.nlp = nlp
        self.description = description
        sources = nlp.get_pipe("kg_mentions").recognizer.sources
        self.tagger: EncoderTagger | None = load_tagger() if sources != "rules" else None
        # KG_ENTITY_FILTER=off keeps every recognised entity (experiments, the filter's training).
        switch = os.environ.get("KG_ENTITY_FILTER", "on")
        if switch not in {"on", "off"}:
            raise ExtractionError(f"KG_ENTITY_FILTER={switch!r} is not on or off")
        self.entity_filter: EntityFilter | None = None if switch == "off" else load_entity_filter()
        kept = f"+entity-filter.{self.entity_filter.digest}" if self.entity_filter is not None else ""
        self.version = f"{EXTRACTOR_VERSION}+{description}{kept}+relations.{relation_mode()}+src.{source_digest()}"

    def relate(self, inp: RelationInput, adoc: Doc) -> list[PaperRelation]:
        """Relations of one paper from its mentions (rules, the learned model, or both)."""
        return relate(inp, adoc)

    def _read(self, chunk: list[Paper]) -> _Read:
        """Normalised fields of a chunk of papers and the tagger's spans (thread-safe: no spaCy)."""
        norms = [(normalize(p.title), normalize(p.abstract)) for p in chunk]
        tagged = self.tagger.tag_many([(t.text, a.text) for t, a in norms]) if self.tagger else None
        return norms, tagged

    def _docs(self, papers: Iterable[Paper], batch: int = 32) -> Iterator[Doc]:
        # spaCy and the tagger read LaTeX- and entity-free text; user_data keeps the way back to the field.
        it = iter(papers)
        chunks = iter(lambda: list(itertools.islice(it, batch)), [])
        if self.tagger is None:
            for chunk in chunks:
                yield from self._chunk_docs(*self._read(chunk))
            return
        # The encoder (onnxruntime, which releases the GIL) tags the next chunks in a thread while
        # spaCy parses this one: the two cores work at once. Docs come out in input order.
        with ThreadPoolExecutor(1, thread_name_prefix="kg-encoder") as pool:
            ahead: deque[Future[_Read]] = deque()
            for chunk in chunks:
                ahead.append(pool.submit(self._read, chunk))
                if len(ahead) > _LOOKAHEAD:
                    yield from self._chunk_docs(*ahead.popleft().result())
            while ahead:
                yield from self._chunk_docs(*ahead.popleft().result())

    def _chunk_docs(self, norms: list[tuple[Normalised, Normalised]], tagged: list[list[Span]] | None) -> Iterator[Doc]:
        """The title and abstract Docs of each paper of a chunk, the tagger's spans in ``user_data``."""
        for n, (title, abstract) in enumerate(norms):
            t = self.nlp.make_doc(title.text)
            t.user_data["kg_title"] = True
            t.user_data["kg_norm"] = title
            a = self.nlp.make_doc(abstract.text)
            a.user_data["kg_norm"] = abstract
            if tagged is not None:
                t.user_data["kg_encoder"] = [(s, e, ty, sc) for f, s, e, ty, sc in tagged[n] if f == "title"]
                a.user_data["kg_encoder"] = [(s, e, ty, sc) for f, s, e, ty, sc in tagged[n] if f == "abstract"]
            yield t
            yield a

    def extract(self, paper: Paper) -> Extraction:
        """Extract one paper."""
        return next(self.extract_many([paper]))

    def extract_many(self, papers: Iterable[Paper], batch_size: int = 64) -> Iterator[Extraction]:
        """Extract many papers through ``nlp.pipe`` (same result as :meth:`extract` on each)."""
        buffer: list[Paper] = []

        def papers_seen() -> Iterator[Paper]:
            for p in papers:
                buffer.append(p)
                yield p

        docs = self.nlp.pipe(self._docs(papers_seen()), batch_size=batch_size)
        while True:
            try:
                tdoc = next(docs)
                adoc = next(docs)
            except StopIteration:
                return
            paper = buffer.pop(0)
            yield self._assemble(paper, tdoc, adoc)

    def _assemble(self, paper: Paper, tdoc: Doc, adoc: Doc) -> Extraction:
        fields = (("title", tdoc), ("abstract", adoc))
        spread_names(fields)
        abstract_keys = {entity_key(c.text) for c in adoc._.kg_mentions or []}
        cands: list[tuple[str, Candidate]] = [
            (f, c)
            for f, d in fields
            for c in (d._.kg_mentions or [])
            # Title Case hides which title phrases are names: keep those the abstract also names.
            if not (f == "title" and needs_confirmation(c) and entity_key(c.text) not in abstract_keys)
        ]
        groups = Group()
        named_longer: set[str] = set()
        for f, d in fields:
            field_cands = [c for g, c in cands if g == f]
            text = d.text  # Doc.text joins the tokens on each call
            for a, b in zip(field_cands, field_cands[1:], strict=False):
                # "a Frame Reinforcement Network called FR-Net": one entity, two names.
                if CALLED.fullmatch(text[a.end : b.start]) and len(b.text) < len(a.text):
                    groups.union(entity_key(a.text), entity_key(b.text))
                    if a.text[:1].isupper():
                        # "a proactive distillation method called Teacher Intervention": the
                        # lower-case side describes, the other names.
                        named_longer.add(entity_key(a.text))
        defined: dict[str, str] = {}
        for _, d in fields:
            for a in d._.kg_abbrevs or []:
                defined[entity_key(a.short)] = entity_key(a.long)
                groups.union(entity_key(a.long), entity_key(a.short))
        concept_of: dict[str, str] = {}
        for _, c in cands:
            k = entity_key(c.text)
            if not k:
                continue
            groups.find(k)
            if c.concept and (k not in defined or defined[k] == entity_key(c.text)):
                groups.union("kb:" + c.concept, k)
                concept_of[k] = c.concept
        lead = next((c for f, c in cands if f == "title" and c.origin == "abbrev"), None)
        if lead is not None and entity_key(lead.text) not in abstract_keys:
            # The title renames the system the abstract introduces ("Tutel: ..." / "We present Flex").
            m = RENAMED.search(adoc.text)
            if m and entity_key(m.group(1)) in abstract_keys and " " not in lead.text:
                groups.union(entity_key(lead.text), entity_key(m.group(1)))
            # "ARMOR v0.1: ..." in the title, "ARMOR" in the abstract: one system.
            base, _, version = lead.text.rpartition(" ")
            if re.fullmatch(r"v\d+(?:\.\d+)*", version) and entity_key(base) in abstract_keys:
                groups.union(entity_key(lead.text), entity_key(base))
        members: dict[str, list[tuple[str, Candidate]]] = defaultdict(list)
        for f, c in cands:
            k = entity_key(c.text)
            if k:
                members[groups.find(k)].append((f, c))
        long_forms = {entity_key(a.long) for _, d in fields for a in (d._.kg_abbrevs or [])} | named_longer
        lead_name = {entity_key(lead.text)} if lead is not None else set()
        title_text = tdoc.text
        title_start = len(title_text) - len(title_text.lstrip())
        lead_key = next(
            (entity_key(c.text) for f, c in cands if f == "title" and c.origin == "abbrev" and c.start == title_start),
            None,
        )
        entities: list[PaperEntity] = []
        name_of: dict[str, str] = {}
        norm = {f: d.user_data.get("kg_norm") or normalize(d.text) for f, d in fields}
        for ms in members.values():
            name = canonical_name(ms, long_forms, lead_name)
            typ = vote_type(ms)
            ordered = sorted(ms, key=lambda fc: (fc[0] != "title", fc[1].start))
            mentions = tuple(field_mention(norm[f], f, c, typ) for f, c in ordered)
            # Aliases as the recogniser read them ("α-Net"); the mention text is the field's own.
            aliases = tuple(dict.fromkeys([c.text for _, c in ordered] + [m.text for m in mentions]))
            short = without_generic_head(name)
            if short is not None:  # GUIDELINES: "Waymo dataset" is "Waymo", the long form an alias
                name = short
                aliases = tuple(dict.fromkeys((*aliases, short)))
            entities.append(PaperEntity(name=name, type=typ, aliases=aliases, mentions=mentions))
            for _, c in ms:
                name_of[entity_key(c.text)] = name
        types = {e.name: e.type for e in entities}
        lead_canonical = name_of.get(lead_key) if lead_key else None

        def smentions(span_start: int, span_end: int, field_cands: list[Candidate]) -> list[SentMention]:
            return [
                SentMention(
                    c.start - span_start,
                    c.end - span_start,
                    name_of[entity_key(c.text)],
                    types[name_of[entity_key(c.text)]],
                    known=c.concept is not None,
                    defined=c.origin == "abbrev" or entity_key(c.text) in named_longer,
                )
                for c in field_cands
                if span_start <= c.start and c.end <= span_end and entity_key(c.text) in name_of
            ]

        abs_cands = [c for f, c in cands if f == "abstract"]
        sentences = [(s, smentions(s.start_char, s.end_char, abs_cands)) for s in adoc.sents]
        title_m = smentions(0, len(tdoc.text), [c for f, c in cands if f == "title"])
        inp = RelationInput(
            paper.title, tdoc, tuple((s, tuple(ms)) for s, ms in sentences), tuple(title_m), types, lead_canonical
        )
        relations = self.relate(inp, adoc)
        # Phrases found only by shape ("adaptive parallelism") are kept when the paper says
        # something about them (a relation); alone they are mostly background vocabulary.
        related = {r.head for r in relations} | {r.tail for r in relations}
        entities = [retype(e, relations, sentences) for e in entities if e.name in related or not is_weak(e)]
        # Last filter: names that are never entities (placeholders, numbers, fragments, ...).
        long_spans = {f: [norm[f].span(a.long_start, a.long_end) for a in d._.kg_abbrevs or []] for f, d in fields}
        texts = {"title": paper.title, "abstract": paper.abstract}
        entities, relations = drop_junk(entities, relations, texts, long_spans)
        if self.entity_filter is not None:
            entities, relations = self.entity_filter.keep(entities, relations, texts)
        entities.sort(key=lambda e: (e.mentions[0].field != "title", e.mentions[0].start))
        # Results read the normalised abstract: give them mentions there, map their values back.
        read = entities_as_read(entities, norm["abstract"])
        sents = [(s.start_char, s.end_char) for s in adoc.sents]
        results = results_in_field(extract_results(paper.title, adoc.text, sents, read, relations), norm["abstract"])
        return Extraction(paper, tuple(entities), tuple(relations), extractor=self.version, results=results)


_EXTRACTOR: Extractor | None = None


def load_extractor(package: str | None = SPACY_PACKAGE) -> Extractor:
    """The default extractor, built once per process (never downloads anything).

    Examples
    --------
    >>> load_extractor() is load_extractor()
    True
    """
    global _EXTRACTOR
    sources = os.environ.get("KG_MENTION_SOURCES", DEFAULT_SOURCES)
    if sources not in SOURCES:
        raise ExtractionError(f"KG_MENTION_SOURCES={sources!r} is not one of {', '.join(SOURCES)}")
    if package != SPACY_PACKAGE:
        return Extractor(*build_nlp(package, sources=sources))
    if _EXTRACTOR is None or _EXTRACTOR.nlp.get_pipe("kg_mentions").recognizer.sources != sources:
        _EXTRACTOR = Extractor(*build_nlp(package, sources=sources))
    return _EXTRACTOR
