"""Training data of the relation typer (scripts/train_relations.py): each annotated abstract as the
extractor sees it (its mentions, parse and rule relations), the same abstract with the gold entities
as mentions, and the labelled candidates of either view."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from kg.evaluate.gold import normalise
from kg.extract import Extractor, build_nlp
from kg.extract.extractor import DEFAULT_SOURCES
from kg.extract.relation_features import (
    LABELS,
    SELF,
    RelationInput,
    allowed_mask,
    candidates,
    hash_features,
    title_head,
)
from kg.extract.relations import SentMention, extract_relations
from kg.types import PAPER, Paper, PaperRelation
from kg.vocab import EntityType

__all__ = ["cached_inputs", "gold_input", "gold_rules", "labelled", "mention_sources"]

_SYSTEMS = {EntityType.MODEL, EntityType.METHOD}


def mention_sources() -> str:
    """The mention recognisers the extractor runs with (``KG_MENTION_SOURCES``, else the default)."""
    return os.environ.get("KG_MENTION_SOURCES", DEFAULT_SOURCES)


def extract_inputs(rows: list[dict[str, Any]]) -> list[tuple[RelationInput, Any, list[PaperRelation]]]:
    """(predicted-entity input, parsed abstract, rule relations) per row, through the extractor."""
    # Not the shared instance (its relation step is replaced here); the default mention sources.
    ex = Extractor(*build_nlp(sources=mention_sources()))
    got: list[tuple[RelationInput, Any, list[PaperRelation]]] = []

    def capture(inp: RelationInput, adoc: Any) -> list[PaperRelation]:
        rules = extract_relations(inp.title, adoc, [(s, list(m)) for s, m in inp.sentences],
                                  list(inp.title_mentions), inp.types, inp.lead)
        got.append((inp, adoc, rules))
        return rules

    ex.relate = capture  # type: ignore[method-assign]  # the rules stay the extractor's relations
    papers = [Paper(str(r["id"]), r["title"], r["abstract"]) for r in rows]
    for n, _ in enumerate(ex.extract_many(papers), 1):
        if n % 200 == 0:
            print(f"  extracted {n}/{len(papers)}", file=sys.stderr)
    return got


def cached_inputs(rows: list[dict[str, Any]], cache: Path | None, name: str) -> list[Any]:
    """:func:`extract_inputs`, kept on disk between runs when ``cache`` is given (docs as a DocBin)."""
    if cache is None:
        return extract_inputs(rows)
    from spacy.tokens import DocBin

    key = hashlib.sha256(json.dumps([mention_sources(), *(r["id"] for r in rows)]).encode()).hexdigest()[:12]
    docs_p, meta_p = cache / f"{name}-{key}.spacy", cache / f"{name}-{key}.pkl"
    if docs_p.is_file() and meta_p.is_file():
        nlp = build_nlp()[0]
        docs = list(DocBin().from_disk(docs_p).get_docs(nlp.vocab))
        got = []
        for (title, tms, sms, types, lead, rules), tdoc, adoc in zip(
            pickle.loads(meta_p.read_bytes()), docs[::2], docs[1::2], strict=True
        ):
            sents = tuple((s, tuple(ms)) for s, ms in zip(adoc.sents, sms, strict=True))
            got.append((RelationInput(title, tdoc, sents, tms, types, lead), adoc, rules))
        return got
    got = extract_inputs(rows)
    cache.mkdir(parents=True, exist_ok=True)
    db = DocBin(attrs=["ORTH", "TAG", "HEAD", "DEP", "SENT_START", "SPACY"])
    for inp, adoc, _ in got:
        db.add(inp.title_doc)
        db.add(adoc)
    db.to_disk(docs_p)
    meta = [(i.title, i.title_mentions, [ms for _, ms in i.sentences], i.types, i.lead, r) for i, _, r in got]
    meta_p.write_bytes(pickle.dumps(meta))
    return got


def gold_input(row: dict[str, Any], pred: RelationInput, adoc: Any) -> RelationInput:
    """The same parsed paper with the gold entities as its mentions (aliases found in the text)."""
    known = {normalise(m.name) for _, ms in pred.sentences for m in ms if m.known}
    surf = sorted(((a, e) for e in row["entities"] for a in {e["name"], *e.get("aliases", [])} if a),
                  key=lambda x: -len(x[0]))

    def locate(text: str) -> list[SentMention]:
        taken: list[tuple[int, int]] = []
        out = []
        for alias, e in surf:
            for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", text):
                if any(m.start() < b and a < m.end() for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                others = [x for x in e.get("aliases", []) if x != alias]
                near = text[max(0, m.start() - 80): m.end() + 80]
                defined = any(f"{x} ({alias})" in near or f"{alias} ({x})" in near for x in others)
                out.append(SentMention(m.start(), m.end(), e["name"], EntityType(e["type"]),
                                       known=normalise(e["name"]) in known, defined=defined))
        return sorted(out, key=lambda m: m.start)

    absm = locate(adoc.text)
    sents = []
    for s, _ in pred.sentences:
        ms = [SentMention(m.start - s.start_char, m.end - s.start_char, m.name, m.type, m.known, m.defined)
              for m in absm if s.start_char <= m.start and m.end <= s.end_char]
        sents.append((s, tuple(ms)))
    types = {e["name"]: EntityType(e["type"]) for e in row["entities"]}
    return RelationInput(pred.title, pred.title_doc, tuple(sents), tuple(locate(pred.title)), types)


def gold_rules(inp: RelationInput, adoc: Any) -> list[PaperRelation]:
    """The rule extractor over gold mentions (what it would say given the right entities)."""
    return extract_relations(inp.title, adoc, [(s, list(m)) for s, m in inp.sentences],
                             list(inp.title_mentions), inp.types, title_head(inp))


def _to_gold(row: dict[str, Any], inp: RelationInput) -> dict[str, str]:
    """Input names -> normalised gold names (by any shared alias), as the scorer matches them."""
    gold = {normalise(a): normalise(e["name"]) for e in row["entities"] for a in [e["name"], *e.get("aliases", [])]}
    surf: dict[str, set[str]] = defaultdict(set)
    for s, ms in [(inp.title_doc[:], inp.title_mentions), *inp.sentences]:
        for m in ms:
            surf[m.name].add(s.text[m.start: m.end])
    out = {}
    for name in inp.types:
        for a in [name, *sorted(surf[name])]:
            if normalise(a) in gold:
                out[name] = gold[normalise(a)]
                break
    return out


def _gold_own(row: dict[str, Any], inp: RelationInput, to_gold: dict[str, str]) -> tuple[list[str], str]:
    proposed = {normalise(r["tail"]) for r in row["relations"] if r["type"] == "proposes"}
    own = [n for n in inp.types if to_gold.get(n) in proposed]
    head = title_head(inp)
    order = {m.name: k for k, m in enumerate([*inp.title_mentions, *(m for _, ms in inp.sentences for m in ms)])}
    own.sort(key=lambda n: (n != head, order.get(n, 1 << 30)))
    systems = [n for n in own if inp.types[n] in _SYSTEMS]
    return own, systems[0] if systems else PAPER


def labelled(row: dict[str, Any], inp: RelationInput) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Hashed features, labels and label masks of every candidate of one paper."""
    to_gold = _to_gold(row, inp)
    own, main = _gold_own(row, inp, to_gold)
    gold: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for r in row["relations"]:
        h = PAPER if r["head"] == PAPER else normalise(r["head"])
        gold[(h, r["type"], normalise(r["tail"]))].append(r.get("evidence", ""))
    cands = [*candidates(inp, [], PAPER, frozenset({"paper"})),
             *candidates(inp, own, main, frozenset({"pair", "self"}))]
    head_type = "Paper" if main == PAPER else inp.types[main].value
    feats, ys, masks = [], [], []
    hits: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for n, c in enumerate(cands):
        head = main if c.head == SELF else c.head
        hg = PAPER if head == PAPER else to_gold.get(head, "pred:" + head)
        tg = to_gold.get(c.tail, "pred:" + c.tail)
        mask = allowed_mask(c, inp.types, head_type).astype(np.float64)
        y = np.zeros(len(LABELS))
        for j, r in enumerate(LABELS):
            if mask[j] and (hg, r.value, tg) in gold:
                y[j] = 1.0
                hits[(hg, r.value, tg)].append(n)
        feats.append(hash_features(c.features))
        ys.append(y)
        masks.append(mask)
    # A triple stated in one sentence (its evidence) is not a positive of every other sentence naming the pair.
    for key, ns in hits.items():
        evid = [e for e in gold[key] if e]
        good = [n for n in ns if any(e[:40] in cands[n].evidence or cands[n].evidence.strip() in e for e in evid)]
        if good:
            j = [r.value for r in LABELS].index(key[1])
            for n in set(ns) - set(good):
                ys[n][j], masks[n][j] = 0.0, 0.0
    return feats, np.array(ys).reshape(-1, len(LABELS)), np.array(masks).reshape(-1, len(LABELS))
