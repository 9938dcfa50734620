"""Typing a mention by its context: the words around a name ("X, a pruning method", "the Y
benchmark", "datasets such as Z") and the evaluation sentences it sits in.
"""

from __future__ import annotations

import re
from dataclasses import replace

from spacy.tokens import Doc

from kg.extract.candidate import Candidate
from kg.extract.lexicon import TYPE_NOUNS
from kg.vocab import EntityType

__all__ = ["context_type", "type_in_context"]


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


def type_in_context(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
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
        # A KB benchmark stays one when called a "dataset"; use decides later (kg.extract.entities.retype).
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
