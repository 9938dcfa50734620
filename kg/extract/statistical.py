"""Statistical NER: the spaCy model trained on SciER by ``scripts/train_ner.py`` (Method, Task, Dataset).

The model ships in ``kg/models/scier-ner`` (GPL-3.0 derived data, see docs/ner-training.md). It knows
SciER's three labels only: Model vs Method and Benchmark vs Dataset are decided later from context.

A model folder is either one spaCy pipeline (``config.cfg``) or an ensemble: ``ensemble.json``
naming member pipelines (sub-folders, one per training seed) and ``min_votes``. An ensemble keeps a
span when at least ``min_votes`` members predict exactly that span, labelled as most of them label
it (see :func:`vote`).

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

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.errors import ExtractionError
from kg.vocab import EntityType

__all__ = ["DEFAULT_MODEL", "ENSEMBLE_FILE", "LABELS", "StatisticalTagger", "StatisticalNer", "vote"]

#: The shipped artefact (written by scripts/train_ner.py).
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "scier-ner"

#: Labels the model predicts; anything else a sourced model might still know is dropped.
LABELS = frozenset({EntityType.METHOD.value, EntityType.TASK.value, EntityType.DATASET.value})

#: In an ensemble folder: ``{"members": [sub-folder, ...], "min_votes": n}``.
ENSEMBLE_FILE = "ensemble.json"

_cache: dict[Path, StatisticalTagger] = {}

SpanT = tuple[int, int, str]


class StatisticalTagger:
    """Wraps the trained spaCy pipeline(s); returns ``(start, end, label)`` character spans.

    ``nlp`` is one pipeline or a list of ensemble members whose spans are combined by :func:`vote`.
    """

    def __init__(
        self, nlp: Language | Sequence[Language], path: Path | None = None, min_votes: int = 1
    ) -> None:
        self.members: list[Language] = [nlp] if isinstance(nlp, Language) else list(nlp)
        if not self.members:
            raise ValueError("a StatisticalTagger needs at least one pipeline")
        self.nlp = self.members[0]
        self.path = path
        self.min_votes = min_votes

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
        spec = where / ENSEMBLE_FILE
        if not spec.is_file() and not (where / "config.cfg").is_file():
            raise ExtractionError(
                f"no statistical NER model at {where} (train one: python scripts/train_ner.py)"
            )
        try:
            if spec.is_file():
                info = json.loads(spec.read_text(encoding="utf-8"))
                members = [spacy.load(where / m) for m in info["members"]]
                tagger = cls(members, where, min_votes=int(info["min_votes"]))
            else:
                tagger = cls(spacy.load(where), where)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ExtractionError(f"cannot load statistical NER model {where}: {exc}") from exc
        _cache[key] = tagger
        return tagger

    def tag(self, text: str) -> list[tuple[int, int, str]]:
        """Entity spans of ``text`` as ``(start, end, label)``; ``text[start:end]`` is the mention.

        Examples
        --------
        >>> StatisticalTagger.load().tag("")
        []
        """
        return self.tag_many([text])[0]

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> list[list[tuple[int, int, str]]]:
        """:meth:`tag` over many texts, batched (faster than one call each).

        Examples
        --------
        >>> [len(s) >= 0 for s in StatisticalTagger.load().tag_many(["a", "b"])]
        [True, True]
        """
        if len(self.members) == 1:
            return [_spans(doc) for doc in self.nlp.pipe(texts, batch_size=batch_size)]
        texts = list(texts)
        per_member = [[_spans(d) for d in m.pipe(texts, batch_size=batch_size)] for m in self.members]
        return [vote(preds, self.min_votes) for preds in zip(*per_member, strict=True)]


def _spans(doc: Doc) -> list[SpanT]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in LABELS]


def vote(predictions: Sequence[Sequence[SpanT]], min_votes: int) -> list[SpanT]:
    """Combine the members' spans of one text: keep ``(start, end)`` when ``min_votes`` members predict it.

    The label is the one most members gave that span (a tie goes to the earliest member's label).
    Spans that would overlap are settled by more votes, then length, then position, so the result
    never overlaps; it is sorted.

    Examples
    --------
    >>> a = [(0, 4, "Method"), (10, 14, "Task")]
    >>> b = [(0, 4, "Method"), (10, 14, "Dataset")]
    >>> c = [(0, 9, "Method"), (10, 14, "Dataset")]
    >>> vote([a, b, c], 2)
    [(0, 4, 'Method'), (10, 14, 'Dataset')]
    >>> vote([a, b, c], 1)
    [(0, 4, 'Method'), (10, 14, 'Dataset')]
    """
    votes: Counter[tuple[int, int]] = Counter()
    labels: dict[tuple[int, int], Counter[str]] = {}
    for preds in predictions:
        for start, end, label in set(preds):
            votes[start, end] += 1
            labels.setdefault((start, end), Counter())[label] += 1
    kept: list[SpanT] = []
    for (start, end), n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0][0] - kv[0][1], kv[0])):
        if n < min_votes or any(start < e and s < end for s, e, _ in kept):
            continue
        kept.append((start, end, labels[start, end].most_common(1)[0][0]))
    return sorted(kept)


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
