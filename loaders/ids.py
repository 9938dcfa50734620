"""Paper ids: the normalised title they hash and the arXiv ids they prefer (docs/architecture.md, Ids).

Examples
--------
>>> paper_id("BERT:  Pre-training of Deep Bidirectional Transformers", None)
'title:6058ad6dad03a165'
>>> paper_id("anything", "arXiv:1810.04805v2")
'arxiv:1810.04805'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from loaders.text import clean_text

__all__ = ["paper_id", "normalise_title", "parse_arxiv_id"]

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
# New-style (YYMM.NNNN[N]) and old-style (archive[.SUBJ]/YYMMNNN) arXiv identifiers.
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Za-z\-]{2,})?/\d{7}"
_ARXIV_ID = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE
)


def normalise_title(title: str) -> str:
    """Return the form of ``title`` that ids hash: NFKC, casefolded, punctuation and spaces collapsed.

    The title is cleaned first (:func:`clean_text`), so a raw title and the Paper.title made from
    it hash the same.

    Examples
    --------
    >>> normalise_title("BERT:  Pre-Training\\tof  Deep Transformers!")
    'bert pre training of deep transformers'
    >>> normalise_title("???")
    '???'
    """
    folded = unicodedata.normalize("NFKC", clean_text(title)).casefold()
    words = _NON_WORD.sub(" ", folded).strip()
    # A title of punctuation only still needs a stable, non-empty key.
    return words or _WS.sub(" ", folded).strip()


def parse_arxiv_id(value: str) -> str | None:
    """Return the version-less arXiv id in ``value`` (bare, ``arXiv:`` or abs/pdf URL), else None.

    Examples
    --------
    >>> parse_arxiv_id("http://arxiv.org/abs/2101.00001v3")
    '2101.00001'
    >>> parse_arxiv_id("hep-th/9901001v1")
    'hep-th/9901001'
    >>> parse_arxiv_id("my-paper-7") is None
    True
    """
    text = _ARXIV_PREFIX.sub("", value.strip())
    text = text.removesuffix(".pdf")
    m = _ARXIV_ID.match(text)
    return m.group("id") if m else None


def paper_id(title: str, arxiv_id: str | None) -> str:
    """Stable paper id: ``arxiv:<id without version>`` if known, else a hash of the normalised title.

    Parameters
    ----------
    title : str
        The paper title (only used when there is no arXiv id).
    arxiv_id : str or None
        An arXiv id in any spelling :func:`parse_arxiv_id` accepts. One it cannot parse is ignored.

    Returns
    -------
    str
        ``arxiv:<id>`` or ``title:<first 16 hex of sha1(normalise_title(title))>``.

    Examples
    --------
    >>> paper_id("Attention Is All You Need", "1706.03762v7")
    'arxiv:1706.03762'
    >>> paper_id("Attention is all you need.", None) == paper_id("ATTENTION  IS ALL YOU NEED", None)
    True
    """
    if arxiv_id:
        parsed = parse_arxiv_id(arxiv_id)
        if parsed:
            return f"arxiv:{parsed}"
    digest = hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()
    return f"title:{digest[:16]}"
