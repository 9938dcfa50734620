"""Statistical NER: the spaCy model trained on SciER by ``scripts/train_ner.py`` (Method, Task, Dataset).

The model ships in ``kg/models/scier-ner`` (GPL-3.0 derived data, see docs/ner-training.md). It knows
SciER's three labels only: Model vs Method and Benchmark vs Dataset are decided later from context.

Examples
--------
>>> tagger = StatisticalTagger.load()
>>> text = "We fine-tune BERT for named entity recognition on CoNLL-2003."
>>> [(text[s:e], label) for s, e, label in tagger.tag(text)]  # doctest: +SKIP
[('BERT', 'Method'), ('named entity recognition', 'Task'), ('CoNLL-2003', 'Dataset')]
>>> all(text[s:e].strip() == text[s:e] for s, e, _ in tagger.tag(text))
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.errors import ExtractionError
from kg.vocab import EntityType

__all__ = ["DEFAULT_MODEL", "LABELS", "StatisticalTagger", "StatisticalNer"]

#: The shipped artefact (written by scripts/train_ner.py).
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "scier-ner"

#: Labels the model predicts; anything else a sourced model might still know is dropped.
LABELS = frozenset({EntityType.METHOD.value, EntityType.TASK.value, EntityType.DATASET.value})

_cache: dict[Path, StatisticalTagger] = {}


class StatisticalTagger:
    """Wraps the trained spaCy pipeline; returns ``(start, end, label)`` character spans."""

    def __init__(self, nlp: Language, path: Path | None = None) -> None:
        self.nlp = nlp
        self.path = path

    @classmethod
    def load(cls, path: Path | str | None = None) -> StatisticalTagger:
        """Load the model at ``path`` (default: the shipped one); cached per path.

        Raises
        ------
        ExtractionError
            When there is no trained model at ``path`` or spaCy cannot read it.

        Examples
        --------
        >>> StatisticalTagger.load("/nonexistent/model")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kg.errors.ExtractionError: no statistical NER model at /nonexistent/model (train one: ...)
        """
        where = Path(path) if path is not None else DEFAULT_MODEL
        key = where.resolve()
        if key in _cache:
            return _cache[key]
        if not (where / "config.cfg").is_file():
            raise ExtractionError(
                f"no statistical NER model at {where} (train one: python scripts/train_ner.py)"
            )
        try:
            nlp = spacy.load(where)
        except (OSError, ValueError, KeyError) as exc:
            raise ExtractionError(f"cannot load statistical NER model {where}: {exc}") from exc
        tagger = _cache[key] = cls(nlp, where)
        return tagger

    def tag(self, text: str) -> list[tuple[int, int, str]]:
        """Entity spans of ``text`` as ``(start, end, label)``; ``text[start:end]`` is the mention.

        Examples
        --------
        >>> StatisticalTagger.load().tag("")
        []
        """
        return self._spans(self.nlp(text))

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> list[list[tuple[int, int, str]]]:
        """:meth:`tag` over many texts, batched (faster than one call each).

        Examples
        --------
        >>> [len(s) >= 0 for s in StatisticalTagger.load().tag_many(["a", "b"])]
        [True, True]
        """
        return [self._spans(doc) for doc in self.nlp.pipe(texts, batch_size=batch_size)]

    @staticmethod
    def _spans(doc: Doc) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS]


@Language.factory(
    "kg_statistical_ner",
    default_config={"model_path": None, "spans_key": "kg_statistical", "set_ents": True},
)
class StatisticalNer:
    """spaCy component running :class:`StatisticalTagger` on each doc.

    The spans always go to ``doc.spans[spans_key]``; with ``set_ents`` they are also added to
    ``doc.ents`` where they do not overlap entities set by earlier components (those win).

    Examples
    --------
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("kg_statistical_ner")
    >>> doc = nlp("We evaluate on ImageNet.")
    >>> all(s.label_ in LABELS for s in doc.spans["kg_statistical"])
    True
    """

    def __init__(
        self, nlp: Language, name: str, model_path: str | None, spans_key: str, set_ents: bool
    ) -> None:
        self.name = name
        self.tagger = StatisticalTagger.load(model_path)
        self.spans_key = spans_key
        self.set_ents = set_ents

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for start, end, label in self.tagger.tag(doc.text):
            # The host pipeline may tokenize differently; widen to its token boundaries.
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        if self.set_ents:
            doc.ents = _merge(list(doc.ents), spans)
        return doc


def _merge(existing: list[Span], new: list[Span]) -> list[Span]:
    taken = {i for s in existing for i in range(s.start, s.end)}
    free = [s for s in new if not taken.intersection(range(s.start, s.end))]
    return sorted(filter_spans(existing + free), key=lambda s: s.start)
