"""BERT's uncased WordPiece tokenisation with character offsets into the original text.

The encoder (:mod:`kg.extract.encoder`) was fine-tuned on exactly these pieces by
``scripts/train_encoder.py``, which imports this module: training and inference cannot drift apart.
Every piece keeps the ``[start, end)`` of the original characters it came from, so predicted
spans index the field the text came from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Piece", "WordPiece", "basic_tokens", "shape_id", "N_SHAPES"]


@dataclass(frozen=True, slots=True)
class Piece:
    """One word piece: vocabulary id, the original span, and the shape of the original word."""

    id: int
    start: int
    end: int
    shape: int
    first: bool  # the first piece of a basic token


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _fold(ch: str) -> str:
    """Lower case without accents, as BERT's uncased vocabulary expects."""
    out = unicodedata.normalize("NFD", ch.lower())
    return "".join(c for c in out if unicodedata.category(c) != "Mn")


def basic_tokens(text: str) -> list[tuple[int, int]]:
    """Whitespace- and punctuation-split tokens as ``(start, end)`` offsets.

    Examples
    --------
    >>> t = "Qwen2-VL beats GPT-4."
    >>> [t[s:e] for s, e in basic_tokens(t)]
    ['Qwen2', '-', 'VL', 'beats', 'GPT', '-', '4', '.']
    """
    out: list[tuple[int, int]] = []
    start = -1
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in {"Cc", "Cf", "Zs"} or ch == "\ufffd":
            if start >= 0:
                out.append((start, i))
                start = -1
        elif _is_punct(ch) or 0x4E00 <= ord(ch) <= 0x9FFF:
            if start >= 0:
                out.append((start, i))
                start = -1
            out.append((i, i + 1))
        elif start < 0:
            start = i
    if start >= 0:
        out.append((start, len(text)))
    return out


#: Word shapes the uncased vocabulary cannot see; the encoder gets them as an extra embedding.
_SHAPES = ("lower", "upper", "title", "mixed", "digit", "alnum", "punct", "other")
N_SHAPES = len(_SHAPES)


def shape_id(word: str) -> int:
    """Orthographic class of a basic token: case matters for names (BERT vs bert).

    Examples
    --------
    >>> [shape_id(w) for w in ["model", "LLM", "Llama", "LoRA", "2024", "GPT4", "-"]]
    [0, 1, 2, 3, 4, 5, 6]
    """
    if all(_is_punct(c) for c in word):
        return 6
    has_digit = any(c.isdigit() for c in word)
    letters = [c for c in word if c.isalpha()]
    if has_digit:
        return 4 if not letters else 5
    if not letters:
        return 7
    if all(c.islower() for c in letters):
        return 0
    if all(c.isupper() for c in letters):
        return 1 if len(letters) > 1 else 2
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return 2
    return 3


class WordPiece:
    """Greedy longest-match WordPiece over a BERT ``vocab.txt``.

    Examples
    --------
    >>> wp = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "lo", "##ra", "beats", "-"])
    >>> [(p.id, p.start, p.end) for p in wp.encode("LoRA beats")]
    [(4, 0, 2), (5, 2, 4), (6, 5, 10)]
    """

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self.pad = self.vocab["[PAD]"]
        self._words: dict[str, tuple[int, tuple[tuple[int, int, int, bool], ...]]] = {}

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def encode(self, text: str, offset: int = 0) -> list[Piece]:
        """Pieces of ``text``; offsets are shifted by ``offset``."""
        pieces: list[Piece] = []
        for s, e in basic_tokens(text):
            shape, parts = self._word(text[s:e])
            at = offset + s
            pieces.extend(Piece(i, at + a, at + b, shape, first) for i, a, b, first in parts)
        return pieces

    def _word(self, word: str) -> tuple[int, tuple[tuple[int, int, int, bool], ...]]:
        """Shape and pieces ``(id, start, end, first)`` of one basic token, offsets within the word.

        Words repeat across abstracts: the last 2**16 are remembered (``self._words``).
        """
        known = self._words.get(word)
        if known is not None:
            return known
        shape = shape_id(word)
        folded: list[str] = []
        origin: list[int] = []  # folded char -> original index
        for i, ch in enumerate(word):
            f = _fold(ch)
            folded.extend(f)
            origin.extend([i] * len(f))
        parts: list[tuple[int, int, int, bool]] = []
        flat = "".join(folded)
        if not folded:
            pass
        elif len(flat) > 100:
            parts = [(self.unk, 0, len(word), True)]
        else:
            start = 0
            while start < len(flat):
                end = len(flat)
                found = None
                while start < end:
                    sub = flat[start:end] if start == 0 else "##" + flat[start:end]
                    if sub in self.vocab:
                        found = self.vocab[sub]
                        break
                    end -= 1
                if found is None:
                    parts = [(self.unk, 0, len(word), True)]
                    break
                parts.append((found, origin[start], origin[end - 1] + 1, start == 0))
                start = end
        out = (shape, tuple(parts))
        if len(self._words) >= 1 << 16:
            self._words.clear()
        self._words[word] = out
        return out
