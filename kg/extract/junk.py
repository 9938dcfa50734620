"""Names that are never entities: placeholders, function words, numbers, adjective forms,
camel-cased English words and fragments of a longer name.

The recognisers propose spans by shape and context; some shapes are never a model, method,
dataset, benchmark, task or metric whatever the context. These are general rules of orthography
and word lists, applied as the extractor's last filter (:func:`junk_reason` on a name,
:func:`is_fragment` on where a name occurs).

Examples
--------
>>> [junk_reason(n) for n in ["ModelName", "NOT", "sim0.6", "LoRA-Based", "reStructured", "LoRA"]]
['placeholder', 'function word', 'number', 'adjective form', 'camel-cased word', None]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from spacy.lang.en.stop_words import STOP_WORDS

from kg.types import PaperEntity, PaperRelation

__all__ = ["junk_reason", "is_fragment", "drop_junk", "without"]

# Discourse words that open sentences capitalised ("Specifically, ...") but are not in spaCy's list.
_DISCOURSE = frozenset(
    ["specifically", "notably", "additionally", "finally", "overall", "importantly", "furthermore",
     "consequently", "existing", "recent", "previous", "prior", "extensive", "experimental",
     "experiments", "results", "ours"]
)  # fmt: skip
_FUNCTION = frozenset(w.casefold() for w in STOP_WORDS) | _DISCOURSE
# Generic nouns a template names its slots with: "ModelName", "VideoDatasetName", "YourMethodHere".
_SLOT_WORDS = (
    "model|dataset|data|method|task|benchmark|metric|video|image|text|audio|paper|system|approach|"
    "framework|algorithm|network|baseline|tool|library|language|your|my|our|some|new|foo|bar"
)
_PLACEHOLDER = re.compile(
    rf"(?:(?:{_SLOT_WORDS})[-_ ]?)*(?:name|placeholder|here|tbd|todo)\d*"
    r"|(?P<rep>[a-z])(?P=rep){2,}\d*"  # "XXX", "yyy"
    r"|(?:foo|bar|baz|tbd|todo|n/?a|anonymous)",
    re.IGNORECASE,
)
# A number, a size, a version alone, a range or an approximate value: "80.1%", "sim0.6", "v2", "3-5".
_NUMBER = re.compile(
    r"(?:sim|approx|about|~|∼|≈|<|>|≤|≥|±|\+|-|−)?\s*"
    r"(?:\d[\d.,]*(?:\s*[-–~]\s*\d[\d.,]*)?\s*(?:%|x|×|[kKMBT]|bn|pp|st|nd|rd|th|s)?"
    r"|[vV]\d+(?:\.\d+)*)",
)
# "-based", "-like", ...: an adjective made from a name ("LoRA-Based" training): the base may be a
# name, the adjective is not.
_ADJECTIVE = re.compile(
    r".+-(?:based|like|style|driven|oriented|powered|inspired|centric|centered|guided|augmented|"
    r"enhanced|specific|agnostic|aware|friendly|compatible|dependent|independent|level|wise)",
    re.IGNORECASE,
)
# An English word with a capital inside ("reStructured", "preTrained"): a prefix written apart, or
# an inflected word; names with inner caps have more of them ("mBERT", "xLSTM", "fastText" keeps).
_CAMEL_WORD = re.compile(
    r"(?:re|pre|un|de|co|non|sub|over|under|multi|self|post|inter|intra|trans|super|semi|anti|mis|"
    r"dis|out|up|down|cross|meta|hyper)[A-Z][a-z]{3,}"
    r"|[a-z]{2,}[A-Z][a-z]*(?:ed|ing|ly|ion|ions|ive|al)"
)


def junk_reason(name: str) -> str | None:
    """Why ``name`` can never be an entity, or None.

    Examples
    --------
    >>> [junk_reason(n) for n in ["VideoDatasetName", "DatasetName", "XXX", "YourMethodHere"]]
    ['placeholder', 'placeholder', 'placeholder', 'placeholder']
    >>> [junk_reason(n) for n in ["The", "Our", "Specifically", "the of"]]
    ['function word', 'function word', 'function word', 'function word']
    >>> [junk_reason(n) for n in ["80.1%", "v2", "3.5x", "~10K", "2–4", "sim0.6", "1st"]]
    ['number', 'number', 'number', 'number', 'number', 'number', 'number']
    >>> [junk_reason(n) for n in ["Transformer-like", "GAN-style", "data-driven", "preTrained"]]
    ['adjective form', 'adjective form', 'adjective form', 'camel-cased word']
    >>> [junk_reason(n) for n in ["GPT-4", "Llama 2", "XXL", "v2 model", "mBERT", "xLSTM", "fastText",
    ...                           "DeBERTa", "word2vec", "NameNet", "Top-1", "ImageNet-1K", "Re-ID"]]
    [None, None, None, None, None, None, None, None, None, None, None, None, None]
    """
    text = name.strip()
    if not text:
        return "empty"
    if _PLACEHOLDER.fullmatch(text) and not _is_short_acronym(text):
        return "placeholder"
    words = text.split()
    if all(w.casefold().strip(".,;:") in _FUNCTION for w in words):
        return "function word"
    if _NUMBER.fullmatch(text):
        return "number"
    if _ADJECTIVE.fullmatch(text) and " " not in text:
        return "adjective form"
    if " " not in text and _CAMEL_WORD.fullmatch(text):
        return "camel-cased word"
    return None


def _is_short_acronym(text: str) -> bool:
    # "NA" can be an acronym a paper defines; a repeated-letter run of three or more never is.
    return text.isupper() and len(text) <= 2


def is_fragment(mentions: Iterable[tuple[int, int]], containers: Sequence[tuple[int, int]]) -> bool:
    """True when every mention lies strictly inside one of ``containers`` (the spans of longer
    names in the same field: other entities' mentions, the long forms of acronym definitions):
    the span is a piece of a name, never a name of its own there.

    Examples
    --------
    >>> t = "We present COntrastive Streamlined MultimOdal Model (COSMO)."
    >>> long_form = (t.index("COntrastive"), t.index(" (COSMO"))
    >>> s = t.index("MultimOdal")
    >>> is_fragment([(s, s + 10)], [long_form])
    True
    >>> s = t.index("COSMO")
    >>> is_fragment([(s, s + 5)], [long_form]), is_fragment([long_form], [long_form])
    (False, False)
    >>> is_fragment([], [long_form])
    False
    """
    spans = list(mentions)
    return bool(spans) and all(
        any(s <= a and b <= e and (a, b) != (s, e) for s, e in containers) for a, b in spans
    )


def drop_junk(
    entities: Sequence[PaperEntity],
    relations: Sequence[PaperRelation],
    texts: Mapping[str, str],
    long_forms: Mapping[str, Sequence[tuple[int, int]]],
) -> tuple[list[PaperEntity], list[PaperRelation]]:
    """The entities that may be entities, and the relations between them.

    An entity goes when its name is junk (:func:`junk_reason`), or when it is capitalised, not a
    KB name, and each of its mentions is a piece of a longer name: an acronym definition's long
    form (``long_forms``: spans per field) or a longer name of another entity wherever it occurs
    in the field (``texts``: the fields), so a title fragment goes with its abstract definition.

    Examples
    --------
    >>> from kg.types import EntityType, Mention, RelationType
    >>> t = "We present COntrastive Streamlined MultimOdal Model (COSMO)."
    >>> def ent(name, start):
    ...     m = Mention("abstract", start, start + len(name), name, EntityType.MODEL, origin="caps")
    ...     return PaperEntity(name, EntityType.MODEL, (name,), (m,))
    >>> long = "COntrastive Streamlined MultimOdal Model"
    >>> es = [ent(long, 11), ent("MultimOdal", t.index("MultimOdal")), ent("ModelName", 70)]
    >>> rels = [PaperRelation("PAPER", RelationType.PROPOSES, n, "", 0.9) for n in (long, "ModelName")]
    >>> kept, kept_rels = drop_junk(es, rels, {"abstract": t}, {"abstract": [(11, 11 + len(long))]})
    >>> [e.name for e in kept], [r.tail for r in kept_rels]
    (['COntrastive Streamlined MultimOdal Model'], ['COntrastive Streamlined MultimOdal Model'])
    """
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for e in entities:
        for f, text in texts.items():
            for alias in {e.name, *e.aliases}:
                spans.setdefault(f, []).extend(
                    (m.start(), m.end(), e.name) for m in re.finditer(re.escape(alias), text) if alias
                )
    junk = set()
    for e in entities:
        reason = junk_reason(e.name)
        # "US (ultrasound)": an acronym the paper defines, or the KB knows, is a name.
        if reason == "function word" and any(m.origin in {"abbrev", "short", "kb"} for m in e.mentions):
            reason = None
        if reason is not None:
            junk.add(e.name)
            continue
        if not e.name[:1].isupper() or any(m.origin == "kb" for m in e.mentions):
            continue
        if all(
            is_fragment(
                [(m.start, m.end)],
                [*long_forms.get(m.field, ()), *((a, b) for a, b, n in spans.get(m.field, ()) if n != e.name)],
            )
            for m in e.mentions
        ):
            junk.add(e.name)
    return without(entities, relations, junk)


def without(
    entities: Sequence[PaperEntity], relations: Sequence[PaperRelation], dropped: set[str]
) -> tuple[list[PaperEntity], list[PaperRelation]]:
    """The entities not named in ``dropped``, and the relations that name none of those."""
    return (
        [e for e in entities if e.name not in dropped],
        [r for r in relations if r.head not in dropped and r.tail not in dropped],
    )
