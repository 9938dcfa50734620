"""The learned entity tagger: a fine-tuned MiniLM encoder run by onnxruntime (no torch at run time).

``scripts/train_encoder.py`` fine-tunes all-MiniLM-L6-v2 plus a word-shape embedding and a BIO head
on the annotated abstracts and writes ``kg/models/encoder/``: the network as ONNX (``tagger.onnx``,
weights stored as float16, computed in float32), the vocabulary, config and provenance; it checks
that onnxruntime gives torch's probabilities. This module makes the same inputs: the same WordPiece
pieces (:mod:`kg.extract.wordpiece`) and windows (title + a chunk of the abstract).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from kg.extract.wordpiece import Piece, WordPiece
from kg.vocab import EntityType

__all__ = ["TYPES", "LABELS", "MODEL_DIR", "Window", "windows", "decode_bio", "EncoderTagger", "load_tagger"]

#: Label order of the shipped artefact (config.json repeats it; loading checks they agree).
TYPES: tuple[str, ...] = tuple(t.value for t in EntityType)
LABELS: list[str] = ["O"] + [f"{bio}-{t}" for t in TYPES for bio in ("B", "I")]
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "encoder"
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")

#: (field, start, end, type, score) of one predicted mention.
Span = tuple[str, int, int, str, float]


@dataclass(frozen=True)
class Window:
    """One encoder input: ``[CLS] title [SEP] chunk of the abstract [SEP]``."""

    ids: list[int]
    shapes: list[int]
    pieces: list[Piece | None]  # None for [CLS] / [SEP]
    fields: list[str | None]
    first: bool  # the first window of a paper: its title predictions are the ones kept


def _chunks(pieces: list[Piece], text: str, budget: int) -> list[list[Piece]]:
    """The abstract's pieces packed sentence by sentence into chunks of at most ``budget``."""
    bounds = [m.start() for m in _SENT_END.finditer(text)] + [len(text) + 1]
    sentences: list[list[Piece]] = []
    i = 0
    for b in bounds:
        sent = []
        while i < len(pieces) and pieces[i].start < b:
            sent.append(pieces[i])
            i += 1
        if sent:
            sentences.append(sent)
    chunks: list[list[Piece]] = []
    cur: list[Piece] = []
    for sent in sentences:
        while len(sent) > budget:  # a sentence longer than a window: cut it
            if cur:
                chunks.append(cur)
                cur = []
            chunks.append(sent[:budget])
            sent = sent[budget:]
        if len(cur) + len(sent) > budget:
            chunks.append(cur)
            cur = []
        cur = cur + sent
    if cur or not chunks:
        chunks.append(cur)
    return chunks


def windows(wp: WordPiece, title: str, abstract: str, max_len: int) -> list[Window]:
    """The encoder windows of one paper.

    Examples
    --------
    >>> wp = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "lora", "is", "good", "."])
    >>> [w.ids for w in windows(wp, "LoRA", "LoRA is good. LoRA is good.", 10)]
    [[2, 4, 3, 4, 5, 6, 7, 3], [2, 4, 3, 4, 5, 6, 7, 3]]
    """
    tp = wp.encode(title)[: max_len // 3]
    ap = wp.encode(abstract)
    budget = max(4, max_len - len(tp) - 3)
    out = []
    for n, chunk in enumerate(_chunks(ap, abstract, budget)):
        pieces: list[Piece | None] = [None, *tp, None, *chunk, None]
        fields: list[str | None] = [None] + ["title"] * len(tp) + [None] + ["abstract"] * len(chunk) + [None]
        ids = [wp.cls] + [p.id for p in tp] + [wp.sep] + [p.id for p in chunk] + [wp.sep]
        shapes = [0 if p is None else p.shape for p in pieces]
        out.append(Window(ids, shapes, pieces, fields, n == 0))
    return out


def _allowed() -> np.ndarray:
    """BIO transitions: ``I-T`` only after ``B-T`` or ``I-T``."""
    n = len(LABELS)
    ok = np.ones((n, n), dtype=bool)
    for j, name in enumerate(LABELS):
        if name.startswith("I-"):
            for i, prev in enumerate(LABELS):
                ok[i, j] = prev[2:] == name[2:] and prev != "O"
    return ok


_ALLOWED = _allowed()
_START_OK = np.array([not name.startswith("I-") for name in LABELS])


def decode_bio(probs: np.ndarray, pieces: Sequence[Piece]) -> list[tuple[int, int, str, float]]:
    """Spans from per-piece label probabilities: the most probable valid BIO path over words.

    A word is labelled by its first piece (as in training); a span covers whole words and scores
    the mean probability of its words' labels.

    Examples
    --------
    >>> ps = [Piece(0, 0, 4, 3, True), Piece(0, 5, 10, 0, True), Piece(0, 11, 15, 1, True)]
    >>> p = np.full((3, len(LABELS)), 0.01)
    >>> p[0, LABELS.index("B-Method")] = 0.9; p[1, 0] = 0.9; p[2, LABELS.index("I-Model")] = 0.9; p[2, 0] = 0.05
    >>> decode_bio(p, ps)   # a lone I- is not a valid path: the third word goes to O or B-
    [(0, 4, 'Method', 0.9)]
    """
    words = [i for i, p in enumerate(pieces) if p.first or i == 0]
    if not words:
        return []
    ends = [*(w - 1 for w in words[1:]), len(pieces) - 1]
    logp = np.log(np.clip(probs[words], 1e-9, 1.0))
    n, k = logp.shape
    score = np.where(_START_OK, logp[0], -np.inf)
    back = np.zeros((n, k), dtype=np.int64)
    trans = np.where(_ALLOWED, 0.0, -np.inf)
    for t in range(1, n):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + logp[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    path.reverse()
    spans: list[tuple[int, int, str, list[float]]] = []
    for t, lab in enumerate(path):
        name = LABELS[lab]
        if name == "O":
            continue
        pr = float(probs[words[t], lab])
        end = pieces[ends[t]].end
        if name.startswith("I-") and spans:
            spans[-1] = (spans[-1][0], end, spans[-1][2], [*spans[-1][3], pr])
        else:
            spans.append((pieces[words[t]].start, end, name[2:], [pr]))
    return [(s, e, t, round(sum(ps) / len(ps), 4)) for s, e, t, ps in spans]


def _threads() -> int:
    """``KG_ENCODER_THREADS``, else two threads in the main process (spaCy leaves a core idle) and
    one in worker processes (``kg build --workers N`` and dask workers already share the cores)."""
    env = os.environ.get("KG_ENCODER_THREADS")
    if env:
        return max(1, int(env))
    main = multiprocessing.current_process().name == "MainProcess"
    return min(2, os.cpu_count() or 1) if main else 1


class EncoderTagger:
    """Tags titles and abstracts with the fine-tuned encoder (an ONNX graph run by onnxruntime).

    Examples
    --------
    >>> text = "We fine-tune BERT with LoRA and report accuracy."
    >>> found = {(text[s:e], t) for f, s, e, t, _ in load_tagger().tag("", text)}
    >>> {("BERT", "Model"), ("LoRA", "Method")} <= found
    True
    """

    def __init__(self, model: bytes | Path, wp: WordPiece, max_len: int, min_score: float = 0.0) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _threads()
        opts.inter_op_num_threads = 1
        # The extractor runs the encoder in a thread beside spaCy (kg.extract.extractor): its idle
        # pool threads sleep instead of spinning on the core spaCy needs. Results do not change.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        source = model if isinstance(model, bytes) else str(model)
        self.session = ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])
        self.wp = wp
        self.max_len = max_len
        self.min_score = min_score  # spans scoring less are dropped (chosen on dev: docs/quality.md)

    @classmethod
    def from_dir(cls, path: Path) -> EncoderTagger:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config["labels"] != LABELS:
            raise ValueError(f"{path}: labels {config['labels']} do not match this kg's {LABELS}")
        wp = WordPiece.from_file(path / "vocab.txt")
        return cls(path / "tagger.onnx", wp, config["max_len"], config.get("min_score", 0.0))

    def _forward(self, batch: list[Window]) -> np.ndarray:
        """Label probabilities, shape (windows, pieces, labels)."""
        n = max(len(x.ids) for x in batch)
        ids = np.zeros((len(batch), n), dtype=np.int64)
        shapes = np.zeros((len(batch), n), dtype=np.int64)
        mask = np.zeros((len(batch), n), dtype=np.int64)
        for i, x in enumerate(batch):
            ids[i, : len(x.ids)] = x.ids
            shapes[i, : len(x.shapes)] = x.shapes
            mask[i, : len(x.ids)] = 1
        (probs,) = self.session.run(None, {"ids": ids, "shapes": shapes, "mask": mask})
        return np.asarray(probs)

    def tag_many(self, papers: Iterable[tuple[str, str]], batch_size: int = 16) -> list[list[Span]]:
        """Spans for each ``(title, abstract)``, windows batched by length across papers."""
        todo = list(papers)
        wins = [(i, win) for i, (t, a) in enumerate(todo) for win in windows(self.wp, t, a, self.max_len)]
        results: list[list[Span]] = [[] for _ in todo]
        order = sorted(range(len(wins)), key=lambda j: len(wins[j][1].ids))
        for s in range(0, len(order), batch_size):
            chunk = [wins[j] for j in order[s : s + batch_size]]
            probs = self._forward([win for _, win in chunk])
            for row, (i, win) in enumerate(chunk):
                for field in ("title", "abstract"):
                    if field == "title" and not win.first:
                        continue
                    idx = [k for k, f in enumerate(win.fields) if f == field]
                    if not idx:
                        continue
                    pieces = [win.pieces[k] for k in idx]
                    for start, end, typ, score in decode_bio(probs[row, idx], pieces):  # type: ignore[arg-type]
                        if score >= self.min_score:
                            results[i].append((field, start, end, typ, score))
        for r in results:
            r.sort(key=lambda s: (s[0] != "title", s[1]))
        return results

    def tag(self, title: str, abstract: str) -> list[Span]:
        """Spans of one paper."""
        return self.tag_many([(title, abstract)])[0]


@cache
def load_tagger(path: Path = MODEL_DIR) -> EncoderTagger:
    """The shipped tagger, loaded once per process (offline: it is package data)."""
    return EncoderTagger.from_dir(path)
