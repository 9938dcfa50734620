#!/usr/bin/env python
"""Train the learned relation typer shipped in ``kg/models/relations/`` (seeded, CPU, numpy + scipy).

Data (``--data``, default ../shared/data): trains on train-gold ``train.jsonl`` + ``train-conf.jsonl``
+ dev-gold ``seeds-dev.jsonl``; chooses thresholds and the confidence map on train-gold ``dev.jsonl``,
and the per-type rules/learned policy on ``dev.jsonl`` alone (``dev-ood.jsonl`` is held out: it is only
reported). Nothing else is read. Each training abstract
is used twice: with the gold entities located in its text (aliases, case-sensitive whole words,
longest first) and with the extractor's entities matched to gold (``KG_MENTION_SOURCES``, else the
default sources), so the model sees the mentions it will get at run time.

Usage (from the repo root)::

    # the shipped artefact: the default pipeline's mentions for training and selection
    .venv/bin/python scripts/train_relations.py --l2 5 --cache /tmp/rel-cache
    .venv/bin/python scripts/train_relations.py --limit 20 --out /tmp/rel   # a quick slice
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from relation_data import cached_inputs, gold_input, gold_rules, labelled, mention_sources  # noqa: E402

from kg.evaluate.gold import read_jsonl, score  # noqa: E402
from kg.extract.relate import MODES, combine, with_hints  # noqa: E402
from kg.extract.relation_features import (  # noqa: E402
    BITS,
    LABELS,
    RelationInput,
)
from kg.extract.relation_model import MODEL_DIR, RelationModel, decode  # noqa: E402
from kg.types import PaperRelation  # noqa: E402

__all__ = ["train", "evaluate", "calibrate", "main"]

TRAIN = ("train-gold/train.jsonl", "train-gold/train-conf.jsonl", "dev-gold/seeds-dev.jsonl")
DEV, OOD = "train-gold/dev.jsonl", "train-gold/dev-ood.jsonl"


def _memo_candidates() -> None:
    """The threshold grid decodes dev again and again with one set of weights: keep each paper's
    candidates and hashed features instead of rebuilding them (training-time only)."""
    from kg.extract import relation_model

    memo: dict[Any, Any] = {}
    plain = relation_model.candidates

    def cached(inp: RelationInput, own: Any, main: str, kinds: frozenset[str]) -> Any:
        key = (id(inp.title_doc), tuple(sorted(inp.types.items())), inp.rule_hints, tuple(own), main, kinds)
        if key not in memo:
            memo[key] = plain(inp, own, main, kinds)
        return memo[key]

    relation_model.candidates = cached  # type: ignore[assignment]
    relation_model.hash_features = functools.lru_cache(maxsize=None)(relation_model.hash_features)  # type: ignore[assignment]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(feats: list[np.ndarray], y: np.ndarray, mask: np.ndarray, l2: float, pos_weight: float,
          maxiter: int = 200) -> np.ndarray:
    """One-vs-rest logistic regression (L-BFGS on the masked log loss); returns (2**BITS, labels)."""
    d, k = 1 << BITS, len(LABELS)
    indptr = np.concatenate([[0], np.cumsum([len(f) for f in feats])])
    x = sparse.csr_matrix((np.ones(indptr[-1]), np.concatenate(feats), indptr), shape=(len(feats), d))
    xt = x.T.tocsr()
    wgt = mask * np.where(y > 0, pos_weight, 1.0)

    def f(w: np.ndarray) -> tuple[float, np.ndarray]:
        w = w.reshape(d, k)
        z = x @ w
        p = 1 / (1 + np.exp(-z))
        loss = float((wgt * (np.logaddexp(0, z) - y * z)).sum() + 0.5 * l2 * (w * w).sum())
        g = xt @ (wgt * (p - y)) + l2 * w
        return loss, g.ravel()

    res = minimize(f, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
    print(f"  L-BFGS: {res.nit} iterations, loss {res.fun:.1f}", file=sys.stderr)
    return res.x.reshape(d, k).astype(np.float32)


def _rows(row: dict[str, Any], inp: RelationInput, rels: list[PaperRelation]) -> dict[str, Any]:
    surf: dict[str, set[str]] = defaultdict(set)
    for s, ms in [(inp.title_doc[:], inp.title_mentions), *inp.sentences]:
        for m in ms:
            surf[m.name].add(s.text[m.start: m.end])
    ents = [{"name": n, "type": t.value, "aliases": sorted(surf[n] | {n})} for n, t in inp.types.items()]
    return {"id": row["id"], "title": row["title"], "entities": ents,
            "relations": [{"head": r.head, "type": r.type.value, "tail": r.tail, "confidence": r.confidence,
                           "extractor": r.extractor} for r in rels]}


def evaluate(model: RelationModel, rows: list[dict[str, Any]], inputs: list[Any], mode: str,
             policy: dict[str, str] | None = None, oracle: bool = False) -> Any:
    preds = []
    for row, (inp, adoc, rules) in zip(rows, inputs, strict=True):
        if oracle:
            inp = gold_input(row, inp, adoc)
            rules = gold_rules(inp, adoc)
        inp = with_hints(inp, rules)
        if mode == "rules":
            rels = rules
        elif mode == "learned":
            rels = decode(model, inp)
        else:
            rels = combine(rules, decode(model, inp, raw=True), policy or {}, model)
        preds.append(_rows(row, inp, rels))
    return score(rows, preds)


def _isotonic(bins: list[tuple[float, int, int]]) -> list[tuple[float, float]]:
    """Pool adjacent bins (edge, n, correct) until precision rises with the edge; Laplace-smoothed.
    A pooled precision under 0.9 is capped at 0.79, so confidence >= 0.8 means >= 90% on dev."""
    blocks: list[list[Any]] = []
    for edge, n, ok in bins:
        blocks.append([[edge], n, ok])
        while len(blocks) > 1 and (blocks[-2][2] + 1) / (blocks[-2][1] + 2) > (blocks[-1][2] + 1) / (blocks[-1][1] + 2):
            e, n2, ok2 = blocks.pop()
            blocks[-1] = [blocks[-1][0] + e, blocks[-1][1] + n2, blocks[-1][2] + ok2]
    out = []
    for edges, n, ok in blocks:
        prec = (ok + 1) / (n + 2)
        out.append((min(edges), round(prec if prec >= 0.9 else min(prec, 0.79), 3)))
    return out


def calibrate(model: RelationModel, rows: list[dict[str, Any]], ins: list[Any],
              policy: dict[str, str]) -> dict[str, tuple[tuple[float, float], ...]]:
    """Confidence tables per source (see :class:`RelationModel`), fitted on ``rows`` (dev)."""
    edges = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
    preds = {"alone": [], "learned": [], "rules": [], "both": []}
    for row, (inp, _, rules) in zip(rows, ins, strict=True):
        raw = decode(model, with_hints(inp, rules), raw=True)
        for src, rels in (("alone", raw), ("combined", combine(rules, raw, policy, model))):
            for r in rels:
                key = src if src == "alone" else ("both" if "+" in r.extractor else r.extractor.split(":")[0])
                preds[key].append((row, inp, r))
    out = {}
    for key, items in preds.items():
        by_paper: dict[str, list[PaperRelation]] = defaultdict(list)
        for row, _, r in items:
            by_paper[row["id"]].append(r)
        s = score(rows, [_rows(row, inp, by_paper[row["id"]]) for row, (inp, _, _) in zip(rows, ins, strict=True)])
        bins = []
        for lo, hi in zip(edges, [*edges[1:], 2.0], strict=True):
            sel = [ok for c, ok in s.confidences if lo <= c < hi]
            if sel:
                bins.append((lo, len(sel), sum(sel)))
        out[key] = tuple(_isotonic(bins)) if bins else ()
    return out


def _summary(s: Any) -> dict[str, Any]:
    d = s.to_dict()["relations"]
    return {"all": d["all"]["f1"], "core": d["core"]["f1"], "p": d["all"]["precision"], "r": d["all"]["recall"],
            "by_type": {k: v["f1"] for k, v in d["by_type"].items()},
            "conf>=0.8": s.to_dict()["calibration"][-1],
            "all_95": d["all"].get("f1_ci"), "core_95": d["core"].get("f1_ci")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N abstracts of each file (tests)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-rule-features", dest="rule_features", action="store_false",
                    help="do not stack the rules' findings as features (ablation)")
    ap.add_argument("--cache", type=Path, default=None, help="keep parsed abstracts here between runs")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--pos-weight", type=float, default=2.0)
    ap.add_argument("--maxiter", type=int, default=200, help="L-BFGS iterations")
    ap.add_argument("--reuse", type=Path, default=None, help="take the weights of this artefact instead of training")
    a = ap.parse_args(argv)
    t0 = time.time()
    np.random.seed(a.seed)  # L-BFGS from zeros is deterministic; recorded for the provenance

    def load(rel: str) -> list[dict[str, Any]]:
        rows = list(read_jsonl(a.data / rel))
        return rows[: a.limit] if a.limit else rows

    train_rows = [r for f in TRAIN for r in load(f)] if a.reuse is None else []
    dev_rows, ood_rows = load(DEV), load(OOD)
    print(f"extracting {len(train_rows)} train + {len(dev_rows)} dev + {len(ood_rows)} dev-ood abstracts",
          file=sys.stderr)
    tr_in, dev_in, ood_in = (cached_inputs(rows, a.cache, n) for rows, n in
                             ((train_rows, "train"), (dev_rows, "dev"), (ood_rows, "ood")))
    feats: list[np.ndarray] = []
    ys, masks = [np.zeros((0, len(LABELS)))], [np.zeros((0, len(LABELS)))]
    for row, (inp, adoc, rules) in zip(train_rows, tr_in, strict=True):
        g = gold_input(row, inp, adoc)
        for view, found in ((g, gold_rules(g, adoc)), (inp, rules)):
            f, y, m = labelled(row, with_hints(view, found) if a.rule_features else view)
            feats += f
            ys.append(y)
            masks.append(m)
    y, mask = np.vstack(ys), np.vstack(masks)
    _memo_candidates()
    if a.reuse is not None:  # thresholds, policy and calibration again, for weights trained before
        w = RelationModel.load(a.reuse).weights
        reused = json.loads((a.reuse / "provenance.json").read_text())
    else:
        print(f"{len(feats)} candidates, {int(y.sum())} positive labels; training", file=sys.stderr)
        w = train(feats, y, mask, a.l2, a.pos_weight, a.maxiter)
        reused = None
    # Thresholds on dev, end to end (the extractor's entities): one shared cut, then proposes alone.
    model = RelationModel(w, {r.value: 0.5 for r in LABELS})
    grid = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    best = max(grid, key=lambda t: _summary(evaluate(
        RelationModel(w, {r.value: t for r in LABELS}), dev_rows, dev_in, "learned"))["all"])
    thr = {r.value: best for r in LABELS}
    pbest = max(grid, key=lambda t: _summary(evaluate(
        RelationModel(w, {**thr, "proposes": t}), dev_rows, dev_in, "learned"))["all"])
    thr["proposes"] = pbest
    model = RelationModel(w, thr)
    # Per-type policy: the rules (alone or in union) stay in a type only where they add at least
    # 0.02 F1 over the model on dev (the margin guards against choosing on noise; dev-ood is not looked at).
    def by_type(rows: list[dict[str, Any]], ins: list[Any]) -> dict[str, dict[str, float]]:
        per = {m: _summary(evaluate(model, rows, ins, m, {}))["by_type"] for m in ("rules", "learned")}
        per["union"] = _summary(evaluate(model, rows, ins, "combined", {}))["by_type"]
        return per

    on_dev = by_type(dev_rows, dev_in)
    policy = {}
    for r in LABELS:
        t = r.value
        ok = [k for k in ("rules", "union") if on_dev[k].get(t, 0) >= on_dev["learned"].get(t, 0) + 0.02]
        policy[t] = max(ok, key=lambda k: on_dev[k].get(t, 0)) if ok else "learned"
    calib = calibrate(model, dev_rows, dev_in, policy)
    model = RelationModel(w, thr, calib)
    report: dict[str, Any] = {}
    for name, rows, ins in (("dev", dev_rows, dev_in), ("dev-ood", ood_rows, ood_in)):
        for mode in MODES:
            report[f"{name}/{mode}"] = _summary(evaluate(model, rows, ins, mode, policy))
        for mode in MODES:
            report[f"{name}/oracle-{mode}"] = _summary(evaluate(model, rows, ins, mode, policy, oracle=True))
    model.save(a.out)
    cfg = json.loads((a.out / "config.json").read_text())
    cfg["combine"] = policy
    (a.out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    prov = {
        "model": "one-vs-rest logistic regression over hashed features (kg/extract/relation_features.py)",
        "data": {"source": "train-gold and dev-gold annotations (shared/data)",
                 "files": {f: _sha(a.data / f) for f in (*TRAIN, DEV, OOD)}},
        "dev": {"f1": report["dev/combined"]["all"], "core": report["dev/combined"]["core"]},
        "used": "train: " + ", ".join(TRAIN) + f"; thresholds, policy and confidence map: {DEV}; "
                f"report: {DEV}, {OOD}",
        "mention_sources": mention_sources(), "limit": a.limit, "seed": a.seed, "rule_features": a.rule_features,
        "l2": a.l2,
        "pos_weight": a.pos_weight, "maxiter": a.maxiter, "bits": BITS,
        "candidates": len(feats), "positives": int(y.sum()), "thresholds": thr, "calibration": calib,
        "combine": policy, "scores": report, "seconds": round(time.time() - t0, 1),
        "licence": "trained on shared/data annotations of this project",
        "weights_from": reused and {k: reused.get(k) for k in (
            "mention_sources", "candidates", "positives", "l2", "pos_weight", "maxiter", "seed", "data")},
    }
    (a.out / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    for k, v in report.items():
        hi = v["conf>=0.8"]
        print(f"{k:24s} all {v['all']:.3f} {v['all_95']} core {v['core']:.3f} {v['core_95']} "
              f"(P {v['p']:.3f} R {v['r']:.3f})"
              f"  conf>=0.8: {hi['correct']}/{hi['n']}")
    print(f"wrote {a.out} in {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
