"""Relation candidates of one paper and their hashed sparse features (shared by training and runtime).

A candidate is a (head, tail) pair inside one sentence of the abstract or the title:

- ``pair``: two entity mentions of the sentence;
- ``self``: the paper's own contribution (its named system, else PAPER) -> a mention, for
  sentences that say "we / our method" without naming it;
- ``paper``: PAPER -> a mention, scored for ``proposes`` only.

Only types the ontology allows for the pair (:meth:`kg.vocab.RelationType.allows`) are ever scored.
Features are strings hashed into ``2**BITS`` buckets with a stable hash (crc32), so the same text
gives the same indices in every process.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from spacy.tokens import Doc, Span, Token

from kg.extract.ortho import is_name_like
from kg.extract.relations import SentMention
from kg.types import PAPER
from kg.vocab import EntityType, RelationType

__all__ = [
    "BITS",
    "LABELS",
    "Candidate",
    "RelationInput",
    "candidates",
    "title_head",
    "SELF",
    "allowed_mask",
    "hash_features",
]

BITS = 18
#: Output columns of the model, in this order.
LABELS: tuple[RelationType, ...] = tuple(RelationType)
_SYSTEMS = frozenset({EntityType.MODEL, EntityType.METHOD})
_SELF_WORDS = re.compile(
    r"\b(?:we|our|ours|this (?:method|approach|model|framework|work|paper|technique|system)|"
    r"the proposed|the resulting)\b",
    re.I,
)
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class RelationInput:
    """What the relation step sees of one paper: the parsed fields and the entity mentions.

    ``sentences`` pairs each abstract sentence with its mentions (sentence-relative offsets,
    canonical names); ``title_mentions`` index the title. ``types`` maps every canonical name
    to its type; ``lead`` is the title's lead name ("ProcX: ..."), if any.
    """

    title: str
    title_doc: Doc
    sentences: tuple[tuple[Span, tuple[SentMention, ...]], ...]
    title_mentions: tuple[SentMention, ...]
    types: dict[str, EntityType]
    lead: str | None = None
    #: (head, type value, tail, evidence) the rule extractor found: stacked as features.
    rule_hints: frozenset[tuple[str, str, str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored pair: ``head`` is a canonical name, PAPER, or :data:`SELF` (resolved later)."""

    kind: str  # pair | self | paper
    head: str
    tail: str
    sentence: int  # -1 = title, else index into RelationInput.sentences
    evidence: str
    features: tuple[str, ...]


SELF = "<self>"


def _word(t: Token) -> str:
    return _DIGITS.sub("0", t.lower_)


def _stem(w: str) -> str:
    return w[:5] if len(w) > 5 else w


def _tokens(sent: Span, m: SentMention) -> Span:
    doc = sent.doc
    span = doc.char_span(sent.start_char + m.start, sent.start_char + m.end, alignment_mode="expand")
    if span is None or len(span) == 0:  # offsets outside the parse: fall back to the first token
        return sent[0:1]
    return span


def _path(a: Token, b: Token) -> tuple[list[str], list[str]]:
    """Dependency labels and interior words from ``a`` up to the common ancestor and down to ``b``."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    ids_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in ids_b:
            lca, nb = t, ids_b[t.i]
            left, right = up_a[:n], up_b[:nb]
            labels = [f"{x.dep_}^" for x in left] + [f"{x.dep_}v" for x in reversed(right)]
            words = [_word(x) for x in left[1:]] + [_word(lca)] + [_word(x) for x in right[1:]]
            return labels, words
    return ["nopath"], []


def _bucket(n: int) -> str:
    return str(n) if n < 4 else ("4-7" if n < 8 else ("8-15" if n < 16 else "16+"))


def _mention_flags(prefix: str, m: SentMention, own: set[str], title_names: set[str], text: str) -> list[str]:
    f = [f"{prefix}t:{m.type.value}"]
    if m.name in own:
        f.append(f"{prefix}own")
    if m.known:
        f.append(f"{prefix}known")
    if m.defined:
        f.append(f"{prefix}def")
    if m.name in title_names:
        f.append(f"{prefix}intitle")
    surface = text[m.start : m.end]
    f.append(f"{prefix}shape:{'name' if is_name_like(surface.split()[0]) else 'lower'}")
    return f


def _pair_features(
    sent: Span, ms: Sequence[SentMention], a: SentMention, b: SentMention, ctx: list[str], own: set[str],
    title_names: set[str],
) -> list[str]:
    text = sent.text
    ta, tb = _tokens(sent, a), _tokens(sent, b)
    first, second = (ta, tb) if a.start < b.start else (tb, ta)
    order = "hf" if a.start < b.start else "tf"
    between = [_word(t) for t in sent.doc[first.end : second.start]]
    f = [f"order:{order}", f"htt:{a.type.value}_{b.type.value}_{order}", f"dist:{_bucket(len(between))}"]
    f += _mention_flags("h_", a, own, title_names, text) + _mention_flags("t_", b, own, title_names, text)
    if len(between) <= 4:
        f.append(f"bseq:{order}:{' '.join(between)}")
    near = between if len(between) <= 12 else between[:5] + between[-5:]
    for w in near:
        f += [f"bw:{w}", f"bw:{order}:{w}", f"bs:{_stem(w)}"]
    for x, y in zip(near, near[1:], strict=False):
        f.append(f"bb:{order}:{x}_{y}")
    inner = [m for m in ms if m.start >= min(a.end, b.end) and m.end <= max(a.start, b.start)]
    f.append(f"gapents:{min(len(inner), 3)}")
    if any(m.type in _SYSTEMS for m in inner):
        f.append("gapsys")
    doc = sent.doc
    for k, t in enumerate(doc[max(sent.start, first.start - 2) : first.start]):
        f.append(f"pre{k}:{_word(t)}")
    for k, t in enumerate(doc[second.end : min(sent.end, second.end + 2)]):
        f.append(f"post{k}:{_word(t)}")
    if doc.has_annotation("DEP"):
        labels, words = _path(ta.root, tb.root)
        f.append(f"dp:{'_'.join(labels) if len(labels) <= 6 else 'long'}")
        for w in words[:6]:
            f += [f"dpw:{w}", f"dps:{_stem(w)}"]
    return ["K:pair", *ctx, *f]


def _anchor_features(
    kind: str, sent: Span, ms: Sequence[SentMention], b: SentMention, ctx: list[str], own: set[str],
    title_names: set[str], seen: set[str],
) -> list[str]:
    """Features of a tail whose head is not a mention (the paper or its contribution)."""
    text = sent.text
    tb = _tokens(sent, b)
    doc = sent.doc
    before = [_word(t) for t in doc[sent.start : tb.start]]
    f = _mention_flags("t_", b, own, title_names, text)
    f.append("t_new" if b.name not in seen else "t_seen")
    for w in before[-8:]:
        f += [f"pw:{w}", f"ps:{_stem(w)}"]
    for k, w in enumerate(reversed(before[-3:])):
        f.append(f"p{k}:{w}")
    if len(before) <= 4:
        f.append(f"pseq:{' '.join(before)}")
    for k, t in enumerate(doc[tb.end : min(sent.end, tb.end + 2)]):
        f.append(f"post{k}:{_word(t)}")
    sys_before = [m for m in ms if m.end <= b.start and m.type in _SYSTEMS]
    f.append(f"sysbefore:{min(len(sys_before), 2)}")
    if any(m.name in own for m in ms):
        f.append("own_in_sent")
    if doc.has_annotation("DEP"):
        root = sent.root
        labels, words = _path(root, tb.root)
        f.append(f"rp:{'_'.join(labels) if len(labels) <= 5 else 'long'}")
        for w in words[:5]:
            f += [f"rpw:{w}", f"rps:{_stem(w)}"]
        subj = [c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subj:
            s = subj[0]
            f.append(f"subj:{_word(s)}")
            s0, s1 = s.left_edge.idx - sent.start_char, s.right_edge.idx + len(s.right_edge) - sent.start_char
            if any(m.start >= s0 and m.end <= s1 for m in ms if m.type in _SYSTEMS and m is not b):
                f.append("subj_named")
            if _SELF_WORDS.search(text[s0:s1]):
                # "Our method outperforms X": the verb that links the paper's own subject to the tail.
                f += ["subj_self", *(f"subj_self|{w}" for w in words[:3])]
    return [f"K:{kind}", *ctx, *[f"{kind}|{x}" for x in f], *f]


def title_head(inp: RelationInput) -> str | None:
    """The name a title starts with when a colon or dash follows it ("ProcX: ...")."""
    title = inp.title_doc.text  # the offsets of title_mentions index the (normalised) parsed title
    off = len(title) - len(title.lstrip())
    for m in inp.title_mentions:
        if m.start == off and title[m.end :].lstrip()[:1] in {":", "-", "\u2014", "\u2013"}:
            return m.name
    return None


def candidates(inp: RelationInput, own: Sequence[str], main: str, kinds: frozenset[str]) -> list[Candidate]:
    """Candidate pairs of one paper of the given ``kinds`` (see the module docstring).

    ``own`` are the names the paper proposes and ``main`` its contribution (a name or PAPER);
    ``paper`` candidates never see them (they are what those candidates predict).
    """
    own_set = set(own)
    title_names = {m.name for m in inp.title_mentions}
    head = title_head(inp)
    title_span = inp.title_doc[:]
    fields: list[tuple[int, Span, Sequence[SentMention]]] = [(-1, title_span, inp.title_mentions)]
    fields += [(i, s, ms) for i, (s, ms) in enumerate(inp.sentences)]
    n_sent = len(inp.sentences)
    out: list[Candidate] = []
    seen: set[str] = set()
    # Paper-level facts about each name: how often and how early the paper names it.
    count: dict[str, int] = {}
    first: dict[str, str] = {}
    for idx, _, ms in fields:
        for m in ms:
            count[m.name] = count.get(m.name, 0) + 1
            first.setdefault(m.name, "title" if idx < 0 else _bucket(idx))

    def doc_facts(name: str) -> list[str]:
        return [f"t_count:{_bucket(count.get(name, 0))}", f"t_first:{first.get(name, '-')}"]

    exact = {(h, r, t): ev for h, r, t, ev in inp.rule_hints}
    by_tail = {(r, t) for _, r, t, _ in inp.rule_hints}

    def hints(head: str, tail: str, evidence: str) -> list[str]:
        """What the rules said about this pair (stacking: the model learns when to trust them)."""
        f = []
        for r in LABELS:
            ev = exact.get((head, r.value, tail))
            if ev is not None:
                f.append(f"rule:{r.value}")
                if ev.strip() == evidence.strip():
                    f.append(f"rule_here:{r.value}")
            elif (r.value, tail) in by_tail:
                f.append(f"rule_tail:{r.value}")
        return f

    for idx, sent, ms in fields:
        text = sent.text
        pos = "title" if idx < 0 else ("first" if idx == 0 else ("last" if idx == n_sent - 1 else "mid"))
        ctx = [f"pos:{pos}"]
        if _SELF_WORDS.search(text):
            ctx.append("we")
        pctx = [*ctx, "has_titlehead"] if head else ctx
        if own_set:
            ctx.append("has_own")
        for a in ms:
            if "pair" not in kinds:
                break
            if a.type not in _SYSTEMS:
                continue
            for b in ms:
                if b is a or b.name == a.name:
                    continue
                f = _pair_features(sent, ms, a, b, ctx, own_set, title_names) + hints(a.name, b.name, text)
                out.append(Candidate("pair", a.name, b.name, idx, text, tuple(f)))
        done: set[str] = set()
        for b in ms:
            if b.name in done:
                continue
            done.add(b.name)
            if "paper" in kinds:
                f = _anchor_features("paper", sent, ms, b, pctx, set(), title_names, seen) + doc_facts(b.name)
                f += hints(PAPER, b.name, text)
                if b.name == head:
                    f.append("t_titlehead")
                out.append(Candidate("paper", PAPER, b.name, idx, text, tuple(f)))
            if "self" in kinds and b.name != main:
                f = _anchor_features("self", sent, ms, b, ctx, own_set, title_names, seen) + doc_facts(b.name)
                f += hints(main, b.name, text)
                out.append(Candidate("self", SELF, b.name, idx, text, tuple(f)))
        seen.update(m.name for m in ms)
    return out


def allowed_mask(c: Candidate, types: dict[str, EntityType], head_type: str | None) -> np.ndarray:
    """Which :data:`LABELS` the ontology allows for ``c`` (``head_type`` resolves SELF: a type
    value, or "Paper")."""
    tail = types[c.tail].value
    if c.kind == "paper":
        return np.array([r is RelationType.PROPOSES and r.allows("Paper", tail) for r in LABELS])
    head = head_type if c.kind == "self" else types[c.head].value
    return np.array([r is not RelationType.PROPOSES and r.allows(head or "Paper", tail) for r in LABELS])


def hash_features(features: Sequence[str], bits: int = BITS) -> np.ndarray:
    """Stable bucket indices of feature strings, plus the bias bucket 0.

    Examples
    --------
    >>> hash_features(["order:hf"]).tolist() == hash_features(["order:hf"]).tolist()
    True
    """
    mask = (1 << bits) - 1
    idx = {0} | {(zlib.crc32(s.encode()) & mask) or 1 for s in features}
    return np.fromiter(sorted(idx), dtype=np.int64)
